package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

// LearningService stores what learners do with courses: enrolments and the
// versions they take.
type LearningService struct {
	db *DB
}

// NewLearningService returns the learning store.
func NewLearningService(db *DB) *LearningService { return &LearningService{db: db} }

// CatalogEntry is a course as the catalog lists it.
type CatalogEntry struct {
	ID               int64
	Slug             string
	Title            string
	Summary          string
	Level            string
	EstimatedMinutes int
	Tags             []string
	Enrolled         bool // the learner asking is enrolled
}

// FindCatalog lists the portal's published courses by title, marking those
// userID is enrolled in.
func (s *LearningService) FindCatalog(ctx context.Context, tenantID, userID int64) ([]CatalogEntry, error) {
	var out []CatalogEntry
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT c.id, c.slug, c.title, c.summary, c.level, c.estimated_minutes, c.tags, e.id IS NOT NULL
			FROM courses c
			LEFT JOIN enrolments e ON e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.user_id = $2
			WHERE c.tenant_id = $1 AND c.status = 'published'
			ORDER BY lower(c.title), c.id`, tenantID, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CatalogEntry, error) {
			var e CatalogEntry
			err := row.Scan(&e.ID, &e.Slug, &e.Title, &e.Summary, &e.Level, &e.EstimatedMinutes, &e.Tags, &e.Enrolled)
			return e, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("learning: catalog: %w", err)
	}
	return out, nil
}

// LearnerCourse is a course as one learner sees it.
type LearnerCourse struct {
	ID               int64
	Slug             string
	Status           string
	PublishedVersion int
	Enrolment        *learning.Enrolment // nil until the learner enrols
	// Content is the version the learner takes: the one they started, or
	// the latest published before they start.
	Content course.Course
}

// FindLearnerCourse returns the course with the slug as userID sees it.
// A course never published is not found; nor is an archived one, except by
// the learners already enrolled in it.
func (s *LearningService) FindLearnerCourse(ctx context.Context, tenantID, userID int64, slug string) (LearnerCourse, error) {
	var lc LearnerCourse
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var (
			e       learning.Enrolment
			eID     *int64
			content []byte
		)
		err := tx.QueryRow(ctx, `
			SELECT c.id, c.slug, c.status, c.published_version,
				e.id, coalesce(e.version, 0), coalesce(e.attempt, 0), coalesce(e.source, ''), coalesce(e.status, ''),
				e.due_at, coalesce(e.enrolled_at, 'epoch'), coalesce(e.started_at, 'epoch'), e.completed_at,
				v.content
			FROM courses c
			LEFT JOIN enrolments e ON e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.user_id = $2
			JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id
				AND v.version = coalesce(e.version, c.published_version)
			WHERE c.tenant_id = $1 AND c.slug = $3 AND (c.status = 'published' OR e.id IS NOT NULL)`,
			tenantID, userID, slug).Scan(&lc.ID, &lc.Slug, &lc.Status, &lc.PublishedVersion,
			&eID, &e.Version, &e.Attempt, &e.Source, &e.Status, &e.DueAt, &e.EnrolledAt, &e.StartedAt, &e.CompletedAt,
			&content)
		if err != nil {
			return err
		}
		if eID != nil {
			e.ID, e.CourseID, e.UserID = *eID, lc.ID, userID
			lc.Enrolment = &e
		}
		return json.Unmarshal(content, &lc.Content)
	})
	if err != nil {
		return LearnerCourse{}, fmt.Errorf("learning: find course: %w", Error(err, "Course"))
	}
	return lc, nil
}

// Enrol enrols userID in a published course on its current version. It is
// idempotent: enrolling again (a double click, a second tab) keeps the
// enrolment there is. created reports whether this call made it.
func (s *LearningService) Enrol(ctx context.Context, tenantID, userID, courseID int64, source learning.Source) (created bool, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO enrolments (tenant_id, course_id, user_id, version, source, enrolled_at, started_at)
			SELECT c.tenant_id, c.id, $2, c.published_version, $4, $5, $5
			FROM courses c WHERE c.tenant_id = $1 AND c.id = $3 AND c.status = 'published'
			ON CONFLICT (tenant_id, course_id, user_id) DO NOTHING`,
			tenantID, userID, courseID, source, tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			created = true
			return nil
		}
		return enrolmentExists(ctx, tx, userID, courseID)
	})
	if err != nil {
		return false, fmt.Errorf("learning: enrol: %w", Error(err, "Course"))
	}
	return created, nil
}

func enrolmentExists(ctx context.Context, tx *Tx, userID, courseID int64) error {
	var one int
	return tx.QueryRow(ctx, `SELECT 1 FROM enrolments WHERE tenant_id = current_tenant_id() AND course_id = $1 AND user_id = $2`,
		courseID, userID).Scan(&one)
}

// Restart begins the learner's next attempt on the version published now.
// attempt is the attempt the learner is restarting: a repeated request (a
// double click, a retried POST) finds the attempt already moved on and
// changes nothing more.
func (s *LearningService) Restart(ctx context.Context, tenantID, userID, courseID int64, attempt int) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE enrolments e SET version = c.published_version, attempt = e.attempt + 1, status = 'active',
				started_at = $5, completed_at = NULL
			FROM courses c
			WHERE e.tenant_id = $1 AND e.course_id = $3 AND e.user_id = $2 AND e.attempt = $4
				AND c.tenant_id = e.tenant_id AND c.id = e.course_id AND c.status = 'published'`,
			tenantID, userID, courseID, attempt, tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		var current int
		var status string
		if err := tx.QueryRow(ctx, `
			SELECT e.attempt, c.status FROM enrolments e JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE e.tenant_id = $1 AND e.course_id = $2 AND e.user_id = $3`, tenantID, courseID, userID).Scan(&current, &status); err != nil {
			return err
		}
		if status != "published" {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "This course is no longer offered, so it cannot be restarted."}
		}
		if attempt > current || attempt <= 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "attempt", Message: "That attempt does not exist."}
		}
		return nil // already restarted
	})
	if err != nil {
		return fmt.Errorf("learning: restart: %w", Error(err, "Enrolment"))
	}
	return nil
}
