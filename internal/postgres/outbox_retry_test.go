package postgres_test

import (
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
)

func TestMailRetryDelay_ShortFirstThenDoublingUpToHalfAnHour(t *testing.T) {
	t.Parallel()
	for attempt, want := range map[int]time.Duration{
		1: 5 * time.Second, 2: 10 * time.Second, 3: 20 * time.Second, 6: 160 * time.Second,
		9: 1280 * time.Second, 10: 30 * time.Minute, 25: 30 * time.Minute, 1000: 30 * time.Minute,
	} {
		if got := postgres.MailRetryDelay(attempt); got != want {
			t.Errorf("attempt %d: %v, want %v", attempt, got, want)
		}
	}
}
