// Package notify holds the rules of notifications: the kinds there are,
// how each may reach a person (in the app always; by e-mail at once, in a
// daily digest, or not), and what each defaults to. It imports no
// infrastructure.
package notify

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
)

// Kind is a kind of notification; a person chooses per kind how it
// reaches them by e-mail.
type Kind string

// The kinds of notification.
const (
	SessionReminder Kind = "session.reminder" // a live session starts soon
	SessionChanged  Kind = "session.changed"  // rescheduled or cancelled
	SessionPromoted Kind = "session.promoted" // off the waitlist, a seat is theirs
	Mention         Kind = "discussion.mention"
	Reply           Kind = "discussion.reply"
	Moderation      Kind = "discussion.moderation" // a post reported, for moderators
	Assigned        Kind = "learning.assigned"     // a course or path given to the person
	Nudged          Kind = "team.nudge"            // their manager reminds them of an assigned course
	PlanComment     Kind = "team.plan_comment"     // their manager commented on a plan they shared
)

// Kinds lists every kind, in the order the preferences page shows them.
var Kinds = []Kind{Assigned, Nudged, PlanComment, SessionReminder, SessionChanged, SessionPromoted, Mention, Reply, Moderation}

// Describe says what a kind is about, for the preferences page.
func Describe(k Kind) string {
	switch k {
	case Assigned:
		return "A course or learning path is assigned to you"
	case Nudged:
		return "Your manager reminds you of a course assigned to you"
	case PlanComment:
		return "Your manager comments on an action plan you shared"
	case SessionReminder:
		return "Reminders before live sessions you registered for"
	case SessionChanged:
		return "Live sessions you registered for are rescheduled or cancelled"
	case SessionPromoted:
		return "A seat becomes yours from the waitlist"
	case Mention:
		return "Someone mentions you in a discussion"
	case Reply:
		return "Someone replies to your post"
	case Moderation:
		return "A post is reported (moderators)"
	}
	return string(k)
}

// Channel is how a kind reaches a person by e-mail.
type Channel string

// E-mail channels. In the app, notifications always show.
const (
	Off       Channel = "off"
	Immediate Channel = "immediate"
	Daily     Channel = "daily"
)

// Channels lists the choices, in the order the page shows them.
var Channels = []Channel{Immediate, Daily, Off}

// Default is a kind's channel until the person chooses: what is about a
// seat or a time arrives at once; conversation, in the day's digest.
func Default(k Kind) Channel {
	switch k {
	case Reply, Moderation:
		return Daily
	}
	return Immediate
}

// CheckChannel checks a choice of channel for a kind.
func CheckChannel(k Kind, c Channel) error {
	if !slices.Contains(Kinds, k) {
		return &apperr.Error{Code: apperr.EINVALID, Field: string(k), Message: fmt.Sprintf("%q is not a kind of notification.", k)}
	}
	if !slices.Contains(Channels, c) {
		return &apperr.Error{Code: apperr.EINVALID, Field: string(k), Message: "Choose at once, in a daily digest, or not by e-mail."}
	}
	return nil
}

// Note is one notification to one person.
type Note struct {
	UserID int64
	Kind   Kind
	Title  string // one line: what happened
	Body   string // plain text, optional
	URL    string // the path on the portal where it is, e.g. /courses/x/lessons/y#post-9
}

// Limits of a note's text, so a long post cannot make a long notification.
const (
	MaxTitle = 200
	MaxBody  = 500
)

// Clip shortens a note's texts to their limits, ending cut text with "…".
func (n Note) Clip() Note {
	n.Title = clip(strings.TrimSpace(n.Title), MaxTitle)
	n.Body = clip(strings.TrimSpace(n.Body), MaxBody)
	return n
}

func clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}
