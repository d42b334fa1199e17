// Package mail composes Upward's e-mail and delivers it over SMTP. It owns
// the wire format (RFC 5322 headers, MIME, quoted-printable) and the talk
// with the mail server; who gets mail, and when, is the caller's business.
package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
)

// Message is one e-mail to one recipient. Addresses are bare
// ("ada@example.com"); display names go in the *Name fields.
type Message struct {
	To       string
	ToName   string
	From     string
	FromName string
	ReplyTo  string // optional
	Subject  string
	Text     string // required: the body text-only clients show
	HTML     string // optional: sent as the richer alternative to Text
}

// Bytes renders m as an RFC 5322 message for SMTP DATA, dated now and
// identified by messageID ("id@domain", with or without angle brackets).
// With HTML it is multipart/alternative, text first so that clients prefer
// the HTML; both parts are UTF-8 in quoted-printable, which keeps every line
// 7-bit and short whatever the server supports.
//
// A header value containing CR or LF is refused rather than cleaned: it can
// only come from a bug or an attempt to add headers (a Bcc, say).
func (m Message) Bytes(now time.Time, messageID string) ([]byte, error) {
	b, err := m.render(now, messageID)
	if err != nil {
		return nil, fmt.Errorf("mail: message: %w", err)
	}
	return b, nil
}

func (m Message) render(now time.Time, messageID string) ([]byte, error) {
	fields := []struct{ name, value string }{
		{"To", m.To}, {"ToName", m.ToName}, {"From", m.From}, {"FromName", m.FromName},
		{"ReplyTo", m.ReplyTo}, {"Subject", m.Subject}, {"message ID", messageID},
	}
	for _, f := range fields {
		if strings.ContainsAny(f.value, "\r\n") {
			return nil, invalidf("%s contains a line break", f.name)
		}
	}
	from, err := parseAddress("From", m.From)
	if err != nil {
		return nil, err
	}
	to, err := parseAddress("To", m.To)
	if err != nil {
		return nil, err
	}
	var replyTo string
	if m.ReplyTo != "" {
		if replyTo, err = parseAddress("ReplyTo", m.ReplyTo); err != nil {
			return nil, err
		}
	}
	id, err := formatMessageID(messageID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, invalidf("Text is required")
	}

	var buf bytes.Buffer
	writeHeader(&buf, "Date", now.Format(time.RFC1123Z))
	// Address.String quotes the name, or Q-encodes it when it is not ASCII.
	writeHeader(&buf, "From", (&mail.Address{Name: m.FromName, Address: from}).String())
	if replyTo != "" {
		writeHeader(&buf, "Reply-To", (&mail.Address{Address: replyTo}).String())
	}
	writeHeader(&buf, "To", (&mail.Address{Name: m.ToName, Address: to}).String())
	writeHeader(&buf, "Subject", mime.QEncoding.Encode("utf-8", m.Subject))
	writeHeader(&buf, "Message-ID", id)
	writeHeader(&buf, "MIME-Version", "1.0")

	if m.HTML == "" {
		writeHeader(&buf, "Content-Type", "text/plain; charset=utf-8")
		writeHeader(&buf, "Content-Transfer-Encoding", "quoted-printable")
		buf.WriteString("\r\n")
		if err := writeQuotedPrintable(&buf, m.Text); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}

	mw := multipart.NewWriter(&buf)
	writeHeader(&buf, "Content-Type", mime.FormatMediaType("multipart/alternative",
		map[string]string{"boundary": mw.Boundary()}))
	buf.WriteString("\r\n")
	for _, part := range []struct{ contentType, body string }{
		{"text/plain; charset=utf-8", m.Text},
		{"text/html; charset=utf-8", m.HTML},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQuotedPrintable(w, part.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// parseAddress checks that s is one bare address and returns it. Names are
// refused so that the envelope and the header cannot disagree; non-ASCII
// addresses are refused because they need SMTPUTF8, which we do not use.
func parseAddress(field, s string) (string, error) {
	if s == "" {
		return "", invalidf("%s is required", field)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", invalidf("%s %q is not an e-mail address: %w", field, s, err)
	}
	if a.Name != "" {
		return "", invalidf("%s %q must be a bare address; put the name in %sName", field, s, field)
	}
	for i := 0; i < len(a.Address); i++ {
		if a.Address[i] >= 0x80 {
			return "", invalidf("%s %q is not an ASCII address", field, s)
		}
	}
	return a.Address, nil
}

// formatMessageID returns id in angle brackets after checking it has the
// id-left@id-right shape of RFC 5322 section 3.6.4.
func formatMessageID(id string) (string, error) {
	bare := strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	left, right, ok := strings.Cut(bare, "@")
	if !ok || left == "" || right == "" || strings.ContainsAny(bare, " \t<>") ||
		strings.Contains(right, "@") {
		return "", invalidf("message ID %q is not of the form id@domain", id)
	}
	return "<" + bare + ">", nil
}

// writeHeader writes one header field, folding at spaces so that lines stay
// within the 78 characters RFC 5322 recommends wherever a space allows it.
func writeHeader(buf *bytes.Buffer, name, value string) {
	buf.WriteString(name)
	buf.WriteString(":")
	lineLen := len(name) + 1
	for i, word := range strings.Split(value, " ") {
		// Never fold before an empty word: that would leave a line of
		// nothing but white space, which RFC 5322 forbids.
		if i > 0 && word != "" && lineLen+1+len(word) > 78 {
			buf.WriteString("\r\n")
			lineLen = 0
		}
		buf.WriteString(" ")
		buf.WriteString(word)
		lineLen += 1 + len(word)
	}
	buf.WriteString("\r\n")
}

// writeQuotedPrintable writes s as quoted-printable text; line breaks in s,
// "\n" or "\r\n", become the CRLF that MIME requires.
func writeQuotedPrintable(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(s)); err != nil {
		return err
	}
	return qp.Close()
}

// invalidError marks a fault in the message itself, which no retry can fix;
// IsPermanent reports it as permanent.
type invalidError struct{ err error }

func (e *invalidError) Error() string { return e.err.Error() }
func (e *invalidError) Unwrap() error { return e.err }

func invalidf(format string, args ...any) error {
	return &invalidError{err: fmt.Errorf(format, args...)}
}

// isInvalid reports whether err comes from an invalid message.
func isInvalid(err error) bool {
	var ie *invalidError
	return errors.As(err, &ie)
}
