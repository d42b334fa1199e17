package smtptest_test

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/upward-lms/upward/internal/mail/smtptest"
)

// send delivers raw to the server with the go-smtp client, so that the
// server is tested without the code it exists to test. It reports every
// failure as an error, being called from goroutines too.
func send(s *smtptest.Server, from, to, raw string) error {
	u, err := url.Parse(s.URL())
	if err != nil {
		return err
	}
	c, err := smtp.Dial(u.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SendMail(from, []string{to}, strings.NewReader(raw)); err != nil {
		return err
	}
	return c.Quit()
}

const multipartMessage = "From: a@example.com\r\n" +
	"To: b@example.com\r\n" +
	"Subject: =?utf-8?q?Caf=C3=A9?= time\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/alternative; boundary=XYZ\r\n" +
	"\r\n" +
	"--XYZ\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"Caf=C3=A9 at ten=\r\n" +
	" o'clock.\r\nBring a =3D sign.\r\n" +
	"--XYZ\r\n" +
	"Content-Type: text/html; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"PHA+Q2Fmw6k8L3A+\r\n" +
	"--XYZ--\r\n"

func TestServer(t *testing.T) {
	t.Parallel()
	t.Run("URLIsLoopbackSMTP", func(t *testing.T) {
		s := smtptest.Start(t)
		if !strings.HasPrefix(s.URL(), "smtp://127.0.0.1:") {
			t.Errorf("URL() = %q", s.URL())
		}
	})

	t.Run("ParsesMultipartMessage", func(t *testing.T) {
		s := smtptest.Start(t)
		if err := send(s, "a@example.com", "b@example.com", multipartMessage); err != nil {
			t.Fatal(err)
		}
		got := s.WaitFor(t, "b@example.com", 5*time.Second)
		if got.From != "a@example.com" || len(got.To) != 1 || got.To[0] != "b@example.com" {
			t.Errorf("envelope = %q -> %q", got.From, got.To)
		}
		if got.Subject != "Café time" {
			t.Errorf("Subject = %q", got.Subject)
		}
		// The line break before a boundary belongs to the boundary.
		if want := "Café at ten o'clock.\nBring a = sign."; got.Text != want {
			t.Errorf("Text = %q, want %q", got.Text, want)
		}
		if got.HTML != "<p>Café</p>" {
			t.Errorf("HTML = %q", got.HTML)
		}
		if string(got.Data) != multipartMessage {
			t.Errorf("Data is not the message as sent:\n%s", got.Data)
		}
	})

	t.Run("ParsesSinglePartMessage", func(t *testing.T) {
		s := smtptest.Start(t)
		raw := "Subject: Hi\r\n\r\nJust text.\r\n"
		if err := send(s, "a@example.com", "b@example.com", raw); err != nil {
			t.Fatal(err)
		}
		got := s.WaitFor(t, "b@example.com", 5*time.Second)
		if got.Text != "Just text.\n" || got.HTML != "" {
			t.Errorf("Text = %q, HTML = %q", got.Text, got.HTML)
		}
	})

	t.Run("RefusesUnparsableMessage", func(t *testing.T) {
		s := smtptest.Start(t)
		raw := "Subject: Hi\r\nContent-Type: multipart/alternative\r\n\r\nno boundary\r\n"
		err := send(s, "a@example.com", "b@example.com", raw)
		var se *smtp.SMTPError
		if !errors.As(err, &se) || se.Code != 554 {
			t.Errorf("err = %v, want a 554 reply", err)
		}
		if n := len(s.Messages()); n != 0 {
			t.Errorf("kept %d messages", n)
		}
	})

	t.Run("FailNextRefusesThatManyRecipients", func(t *testing.T) {
		s := smtptest.Start(t)
		s.FailNext(451, 2)
		for i := range 2 {
			err := send(s, "a@example.com", "b@example.com", "Subject: Hi\r\n\r\nx\r\n")
			var se *smtp.SMTPError
			if !errors.As(err, &se) || se.Code != 451 {
				t.Fatalf("send %d: err = %v, want a 451 reply", i, err)
			}
		}
		if err := send(s, "a@example.com", "b@example.com", "Subject: Hi\r\n\r\nx\r\n"); err != nil {
			t.Fatalf("third send: %v", err)
		}
		if n := len(s.Messages()); n != 1 {
			t.Errorf("Messages() has %d, want 1", n)
		}
	})

	t.Run("WaitForReturnsEachMessageOnce", func(t *testing.T) {
		s := smtptest.Start(t)
		for i := range 2 {
			raw := fmt.Sprintf("Subject: number %d\r\n\r\nx\r\n", i)
			if err := send(s, "a@example.com", "B@Example.com", raw); err != nil {
				t.Fatal(err)
			}
		}
		first := s.WaitFor(t, "b@example.com", 5*time.Second)
		second := s.WaitFor(t, "b@example.com", 5*time.Second)
		if first.Subject != "number 0" || second.Subject != "number 1" {
			t.Errorf("got %q then %q", first.Subject, second.Subject)
		}
	})

	t.Run("WaitForWaitsForLateMessage", func(t *testing.T) {
		s := smtptest.Start(t)
		done := make(chan error, 1)
		go func() {
			time.Sleep(50 * time.Millisecond)
			done <- send(s, "a@example.com", "late@example.com", "Subject: Late\r\n\r\nx\r\n")
		}()
		if got := s.WaitFor(t, "late@example.com", 5*time.Second); got.Subject != "Late" {
			t.Errorf("Subject = %q", got.Subject)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})

	t.Run("WaitForFailsTheTestOnTimeout", func(t *testing.T) {
		s := smtptest.Start(t)
		rec := &recordingTB{TB: t}
		s.WaitFor(rec, "nobody@example.com", 20*time.Millisecond)
		if !strings.Contains(rec.fatal, "no message to nobody@example.com") {
			t.Errorf("Fatalf got %q", rec.fatal)
		}
	})

	t.Run("SafeForConcurrentSenders", func(t *testing.T) {
		s := smtptest.Start(t)
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				to := fmt.Sprintf("user%d@example.com", i)
				if err := send(s, "a@example.com", to, "Subject: Hi\r\n\r\nx\r\n"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := len(s.Messages()); n != 8 {
			t.Errorf("Messages() has %d, want 8", n)
		}
	})
}

// recordingTB records Fatalf instead of ending the test, so that a failure
// can itself be tested.
type recordingTB struct {
	testing.TB
	fatal string
}

func (r *recordingTB) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
}
