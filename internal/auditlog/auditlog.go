// Package auditlog owns the rules for reading a portal's audit log: what an
// event is, the filters people narrow the log with, and the cursor that
// pages through it, newest first, without gaps or repeats.
package auditlog

import (
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
)

// Event is one entry of a portal's audit log: who did what, when, from
// where.
type Event struct {
	ID         int64
	At         time.Time
	ActorLabel string
	Action     string // dotted, like user.invite or signin.failed
	Subject    string
	IP         string
	Detail     string // a JSON object
}

// Cursor is where a page of the log ends: the log is ordered by time and
// then ID, newest first, and the next page holds the events strictly
// older than the cursor. Many events share a time (all those of one
// transaction do), so the ID is what makes the order total.
type Cursor struct {
	At time.Time
	ID int64
}

// CursorOf is the cursor just after e.
func CursorOf(e Event) Cursor { return Cursor{At: e.At, ID: e.ID} }

// String encodes the cursor for a URL: microseconds since 1970 (the
// precision PostgreSQL keeps) and the ID.
func (c Cursor) String() string {
	return strconv.FormatInt(c.At.UnixMicro(), 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor written by String.
func ParseCursor(s string) (Cursor, error) {
	bad := &apperr.Error{Code: apperr.EINVALID, Message: "That page of the audit log does not exist; start again from the newest events."}
	micros, id, ok := strings.Cut(s, "-")
	if !ok {
		return Cursor{}, bad
	}
	us, err1 := strconv.ParseInt(micros, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if err1 != nil || err2 != nil || us < 0 || n <= 0 {
		return Cursor{}, bad
	}
	return Cursor{At: time.UnixMicro(us).UTC(), ID: n}, nil
}

// Filter narrows the log. The zero Filter keeps every event.
type Filter struct {
	// Action is an action ("signin") or a dotted prefix of actions
	// ("user" keeps user.invite, user.update…); empty keeps any.
	Action string
	// Actor is text within the actor's label, in any case; empty keeps any.
	Actor string
	// From and To are the first and last days kept, as UTC midnights (the
	// log shows UTC); a zero time leaves that end open.
	From, To time.Time
}

// Until is the end of the last day kept (exclusive): the midnight after To.
func (f Filter) Until() time.Time { return f.To.AddDate(0, 0, 1) }

// IsZero reports whether the filter keeps every event.
func (f Filter) IsZero() bool { return f == Filter{} }

const dateLayout = "2006-01-02"

// ParseFilter reads a filter as typed into the log's search form, dates as
// YYYY-MM-DD (what a date input sends), and reports every problem by field.
func ParseFilter(action, actor, from, to string) (Filter, error) {
	f := Filter{Action: strings.ToLower(strings.TrimSpace(action)), Actor: strings.TrimSpace(actor)}
	problems := apperr.Fields{}
	if len(f.Action) > 100 {
		problems.Add("action", "Enter an action of at most 100 characters, like signin or user.")
	}
	if len(f.Actor) > 254 {
		problems.Add("actor", "Enter at most 254 characters.")
	}
	day := func(field, s string) time.Time {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse(dateLayout, s)
		if err != nil {
			problems.Add(field, "Enter a date as YYYY-MM-DD, like 2025-03-31.")
		}
		return d
	}
	f.From, f.To = day("from", from), day("to", to)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		problems.Add("to", "The last day must not be before the first.")
	}
	return f, problems.Err()
}

// Dates formats the filter's days as ParseFilter reads them; an open end
// is "".
func (f Filter) Dates() (from, to string) {
	if !f.From.IsZero() {
		from = f.From.Format(dateLayout)
	}
	if !f.To.IsZero() {
		to = f.To.Format(dateLayout)
	}
	return from, to
}
