package mail

// These tests are inside the package because they need the sender to trust
// a test certificate; smtptest speaks plain SMTP only.

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// delivery is what tlsServer saw of one message.
type delivery struct {
	overTLS bool
	user    string
}

// tlsServer starts an SMTP server with a certificate for 127.0.0.1, either
// offering STARTTLS or speaking TLS from the start, and refusing AUTH
// outside TLS. It returns its address, a pool that trusts it, and a channel
// that receives each delivery.
func tlsServer(t *testing.T, implicit bool) (string, *x509.CertPool, <-chan delivery) {
	t.Helper()
	// httptest's certificate is valid for 127.0.0.1; borrowing it saves
	// minting one.
	hts := httptest.NewUnstartedServer(http.NotFoundHandler())
	hts.StartTLS()
	t.Cleanup(hts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(hts.Certificate())
	tlsConfig := &tls.Config{Certificates: hts.TLS.Certificates}

	deliveries := make(chan delivery, 10)
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &tlsSession{conn: c, deliveries: deliveries}, nil
	}))
	srv.TLSConfig = tlsConfig
	srv.ErrorLog = discardLog{}

	var ln net.Listener
	var err error
	if implicit {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", tlsConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ln)
	}()
	t.Cleanup(func() {
		srv.Close()
		ln.Close()
		<-served
	})
	return ln.Addr().String(), roots, deliveries
}

type tlsSession struct {
	conn       *smtp.Conn
	user       string
	deliveries chan<- delivery
}

func (s *tlsSession) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *tlsSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, _ string) error { s.user = user; return nil }), nil
}
func (s *tlsSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *tlsSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *tlsSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	_, overTLS := s.conn.TLSConnectionState()
	s.deliveries <- delivery{overTLS: overTLS, user: s.user}
	return nil
}
func (s *tlsSession) Reset()        {}
func (s *tlsSession) Logout() error { return nil }

type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

func testMessage() Message {
	return Message{To: "ada@example.com", From: "noreply@acme.example", Subject: "Hi", Text: "Hello."}
}

func TestSMTPSenderTLS(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		scheme   string
		implicit bool
	}{
		{"StartsTLSWhenOffered", "smtp", false},
		{"SpeaksTLSFromTheStartForSMTPS", "smtps", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr, roots, deliveries := tlsServer(t, c.implicit)
			s, err := NewSMTPSender(c.scheme + "://mailer:s3cret@" + addr)
			if err != nil {
				t.Fatal(err)
			}
			s.rootCAs = roots
			if err := s.Send(t.Context(), testMessage()); err != nil {
				t.Fatal(err)
			}
			select {
			case d := <-deliveries:
				if !d.overTLS || d.user != "mailer" {
					t.Errorf("delivery = %+v, want over TLS as mailer", d)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no delivery")
			}
		})
	}

	t.Run("VerifiesTheCertificate", func(t *testing.T) {
		addr, _, deliveries := tlsServer(t, false)
		s, err := NewSMTPSender("smtp://" + addr)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Send(t.Context(), testMessage())
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Errorf("err = %v, want a certificate error", err)
		}
		if len(deliveries) != 0 {
			t.Error("delivered over an unverified connection")
		}
	})
}

func TestIsLoopback(t *testing.T) {
	t.Parallel()
	for host, want := range map[string]bool{
		"localhost": true, "127.0.0.1": true, "127.8.9.10": true, "::1": true,
		"mail.example.com": false, "10.0.0.1": false, "localhost.example.com": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}
