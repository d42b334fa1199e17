package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/learning"
)

// ActivityItem is one public event of a portal's activity feed: a person
// completed a course or a path.
type ActivityItem struct {
	ID         int64 // the learning record's
	PersonName string
	Kind       string // "course" or "path"
	Title      string
	Slug       string // where it is, while it is published; "" otherwise
	At         time.Time
}

// ActivityService reads the portal's activity feed and keeps who opted
// out of it.
type ActivityService struct {
	db *DB
}

// NewActivityService returns the activity feed's store.
func NewActivityService(db *DB) *ActivityService { return &ActivityService{db: db} }

// FindActivity lists the portal's newest completions of courses and
// paths, up to limit. It reads them from the learning records (a
// completion is recorded once, in the transaction that completes it), so
// there is no second log to keep; people who opted out, and accounts no
// longer active (erased ones included), never appear.
func (s *ActivityService) FindActivity(ctx context.Context, tenantID int64, limit int) ([]ActivityItem, error) {
	var out []ActivityItem
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT s.id, u.name, s.object_type, coalesce(c.title, p.title, s.object_name),
				coalesce(CASE WHEN c.status = 'published' THEN c.slug END, CASE WHEN p.status = 'published' THEN p.slug END, ''),
				s."timestamp"
			FROM statements s
			JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id AND u.status = 'active'
			LEFT JOIN courses c ON s.object_type = 'course' AND c.tenant_id = s.tenant_id AND c.id = split_part(s.object_id, '/', 2)::bigint
			LEFT JOIN paths p ON s.object_type = 'path' AND p.tenant_id = s.tenant_id AND p.id = split_part(s.object_id, '/', 2)::bigint
			WHERE s.tenant_id = $1 AND s.verb = $2 AND s.object_type IN ('course', 'path')
				AND NOT EXISTS (SELECT 1 FROM activity_opt_outs o WHERE o.tenant_id = s.tenant_id AND o.user_id = s.user_id)
			ORDER BY s."timestamp" DESC, s.id DESC
			LIMIT $3`, tenantID, learning.VerbCompleted, limit)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ActivityItem, error) {
			var a ActivityItem
			err := row.Scan(&a.ID, &a.PersonName, &a.Kind, &a.Title, &a.Slug, &a.At)
			return a, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("activity: find: %w", err)
	}
	return out, nil
}

// HidesActivity reports whether the person opted out of the feed.
func (s *ActivityService) HidesActivity(ctx context.Context, tenantID, userID int64) (bool, error) {
	var hides bool
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM activity_opt_outs WHERE tenant_id = $1 AND user_id = $2)`, tenantID, userID).Scan(&hides)
	})
	if err != nil {
		return false, fmt.Errorf("activity: opt-out: %w", err)
	}
	return hides, nil
}

// SetHidesActivity opts the person out of the feed, or back in. Opting out
// takes their past events off it too: the feed is read, not stored.
func (s *ActivityService) SetHidesActivity(ctx context.Context, tenantID, userID int64, hide bool) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		if hide {
			_, err = tx.Exec(ctx, `INSERT INTO activity_opt_outs (tenant_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
				tenantID, userID, tx.Now)
		} else {
			_, err = tx.Exec(ctx, `DELETE FROM activity_opt_outs WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("activity: opt-out: %w", err)
	}
	return nil
}
