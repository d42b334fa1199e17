// Package smtptest runs a real SMTP server on the loopback interface for
// tests: it keeps every message it receives, parsed enough to assert on,
// and can be told to refuse recipients so that retries can be tested.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Received is one message as the server got it.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	User    string   // AUTH PLAIN user name; empty when the client did not authenticate
	Data    []byte   // the message as sent, headers and body
	Subject string   // decoded
	Text    string   // first text/plain part, decoded, with "\n" line breaks
	HTML    string   // first text/html part, decoded, with "\n" line breaks
}

// Server is an SMTP server listening on 127.0.0.1. It accepts any sender,
// any recipient and, over plain TCP, AUTH PLAIN with any credentials.
type Server struct {
	addr string

	mu       sync.Mutex
	received []Received
	taken    []bool        // taken[i]: WaitFor has returned received[i]
	arrived  chan struct{} // closed and replaced when a message arrives
	failCode int
	failLeft int
}

// Start starts a server on a free port of 127.0.0.1; it stops when the test
// ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	return StartAt(tb, "127.0.0.1:0")
}

// StartAt starts a server at addr: a test that let mail fail against a
// port with nothing listening brings the server up there later.
func StartAt(tb testing.TB, addr string) *Server {
	tb.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s := &Server{addr: ln.Addr().String(), arrived: make(chan struct{})}

	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{server: s}, nil
	}))
	srv.Domain = "smtptest.localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	log := &testLog{tb: tb}
	srv.ErrorLog = log

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		srv.Close()
		// Close misses a listener that Serve has not registered yet, and
		// Serve would then wait in Accept for ever; closing it here too
		// makes Serve return whenever it got to.
		ln.Close()
		if err := <-served; err != nil {
			tb.Errorf("smtptest: serve: %v", err)
		}
		log.stop()
	})
	return s
}

// URL returns the server's address as smtp://127.0.0.1:PORT.
func (s *Server) URL() string {
	return "smtp://" + s.addr
}

// Messages returns every message received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.received)
}

// WaitFor returns the oldest message for the recipient to that WaitFor has
// not returned before, waiting up to timeout for one to arrive; it fails the
// test when none does. Calling it twice therefore waits for two messages.
func (s *Server) WaitFor(tb testing.TB, to string, timeout time.Duration) Received {
	tb.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		s.mu.Lock()
		for i, r := range s.received {
			if !s.taken[i] && slices.ContainsFunc(r.To, func(rcpt string) bool { return strings.EqualFold(rcpt, to) }) {
				s.taken[i] = true
				s.mu.Unlock()
				return r
			}
		}
		arrived := s.arrived
		s.mu.Unlock()

		select {
		case <-arrived:
		case <-timer.C:
			tb.Fatalf("smtptest: no message to %s within %v", to, timeout)
			return Received{}
		}
	}
}

// FailNext makes the next n RCPT commands fail with code: a 4xx code is a
// temporary failure, a 5xx one a permanent failure.
func (s *Server) FailNext(code int, n int) {
	if code < 400 || code > 599 {
		panic(fmt.Sprintf("smtptest: FailNext: %d is not a 4xx or 5xx code", code))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode, s.failLeft = code, n
}

// takeFailure returns the failure a RCPT should report, if FailNext asked
// for one.
func (s *Server) takeFailure() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failLeft <= 0 {
		return nil
	}
	s.failLeft--
	return &smtp.SMTPError{
		Code:         s.failCode,
		EnhancedCode: smtp.EnhancedCodeNotSet,
		Message:      "smtptest: failing as asked by FailNext",
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.received = append(s.received, r)
	s.taken = append(s.taken, false)
	close(s.arrived)
	s.arrived = make(chan struct{})
}

// session is one client connection's state; go-smtp calls it from that
// connection's goroutine only.
type session struct {
	server *Server
	user   string
	from   string
	to     []string
}

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, _ string) error {
		ss.user = username
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := ss.server.takeFailure(); err != nil {
		return err
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec, err := parse(data)
	if err != nil {
		// Refusing shows the sender's test that its message is malformed.
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: "smtptest: cannot parse the message: " + err.Error()}
	}
	rec.From, rec.To, rec.User = ss.from, slices.Clone(ss.to), ss.user
	ss.server.add(rec)
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
}

func (ss *session) Logout() error { return nil }

// parse fills Data, Subject, Text and HTML from a raw message.
func parse(data []byte) (Received, error) {
	rec := Received{Data: data}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return rec, err
	}
	var dec mime.WordDecoder
	if rec.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return rec, fmt.Errorf("subject: %w", err)
	}
	err = walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body,
		func(mediaType, body string) {
			switch {
			case mediaType == "text/plain" && rec.Text == "":
				rec.Text = body
			case mediaType == "text/html" && rec.HTML == "":
				rec.HTML = body
			}
		})
	return rec, err
}

// walk calls leaf with the media type and decoded text of every non-multipart
// part of a body, descending into nested multiparts.
func walk(contentType, encoding string, body io.Reader, leaf func(mediaType, body string)) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			// NextRawPart: decoding is done below, the same way for a
			// part as for a single-part message.
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, leaf); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s part: %w", mediaType, err)
	}
	leaf(mediaType, strings.ReplaceAll(string(b), "\r\n", "\n"))
	return nil
}

// testLog passes the go-smtp server's error log to the test log until the
// test ends; logging after that would panic.
type testLog struct {
	mu      sync.Mutex
	tb      testing.TB
	stopped bool
}

func (l *testLog) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.tb.Logf("smtptest: "+format, v...)
	}
}

func (l *testLog) Println(v ...any) {
	l.Printf("%s", fmt.Sprintln(v...))
}

func (l *testLog) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}
