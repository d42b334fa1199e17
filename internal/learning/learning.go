// Package learning holds the rules of taking a course: how a learner is
// enrolled, which version of a course they see, and (as it grows) how their
// progress counts. It imports no infrastructure.
package learning

import (
	"fmt"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
)

// Source says how a learner came to a course.
type Source string

// Sources.
const (
	SelfEnrolled Source = "self"
	Assigned     Source = "assigned"
	ByCode       Source = "code"
)

// Status is where an enrolment stands.
type Status string

// Statuses.
const (
	Active    Status = "active"
	Completed Status = "completed"
	Withdrawn Status = "withdrawn" // unenrolled; the records stay
)

// Enrolment is a learner taking a course. The learner keeps Version, the
// course version published when they started, so that an author's later
// changes never move the ground under someone half-way through; they take
// a newer version by restarting, which begins the next Attempt.
type Enrolment struct {
	ID          int64
	CourseID    int64
	UserID      int64
	Version     int
	Attempt     int
	Source      Source
	Status      Status
	DueAt       *time.Time
	EnrolledAt  time.Time
	StartedAt   time.Time
	CompletedAt *time.Time
	Percent     int
	TimeSpent   time.Duration
	LastAccess  *time.Time
	LastLesson  string // where "Continue" goes; empty before the first heartbeat
}

// Overdue reports whether an unfinished enrolment is past its due date.
func (e Enrolment) Overdue(now time.Time) bool {
	return e.Status == Active && e.DueAt != nil && now.After(*e.DueAt)
}

// MayUnenrol reports whether learners may leave the course themselves:
// not when it was assigned to them.
func (e Enrolment) MayUnenrol() bool { return e.Source != Assigned && e.Status != Withdrawn }

// NewerVersion reports whether the course was published again since the
// learner started: they may restart to take the new version.
func (e Enrolment) NewerVersion(published int) bool { return published > e.Version }

// Verbs of the learning records, as xAPI's ADL vocabulary names them.
const (
	VerbRegistered = "http://adlnet.gov/expapi/verbs/registered"
	VerbCompleted  = "http://adlnet.gov/expapi/verbs/completed"
	VerbPassed     = "http://adlnet.gov/expapi/verbs/passed"
	VerbFailed     = "http://adlnet.gov/expapi/verbs/failed"
	// A SCO's new attempt, and a score it reported without passing or
	// failing.
	VerbAttempted = "http://adlnet.gov/expapi/verbs/attempted"
	VerbScored    = "http://adlnet.gov/expapi/verbs/scored"
)

// Due-date reminders: one a few days before a course is due, and one once
// it is overdue (not for courses long overdue: those are for a manager).
const (
	RemindBefore    = 3 * 24 * time.Hour
	RemindOverdueTo = 30 * 24 * time.Hour
)

// Reminder kinds.
const (
	DueSoon = "due_soon"
	Overdue = "overdue"
)

// ReminderDue says which reminder, if any, an unfinished enrolment due at
// due should have by now.
func ReminderDue(due, now time.Time) (kind string, ok bool) {
	switch left := due.Sub(now); {
	case left > 0 && left <= RemindBefore:
		return DueSoon, true
	case left <= 0 && -left <= RemindOverdueTo:
		return Overdue, true
	}
	return "", false
}

// CheckDue refuses a due date already past when something is assigned: a
// course due yesterday is overdue the moment it arrives. No date is fine.
func CheckDue(due *time.Time, now time.Time) error {
	if due != nil && due.Before(now) {
		return &apperr.Error{Code: apperr.EINVALID, Field: "due",
			Message: "The due date has passed: choose today or a later date."}
	}
	return nil
}

// MaxReflection caps a reflection's answer, in bytes.
const MaxReflection = 20000

// CheckReflection refuses an answer to a reflection that is empty (there
// is nothing to save, and "Saved" would mislead) or too long.
func CheckReflection(text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return &apperr.Error{Code: apperr.EINVALID, Field: "text", Message: "Write your answer before saving it."}
	case len(text) > MaxReflection:
		return &apperr.Error{Code: apperr.EINVALID, Field: "text",
			Message: fmt.Sprintf("Your answer is longer than %d characters; shorten it to save it.", MaxReflection)}
	}
	return nil
}
