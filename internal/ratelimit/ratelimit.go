// Package ratelimit decides whether a request is within its limit: so
// many requests a window per key (a client address, an account, an API
// key), counted where every server sees the same counts. A key's rate is
// estimated over a sliding window from two fixed ones: this window's
// count, plus the previous window's weighted by how much of it the
// sliding window still covers.
package ratelimit

import (
	"context"
	"math"
	"time"
)

// Window is the fixed window a moment falls in.
type Window struct {
	Start    time.Time // this window's start
	Previous time.Time // the previous window's start
	Reset    time.Time // when this window ends
	// Weight is the share of the previous window the sliding window still
	// covers: 1 at this window's start, 0 at its end.
	Weight float64
}

// WindowAt is the window of length that now falls in.
func WindowAt(now time.Time, length time.Duration) Window {
	start := now.Truncate(length)
	return Window{Start: start, Previous: start.Add(-length), Reset: start.Add(length),
		Weight: 1 - float64(now.Sub(start))/float64(length)}
}

// Rate is a key's estimated rate from the two windows' counts.
func (w Window) Rate(previous, current int) float64 {
	return float64(previous)*w.Weight + float64(current)
}

// Counter counts a key's requests in fixed windows, in a store every
// server shares. Hit counts one more request for key when it keeps the
// rate within limit, and reports whether it did and the rate with it.
type Counter interface {
	Hit(ctx context.Context, key string, w Window, limit int) (allowed bool, rate float64, err error)
}

// Limit is a number of requests a window.
type Limit struct {
	Requests int
	Window   time.Duration
}

// Decision is what a limit says of one request.
type Decision struct {
	Allowed   bool
	Remaining int       // requests left in the window
	Reset     time.Time // when the window ends
}

// Check counts a request for key against l.
func (l Limit) Check(ctx context.Context, c Counter, key string, now time.Time) (Decision, error) {
	w := WindowAt(now, l.Window)
	allowed, rate, err := c.Hit(ctx, key, w, l.Requests)
	if err != nil {
		return Decision{}, err
	}
	return Decision{Allowed: allowed, Remaining: max(l.Requests-int(math.Ceil(rate-1e-9)), 0), Reset: w.Reset}, nil
}
