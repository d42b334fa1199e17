package learning

import (
	"fmt"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
)

// CheckSelfRatings refuses a self-assessment that cannot be kept: a phase
// that is not start or end, a statement left unrated or rated off the
// scale, or the end's ratings before the path is complete (the point is
// the change the path made).
func CheckSelfRatings(sa course.SelfAssessment, phase string, ratings []int, pathComplete bool) error {
	switch phase {
	case course.PhaseStart:
	case course.PhaseEnd:
		if !pathComplete {
			return &apperr.Error{Code: apperr.EINVALID, Field: "phase", Message: "Rate yourself again once you have completed the path."}
		}
	default:
		return &apperr.Error{Code: apperr.EINVALID, Field: "phase", Message: "The self-assessment is taken at the start or the end of the path."}
	}
	if len(ratings) != len(sa.Items) {
		return &apperr.Error{Code: apperr.EINVALID, Field: "ratings", Message: "The statements changed since the page was loaded. Reload it and rate them again."}
	}
	for i, r := range ratings {
		if r < course.RatingMin || r > course.RatingMax {
			return &apperr.Error{Code: apperr.EINVALID, Field: fmt.Sprintf("item%d", i),
				Message: fmt.Sprintf("Rate statement %d from %d to %d.", i+1, course.RatingMin, course.RatingMax)}
		}
	}
	return nil
}
