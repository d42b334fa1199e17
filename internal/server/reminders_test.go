package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// Due-date reminders go out before the date and once it has passed, each
// once however often the job runs.
func TestReminders_BeforeAndAfterTheDueDateOnce(t *testing.T) {
	t.Parallel()
	// A date the server's own hourly reminder job, which runs on the real
	// clock, never finds due: it would otherwise race this test to send
	// the overdue reminder.
	now := time.Date(2099, 12, 1, 9, 0, 0, 0, time.UTC)
	due := now.Add(48 * time.Hour)
	s, _, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.Progress = []fixture.Progress{{Who: "ana@acme.test", Course: fixture.ExampleSlug, Due: &due}}
	})
	ctx := context.Background()
	outbox := postgres.NewOutbox(s.main.Jobs)
	send := func(at time.Time) int {
		t.Helper()
		n, err := postgres.SendDueReminders(ctx, s.db, outbox, s.main.PortalURL, at)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := send(now.Add(-5 * 24 * time.Hour)); n != 0 {
		t.Errorf("a week early: %d reminders", n)
	}
	if n := send(now); n != 1 {
		t.Errorf("two days before: %d reminders, want 1", n)
	}
	if n := send(now.Add(time.Hour)); n != 0 {
		t.Errorf("an hour later: %d reminders, want none again", n)
	}
	if n := send(due.Add(24 * time.Hour)); n != 1 {
		t.Errorf("a day overdue: %d reminders, want 1", n)
	}
	var subjects []string
	for _, m := range storedMailTo(t, s, "ana@acme.test") {
		subjects = append(subjects, m.Subject)
	}
	if len(subjects) != 2 || !strings.Contains(subjects[0], "is due on 3 December") || !strings.HasSuffix(subjects[1], "is overdue") {
		t.Errorf("reminder subjects %q", subjects)
	}
}
