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

func TestCheckDue(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		due  *time.Time
		fine bool
	}{
		{nil, true},
		{ptr(now.Add(time.Minute)), true},
		{ptr(now.AddDate(1, 0, 0)), true},
		{ptr(now.Add(-time.Minute)), false},
		{ptr(time.Date(2020, 1, 31, 23, 59, 59, 0, time.UTC)), false},
	} {
		if err := learning.CheckDue(c.due, now); (err == nil) != c.fine {
			t.Errorf("due %v: %v", c.due, err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
