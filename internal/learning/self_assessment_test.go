package learning_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

func TestCheckSelfRatings(t *testing.T) {
	t.Parallel()
	sa := course.SelfAssessment{Items: []string{"a", "b", "c"}}
	if err := learning.CheckSelfRatings(sa, course.PhaseStart, []int{1, 3, 5}, false); err != nil {
		t.Errorf("start: %v", err)
	}
	if err := learning.CheckSelfRatings(sa, course.PhaseEnd, []int{2, 4, 5}, true); err != nil {
		t.Errorf("end of a completed path: %v", err)
	}
	for name, tt := range map[string]struct {
		phase    string
		ratings  []int
		complete bool
		field    string
	}{
		"end before completing": {course.PhaseEnd, []int{1, 2, 3}, false, "phase"},
		"no such phase":         {"middle", []int{1, 2, 3}, true, "phase"},
		"a statement unrated":   {course.PhaseStart, []int{1, 0, 3}, false, "item1"},
		"off the scale":         {course.PhaseStart, []int{1, 2, 6}, false, "item2"},
		"too few ratings":       {course.PhaseStart, []int{1, 2}, false, "ratings"},
	} {
		err := learning.CheckSelfRatings(sa, tt.phase, tt.ratings, tt.complete)
		fields, _ := apperr.FieldsOf(err)
		if _, at := fields[tt.field]; apperr.Code(err) != apperr.EINVALID || !at {
			t.Errorf("%s: %v, want invalid at %s", name, err, tt.field)
		}
	}
}
