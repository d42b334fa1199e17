// Package report holds the rules of the portal's reports: the filter they
// share (a group, a range of days) and what each figure means. The
// queries that count live in postgres (ReportService); the words that
// explain the figures to an administrator are here, so the page and the
// code say the same thing.
//
// Definitions, used the same way in every report:
//
//   - Days are UTC days. "From" starts at 00:00 UTC of its day, "to" runs
//     to the end of its day; either may be left open.
//   - Withdrawn enrolments (the learner left the course) count nowhere.
//   - The date range picks each thing by its own date: enrolments by when
//     the learner enrolled, completions by when they completed, quiz
//     attempts by when they were submitted, path learners by when they
//     started the path.
//   - An enrolment's state is one of completed, overdue (active and past
//     its due date now), in progress (opened at least once) or not
//     started; the states of the enrolments counted add up to them.
//   - Completion rate: of the enrolments made in the range, the share
//     completed now.
//   - Average quiz score: for each learner and quiz, their best score
//     among the attempts in the range; the mean of those bests.
//   - Active learners: people with a learning record or a lesson opened in
//     the 7 (or 30) days up to now. The date range does not move this
//     window; the group does narrow it.
//   - Question success rate: of learners' first tries at the quiz (in
//     their current attempt at the course, on the version they take), the
//     share that answered the question right.
//   - The group filter takes the group's members now.
package report

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
)

// Filter narrows a report to a group's members and a range of UTC days.
type Filter struct {
	GroupID int64     // 0: everyone
	From    time.Time // the first day, at 00:00 UTC; zero: open
	To      time.Time // the last day, at 00:00 UTC; zero: open
}

// ParseFilter reads a filter from the report form's fields. Each problem
// is reported at its field.
func ParseFilter(group, from, to string) (Filter, error) {
	var f Filter
	problems := apperr.Fields{}
	if group = strings.TrimSpace(group); group != "" {
		id, err := strconv.ParseInt(group, 10, 64)
		if err != nil || id <= 0 {
			problems.Add("group", "Choose a group from the list.")
		}
		f.GroupID = id
	}
	day := func(field, label, s string) time.Time {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil || d.Year() < 2000 || d.Year() > 9999 {
			problems.Add(field, fmt.Sprintf("Give the %s date as a date, like 2026-01-31.", label))
			return time.Time{}
		}
		return d
	}
	f.From = day("from", "first", from)
	f.To = day("to", "last", to)
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		problems.Add("to", "The last day comes before the first; swap them.")
	}
	if err := problems.Err(); err != nil {
		return Filter{}, err
	}
	return f, nil
}

// Start is the first moment in the range, nil when it is open.
func (f Filter) Start() *time.Time {
	if f.From.IsZero() {
		return nil
	}
	t := f.From.UTC()
	return &t
}

// End is the first moment after the range (the day after the last at
// 00:00 UTC), nil when it is open.
func (f Filter) End() *time.Time {
	if f.To.IsZero() {
		return nil
	}
	t := f.To.UTC().AddDate(0, 0, 1)
	return &t
}

// Values are the filter as the report form's fields, empty ones left out.
func (f Filter) Values() url.Values {
	v := url.Values{}
	if f.GroupID != 0 {
		v.Set("group", strconv.FormatInt(f.GroupID, 10))
	}
	if !f.From.IsZero() {
		v.Set("from", f.From.Format(time.DateOnly))
	}
	if !f.To.IsZero() {
		v.Set("to", f.To.Format(time.DateOnly))
	}
	return v
}

// Query is the filter as a query string ("?from=…"), or "" when it is
// empty: links to a CSV or another report keep the filter with it.
func (f Filter) Query() string {
	if q := f.Values().Encode(); q != "" {
		return "?" + q
	}
	return ""
}

// State is where an enrolment stands, as the reports count it.
type State string

// States, in the order the reports list them.
const (
	Completed  State = "completed"
	Overdue    State = "overdue"
	InProgress State = "in_progress"
	NotStarted State = "not_started"
)

// States lists every state in order.
var States = []State{Completed, Overdue, InProgress, NotStarted}

// Label is the state in words.
func (s State) Label() string {
	switch s {
	case Completed:
		return "Completed"
	case Overdue:
		return "Overdue"
	case InProgress:
		return "In progress"
	case NotStarted:
		return "Not started"
	}
	return string(s)
}

// Ratio is a part of a whole, such as completed enrolments of those made.
type Ratio struct {
	Part, Whole int
}

// Percent is the ratio in percent; ok is false when the whole is zero.
func (r Ratio) Percent() (p float64, ok bool) {
	if r.Whole == 0 {
		return 0, false
	}
	return float64(r.Part) * 100 / float64(r.Whole), true
}

// String is the percentage with one decimal ("66.7%"), or "–" when
// there is nothing to divide by.
func (r Ratio) String() string {
	p, ok := r.Percent()
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// CSV is the percentage with one decimal and no sign, or "" when there
// is nothing to divide by: a number a spreadsheet reads as one.
func (r Ratio) CSV() string {
	p, ok := r.Percent()
	if !ok {
		return ""
	}
	return strconv.FormatFloat(p, 'f', 1, 64)
}

// Score formats a mean score (0–100) with one decimal; nil (no attempt)
// gives empty.
func Score(s *float64) string {
	if s == nil {
		return ""
	}
	return strconv.FormatFloat(*s, 'f', 1, 64)
}

// Duration shows time spent in hours and minutes ("1 h 05 min", "12 min").
func Duration(seconds int) string {
	m := seconds / 60
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}
