package postgres

import (
	"context"
	"fmt"
)

// FillScalePortal fills a portal that has published courses with people
// and their learning, for benchmarks (`upward seed --scale`): an admin and
// learners active learners (all with passwordHash), each enrolled in every
// published course, with progress on every lesson of it (most complete)
// and learning records. A few set-based statements in the portal's own
// transaction, so row-level security holds as for any write.
func FillScalePortal(ctx context.Context, db *DB, tenantID int64, slug string, learners int, passwordHash string) error {
	err := db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO users (tenant_id, email, name, password_hash, status, roles, email_verified_at)
			SELECT current_tenant_id(), 'learner-' || g || '@' || $2 || '.test', 'Learner ' || g, $3, 'active', '{learner}'::text[], $4::timestamptz
			FROM generate_series(1, $1) g
			UNION ALL
			SELECT current_tenant_id(), 'admin@' || $2 || '.test', 'Portal Admin', $3, 'active', '{admin}'::text[], $4`,
			learners, slug, passwordHash, tx.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO enrolments (tenant_id, course_id, user_id, version, source, enrolled_at, started_at, first_access_at, last_access_at)
			SELECT current_tenant_id(), c.id, u.id, c.published_version, 'self', $1, $1, $1, $1
			FROM users u CROSS JOIN courses c
			WHERE u.tenant_id = current_tenant_id() AND c.tenant_id = current_tenant_id() AND c.published_version IS NOT NULL
				AND 'learner' = ANY (u.roles) AND u.email LIKE 'learner-%'`, tx.Now); err != nil {
			return err
		}
		// Every lesson of the version taken: seen, and four in five
		// complete, spread over the past three months; a learning record
		// for one completion in four.
		_, err := tx.Exec(ctx, `
			WITH lessons AS MATERIALIZED (
				SELECT v.course_id, v.version, l.key_json #>> '{}' AS key, l.n
				FROM course_versions v
				CROSS JOIN LATERAL jsonb_path_query(v.content, '$.modules[*].lessons[*].key') WITH ORDINALITY AS l(key_json, n)
				WHERE v.tenant_id = current_tenant_id()
			),
			seen AS MATERIALIZED (
				SELECT e.id AS enrolment_id, e.user_id, e.course_id, l.key,
					$1::timestamptz - make_interval(days => (e.id + l.n)::int % 90) AS at,
					(e.id + l.n) % 5 <> 0 AS complete, 60 + ((e.id * 7 + l.n) % 900)::int AS seconds
				FROM enrolments e
				JOIN lessons l ON l.course_id = e.course_id AND l.version = e.version
				WHERE e.tenant_id = current_tenant_id()
			),
			progress AS (
				INSERT INTO lesson_progress (tenant_id, enrolment_id, attempt, lesson_key, first_seen_at, completed_at, time_spent_seconds)
				SELECT current_tenant_id(), enrolment_id, 1, key, at, CASE WHEN complete THEN at END, seconds FROM seen
			)
			INSERT INTO statements (tenant_id, user_id, verb, object_type, object_id, object_name, result, "timestamp", stored)
			SELECT current_tenant_id(), user_id, 'http://adlnet.gov/expapi/verbs/completed', 'lesson',
				'course/' || course_id || '/lesson/' || key, key, '{"completion": true}', at, at
			FROM seen WHERE complete AND (enrolment_id + length(key)) % 4 = 0`, tx.Now)
		return err
	})
	if err != nil {
		return fmt.Errorf("scale: fill %s: %w", slug, err)
	}
	return nil
}

// ScalePortalFilled reports whether FillScalePortal has filled the portal
// (it fills in one transaction: a portal has all its people or none).
func ScalePortalFilled(ctx context.Context, db *DB, tenantID int64) (bool, error) {
	var filled bool
	err := db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = current_tenant_id() AND email LIKE 'admin@%.test' AND name = 'Portal Admin')`).Scan(&filled)
	})
	return filled, err
}
