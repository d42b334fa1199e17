package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// quizPlay is a quiz's form, or the result of its latest attempt. The form
// carries the options and nothing about which are right (a branching
// question's consequences are the story going on, not the verdict).
func (s *Server) quizPlay(r *http.Request, lc postgres.LearnerCourse, b course.Block, path, csrf string, problem lessonProblem) *pages.QuizPlay {
	q := b.Quiz
	rec := lc.Progress.Quizzes[b.Key]
	may := learning.MayAttempt(*q, rec.Used)
	qp := &pages.QuizPlay{Action: path + "/quizzes/" + b.Key, CSRF: csrf, Number: rec.Used + 1, PassMark: q.PassMark, AttemptsLeft: -1}
	if q.Attempts > 0 {
		qp.AttemptsLeft = max(q.Attempts-rec.Used, 0)
	}
	retrying := r.URL.Query().Get("retake") == b.Key && learning.MayRetake(*q, rec.Used, rec.Passed)
	qp.ShowForm = (rec.Last == nil && may) || retrying || problem.block == b.Key
	if problem.block == b.Key {
		qp.Error = problem.message
	}
	// Each attempt shows the questions and options in its own order.
	shown := qp.Number
	var chosen learning.Answers
	switch {
	case problem.block == b.Key:
		chosen = problem.answers
	case !qp.ShowForm && rec.Last != nil:
		shown, chosen = rec.Last.Number, rec.Last.Answers
		qp.Result = &pages.QuizResultView{Number: rec.Last.Number, Score: rec.Last.Score, Passed: rec.Last.Passed}
		if learning.MayRetake(*q, rec.Used, rec.Last.Passed) {
			qp.RetryURL = path + "?retake=" + url.QueryEscape(b.Key) + "#block-" + b.Key
		}
	}
	reveal := qp.Result != nil && learning.RevealAnswers(*q, rec.Used, rec.Passed)
	seed := fmt.Sprintf("%d/%d/%s/%d", lc.Enrolment.ID, lc.Enrolment.Attempt, b.Key, shown)
	var results []learning.QuestionResult
	if qp.Result != nil {
		results = learning.Score(*q, chosen).Questions
	}
	for n, qi := range learning.Order(q.Shuffle, seed, len(q.Questions)) {
		qu := q.Questions[qi]
		// An ordering question's steps are always shuffled: in their own
		// order they would be the answer.
		order := learning.Order(q.Shuffle || qu.Type == course.Ordering, fmt.Sprintf("%s/q%d", seed, qi), len(qu.Options))
		var mine []int
		if qi < len(chosen) {
			mine = chosen[qi]
		}
		qv := questionPlay(qu, qi, n+1, order, mine)
		if results != nil {
			markResult(&qv, qu, results[qi], reveal)
			if qu.Type == course.Ordering {
				// A result lists the steps in the learner's order.
				slices.SortStableFunc(qv.Options, func(a, b pages.QuizOptionPlay) int { return a.Place - b.Place })
			}
		}
		qp.Questions = append(qp.Questions, qv)
	}
	return qp
}

// questionPlay is a question as its form shows it, with the learner's
// answer filled in (after a refused submission, or in a result).
func questionPlay(qu course.Question, qi, number int, order, chosen []int) pages.QuizQuestionPlay {
	qv := pages.QuizQuestionPlay{Index: qi, Number: number, Kind: qu.Type, Scenario: qu.Scenario, Prompt: qu.Prompt,
		Multiple: qu.Type == course.Multiple, OutOf: qu.Marks()}
	for _, oi := range order {
		o := qu.Options[oi]
		ov := pages.QuizOptionPlay{Index: oi, Text: o.Text}
		switch qu.Type {
		case course.Ordering:
			if oi < len(chosen) && chosen[oi] >= 0 {
				ov.Place = chosen[oi] + 1
			}
		case course.Branching:
			ov.Chosen = len(chosen) > 0 && chosen[0] == oi
			ov.Consequence = o.Consequence
			if o.Then != nil {
				ov.Then = &pages.QuizFollowUpPlay{Prompt: o.Then.Prompt}
				for ti, t := range o.Then.Options {
					ov.Then.Options = append(ov.Then.Options, pages.QuizOptionPlay{Index: ti, Text: t.Text,
						Chosen: ov.Chosen && len(chosen) > 1 && chosen[1] == ti})
				}
			}
		default:
			ov.Chosen = slices.Contains(chosen, oi)
		}
		qv.Options = append(qv.Options, ov)
	}
	return qv
}

// markResult adds a result's verdict to a question: the marks, the
// feedback on what the learner chose and, once answers may be revealed,
// the right ones.
func markResult(qv *pages.QuizQuestionPlay, qu course.Question, res learning.QuestionResult, reveal bool) {
	qv.Correct, qv.Marks, qv.Explanation = res.Correct, res.Marks, qu.Explanation
	for i := range qv.Options {
		ov := &qv.Options[i]
		o := qu.Options[ov.Index]
		switch qu.Type {
		case course.Ordering:
			// Why a step sits where it does gives the order away.
			if reveal {
				ov.RightPlace, ov.Feedback = ov.Index+1, o.Feedback
			}
		case course.Branching:
			ov.Right = reveal && o.Correct
			if !ov.Chosen {
				continue
			}
			ov.Feedback = o.Feedback
			if ov.Then == nil || o.Then == nil {
				continue // the rules require a second decision; nothing to mark without one
			}
			for j := range ov.Then.Options {
				t := &ov.Then.Options[j]
				t.Right = reveal && o.Then.Options[t.Index].Correct
				if t.Chosen {
					t.Feedback = o.Then.Options[t.Index].Feedback
				}
			}
		default:
			ov.Right = reveal && o.Correct
			if ov.Chosen {
				ov.Feedback = o.Feedback
			}
		}
	}
}

// quizAnswers reads a quiz form. Field qN holds question N's chosen
// options; an ordering question's step M has its place (from 1) in
// qN.M; a branching question's second decision after first choice M is
// qN.M. ok is false for values no form of ours would send.
func quizAnswers(r *http.Request, q *course.Quiz) (learning.Answers, bool) {
	a := make(learning.Answers, len(q.Questions))
	for field := range r.PostForm {
		if field == "number" || field == csrfField {
			continue
		}
		name, sub, hasSub := strings.Cut(field, ".")
		i, err := strconv.Atoi(strings.TrimPrefix(name, "q"))
		if !strings.HasPrefix(name, "q") || err != nil || i < 0 || i >= len(q.Questions) {
			return nil, false // an answer for a question the quiz does not have
		}
		if hasSub {
			qu := q.Questions[i]
			j, err := strconv.Atoi(sub)
			if (qu.Type != course.Ordering && qu.Type != course.Branching) || err != nil || j < 0 || j >= len(qu.Options) {
				return nil, false
			}
		}
	}
	number := func(v string) (int, bool) {
		n, err := strconv.Atoi(v)
		return n, err == nil
	}
	for i, qu := range q.Questions {
		name := "q" + strconv.Itoa(i)
		switch qu.Type {
		case course.Ordering:
			places, any := make([]int, len(qu.Options)), false
			for j := range places {
				v := r.PostForm.Get(name + "." + strconv.Itoa(j))
				places[j] = -1
				if v == "" {
					continue
				}
				p, ok := number(v)
				if !ok || p < 1 || p > len(places) {
					return nil, false
				}
				places[j], any = p-1, true
			}
			if any {
				a[i] = places
			}
		case course.Branching:
			v := r.PostForm.Get(name)
			if v == "" {
				continue
			}
			first, ok := number(v)
			if !ok {
				return nil, false
			}
			a[i] = []int{first}
			if v := r.PostForm.Get(name + "." + v); v != "" {
				second, ok := number(v)
				if !ok {
					return nil, false
				}
				a[i] = append(a[i], second)
			}
		default:
			for _, v := range r.PostForm[name] {
				o, ok := number(v)
				if !ok {
					return nil, false
				}
				a[i] = append(a[i], o)
			}
		}
	}
	return a, true
}
