package learning

import (
	"time"

	"github.com/upward-lms/upward/internal/course"
)

// Required reports whether a block must be done for its lesson to be
// complete: a quiz (passed), a reflection (answered) and a SCO (completed,
// and not failed). Reading, watching
// and an action plan (which runs on after the lesson) are not checked.
func Required(b course.Block) bool {
	return b.Kind == course.KindQuiz || b.Kind == course.KindReflection || b.Kind == course.KindWriting || b.Kind == course.KindSCORM
}

// NeedsMarking reports whether a lesson has nothing to do but read, so
// the learner completes it with "Mark complete".
func NeedsMarking(l course.Lesson) bool {
	for _, b := range l.Blocks {
		if Required(b) {
			return false
		}
	}
	return true
}

// LessonDone reports whether every required block of the lesson is done.
// A lesson that only needs marking is never done by its blocks.
func LessonDone(l course.Lesson, done func(blockKey string) bool) bool {
	if NeedsMarking(l) {
		return false
	}
	for _, b := range l.Blocks {
		if Required(b) && !done(b.Key) {
			return false
		}
	}
	return true
}

// counted are the lessons that count towards a course's completion: the
// required ones, or all when none is marked required.
func counted(c *course.Course) []*course.Lesson {
	all := c.Lessons()
	var req []*course.Lesson
	for _, l := range all {
		if l.Required {
			req = append(req, l)
		}
	}
	if len(req) == 0 {
		return all
	}
	return req
}

// Percent is how much of a course is complete, from 0 to 100, counting
// the lessons that count.
func Percent(c *course.Course, complete func(lessonKey string) bool) int {
	ls := counted(c)
	if len(ls) == 0 {
		return 0
	}
	n := 0
	for _, l := range ls {
		if complete(l.Key) {
			n++
		}
	}
	return n * 100 / len(ls)
}

// CourseDone reports whether every lesson that counts is complete.
func CourseDone(c *course.Course, complete func(lessonKey string) bool) bool {
	ls := counted(c)
	for _, l := range ls {
		if !complete(l.Key) {
			return false
		}
	}
	return len(ls) > 0
}

// Time spent is measured by heartbeats the lesson page sends while it is
// open and visible. A beat credits the time since the previous one, up to
// MaxBeatCredit; a beat after a longer silence (a closed laptop, a tab in
// the background) starts a new stretch and credits nothing, so idle time
// never counts, and two open tabs count once between them.
const (
	BeatInterval  = 30 * time.Second
	MaxBeatCredit = 60 * time.Second
	beatSilence   = 3 * BeatInterval
)

// BeatCredit is the time a heartbeat at now credits, the previous one
// having been at last (nil: none yet).
func BeatCredit(last *time.Time, now time.Time) time.Duration {
	if last == nil {
		return 0
	}
	gap := now.Sub(*last)
	switch {
	case gap <= 0 || gap > beatSilence:
		return 0
	case gap > MaxBeatCredit:
		return MaxBeatCredit
	}
	return gap
}

// StepState is where a learner stands on a path step.
type StepState struct {
	Done bool
	Open bool // the learner may take it
}

// Steps works out each step's state from its unlock rule and whether the
// step's course is complete: an after_previous step opens when the step
// before it is done.
func Steps(unlocks []course.Unlock, done []bool) []StepState {
	out := make([]StepState, len(unlocks))
	for i, u := range unlocks {
		out[i].Done = done[i]
		out[i].Open = u != course.AfterPrevious || i == 0 || done[i-1]
	}
	return out
}
