package learning

import (
	"fmt"
	"slices"
	"strings"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
)

// Draft is a learner's writing practice: the text and their rating of it
// against each rubric statement ("" where not yet rated).
type Draft struct {
	Text    string   `json:"text"`
	Ratings []string `json:"ratings,omitempty"`
}

// Words counts a draft's words.
func Words(text string) int { return len(strings.Fields(text)) }

// ModelAnswerOpen reports whether the learner may see the model answer
// and rate their draft: once the draft is long enough. Reading it first
// would turn practice into copying.
func ModelAnswerOpen(w course.Writing, text string) bool {
	return Words(text) > 0 && Words(text) >= w.MinWords
}

// CheckDraft refuses a draft that cannot be kept: empty, too long, or
// rated with something other than the ratings offered, or against
// statements the rubric does not have.
func CheckDraft(w course.Writing, d Draft) error {
	if err := CheckReflection(d.Text); err != nil {
		return &apperr.Error{Code: apperr.EINVALID, Field: "text", Message: strings.Replace(apperr.Message(err), "answer", "draft", 1)}
	}
	if len(d.Ratings) > len(w.Rubric) {
		return &apperr.Error{Code: apperr.EINVALID, Field: "ratings", Message: "The checklist changed since the page was loaded. Reload it and rate your draft again."}
	}
	for i, r := range d.Ratings {
		if r != "" && !slices.Contains(course.Ratings, r) {
			return &apperr.Error{Code: apperr.EINVALID, Field: fmt.Sprintf("rating%d", i), Message: fmt.Sprintf("Rate statement %d as yes, partly or not yet.", i+1)}
		}
	}
	return nil
}

// DraftDone reports whether writing practice is done: a draft long enough
// to open the model answer, rated against every statement.
func DraftDone(w course.Writing, d Draft) bool {
	if !ModelAnswerOpen(w, d.Text) || len(d.Ratings) != len(w.Rubric) {
		return false
	}
	for _, r := range d.Ratings {
		if !slices.Contains(course.Ratings, r) {
			return false
		}
	}
	return true
}
