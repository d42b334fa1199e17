package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/upward-lms/upward/internal/ratelimit"
)

// RateCounter counts rate-limited requests in rate_counters, so that
// every server holds every key to the same limit.
type RateCounter struct {
	db *DB
}

// NewRateCounter returns the shared request counter on db.
func NewRateCounter(db *DB) *RateCounter { return &RateCounter{db: db} }

var _ ratelimit.Counter = (*RateCounter)(nil)

// Hit counts one more request for key in w when the rate stays within
// limit, in one statement: it reads both windows' counts and adds the
// hit only when allowed, so refused requests do not count. Requests at
// the same instant may each pass before seeing the other: a limit may be
// exceeded by the requests in flight, never for long.
func (c *RateCounter) Hit(ctx context.Context, key string, w ratelimit.Window, limit int) (bool, float64, error) {
	var allowed bool
	var rate float64
	err := c.db.Pool.QueryRow(ctx, `
		WITH counts AS (
			SELECT coalesce((SELECT hits FROM rate_counters WHERE key = $1 AND window_start = $3), 0) * $4::float8
				+ coalesce((SELECT hits FROM rate_counters WHERE key = $1 AND window_start = $2), 0) AS rate),
		hit AS (
			INSERT INTO rate_counters AS r (key, window_start, hits)
			SELECT $1, $2, 1 FROM counts WHERE counts.rate + 1 <= $5
			ON CONFLICT (key, window_start) DO UPDATE SET hits = r.hits + 1
			RETURNING hits)
		SELECT EXISTS (SELECT 1 FROM hit), counts.rate + CASE WHEN EXISTS (SELECT 1 FROM hit) THEN 1 ELSE 0 END FROM counts`,
		key, w.Start, w.Previous, w.Weight, limit).Scan(&allowed, &rate)
	if err != nil {
		return false, 0, fmt.Errorf("rate limit: %w", err)
	}
	return allowed, rate, nil
}

// DeleteOldRateCounts deletes the windows that ended before cutoff: no
// limit looks further back than one window before the current one.
func (c *RateCounter) DeleteOldRateCounts(ctx context.Context, cutoff time.Time) (int64, error) {
	tag, err := c.db.Pool.Exec(ctx, `DELETE FROM rate_counters WHERE window_start < $1`, cutoff)
	if err != nil {
		return 0, fmt.Errorf("rate limit: sweep: %w", err)
	}
	return tag.RowsAffected(), nil
}
