package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
)

// Certificate is a certificate as issued.
type Certificate struct {
	Code        string
	UserID      int64
	LearnerName string
	Title       string
	Kind        string // "course" or "path"
	IssuedAt    time.Time
	PortalName  string
}

const certificateColumns = `c.code, c.user_id, c.learner_name, c.title,
	CASE WHEN c.course_id IS NULL THEN 'path' ELSE 'course' END, c.issued_at, t.name`

// learnerCertificatesSQL reads a learner's ($2) certificates, newest first.
const learnerCertificatesSQL = `SELECT ` + certificateColumns + ` FROM certificates c JOIN tenants t ON t.id = c.tenant_id
	WHERE c.tenant_id = $1 AND c.user_id = $2 ORDER BY c.issued_at DESC, c.id DESC`

func scanCertificate(row pgx.CollectableRow) (Certificate, error) {
	var c Certificate
	err := row.Scan(&c.Code, &c.UserID, &c.LearnerName, &c.Title, &c.Kind, &c.IssuedAt, &c.PortalName)
	return c, err
}

// FindCertificates lists a learner's certificates, newest first.
func (s *LearningService) FindCertificates(ctx context.Context, tenantID, userID int64) ([]Certificate, error) {
	var out []Certificate
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, learnerCertificatesSQL, tenantID, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanCertificate)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("learning: certificates: %w", err)
	}
	return out, nil
}

// FindCertificate returns one certificate of the portal by its code.
func (s *LearningService) FindCertificate(ctx context.Context, tenantID int64, code string) (Certificate, error) {
	var c Certificate
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+certificateColumns+` FROM certificates c JOIN tenants t ON t.id = c.tenant_id
			WHERE c.tenant_id = $1 AND c.code = $2`, tenantID, strings.ToUpper(code))
		if err != nil {
			return err
		}
		c, err = pgx.CollectExactlyOneRow(rows, scanCertificate)
		return err
	})
	if err != nil {
		return Certificate{}, fmt.Errorf("learning: certificate: %w", Error(err, "Certificate"))
	}
	return c, nil
}

// VerifyCertificate looks a code up for the public verification page: it
// finds the portal from the platform's code table, then reads the
// certificate inside that portal.
func (s *LearningService) VerifyCertificate(ctx context.Context, code string) (Certificate, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var tenantID int64
	err := s.db.InTx(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT tenant_id FROM certificate_codes WHERE code = $1`, code).Scan(&tenantID)
	})
	if err != nil {
		return Certificate{}, fmt.Errorf("learning: verify: %w", Error(err, "Certificate"))
	}
	if tenantID == 0 {
		return Certificate{}, &apperr.Error{Code: apperr.ENOTFOUND, Message: "Certificate not found."}
	}
	return s.FindCertificate(ctx, tenantID, code)
}

// DashboardCourse is an enrolment on the learner's dashboard.
type DashboardCourse struct {
	Slug        string
	Title       string
	Status      string
	Source      string
	Percent     int
	DueAt       *time.Time
	CompletedAt *time.Time
	LastLesson  string
	FirstLesson string // where a learner who has not begun starts
	ResumeTitle string // the title of the lesson they carry on with
	Cover       string // the course's cover file, or empty
}

// DashboardSession is a live session a learner holds a place in, still to
// come.
type DashboardSession struct {
	ID               int64
	Title            string
	StartsAt, EndsAt time.Time
	Place            string // registered or waitlisted
}

// DashboardPath is a path the learner has started.
type DashboardPath struct {
	Slug        string
	Title       string
	Steps       int
	Done        int
	CompletedAt *time.Time
}

// Dashboard is what "My learning" shows.
type Dashboard struct {
	HasTeam      bool // the learner is someone's manager
	Courses      []DashboardCourse
	Sessions     []DashboardSession // the next three they hold a place in
	Paths        []DashboardPath
	Certificates []Certificate
	// PlanComments are their manager's comments on action plans they
	// shared, newest first.
	PlanComments []MyPlanComment
}

// FindDashboard reads a learner's courses, paths and certificates in one
// round trip.
func (s *LearningService) FindDashboard(ctx context.Context, tenantID, userID int64) (Dashboard, error) {
	var d Dashboard
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		b := &pgx.Batch{}
		b.Queue(`
			SELECT c.slug, c.title, e.status, e.source, e.percent, e.due_at, e.completed_at, coalesce(e.last_lesson_key, ''),
				coalesce(v.content #>> '{modules,0,lessons,0,key}', ''), coalesce(c.cover, ''),
				coalesce((SELECT l->>'title' FROM jsonb_array_elements(v.content->'modules') m, jsonb_array_elements(m->'lessons') l
					WHERE l->>'key' = coalesce(e.last_lesson_key, v.content #>> '{modules,0,lessons,0,key}') LIMIT 1), '')
			FROM enrolments e
			JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			JOIN course_versions v ON v.tenant_id = e.tenant_id AND v.course_id = e.course_id AND v.version = e.version
			WHERE e.tenant_id = $1 AND e.user_id = $2 AND e.status <> 'withdrawn'
			ORDER BY e.due_at NULLS LAST, coalesce(e.last_access_at, e.enrolled_at) DESC, e.id DESC`, tenantID, userID).Query(func(rows pgx.Rows) error {
			var err error
			d.Courses, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DashboardCourse, error) {
				var c DashboardCourse
				err := row.Scan(&c.Slug, &c.Title, &c.Status, &c.Source, &c.Percent, &c.DueAt, &c.CompletedAt, &c.LastLesson, &c.FirstLesson, &c.Cover, &c.ResumeTitle)
				return c, err
			})
			return err
		})
		b.Queue(`
			SELECT p.slug, p.title, count(s.position), count(e.completed_at) + count(r.session_id), pe.completed_at
			FROM path_enrolments pe
			JOIN paths p ON p.tenant_id = pe.tenant_id AND p.id = pe.path_id
			LEFT JOIN path_steps s ON s.tenant_id = p.tenant_id AND s.path_id = p.id
			LEFT JOIN enrolments e ON e.tenant_id = s.tenant_id AND e.course_id = s.course_id AND e.user_id = pe.user_id
			LEFT JOIN live_session_registrations r ON r.tenant_id = s.tenant_id AND r.session_id = s.session_id AND r.user_id = pe.user_id
				AND r.attendance = 'present'
			WHERE pe.tenant_id = $1 AND pe.user_id = $2
			GROUP BY pe.tenant_id, pe.id, p.tenant_id, p.id
			ORDER BY pe.completed_at NULLS FIRST, p.title`, tenantID, userID).Query(func(rows pgx.Rows) error {
			var err error
			d.Paths, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DashboardPath, error) {
				var p DashboardPath
				err := row.Scan(&p.Slug, &p.Title, &p.Steps, &p.Done, &p.CompletedAt)
				return p, err
			})
			return err
		})
		b.Queue(learnerCertificatesSQL, tenantID, userID).Query(func(rows pgx.Rows) error {
			var err error
			d.Certificates, err = pgx.CollectRows(rows, scanCertificate)
			return err
		})
		b.Queue(`
			SELECT ls.id, ls.title, ls.starts_at, ls.ends_at, r.status
			FROM live_session_registrations r
			JOIN live_sessions ls ON ls.tenant_id = r.tenant_id AND ls.id = r.session_id
			WHERE r.tenant_id = $1 AND r.user_id = $2 AND r.status <> 'cancelled'
				AND ls.status = 'scheduled' AND ls.ends_at > now()
			ORDER BY ls.starts_at, ls.id LIMIT 3`, tenantID, userID).Query(func(rows pgx.Rows) error {
			var err error
			d.Sessions, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (DashboardSession, error) {
				var ds DashboardSession
				err := row.Scan(&ds.ID, &ds.Title, &ds.StartsAt, &ds.EndsAt, &ds.Place)
				return ds, err
			})
			return err
		})
		b.Queue(`SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1 AND manager_id = $2 AND status <> 'deactivated')`,
			tenantID, userID).QueryRow(func(row pgx.Row) error { return row.Scan(&d.HasTeam) })
		b.Queue(myPlanCommentsSQL, tenantID, userID).Query(func(rows pgx.Rows) error {
			var err error
			d.PlanComments, err = pgx.CollectRows(rows, scanMyPlanComment)
			return err
		})
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return Dashboard{}, fmt.Errorf("learning: dashboard: %w", err)
	}
	return d, nil
}
