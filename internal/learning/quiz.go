package learning

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
)

// Answers are a learner's choices in a quiz: for each question, in the
// quiz's own order, the indexes of the options chosen (in the options' own
// order, whatever order they were shown in). An ordering question's are,
// for each of its options in their own order, the place (from 0) the
// learner put it in, -1 for none; a branching question's are the first
// decision's option and the index of the second decision's option among
// the chosen one's Then.
type Answers [][]int

// QuestionResult is how one question went.
type QuestionResult struct {
	Chosen  []int
	Marks   int // earned, of the question's course.Question.Marks
	Correct bool
}

// QuizResult is a scored quiz.
type QuizResult struct {
	Score     int // percent of the quiz's marks earned
	Passed    bool
	Questions []QuestionResult
}

// CheckAnswers refuses answers that do not fit the quiz: every question
// answered, with options it has; one option for a single-choice question;
// every step placed once in an ordering question; both decisions of a
// branching one. The error names the question at fault (field "q3" for
// the fourth) when the learner can put it right; "answers" when the form
// cannot have sent them.
func CheckAnswers(q course.Quiz, a Answers) error {
	if len(a) != len(q.Questions) {
		return &apperr.Error{Code: apperr.EINVALID, Field: "answers", Message: "The answers do not match this quiz: reload the page and answer again."}
	}
	for i, qu := range q.Questions {
		field := fmt.Sprintf("q%d", i)
		chosen := a[i]
		learnerCan := func(format string, args ...any) error {
			return &apperr.Error{Code: apperr.EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
		}
		formCannot := &apperr.Error{Code: apperr.EINVALID, Field: "answers", Message: fmt.Sprintf("Question %d has no such answer.", i+1)}
		if len(chosen) == 0 {
			return learnerCan("Answer question %d.", i+1)
		}
		switch qu.Type {
		case course.Ordering:
			if len(chosen) != len(qu.Options) || !isPermutation(chosen) {
				return learnerCan("Question %d: give every step its own place, from 1 to %d.", i+1, len(qu.Options))
			}
			continue
		case course.Branching:
			if chosen[0] < 0 || chosen[0] >= len(qu.Options) || len(chosen) > 2 {
				return formCannot
			}
			if len(chosen) == 1 {
				return learnerCan("Question %d: make the second decision too.", i+1)
			}
			then := qu.Options[chosen[0]].Then
			if then == nil || chosen[1] < 0 || chosen[1] >= len(then.Options) {
				return formCannot
			}
			continue
		case course.Multiple:
		default:
			if len(chosen) != 1 {
				return learnerCan("Question %d takes one answer.", i+1)
			}
		}
		seen := map[int]bool{}
		for _, o := range chosen {
			if o < 0 || o >= len(qu.Options) || seen[o] {
				// Not something the quiz's form can send.
				return formCannot
			}
			seen[o] = true
		}
	}
	return nil
}

// isPermutation reports whether xs holds each of 0..len(xs)-1 once.
func isPermutation(xs []int) bool {
	seen := make([]bool, len(xs))
	for _, x := range xs {
		if x < 0 || x >= len(xs) || seen[x] {
			return false
		}
		seen[x] = true
	}
	return true
}

// Score marks answers that CheckAnswers accepted. A choice question is
// right when exactly its correct options were chosen; an ordering
// question when every step is in its place; a branching question earns a
// mark for each decision that took the correct option, so a poor first
// move can be recovered from.
func Score(q course.Quiz, a Answers) QuizResult {
	r := QuizResult{Questions: make([]QuestionResult, len(q.Questions))}
	earned, total := 0, 0
	for i, qu := range q.Questions {
		res := QuestionResult{}
		switch qu.Type {
		case course.Ordering:
			res.Chosen = slices.Clone(a[i])
			if slices.Equal(res.Chosen, identity(len(qu.Options))) {
				res.Marks = 1
			}
		case course.Branching:
			res.Chosen = slices.Clone(a[i])
			first := qu.Options[a[i][0]]
			if first.Correct {
				res.Marks++
			}
			if first.Then.Options[a[i][1]].Correct {
				res.Marks++
			}
		default:
			var want []int
			for j, o := range qu.Options {
				if o.Correct {
					want = append(want, j)
				}
			}
			res.Chosen = slices.Sorted(slices.Values(a[i]))
			if slices.Equal(res.Chosen, want) {
				res.Marks = 1
			}
		}
		res.Correct = res.Marks == qu.Marks()
		earned += res.Marks
		total += qu.Marks()
		r.Questions[i] = res
	}
	if total > 0 {
		r.Score = earned * 100 / total
	}
	r.Passed = r.Score >= q.PassMark
	return r
}

func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// MayAttempt reports whether a learner who has submitted a quiz used times
// may submit it again: always, when its attempts are unlimited (0).
func MayAttempt(q course.Quiz, used int) bool {
	return q.Attempts == 0 || used < q.Attempts
}

// MayRetake reports whether a learner with a result on record may take
// the quiz again: not once passed, and only while attempts remain.
func MayRetake(q course.Quiz, used int, passed bool) bool {
	return !passed && MayAttempt(q, used)
}

// RevealAnswers reports whether a learner's result may show which options
// are right: once they have passed, or once no attempt remains. Before
// that, showing them would hand over the next attempt's answers.
func RevealAnswers(q course.Quiz, used int, passed bool) bool {
	return passed || !MayAttempt(q, used)
}

// Order is the order to show n items in: shuffled when shuffle is set, the
// same way every time for the same seed (so a reload shows the same quiz),
// and differently for different learners and attempts.
func Order(shuffle bool, seed string, n int) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if !shuffle {
		return order
	}
	h := fnv.New64a()
	h.Write([]byte(seed))
	rng := rand.New(rand.NewPCG(h.Sum64(), 0x5eed))
	rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// RightAnswers are a quiz's full-marks answers, question by question.
func RightAnswers(q course.Quiz) Answers {
	a := make(Answers, len(q.Questions))
	for i, qu := range q.Questions {
		switch qu.Type {
		case course.Ordering:
			a[i] = identity(len(qu.Options))
		case course.Branching:
			for j, o := range qu.Options {
				if o.Correct && o.Then != nil {
					a[i] = []int{j, slices.IndexFunc(o.Then.Options, func(t course.Option) bool { return t.Correct })}
				}
			}
		default:
			for j, o := range qu.Options {
				if o.Correct {
					a[i] = append(a[i], j)
				}
			}
		}
	}
	return a
}

// WrongAnswer is an answer to qu that earns no mark.
func WrongAnswer(qu course.Question) []int {
	switch qu.Type {
	case course.Ordering:
		order := identity(len(qu.Options))
		slices.Reverse(order)
		return order
	case course.Branching:
		for j, o := range qu.Options {
			if !o.Correct && o.Then != nil {
				return []int{j, max(slices.IndexFunc(o.Then.Options, func(t course.Option) bool { return !t.Correct }), 0)}
			}
		}
		return []int{0, 0}
	}
	for j, o := range qu.Options {
		if !o.Correct {
			return []int{j}
		}
	}
	return []int{0}
}
