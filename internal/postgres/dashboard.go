package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/report"
)

// DashboardWeeks is how many weeks the dashboards' completions chart
// shows: the current week and those before it.
const DashboardWeeks = 12

// DashboardFigures are the figures of a dashboard: of the whole portal
// (the administration home) or of a manager's direct reports ("My
// team"). They count active people only, and their enrolments that are
// not withdrawn; the definitions are the reports' (package report).
type DashboardFigures struct {
	People          int // active people
	Enrolments      int
	Completed       int // enrolments completed now
	Overdue         int // active enrolments past their due date now
	Active7         int // people with learning activity in the last 7 days
	Active30        int // … in the last 30 days
	Weeks           []Bucket
	OverdueByCourse []CourseCount // the courses with the most overdue enrolments
}

// CompletionRate is completed of enrolled.
func (d DashboardFigures) CompletionRate() report.Ratio {
	return report.Ratio{Part: d.Completed, Whole: d.Enrolments}
}

// CourseCount is a course and a count of its enrolments.
type CourseCount struct {
	CourseID int64
	Title    string
	Count    int
}

// dashboardTopCourses caps the overdue chart.
const dashboardTopCourses = 8

// PortalDashboard reads the figures of the whole portal in one round trip.
func (s *ReportService) PortalDashboard(ctx context.Context, tenantID int64) (DashboardFigures, error) {
	var d DashboardFigures
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		b := &pgx.Batch{}
		queueDashboard(b, tenantID, 0, tx.Now, &d)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return DashboardFigures{}, fmt.Errorf("report: dashboard: %w", err)
	}
	return d, nil
}

// queueDashboard queues the two statements of a dashboard: of the
// portal's active people (managerID 0) or of a manager's active direct
// reports. Each scope has a statement text of its own, so that neither
// shares a cached plan made for the other.
func queueDashboard(b *pgx.Batch, tenantID, managerID int64, now time.Time, d *DashboardFigures) {
	scope := `true`
	if managerID != 0 {
		scope = `u.manager_id = @manager`
	}
	args := pgx.NamedArgs{"tenant": tenantID, "manager": managerID, "now": now, "weeks": DashboardWeeks}
	// Each part joins users itself rather than a shared list of people:
	// the planner then reads a manager's team through users_manager_idx
	// and the indexes by user, and a whole portal with hash joins over
	// the date indexes.
	b.Queue(`
		WITH enrolled AS (
			SELECT e.status, e.due_at, e.completed_at FROM enrolments e
			JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = @tenant AND e.status <> 'withdrawn' AND u.status = 'active' AND `+scope+`
		),
		activity AS (
			SELECT s.user_id, s."timestamp" AS at FROM statements s
			JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
			WHERE s.tenant_id = @tenant AND s."timestamp" > @now::timestamptz - interval '30 days' AND s."timestamp" <= @now
				AND u.status = 'active' AND `+scope+`
			UNION ALL
			SELECT e.user_id, e.last_access_at FROM enrolments e
			JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = @tenant AND e.last_access_at > @now::timestamptz - interval '30 days' AND e.last_access_at <= @now
				AND u.status = 'active' AND `+scope+`
		),
		weeks AS (
			SELECT g::date AS start FROM generate_series(
				date_trunc('week', @now::timestamptz AT TIME ZONE 'UTC') - (@weeks::int - 1) * interval '1 week',
				date_trunc('week', @now::timestamptz AT TIME ZONE 'UTC'), interval '1 week') g
		),
		done AS (
			SELECT date_trunc('week', completed_at AT TIME ZONE 'UTC')::date AS start, count(*) AS n FROM enrolled
			WHERE status = 'completed' AND completed_at >= ((SELECT min(start) FROM weeks)::timestamp AT TIME ZONE 'UTC')
			GROUP BY 1
		)
		SELECT
			(SELECT count(*) FROM users u WHERE u.tenant_id = @tenant AND u.status = 'active' AND `+scope+`),
			(SELECT count(*) FROM enrolled),
			(SELECT count(*) FROM enrolled WHERE status = 'completed'),
			(SELECT count(*) FROM enrolled WHERE status = 'active' AND due_at < @now),
			(SELECT count(DISTINCT user_id) FROM activity WHERE at > @now::timestamptz - interval '7 days'),
			(SELECT count(DISTINCT user_id) FROM activity),
			(SELECT array_agg(w.start ORDER BY w.start) FROM weeks w),
			(SELECT array_agg(coalesce(d.n, 0) ORDER BY w.start) FROM weeks w LEFT JOIN done d ON d.start = w.start)`, args).
		QueryRow(func(row pgx.Row) error {
			var starts []time.Time
			var counts []int
			if err := row.Scan(&d.People, &d.Enrolments, &d.Completed, &d.Overdue, &d.Active7, &d.Active30, &starts, &counts); err != nil {
				return err
			}
			d.Weeks = make([]Bucket, len(starts))
			for i := range starts {
				d.Weeks[i] = Bucket{Start: starts[i], Count: counts[i]}
			}
			return nil
		})
	b.Queue(`
		SELECT c.id, c.title, count(*) FROM enrolments e
		JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
		JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
		WHERE e.tenant_id = @tenant AND e.status = 'active' AND e.due_at IS NOT NULL AND e.due_at < @now
			AND u.status = 'active' AND `+scope+`
		GROUP BY c.id, c.title
		ORDER BY count(*) DESC, lower(c.title), c.id
		LIMIT @limit`, with(args, "limit", dashboardTopCourses)).Query(func(rows pgx.Rows) error {
		var err error
		d.OverdueByCourse, err = pgx.CollectRows(rows, pgx.RowToStructByPos[CourseCount])
		return err
	})
}

// nudgeDay is the UTC day a nudge made at now counts against.
func nudgeDay(now time.Time) time.Time {
	return now.UTC().Truncate(24 * time.Hour)
}
