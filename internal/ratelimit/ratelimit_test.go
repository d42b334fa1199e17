package ratelimit_test

import (
	"math"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/ratelimit"
)

// The sliding window weighs the previous minute by how much of it still
// falls in the last sixty seconds.
func TestWindowAt(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 10, 30, 15, 0, time.UTC)
	w := ratelimit.WindowAt(now, time.Minute)
	if !w.Start.Equal(now.Add(-15*time.Second)) || !w.Previous.Equal(now.Add(-75*time.Second)) || !w.Reset.Equal(now.Add(45*time.Second)) {
		t.Errorf("window %+v", w)
	}
	if math.Abs(w.Weight-0.75) > 1e-9 {
		t.Errorf("weight %v, want 0.75", w.Weight)
	}
	if got := w.Rate(4, 2); math.Abs(got-5) > 1e-9 {
		t.Errorf("rate of 4 then 2: %v, want 5", got)
	}
	if start := ratelimit.WindowAt(w.Start, time.Minute); start.Weight != 1 {
		t.Errorf("at a window's start the previous one weighs %v", start.Weight)
	}
}
