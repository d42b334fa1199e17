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
// order, whatever order they were shown in).
type Answers [][]int

// QuestionResult is how one question went.
type QuestionResult struct {
	Chosen  []int
	Correct bool
}

// QuizResult is a scored quiz.
type QuizResult struct {
	Score     int // percent of questions answered correctly
	Passed    bool
	Questions []QuestionResult
}

// CheckAnswers refuses answers that do not fit the quiz: every question
// answered, with options it has; one option for a single-choice question.
// The error names the question at fault (field "q3" for the fourth) when
// the learner can put it right; "answers" when the form cannot have sent
// them.
func CheckAnswers(q course.Quiz, a Answers) error {
	if len(a) != len(q.Questions) {
		return &apperr.Error{Code: apperr.EINVALID, Field: "answers", Message: "The answers do not match this quiz: reload the page and answer again."}
	}
	for i, qu := range q.Questions {
		field := fmt.Sprintf("q%d", i)
		chosen := a[i]
		if len(chosen) == 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: field, Message: fmt.Sprintf("Answer question %d.", i+1)}
		}
		if qu.Type != course.Multiple && len(chosen) != 1 {
			return &apperr.Error{Code: apperr.EINVALID, Field: field, Message: fmt.Sprintf("Question %d takes one answer.", i+1)}
		}
		seen := map[int]bool{}
		for _, o := range chosen {
			if o < 0 || o >= len(qu.Options) || seen[o] {
				// Not something the quiz's form can send.
				return &apperr.Error{Code: apperr.EINVALID, Field: "answers", Message: fmt.Sprintf("Question %d has no such answer.", i+1)}
			}
			seen[o] = true
		}
	}
	return nil
}

// Score marks answers that CheckAnswers accepted. A question is right when
// exactly its correct options were chosen.
func Score(q course.Quiz, a Answers) QuizResult {
	r := QuizResult{Questions: make([]QuestionResult, len(q.Questions))}
	right := 0
	for i, qu := range q.Questions {
		var want []int
		for j, o := range qu.Options {
			if o.Correct {
				want = append(want, j)
			}
		}
		got := slices.Sorted(slices.Values(a[i]))
		ok := slices.Equal(got, want)
		if ok {
			right++
		}
		r.Questions[i] = QuestionResult{Chosen: got, Correct: ok}
	}
	if len(q.Questions) > 0 {
		r.Score = right * 100 / len(q.Questions)
	}
	r.Passed = r.Score >= q.PassMark
	return r
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
