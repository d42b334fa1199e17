package mail_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/mail/smtptest"
)

// newSender returns a sender for rawURL, failing the test on error.
func newSender(t *testing.T, rawURL string) *mail.SMTPSender {
	t.Helper()
	s, err := mail.NewSMTPSender(rawURL)
	if err != nil {
		t.Fatalf("NewSMTPSender(%q): %v", rawURL, err)
	}
	return s
}

func invitation(to string) mail.Message {
	m := mail.Compose(acme, to, "Ada Lovelace", "You are invited to Café Latin",
		"Grace has invited you to the course.", &mail.Action{Label: "Accept", URL: "/invite?token=abc123"},
		"The link works for 7 days.")
	m.From = "noreply@acme.example"
	return m
}

// Serial: GivesUpAtContextDeadline measures how long Send takes.
func TestSMTPSender(t *testing.T) {
	t.Run("DeliversComposedMessage", func(t *testing.T) {
		srv := smtptest.Start(t)
		m := invitation("ada@example.com")
		if err := newSender(t, srv.URL()).Send(t.Context(), m); err != nil {
			t.Fatal(err)
		}
		got := srv.WaitFor(t, "ada@example.com", 5*time.Second)
		if got.From != "noreply@acme.example" || len(got.To) != 1 || got.To[0] != "ada@example.com" {
			t.Errorf("envelope = %q -> %q", got.From, got.To)
		}
		if got.Subject != m.Subject {
			t.Errorf("Subject = %q, want %q", got.Subject, m.Subject)
		}
		if got.Text != m.Text {
			t.Errorf("Text = %q, want %q", got.Text, m.Text)
		}
		if got.HTML != m.HTML {
			t.Errorf("HTML differs:\ngot  %q\nwant %q", got.HTML, m.HTML)
		}
		if !strings.Contains(got.Text, "https://acme.example/invite?token=abc123") {
			t.Errorf("text lacks the action URL:\n%s", got.Text)
		}
		if got.User != "" {
			t.Errorf("authenticated as %q without credentials", got.User)
		}
	})

	t.Run("AuthenticatesWhenURLHasCredentials", func(t *testing.T) {
		srv := smtptest.Start(t)
		url := strings.Replace(srv.URL(), "smtp://", "smtp://mailer:s3cret@", 1)
		if err := newSender(t, url).Send(t.Context(), invitation("ada@example.com")); err != nil {
			t.Fatal(err)
		}
		if got := srv.WaitFor(t, "ada@example.com", 5*time.Second); got.User != "mailer" {
			t.Errorf("User = %q, want mailer", got.User)
		}
	})

	t.Run("TellsPermanentFromTemporaryFailure", func(t *testing.T) {
		srv := smtptest.Start(t)
		sender := newSender(t, srv.URL())
		cases := []struct {
			code      int
			permanent bool
		}{{550, true}, {451, false}}
		for _, c := range cases {
			srv.FailNext(c.code, 1)
			err := sender.Send(t.Context(), invitation("ada@example.com"))
			if err == nil {
				t.Fatalf("FailNext(%d): Send succeeded", c.code)
			}
			if !strings.HasPrefix(err.Error(), "mail: send: ") || !strings.Contains(err.Error(), fmt.Sprint(c.code)) {
				t.Errorf("FailNext(%d): err = %q", c.code, err)
			}
			if got := mail.IsPermanent(err); got != c.permanent {
				t.Errorf("FailNext(%d): IsPermanent = %v, want %v", c.code, got, c.permanent)
			}
		}
		if err := sender.Send(t.Context(), invitation("ada@example.com")); err != nil {
			t.Fatalf("send after the failures: %v", err)
		}
		srv.WaitFor(t, "ada@example.com", 5*time.Second)
		if n := len(srv.Messages()); n != 1 {
			t.Errorf("server kept %d messages, want 1", n)
		}
	})

	t.Run("RefusesInvalidMessageAsPermanent", func(t *testing.T) {
		srv := smtptest.Start(t)
		m := invitation("ada@example.com")
		m.Subject = "Hi\r\nBcc: eve@example.com"
		err := newSender(t, srv.URL()).Send(t.Context(), m)
		if err == nil || !mail.IsPermanent(err) {
			t.Errorf("err = %v, want a permanent error", err)
		}
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("server got %d messages", n)
		}
	})

	t.Run("GivesUpAtContextDeadline", func(t *testing.T) {
		url := silentServer(t)
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := newSender(t, url).Send(ctx, invitation("ada@example.com"))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want context.DeadlineExceeded", err)
		}
		if mail.IsPermanent(err) {
			t.Errorf("IsPermanent(%v) = true; a timeout may pass", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("Send took %v after a 100ms deadline", d)
		}
	})

	t.Run("StopsWhenContextIsCanceled", func(t *testing.T) {
		url := silentServer(t)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		err := newSender(t, url).Send(ctx, invitation("ada@example.com"))
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}

// silentServer listens on the loopback interface and accepts connections
// but never says a word, like a mail server that has hung.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "smtp://" + ln.Addr().String()
}

func TestNewSMTPSender(t *testing.T) {
	t.Parallel()
	t.Run("AcceptsSMTPAndSMTPSURLs", func(t *testing.T) {
		cases := map[string]string{
			"smtp://mail.example.com:2525":         "smtp://mail.example.com:2525",
			"smtp://mail.example.com":              "smtp://mail.example.com:587",
			"smtps://mail.example.com":             "smtps://mail.example.com:465",
			"smtp://user%40acme:p%40ss@[::1]:1025": "smtp://user%40acme@[::1]:1025",
		}
		for raw, want := range cases {
			if got := newSender(t, raw).String(); got != want {
				t.Errorf("NewSMTPSender(%q).String() = %q, want %q", raw, got, want)
			}
		}
	})

	t.Run("RejectsOtherURLs", func(t *testing.T) {
		for _, raw := range []string{"", "http://mail.example.com", "smtp://", "smtp://:25", "smtp://mail.example.com:0", "smtp://mail.example.com:smtp"} {
			if _, err := mail.NewSMTPSender(raw); err == nil {
				t.Errorf("NewSMTPSender(%q) succeeded", raw)
			}
		}
	})

	t.Run("KeepsPasswordOutOfErrors", func(t *testing.T) {
		_, err := mail.NewSMTPSender("smtp://user:s3cret@[::1:25")
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestIsPermanent(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"Nil", nil, false},
		{"NetworkError", errors.New("connection refused"), false},
		{"Wrapped5xx", fmt.Errorf("mail: send: %w", &smtp.SMTPError{Code: 554}), true},
		{"Wrapped4xx", fmt.Errorf("mail: send: %w", &smtp.SMTPError{Code: 421}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := mail.IsPermanent(c.err); got != c.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", c.err, got, c.want)
			}
		})
	}
}
