package learning_test

import (
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/learning"
)

func TestALearnerIsOfferedANewerVersionOnlyWhenOneIsPublished(t *testing.T) {
	t.Parallel()
	e := learning.Enrolment{Version: 2}
	for published, want := range map[int]bool{1: false, 2: false, 3: true} {
		if got := e.NewerVersion(published); got != want {
			t.Errorf("started on 2, published %d: NewerVersion = %v, want %v", published, got, want)
		}
	}
}

func TestReminderDue(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		due  time.Time
		kind string
	}{
		{now.Add(10 * 24 * time.Hour), ""},
		{now.Add(learning.RemindBefore), learning.DueSoon},
		{now.Add(time.Hour), learning.DueSoon},
		{now.Add(-time.Hour), learning.Overdue},
		{now.Add(-learning.RemindOverdueTo - time.Hour), ""},
	} {
		kind, _ := learning.ReminderDue(tt.due, now)
		if kind != tt.kind {
			t.Errorf("due %v: %q, want %q", tt.due, kind, tt.kind)
		}
	}
}
