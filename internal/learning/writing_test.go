package learning_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

func TestDraft(t *testing.T) {
	t.Parallel()
	w := course.Writing{MinWords: 5, Rubric: []string{"a", "b"}}
	long := "one two three four five"
	for name, tt := range map[string]struct {
		d     learning.Draft
		open  bool
		done  bool
		field string // of the refusal
	}{
		"short draft":             {learning.Draft{Text: "one two"}, false, false, ""},
		"long enough, not rated":  {learning.Draft{Text: long}, true, false, ""},
		"half rated":              {learning.Draft{Text: long, Ratings: []string{"yes", ""}}, true, false, ""},
		"rated":                   {learning.Draft{Text: long, Ratings: []string{"yes", "not_yet"}}, true, true, ""},
		"rated, then cut short":   {learning.Draft{Text: "one", Ratings: []string{"yes", "partly"}}, false, false, ""},
		"empty":                   {learning.Draft{Text: "  "}, false, false, "text"},
		"a rating not offered":    {learning.Draft{Text: long, Ratings: []string{"yes", "great"}}, true, false, "rating1"},
		"more ratings than lines": {learning.Draft{Text: long, Ratings: []string{"yes", "yes", "yes"}}, true, false, "ratings"},
		"too long":                {learning.Draft{Text: strings.Repeat("word ", 5000)}, true, false, "text"},
	} {
		err := learning.CheckDraft(w, tt.d)
		fields, _ := apperr.FieldsOf(err)
		if _, at := fields[tt.field]; (tt.field == "") != (err == nil) || (tt.field != "" && !at) {
			t.Errorf("%s: %v, want a refusal at %q", name, err, tt.field)
		}
		if got := learning.ModelAnswerOpen(w, tt.d.Text); got != tt.open && err == nil {
			t.Errorf("%s: model answer open %v", name, got)
		}
		if got := learning.DraftDone(w, tt.d); got != tt.done {
			t.Errorf("%s: done %v", name, got)
		}
	}
}
