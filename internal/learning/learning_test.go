package learning_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/learning"
)

func TestALearnerIsOfferedANewerVersionOnlyWhenOneIsPublished(t *testing.T) {
	e := learning.Enrolment{Version: 2}
	for published, want := range map[int]bool{1: false, 2: false, 3: true} {
		if got := e.NewerVersion(published); got != want {
			t.Errorf("started on 2, published %d: NewerVersion = %v, want %v", published, got, want)
		}
	}
}
