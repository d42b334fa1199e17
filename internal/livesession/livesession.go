// Package livesession holds the rules of live, instructor-led sessions:
// what a session must say (times entered in a time zone and kept as
// instants, a capacity, a meeting link or a room), who holds a seat and
// who waits, attendance, and when reminders go. It imports no
// infrastructure.
package livesession

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
)

// Status is a session's status.
type Status string

// Session statuses.
const (
	Scheduled Status = "scheduled"
	Cancelled Status = "cancelled"
)

// Registration is where a person stands for a session.
type Registration string

// Registration states. A seat freed by a registered person goes to the
// waitlisted person who arrived first.
const (
	Registered Registration = "registered"
	Waitlisted Registration = "waitlisted"
	Withdrawn  Registration = "cancelled" // the person cancelled
)

// Attendance is what an instructor marks for a registered person.
type Attendance string

// Attendance marks; Present completes a path step that is the session.
const (
	Present Attendance = "present"
	Absent  Attendance = "absent"
	Excused Attendance = "excused"
)

// Attendances lists the marks in the order the page offers them.
var Attendances = []Attendance{Present, Absent, Excused}

// MaxNote is the longest attendance note, in characters.
const MaxNote = 1000

// CheckAttendance checks a mark and its note.
func CheckAttendance(a Attendance, note string) error {
	switch a {
	case Present, Absent, Excused:
	default:
		return &apperr.Error{Code: apperr.EINVALID, Field: "attendance", Message: "Mark present, absent or excused."}
	}
	if utf8.RuneCountInString(note) > MaxNote {
		return &apperr.Error{Code: apperr.EINVALID, Field: "note", Message: "Keep the note to 1,000 characters."}
	}
	return nil
}

// Form is a session as an instructor enters it: a date and wall-clock
// times in a time zone.
type Form struct {
	Title       string
	Description string
	Date        string // 2006-01-02
	Start, End  string // 15:04
	TimeZone    string // IANA
	Capacity    string
	MeetingURL  string
	Room        string
}

// Details is a checked session: its times are instants.
type Details struct {
	Title       string
	Description string
	Start, End  time.Time
	TimeZone    string
	Capacity    int
	MeetingURL  string
	Room        string
}

// Limits.
const (
	MaxTitle       = 200
	MaxDescription = 5000
	MaxCapacity    = 10000
	MaxRoom        = 200
	MaxURL         = 2000
)

// Check turns a form into details, or returns each problem at its field.
func Check(f Form) (Details, error) {
	errs := apperr.Fields{}
	d := Details{Title: strings.TrimSpace(f.Title), Description: strings.TrimSpace(f.Description),
		MeetingURL: strings.TrimSpace(f.MeetingURL), Room: strings.TrimSpace(f.Room), TimeZone: strings.TrimSpace(f.TimeZone)}
	if n := utf8.RuneCountInString(d.Title); n == 0 || n > MaxTitle {
		errs.Add("title", "Give the session a title of at most 200 characters.")
	}
	if utf8.RuneCountInString(d.Description) > MaxDescription {
		errs.Add("description", "Keep the description to 5,000 characters.")
	}
	loc, err := time.LoadLocation(d.TimeZone)
	if d.TimeZone == "" || strings.EqualFold(d.TimeZone, "local") || err != nil {
		errs.Add("time_zone", "Choose a time zone such as Europe/Paris or America/New_York.")
		loc = nil
	}
	day, err := time.Parse(time.DateOnly, strings.TrimSpace(f.Date))
	if err != nil {
		errs.Add("date", "Enter the date as YYYY-MM-DD.")
	}
	start, startErr := clock(f.Start)
	if startErr != nil {
		errs.Add("start", "Enter the start time as HH:MM.")
	}
	end, endErr := clock(f.End)
	if endErr != nil {
		errs.Add("end", "Enter the end time as HH:MM.")
	}
	if loc != nil && err == nil && startErr == nil && endErr == nil {
		d.Start = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(start).UTC()
		d.End = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(end).UTC()
		if !d.End.After(d.Start) {
			errs.Add("end", "The session must end after it starts.")
		}
	}
	c, err := strconv.Atoi(strings.TrimSpace(f.Capacity))
	if err != nil || c < 1 || c > MaxCapacity {
		errs.Add("capacity", "Enter how many people can attend, from 1 to 10,000.")
	}
	d.Capacity = c
	if d.MeetingURL == "" && d.Room == "" {
		errs.Add("meeting_url", "Give a meeting link or a room.")
	}
	if d.MeetingURL != "" {
		u, err := url.Parse(d.MeetingURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || len(d.MeetingURL) > MaxURL {
			errs.Add("meeting_url", "Enter the meeting link as an https:// address.")
		}
	}
	if utf8.RuneCountInString(d.Room) > MaxRoom {
		errs.Add("room", "Keep the room to 200 characters.")
	}
	if err := errs.Err(); err != nil {
		return Details{}, err
	}
	return d, nil
}

// clock reads 15:04 as a duration after midnight, so that a time in a
// daylight-saving gap still becomes a definite instant.
func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// FormOf is the form that shows a session's details again, in its zone.
func FormOf(d Details) Form {
	loc, err := time.LoadLocation(d.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	s, e := d.Start.In(loc), d.End.In(loc)
	return Form{Title: d.Title, Description: d.Description, Date: s.Format(time.DateOnly), Start: s.Format("15:04"), End: e.Format("15:04"),
		TimeZone: d.TimeZone, Capacity: strconv.Itoa(d.Capacity), MeetingURL: d.MeetingURL, Room: d.Room}
}

// ErrInPast refuses a session (re)scheduled to start before now.
var ErrInPast = &apperr.Error{Code: apperr.EINVALID, Field: "date", Message: "Schedule the session in the future."}

// ReminderLeads are how long before a session its reminders go.
var ReminderLeads = []time.Duration{24 * time.Hour, time.Hour}

// Reminder is one reminder to send.
type Reminder struct {
	Lead time.Duration
	At   time.Time
}

// Reminders lists the reminders of a session starting at start that are
// still ahead at now (a session scheduled 3 hours ahead gets the 1-hour
// reminder only).
func Reminders(start, now time.Time) []Reminder {
	var out []Reminder
	for _, lead := range ReminderLeads {
		if at := start.Add(-lead); at.After(now) {
			out = append(out, Reminder{Lead: lead, At: at})
		}
	}
	return out
}

// LeadSay says a reminder's lead: "24 hours", "1 hour".
func LeadSay(lead time.Duration) string {
	h := int(lead.Hours())
	if h == 1 {
		return "1 hour"
	}
	return strconv.Itoa(h) + " hours"
}

// When says a session's time in a zone: "Tuesday 4 March 2031, 09:30–11:00 CET".
func When(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	if s.Format(time.DateOnly) == e.Format(time.DateOnly) {
		return s.Format("Monday 2 January 2006, 15:04") + "–" + e.Format("15:04 MST")
	}
	return s.Format("Monday 2 January 2006, 15:04 MST") + " – " + e.Format("Monday 2 January 2006, 15:04 MST")
}

// Seats says what is left: seats free, or the waitlist's length.
func Seats(capacity, registered, waitlisted int) string {
	free := capacity - registered
	switch {
	case free > 1:
		return strconv.Itoa(free) + " seats left"
	case free == 1:
		return "1 seat left"
	case waitlisted == 0:
		return "Full: join the waitlist"
	}
	return "Full: " + strconv.Itoa(waitlisted) + " on the waitlist"
}
