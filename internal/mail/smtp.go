package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// DefaultSendTimeout bounds one Send when its context has no earlier
// deadline, so that a server that stops answering cannot hold a worker.
const DefaultSendTimeout = 30 * time.Second

// SMTPSender delivers messages to one SMTP server, one connection per
// message. It is safe for concurrent use.
type SMTPSender struct {
	host        string
	port        string
	implicitTLS bool
	username    string // AUTH PLAIN is used when set
	password    string
	localName   string // our name in EHLO
	timeout     time.Duration
	rootCAs     *x509.CertPool // nil: the system's; tests trust their own
}

// NewSMTPSender returns a sender for a URL of the form
// smtp://[user:pass@]host[:port] (STARTTLS when the server offers it, port
// 587 by default) or smtps://[user:pass@]host[:port] (TLS from the first
// byte, port 465 by default). With a user name the sender authenticates with
// AUTH PLAIN, and then only over TLS or to a loopback host.
func NewSMTPSender(rawURL string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL, password included; keep only
		// the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("mail: smtp url: %w", err)
	}
	s := &SMTPSender{host: u.Hostname(), port: u.Port(), timeout: DefaultSendTimeout, localName: localName()}
	switch u.Scheme {
	case "smtp":
		if s.port == "" {
			s.port = "587"
		}
	case "smtps":
		s.implicitTLS = true
		if s.port == "" {
			s.port = "465"
		}
	default:
		return nil, fmt.Errorf("mail: smtp url: scheme %q is not smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("mail: smtp url: no host")
	}
	if p, err := strconv.Atoi(s.port); err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("mail: smtp url: bad port %q", s.port)
	}
	if u.User != nil {
		s.username = u.User.Username()
		s.password, _ = u.User.Password()
	}
	return s, nil
}

// String describes the server without the password, so that a sender can
// be logged.
func (s *SMTPSender) String() string {
	scheme, user := "smtp", ""
	if s.implicitTLS {
		scheme = "smtps"
	}
	if s.username != "" {
		user = url.User(s.username).String() + "@"
	}
	return scheme + "://" + user + net.JoinHostPort(s.host, s.port)
}

// Send delivers m, giving up when ctx ends or after DefaultSendTimeout,
// whichever comes first. Check a failure with IsPermanent before trying
// again.
func (s *SMTPSender) Send(ctx context.Context, m Message) error {
	if err := s.send(ctx, m); err != nil {
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}

func (s *SMTPSender) send(ctx context.Context, m Message) error {
	from, err := parseAddress("From", m.From)
	if err != nil {
		return err
	}
	to, err := parseAddress("To", m.To)
	if err != nil {
		return err
	}
	data, err := m.render(time.Now(), newMessageID(from))
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c, err := s.connect(ctx)
	if err != nil {
		return withCause(ctx, err)
	}
	defer c.Close()
	if err := s.transact(c, from, to, data); err != nil {
		return withCause(ctx, err)
	}
	return nil
}

// connect returns a client that has greeted the server, over TLS when the
// URL asks for it or the server offers STARTTLS.
func (s *SMTPSender) connect(ctx context.Context) (*smtp.Client, error) {
	conn, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	c := smtp.NewClient(conn)
	if err := c.Hello(s.localName); err != nil {
		c.Close()
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	if s.implicitTLS {
		return c, nil
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		return c, nil
	}
	// go-smtp v0.25 starts TLS only on a client it creates itself, before
	// anything else is said, so we learn that the server offers STARTTLS
	// on one connection and use it on a second. smtps:// saves the round
	// trip.
	_ = c.Quit()
	c.Close()
	if conn, err = s.dial(ctx); err != nil {
		return nil, err
	}
	c, err = smtp.NewClientStartTLS(conn, s.tlsConfig())
	if err != nil {
		return nil, fmt.Errorf("STARTTLS: %w", err)
	}
	if err := c.Hello(s.localName); err != nil {
		c.Close()
		return nil, fmt.Errorf("EHLO: %w", err)
	}
	return c, nil
}

// dial opens a connection that is closed when ctx ends. go-smtp sets and
// then clears its own deadline around every command, which would undo one
// set here; closing the connection interrupts whatever it is doing. Send
// cancels ctx when it returns, so no connection outlives it either.
func (s *SMTPSender) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(s.host, s.port)
	var conn net.Conn
	var err error
	if s.implicitTLS {
		d := tls.Dialer{Config: s.tlsConfig()}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	context.AfterFunc(ctx, func() { conn.Close() })
	return conn, nil
}

func (s *SMTPSender) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: s.host, RootCAs: s.rootCAs, MinVersion: tls.VersionTLS12}
}

// transact authenticates if asked to and hands over one message.
func (s *SMTPSender) transact(c *smtp.Client, from, to string, data []byte) error {
	if s.username != "" {
		// A server that does not offer STARTTLS may be one whose offer an
		// attacker removed; the password goes in clear only to this host.
		if _, isTLS := c.TLSConnectionState(); !isTLS && !isLoopback(s.host) {
			return errors.New("AUTH: refusing to send the password without TLS")
		}
		if !c.SupportsAuth(sasl.Plain) {
			return errors.New("AUTH: the server does not offer PLAIN")
		}
		if err := c.Auth(sasl.NewPlainClient("", s.username, s.password)); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	if err := c.Mail(from, nil); err != nil {
		return fmt.Errorf("MAIL FROM:<%s>: %w", from, err)
	}
	if err := c.Rcpt(to, nil); err != nil {
		return fmt.Errorf("RCPT TO:<%s>: %w", to, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	// The server has taken the message; a failed QUIT must not make the
	// caller send it a second time.
	_ = c.Quit()
	return nil
}

// IsPermanent reports whether err means that the message cannot be delivered
// as it is, so trying again is pointless: the server refused it with a 5xx
// reply, or the message itself is invalid. A 4xx reply, a network failure or
// a timeout may succeed on a later try.
func IsPermanent(err error) bool {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		return se.Code >= 500 && se.Code < 600
	}
	return isInvalid(err)
}

// withCause puts the context's error in front of err when the context ended,
// because the error the connection reports then ("use of closed network
// connection") does not say why.
func withCause(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil {
		return fmt.Errorf("%w: %w", cause, err)
	}
	return err
}

// newMessageID returns a unique Message-ID in the domain of from, a valid
// bare address, as RFC 5322 recommends.
func newMessageID(from string) string {
	// LastIndex: a quoted local part may itself contain "@".
	domain := from[strings.LastIndexByte(from, '@')+1:]
	return "<" + rand.Text() + "@" + domain + ">"
}

// localName is the name we give in EHLO: this host's name when it is a
// plausible one, else go-smtp's default.
func localName() string {
	name, err := os.Hostname()
	if err != nil || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "localhost"
	}
	return name
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
