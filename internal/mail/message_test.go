package mail_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/mail"
)

var sentAt = time.Date(2026, 3, 14, 9, 26, 53, 0, time.FixedZone("CET", 3600))

func validMessage() mail.Message {
	return mail.Message{
		To:       "ada@example.com",
		ToName:   "Ada Lovelace",
		From:     "noreply@upward.example",
		FromName: "Acme Academy",
		Subject:  "Welcome",
		Text:     "Hello Ada.\n\nWelcome aboard.\n",
		HTML:     "<p>Hello Ada.</p>\n<p>Welcome aboard.</p>\n",
	}
}

// render returns the message's bytes, failing the test on error.
func render(t *testing.T, m mail.Message) []byte {
	t.Helper()
	b, err := m.Bytes(sentAt, "abc123@upward.example")
	if err != nil {
		t.Fatalf("Bytes: %v", err)
	}
	return b
}

// readMessage parses raw with net/mail, failing the test on error.
func readMessage(t *testing.T, raw []byte) *netmail.Message {
	t.Helper()
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("ReadMessage: %v\n%s", err, raw)
	}
	return msg
}

func TestBytes(t *testing.T) {
	t.Parallel()
	t.Run("HasTheStandardHeaders", func(t *testing.T) {
		m := validMessage()
		m.ReplyTo = "teacher@example.com"
		h := readMessage(t, render(t, m)).Header
		want := map[string]string{
			"From":         `"Acme Academy" <noreply@upward.example>`,
			"To":           `"Ada Lovelace" <ada@example.com>`,
			"Reply-To":     `<teacher@example.com>`,
			"Subject":      "Welcome",
			"Date":         "Sat, 14 Mar 2026 09:26:53 +0100",
			"Message-Id":   "<abc123@upward.example>",
			"Mime-Version": "1.0",
		}
		for name, v := range want {
			if got := h.Get(name); got != v {
				t.Errorf("%s = %q, want %q", name, got, v)
			}
		}
	})

	t.Run("RejectsHeaderInjection", func(t *testing.T) {
		inject := "x\r\nBcc: victim@example.com"
		cases := map[string]func(*mail.Message){
			"To":       func(m *mail.Message) { m.To = "ada@example.com" + inject },
			"ToName":   func(m *mail.Message) { m.ToName = inject },
			"From":     func(m *mail.Message) { m.From = "noreply@upward.example" + inject },
			"FromName": func(m *mail.Message) { m.FromName = inject },
			"ReplyTo":  func(m *mail.Message) { m.ReplyTo = "t@example.com" + inject },
			"Subject":  func(m *mail.Message) { m.Subject = inject },
			"LoneLF":   func(m *mail.Message) { m.Subject = "x\nBcc: victim@example.com" },
		}
		for name, spoil := range cases {
			t.Run(name, func(t *testing.T) {
				m := validMessage()
				spoil(&m)
				b, err := m.Bytes(sentAt, "abc123@upward.example")
				if err == nil || !strings.Contains(err.Error(), "line break") {
					t.Fatalf("Bytes = %v; want a line-break error\n%s", err, b)
				}
				if !mail.IsPermanent(err) {
					t.Errorf("IsPermanent(%v) = false; retrying cannot fix the message", err)
				}
			})
		}
		_, err := validMessage().Bytes(sentAt, "abc@x"+inject)
		if err == nil {
			t.Error("Bytes accepted a line break in the message ID")
		}
	})

	t.Run("RejectsBadAddresses", func(t *testing.T) {
		cases := map[string]func(*mail.Message){
			"MissingTo":       func(m *mail.Message) { m.To = "" },
			"MissingFrom":     func(m *mail.Message) { m.From = "" },
			"NotAnAddress":    func(m *mail.Message) { m.To = "ada at example.com" },
			"NameInAddress":   func(m *mail.Message) { m.To = "Ada <ada@example.com>" },
			"NonASCIIAddress": func(m *mail.Message) { m.To = "zoë@example.com" },
			"BadReplyTo":      func(m *mail.Message) { m.ReplyTo = "nobody" },
		}
		for name, spoil := range cases {
			t.Run(name, func(t *testing.T) {
				m := validMessage()
				spoil(&m)
				if _, err := m.Bytes(sentAt, "abc123@upward.example"); err == nil {
					t.Error("Bytes accepted it")
				}
			})
		}
	})

	t.Run("RejectsMalformedMessageID", func(t *testing.T) {
		for _, id := range []string{"", "no-at-sign", "@upward.example", "abc@", "a b@upward.example", "a@b@c"} {
			if _, err := validMessage().Bytes(sentAt, id); err == nil {
				t.Errorf("Bytes accepted message ID %q", id)
			}
		}
	})

	t.Run("RequiresText", func(t *testing.T) {
		m := validMessage()
		m.Text = " \n"
		if _, err := m.Bytes(sentAt, "abc123@upward.example"); err == nil {
			t.Error("Bytes accepted a message without text")
		}
	})

	t.Run("EncodesNonASCIISubjectAndNames", func(t *testing.T) {
		m := validMessage()
		m.Subject = "Félicitations, Zoë !"
		m.ToName = "Zoë Ünal"
		raw := render(t, m)
		if bytes.ContainsAny(raw, "éëÜ") {
			t.Fatalf("raw message has unencoded UTF-8 in it:\n%s", raw)
		}
		h := readMessage(t, raw).Header
		if !strings.HasPrefix(h.Get("Subject"), "=?utf-8?q?") {
			t.Errorf("Subject = %q, want a Q-encoded word", h.Get("Subject"))
		}
		var dec mime.WordDecoder
		if got, err := dec.DecodeHeader(h.Get("Subject")); err != nil || got != m.Subject {
			t.Errorf("decoded Subject = %q, %v; want %q", got, err, m.Subject)
		}
		to, err := h.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Name != "Zoë Ünal" || to[0].Address != "ada@example.com" {
			t.Errorf("To = %v, %v", to, err)
		}
	})

	t.Run("FoldsLongHeaders", func(t *testing.T) {
		m := validMessage()
		m.Subject = strings.Repeat("Introduction à la programmation ", 12) + "avancée"
		raw := render(t, m)
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		for _, line := range strings.Split(string(head), "\r\n") {
			// Over 78 characters is allowed only for one unbreakable
			// word, such as a 75-character encoded word after "Subject: ".
			word := strings.TrimLeft(line, " ")
			if _, value, ok := strings.Cut(word, ": "); ok {
				word = value
			}
			if len(line) > 78 && strings.Contains(word, " ") {
				t.Errorf("header line of %d characters could have been folded: %q", len(line), line)
			}
		}
		if n := bytes.Count(head, []byte("\r\n ")); n < 3 {
			t.Errorf("Subject folded %d times, want several:\n%s", n, head)
		}
		var dec mime.WordDecoder
		got, err := dec.DecodeHeader(readMessage(t, raw).Header.Get("Subject"))
		if err != nil || got != m.Subject {
			t.Errorf("decoded Subject = %q, %v; want %q", got, err, m.Subject)
		}
	})

	t.Run("IsMultipartAlternativeThatDecodesToTheOriginals", func(t *testing.T) {
		m := validMessage()
		// Long lines, "=" and non-ASCII text exercise quoted-printable.
		m.Text = "Price: 10 € = ten euros.\n" + strings.Repeat("long line ", 30) + "\n"
		m.HTML = `<p style="color:#123456">Price: 10&nbsp;€</p>` + strings.Repeat("<b>x</b>", 40) + "\n"
		raw := render(t, m)
		for i, line := range strings.Split(string(raw), "\r\n") {
			if len(line) > 78 {
				t.Errorf("line %d has %d characters", i, len(line))
			}
		}
		msg := readMessage(t, raw)
		mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil || mediaType != "multipart/alternative" {
			t.Fatalf("Content-Type = %q (%v)", msg.Header.Get("Content-Type"), err)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		want := []struct{ contentType, body string }{
			{"text/plain; charset=utf-8", m.Text},
			{"text/html; charset=utf-8", m.HTML},
		}
		for _, w := range want {
			p, err := mr.NextPart() // decodes quoted-printable
			if err != nil {
				t.Fatalf("NextPart: %v", err)
			}
			if got := p.Header.Get("Content-Type"); got != w.contentType {
				t.Errorf("part Content-Type = %q, want %q", got, w.contentType)
			}
			body, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != w.body {
				t.Errorf("%s part = %q, want %q", w.contentType, got, w.body)
			}
		}
		if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
			t.Errorf("after two parts: %v, want EOF", err)
		}
	})

	t.Run("WithoutHTMLIsPlainText", func(t *testing.T) {
		m := validMessage()
		m.HTML = ""
		msg := readMessage(t, render(t, m))
		if got := msg.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := msg.Header.Get("Content-Transfer-Encoding"); got != "quoted-printable" {
			t.Errorf("Content-Transfer-Encoding = %q", got)
		}
	})
}
