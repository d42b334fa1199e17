// Package ical writes iCalendar (RFC 5545) calendars: the events of live
// sessions, one file per session and a person's feed. It writes what
// calendar programs need and nothing more: events in UTC, text escaped,
// lines folded at 75 octets and ended by CRLF.
package ical

import (
	"bytes"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Method is the calendar's METHOD: PUBLISH for an event to add, CANCEL
// for one withdrawn (RFC 5546).
type Method string

// Methods.
const (
	Publish Method = "PUBLISH"
	Cancel  Method = "CANCEL"
)

// Status is an event's STATUS.
type Status string

// Event statuses.
const (
	Confirmed Status = "CONFIRMED"
	Cancelled Status = "CANCELLED"
)

// Calendar is one VCALENDAR.
type Calendar struct {
	ProdID string // e.g. "-//Upward//Live sessions//EN"
	Method Method // empty: no METHOD (a subscribed feed)
	Name   string // X-WR-CALNAME, the name calendar programs show
	Events []Event
}

// Event is one VEVENT.
type Event struct {
	UID         string // stable for the event's life: its updates replace it
	Sequence    int    // moves on with every change of time or status
	Stamp       time.Time
	Start, End  time.Time
	Summary     string
	Description string
	Location    string
	URL         string
	Status      Status
}

// Bytes writes the calendar.
func (c Calendar) Bytes() []byte {
	var w writer
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + escape(c.ProdID))
	w.line("CALSCALE:GREGORIAN")
	if c.Method != "" {
		w.line("METHOD:" + string(c.Method))
	}
	if c.Name != "" {
		w.line("X-WR-CALNAME:" + escape(c.Name))
	}
	for _, e := range c.Events {
		w.line("BEGIN:VEVENT")
		w.line("UID:" + escape(e.UID))
		w.line("SEQUENCE:" + strconv.Itoa(e.Sequence))
		w.line("DTSTAMP:" + utc(e.Stamp))
		w.line("DTSTART:" + utc(e.Start))
		w.line("DTEND:" + utc(e.End))
		w.line("SUMMARY:" + escape(e.Summary))
		if e.Description != "" {
			w.line("DESCRIPTION:" + escape(e.Description))
		}
		if e.Location != "" {
			w.line("LOCATION:" + escape(e.Location))
		}
		if e.URL != "" {
			w.line("URL:" + e.URL)
		}
		if e.Status != "" {
			w.line("STATUS:" + string(e.Status))
		}
		w.line("END:VEVENT")
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes()
}

// utc is a DATE-TIME in UTC ("form #2" of RFC 5545 3.3.5), which needs no
// VTIMEZONE.
func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escape escapes TEXT (RFC 5545 3.3.11): backslash, semicolon, comma and
// line breaks.
func escape(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n':
			b.WriteString(`\n`)
		default:
			if r < 0x20 && r != '\t' || r == 0x7f {
				continue // control characters are not allowed in TEXT
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaxLine is the longest a line may be, in octets, without its CRLF.
const MaxLine = 75

type writer struct{ buf bytes.Buffer }

// line writes a content line folded (RFC 5545 3.1): no line longer than
// MaxLine octets, continuation lines starting with a space, never
// splitting a UTF-8 sequence.
func (w *writer) line(s string) {
	limit := MaxLine
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = MaxLine - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}
