package learning_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

// kindsQuiz has an ordering question (one mark) and a branching one (two).
func kindsQuiz() course.Quiz {
	then := func(right int) *course.FollowUp {
		f := &course.FollowUp{Prompt: "Then?", Options: []course.Option{{Text: "x"}, {Text: "y"}}}
		f.Options[right].Correct = true
		return f
	}
	return course.Quiz{PassMark: 60, Questions: []course.Question{
		{Type: course.Ordering, Prompt: "Order", Options: []course.Option{{Text: "first"}, {Text: "second"}, {Text: "third"}}},
		{Type: course.Branching, Scenario: "S", Prompt: "First?", Options: []course.Option{
			{Text: "good", Correct: true, Consequence: "c", Then: then(0)},
			{Text: "poor", Consequence: "c", Then: then(1)},
		}},
	}}
}

func TestScore_OrderingAndBranching(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		answers learning.Answers
		score   int
		marks   [2]int
	}{
		{"all right", learning.Answers{{0, 1, 2}, {0, 0}}, 100, [2]int{1, 2}},
		{"order wrong, both decisions right", learning.Answers{{1, 0, 2}, {0, 0}}, 66, [2]int{0, 2}},
		{"a poor first move recovered", learning.Answers{{0, 1, 2}, {1, 1}}, 66, [2]int{1, 1}},
		{"a good first move spoilt", learning.Answers{{2, 1, 0}, {0, 1}}, 33, [2]int{0, 1}},
		{"nothing right", learning.Answers{{2, 1, 0}, {1, 0}}, 0, [2]int{0, 0}},
	}
	for _, tt := range tests {
		if err := learning.CheckAnswers(kindsQuiz(), tt.answers); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		r := learning.Score(kindsQuiz(), tt.answers)
		if r.Score != tt.score || r.Questions[0].Marks != tt.marks[0] || r.Questions[1].Marks != tt.marks[1] {
			t.Errorf("%s: score %d marks %d,%d; want %d %v", tt.name, r.Score, r.Questions[0].Marks, r.Questions[1].Marks, tt.score, tt.marks)
		}
		if r.Questions[1].Correct != (tt.marks[1] == 2) {
			t.Errorf("%s: a branching question is correct only with both marks", tt.name)
		}
	}
	if r := learning.Score(kindsQuiz(), learning.RightAnswers(kindsQuiz())); r.Score != 100 {
		t.Errorf("RightAnswers scores %d", r.Score)
	}
	q := kindsQuiz()
	wrong := learning.Answers{learning.WrongAnswer(q.Questions[0]), learning.WrongAnswer(q.Questions[1])}
	if r := learning.Score(q, wrong); r.Score != 0 {
		t.Errorf("WrongAnswer scores %d", r.Score)
	}
}

func TestCheckAnswers_OrderingAndBranching(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		answers learning.Answers
		field   string
	}{
		"a step left without a place": {learning.Answers{{0, 1}, {0, 0}}, "q0"},
		"two steps in one place":      {learning.Answers{{0, 0, 2}, {0, 0}}, "q0"},
		"a place out of range":        {learning.Answers{{0, 1, 3}, {0, 0}}, "q0"},
		"no second decision":          {learning.Answers{{0, 1, 2}, {1}}, "q1"},
		"a first choice not offered":  {learning.Answers{{0, 1, 2}, {2, 0}}, "answers"},
		"a second choice not offered": {learning.Answers{{0, 1, 2}, {0, 2}}, "answers"},
		"three decisions":             {learning.Answers{{0, 1, 2}, {0, 0, 0}}, "answers"},
	} {
		err := learning.CheckAnswers(kindsQuiz(), tt.answers)
		fields, _ := apperr.FieldsOf(err)
		if _, at := fields[tt.field]; apperr.Code(err) != apperr.EINVALID || !at {
			t.Errorf("%s: %v, want invalid %s", name, err, tt.field)
		}
	}
}
