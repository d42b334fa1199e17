package postgres

import (
	"context"
	"fmt"
)

// DeleteExpiredSessions removes the scs sessions that have expired and
// returns how many went. The server sweeps on a timer of its own instead of
// pgxstore's, whose cleanup goroutine cannot be stopped without a data race.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	tag, err := db.Pool.Exec(ctx, "DELETE FROM sessions WHERE expiry < now()")
	if err != nil {
		return 0, fmt.Errorf("sessions: delete expired: %w", err)
	}
	return tag.RowsAffected(), nil
}
