package course_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func branching() course.Question {
	return course.Question{Type: course.Branching, Scenario: "S", Prompt: "First?", Options: []course.Option{
		{Text: "a", Correct: true, Consequence: "then", Then: &course.FollowUp{Prompt: "Next?", Options: []course.Option{{Text: "x", Correct: true}, {Text: "y"}}}},
		{Text: "b", Consequence: "then", Then: &course.FollowUp{Prompt: "Next?", Options: []course.Option{{Text: "x"}, {Text: "y", Correct: true}}}},
	}}
}

func ordering() course.Question {
	return course.Question{Type: course.Ordering, Prompt: "Order", Options: []course.Option{{Text: "1"}, {Text: "2"}, {Text: "3"}}}
}

func quizProblems(qs ...course.Question) string {
	var out []string
	for _, p := range course.CheckBlock(course.Block{Kind: course.KindQuiz, Quiz: &course.Quiz{PassMark: 80, Questions: qs}}) {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

func TestCheckBlock_OrderingAndBranching(t *testing.T) {
	if got := quizProblems(ordering(), branching()); got != "" {
		t.Fatalf("good questions refused:\n%s", got)
	}
	for name, tt := range map[string]struct {
		change func(*course.Question)
		want   string
	}{
		"ordering with a correct mark":  {func(q *course.Question) { *q = ordering(); q.Options[1].Correct = true }, "none is marked correct"},
		"ordering with two steps":       {func(q *course.Question) { *q = ordering(); q.Options = q.Options[:2] }, "3 to 8 steps"},
		"ordering with a repeated step": {func(q *course.Question) { *q = ordering(); q.Options[2].Text = "1" }, "ambiguous"},
		"branching without consequence": {func(q *course.Question) { *q = branching(); q.Options[1].Consequence = "" }, "options[1].consequence"},
		"branching without then":        {func(q *course.Question) { *q = branching(); q.Options[0].Then = nil }, "options[0].then"},
		"second decision with two right": {func(q *course.Question) {
			*q = branching()
			q.Options[0].Then.Options[1].Correct = true
		}, "exactly one correct"},
		"second decision branching again": {func(q *course.Question) {
			*q = branching()
			q.Options[0].Then.Options[0].Then = &course.FollowUp{}
		}, "does not branch again"},
		"branching without scenario": {func(q *course.Question) { *q = branching(); q.Scenario = "" }, "needs its scenario"},
		"then on a single choice": {func(q *course.Question) {
			*q = course.Question{Type: course.Single, Prompt: "p", Options: []course.Option{{Text: "a", Correct: true, Then: &course.FollowUp{}}, {Text: "b"}}}
		}, "only a branching question"},
		"an unknown type": {func(q *course.Question) { *q = ordering(); q.Type = "essay" }, "must be one of"},
	} {
		var q course.Question
		tt.change(&q)
		if got := quizProblems(q); !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", name, got, tt.want)
		}
	}
}

func TestCheckBlock_Writing(t *testing.T) {
	good := course.Writing{Title: "Your update", Prompt: "Write it.", MinWords: 40, ModelAnswer: "Done: …", Rubric: []string{"Leads with the point", "Asks for a decision"}}
	if ps := course.CheckBlock(course.Block{Kind: course.KindWriting, Writing: &good}); len(ps) != 0 {
		t.Fatalf("good writing block refused: %v", ps)
	}
	for name, tt := range map[string]struct {
		change func(*course.Writing)
		want   string
	}{
		"no model answer":   {func(w *course.Writing) { w.ModelAnswer = " " }, "writing.model_answer"},
		"one rubric line":   {func(w *course.Writing) { w.Rubric = w.Rubric[:1] }, "writing.rubric"},
		"an empty rubric":   {func(w *course.Writing) { w.Rubric[1] = "" }, "writing.rubric[1]"},
		"no prompt":         {func(w *course.Writing) { w.Prompt = "" }, "writing.prompt"},
		"negative minimum":  {func(w *course.Writing) { w.MinWords = -1 }, "writing.min_words"},
		"a novel's minimum": {func(w *course.Writing) { w.MinWords = 5000 }, "writing.min_words"},
	} {
		w := good
		w.Rubric = append([]string(nil), good.Rubric...)
		tt.change(&w)
		ps := course.CheckBlock(course.Block{Kind: course.KindWriting, Writing: &w})
		if len(ps) == 0 || ps[0].Path != tt.want {
			t.Errorf("%s: %v, want a problem at %s", name, ps, tt.want)
		}
	}
}
