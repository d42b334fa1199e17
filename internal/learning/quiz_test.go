package learning_test

import (
	"slices"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

func quiz() course.Quiz {
	return course.Quiz{PassMark: 50, Attempts: 2, Questions: []course.Question{
		{Type: course.Scenario, Prompt: "One right", Options: []course.Option{{Text: "a"}, {Text: "b", Correct: true}, {Text: "c"}}},
		{Type: course.Multiple, Prompt: "Two right", Options: []course.Option{{Text: "a", Correct: true}, {Text: "b"}, {Text: "c", Correct: true}}},
	}}
}

func TestScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		answers learning.Answers
		score   int
		passed  bool
	}{
		{learning.Answers{{1}, {2, 0}}, 100, true}, // option order does not matter
		{learning.Answers{{1}, {0}}, 50, true},     // a multiple-choice question needs all its right options
		{learning.Answers{{0}, {0, 1, 2}}, 0, false},
	}
	for _, tt := range tests {
		if err := learning.CheckAnswers(quiz(), tt.answers); err != nil {
			t.Fatalf("%v: %v", tt.answers, err)
		}
		r := learning.Score(quiz(), tt.answers)
		if r.Score != tt.score || r.Passed != tt.passed {
			t.Errorf("%v: score %d passed %v, want %d %v", tt.answers, r.Score, r.Passed, tt.score, tt.passed)
		}
	}
}

func TestCheckAnswers_RefusesAnswersThatDoNotFit(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		answers learning.Answers
		field   string
	}{
		"a question left out":             {learning.Answers{{1}}, "answers"},
		"an unanswered question":          {learning.Answers{{1}, {}}, "q1"},
		"two answers to a single choice":  {learning.Answers{{0, 1}, {0}}, "q0"},
		"an option the question lacks":    {learning.Answers{{3}, {0}}, "answers"},
		"a negative option":               {learning.Answers{{-1}, {0}}, "answers"},
		"the same option twice":           {learning.Answers{{1}, {0, 0}}, "answers"},
		"answers for another quiz's size": {learning.Answers{{1}, {0}, {0}}, "answers"},
	} {
		err := learning.CheckAnswers(quiz(), tt.answers)
		fields, _ := apperr.FieldsOf(err)
		if _, at := fields[tt.field]; apperr.Code(err) != apperr.EINVALID || !at {
			t.Errorf("%s: %v, want invalid at %s", name, err, tt.field)
		}
	}
}

func TestMayAttempt(t *testing.T) {
	t.Parallel()
	q := quiz()
	if !learning.MayAttempt(q, 1) || learning.MayAttempt(q, 2) {
		t.Error("two attempts allowed: the second may be made, a third not")
	}
	q.Attempts = 0
	if !learning.MayAttempt(q, 99) {
		t.Error("unlimited attempts refused")
	}
}

func TestRetakeAndReveal(t *testing.T) {
	t.Parallel()
	q := quiz() // two attempts
	cases := []struct {
		used           int
		passed         bool
		retake, reveal bool
	}{
		{1, false, true, false}, // failed once: may retake, answers hidden
		{1, true, false, true},  // passed: done, answers shown
		{2, false, false, true}, // failed twice, none left: answers shown
		{2, true, false, true},
	}
	for _, c := range cases {
		if got := learning.MayRetake(q, c.used, c.passed); got != c.retake {
			t.Errorf("used %d, passed %v: MayRetake = %v", c.used, c.passed, got)
		}
		if got := learning.RevealAnswers(q, c.used, c.passed); got != c.reveal {
			t.Errorf("used %d, passed %v: RevealAnswers = %v", c.used, c.passed, got)
		}
	}
	q.Attempts = 0 // unlimited: never revealed before a pass
	if learning.RevealAnswers(q, 50, false) || !learning.MayRetake(q, 50, false) {
		t.Error("unlimited attempts: answers revealed or retake refused after a failure")
	}
}

func TestOrder_ShufflesTheSameWayForTheSameSeed(t *testing.T) {
	t.Parallel()
	if got := learning.Order(false, "x", 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Errorf("unshuffled order %v", got)
	}
	a, b := learning.Order(true, "enrolment-1/1/q0", 8), learning.Order(true, "enrolment-1/1/q0", 8)
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave %v and %v", a, b)
	}
	sorted := slices.Sorted(slices.Values(a))
	if !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("not a permutation: %v", a)
	}
	differs := false
	for i := range 20 {
		if !slices.Equal(a, learning.Order(true, "enrolment-"+string(rune('a'+i)), 8)) {
			differs = true
		}
	}
	if !differs {
		t.Error("every seed gives the same order")
	}
}

func TestLessonAndCourseCompletion(t *testing.T) {
	t.Parallel()
	reading := course.Lesson{Key: "read", Required: true, Blocks: []course.Block{{Key: "t", Kind: course.KindText}}}
	practice := course.Lesson{Key: "practice", Required: true, Blocks: []course.Block{
		{Key: "t", Kind: course.KindText}, {Key: "r", Kind: course.KindReflection}, {Key: "q", Kind: course.KindQuiz}, {Key: "c", Kind: course.KindChecklist}}}
	extra := course.Lesson{Key: "extra", Required: false}
	if !learning.NeedsMarking(reading) || learning.NeedsMarking(practice) {
		t.Error("only a lesson with nothing to do needs marking")
	}
	done := map[string]bool{"r": true}
	if learning.LessonDone(practice, func(k string) bool { return done[k] }) {
		t.Error("done before the quiz is passed")
	}
	done["q"] = true
	if !learning.LessonDone(practice, func(k string) bool { return done[k] }) {
		t.Error("not done with the reflection answered and the quiz passed (the checklist does not hold it back)")
	}

	c := &course.Course{Modules: []course.Module{{Lessons: []course.Lesson{reading, practice, extra}}}}
	complete := map[string]bool{"read": true, "extra": true}
	is := func(k string) bool { return complete[k] }
	if p := learning.Percent(c, is); p != 50 || learning.CourseDone(c, is) {
		t.Errorf("one of two required lessons: %d%%, done %v", p, learning.CourseDone(c, is))
	}
	complete["practice"] = true
	if p := learning.Percent(c, is); p != 100 || !learning.CourseDone(c, is) {
		t.Errorf("all required lessons: %d%%", p)
	}
}

func TestBeatCredit(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) *time.Time { t := now.Add(-d); return &t }
	for _, tt := range []struct {
		last *time.Time
		want time.Duration
	}{
		{nil, 0},
		{ago(30 * time.Second), 30 * time.Second},
		{ago(80 * time.Second), learning.MaxBeatCredit},
		{ago(10 * time.Minute), 0}, // back after a long silence
		{ago(-time.Second), 0},     // clocks never credit negative time
	} {
		if got := learning.BeatCredit(tt.last, now); got != tt.want {
			t.Errorf("BeatCredit(%v) = %v, want %v", tt.last, got, tt.want)
		}
	}
}

func TestSteps_UnlockInOrder(t *testing.T) {
	t.Parallel()
	unlocks := []course.Unlock{course.Free, course.AfterPrevious, course.AfterPrevious, course.Free}
	got := learning.Steps(unlocks, []bool{true, false, false, false})
	want := []learning.StepState{{Done: true, Open: true}, {Open: true}, {Open: false}, {Open: true}}
	if !slices.Equal(got, want) {
		t.Errorf("steps %+v, want %+v", got, want)
	}
}
