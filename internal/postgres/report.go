package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/report"
)

// ReportService answers the portal's reports. Every table of a report is
// one SQL statement that counts in PostgreSQL, whatever the number of
// learners; the definitions of the figures are in package report, and the
// SQL below follows them:
//
//   - withdrawn enrolments are left out (status <> 'withdrawn');
//   - the date range picks enrolments by enrolled_at, completions by
//     completed_at, quiz attempts by submitted_at and path learners by
//     their path enrolment's enrolled_at, as [from 00:00 UTC, the day after
//     to 00:00 UTC);
//   - an enrolment's state is enrolmentState, read at the transaction's
//     clock (tx.Now), never the database's;
//   - active learners are people with a statement, or an enrolment whose
//     last_access_at (moved by every heartbeat and progress write), in the
//     7 or 30 days up to tx.Now; statements alone would miss a learner who
//     only reads, and last_access_at alone one who only answers.
//
// Each table has a streaming form for CSV: it calls back per row while
// the pgx rows are read, so no report is ever held whole in memory.
type ReportService struct {
	db *DB
}

// NewReportService returns the report queries.
func NewReportService(db *DB) *ReportService { return &ReportService{db: db} }

// inReportTx runs fn in a transaction of the tenant with PostgreSQL's JIT
// compiler off. The planner cannot tell how many modules, lessons and
// questions a course's JSON holds, guesses a hundred of each, and the
// cost it then sees sends the questions table to the JIT compiler, which
// takes over a second to save a few milliseconds.
func (s *ReportService) inReportTx(ctx context.Context, tenantID int64, fn func(tx *Tx) error) error {
	return s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// Report statements take optional filters (@group = 0 OR …): a
		// generic plan, which PostgreSQL picks for a prepared statement
		// after five runs, must serve every filter and serves a course of
		// 5,000 learners ten times slower than a plan made for its values.
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
			return err
		}
		return fn(tx)
	})
}

// enrolmentState is where enrolment e stands (report.State), at @now.
const enrolmentState = `CASE WHEN e.status = 'completed' THEN 'completed'
	WHEN e.due_at < @now THEN 'overdue'
	WHEN e.first_access_at IS NOT NULL THEN 'in_progress'
	ELSE 'not_started' END`

// learnerScore is enrolment e's score: the mean of the learner's best
// score per quiz among the attempts in the range, read through the
// attempts' index for each enrolment. A join with every learner's scores
// aggregated first would be as fast with fresh statistics, but right after
// a bulk load the planner may take it for a few rows and aggregate again
// for each learner.
var learnerScore = `(SELECT avg(best)::float8 FROM (
		SELECT max(qa.score) AS best FROM quiz_attempts qa
		WHERE qa.tenant_id = e.tenant_id AND qa.enrolment_id = e.id AND ` + inRange("qa.submitted_at") + `
		GROUP BY qa.block_key) b)`

// inGroup holds for the learner in column col when they are a member of
// the filter's group, or when no group is chosen.
func inGroup(col string) string {
	return `(@group::bigint = 0 OR EXISTS (SELECT 1 FROM group_members gm
		WHERE gm.tenant_id = @tenant AND gm.group_id = @group AND gm.user_id = ` + col + `))`
}

// inRange holds when the moment in column col is in the filter's days.
func inRange(col string) string {
	return `(@from::timestamptz IS NULL OR ` + col + ` >= @from) AND (@to::timestamptz IS NULL OR ` + col + ` < @to)`
}

// reportArgs are the named arguments every report query draws on.
func reportArgs(tenantID int64, tx *Tx, f report.Filter) pgx.NamedArgs {
	return pgx.NamedArgs{"tenant": tenantID, "group": f.GroupID, "from": f.Start(), "to": f.End(), "now": tx.Now,
		"course": int64(0), "path": int64(0), "user": int64(0), "limit": nil}
}

// with returns a copy of a with more arguments.
func with(a pgx.NamedArgs, kv ...any) pgx.NamedArgs {
	out := make(pgx.NamedArgs, len(a)+len(kv)/2)
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// forEach runs a query and hands each row to fn as it is read.
func forEach[T any](ctx context.Context, tx *Tx, query string, args pgx.NamedArgs, dest func(*T) []any, fn func(T) error) error {
	rows, err := tx.Query(ctx, query, args)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var v T
		if err := rows.Scan(dest(&v)...); err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
	}
	return rows.Err()
}

// collect appends each row to *out.
func collect[T any](out *[]T) func(T) error {
	return func(v T) error { *out = append(*out, v); return nil }
}

// limitArg is a LIMIT for a page's table; 0 (a CSV) is no limit.
func limitArg(n int) any {
	if n <= 0 {
		return nil
	}
	return n
}

// GroupChoice is a group the reports can be narrowed to.
type GroupChoice struct {
	ID   int64
	Name string
}

func findGroupChoices(ctx context.Context, tx *Tx, a pgx.NamedArgs, f report.Filter) ([]GroupChoice, error) {
	var out []GroupChoice
	err := forEach(ctx, tx, `SELECT id, name FROM groups WHERE tenant_id = @tenant ORDER BY lower(name), id`, a,
		func(g *GroupChoice) []any { return []any{&g.ID, &g.Name} }, collect(&out))
	if err != nil {
		return nil, err
	}
	if f.GroupID == 0 {
		return out, nil
	}
	for _, g := range out {
		if g.ID == f.GroupID {
			return out, nil
		}
	}
	return nil, apperr.Fields{"group": "Choose a group from the list."}
}

// Summary is a report's headline figures (see package report for what
// each counts).
type Summary struct {
	Active7, Active30 int
	Enrolments        int // made in the range
	Completed         int // of those, completed now
	Overdue           int // of those, overdue now
	Completions       int // completed in the range
	AverageScore      *float64
	ScoredQuizzes     int // the learner-and-quiz bests averaged
}

// CompletionRate is completed of enrolled.
func (s Summary) CompletionRate() report.Ratio {
	return report.Ratio{Part: s.Completed, Whole: s.Enrolments}
}

// summary counts the headline figures of the portal (course 0) or of one
// course, in one statement.
func summary(ctx context.Context, tx *Tx, a pgx.NamedArgs) (Summary, error) {
	var s Summary
	err := tx.QueryRow(ctx, `
		WITH counted AS (
			SELECT e.id, e.status, e.enrolled_at, e.completed_at, `+enrolmentState+` AS state
			FROM enrolments e
			WHERE e.tenant_id = @tenant AND e.status <> 'withdrawn'
				AND (@course::bigint = 0 OR e.course_id = @course) AND `+inGroup("e.user_id")+`
		),
		activity AS (
			SELECT s.user_id, s."timestamp" AS at FROM statements s
			WHERE s.tenant_id = @tenant AND s."timestamp" > @now::timestamptz - interval '30 days' AND s."timestamp" <= @now
				AND (@course = 0 OR s.object_id = 'course/' || @course::text OR s.object_id LIKE 'course/' || @course::text || '/%')
				AND `+inGroup("s.user_id")+`
			UNION ALL
			SELECT e.user_id, e.last_access_at FROM enrolments e
			WHERE e.tenant_id = @tenant AND e.last_access_at > @now::timestamptz - interval '30 days' AND e.last_access_at <= @now
				AND (@course = 0 OR e.course_id = @course) AND `+inGroup("e.user_id")+`
		),
		bests AS (
			SELECT max(qa.score) AS best FROM quiz_attempts qa
			JOIN enrolments e ON e.tenant_id = qa.tenant_id AND e.id = qa.enrolment_id
			WHERE qa.tenant_id = @tenant AND e.status <> 'withdrawn' AND (@course = 0 OR e.course_id = @course)
				AND `+inGroup("e.user_id")+` AND `+inRange("qa.submitted_at")+`
			GROUP BY qa.enrolment_id, qa.block_key
		)
		SELECT
			(SELECT count(DISTINCT user_id) FROM activity WHERE at > @now::timestamptz - interval '7 days'),
			(SELECT count(DISTINCT user_id) FROM activity),
			(SELECT count(*) FROM counted WHERE `+inRange("enrolled_at")+`),
			(SELECT count(*) FROM counted WHERE state = 'completed' AND `+inRange("enrolled_at")+`),
			(SELECT count(*) FROM counted WHERE state = 'overdue' AND `+inRange("enrolled_at")+`),
			(SELECT count(*) FROM counted WHERE state = 'completed' AND `+inRange("completed_at")+`),
			(SELECT avg(best)::float8 FROM bests),
			(SELECT count(*) FROM bests)`, a).
		Scan(&s.Active7, &s.Active30, &s.Enrolments, &s.Completed, &s.Overdue, &s.Completions, &s.AverageScore, &s.ScoredQuizzes)
	return s, err
}

// Completions are completions counted per day, week or month.
type Completions struct {
	Unit    string // day, week (starting Monday) or month
	Buckets []Bucket
}

// Bucket is one period of a chart.
type Bucket struct {
	Start time.Time // the period's first day (UTC)
	Count int
}

// completionsOverTime counts completions per period, empty periods
// included. The periods run from the first day of the range (or of the
// first completion, and at least the last 30 days) to its last day or
// today, whichever comes first; they are days up to a month, weeks up to
// half a year, months beyond.
func completionsOverTime(ctx context.Context, tx *Tx, a pgx.NamedArgs, f report.Filter) (Completions, error) {
	// The chart stops today: no completion lies ahead.
	last := tx.Now.UTC().Truncate(24 * time.Hour)
	if !f.To.IsZero() && f.To.Before(last) {
		last = f.To
	}
	c := Completions{Unit: "day"}
	err := forEach(ctx, tx, `
		WITH done AS (
			SELECT e.completed_at AT TIME ZONE 'UTC' AS at FROM enrolments e
			WHERE e.tenant_id = @tenant AND e.status = 'completed' AND `+inGroup("e.user_id")+` AND `+inRange("e.completed_at")+`
		),
		span AS (
			SELECT coalesce(@first::date, least((SELECT min(at)::date FROM done), @last::date - 29)) AS first, @last::date AS last
		),
		periods AS (
			SELECT first, last, CASE WHEN last - first < 31 THEN 'day' WHEN last - first < 183 THEN 'week' ELSE 'month' END AS unit
			FROM span
		),
		buckets AS (
			SELECT g::date AS start, p.unit FROM periods p,
				generate_series(date_trunc(p.unit, p.first::timestamp), p.last::timestamp, ('1 ' || p.unit)::interval) g
		),
		counts AS (
			SELECT date_trunc(p.unit, d.at)::date AS start, count(*) AS n FROM done d, periods p GROUP BY 1
		)
		SELECT b.start, b.unit, coalesce(c.n, 0)
		FROM buckets b LEFT JOIN counts c ON c.start = b.start
		ORDER BY b.start`,
		with(a, "first", f.Start(), "last", last),
		func(b *unitBucket) []any { return []any{&b.Start, &b.unit, &b.Count} },
		func(b unitBucket) error {
			c.Unit = b.unit
			c.Buckets = append(c.Buckets, b.Bucket)
			return nil
		})
	return c, err
}

// unitBucket is a bucket as the query returns it, with its unit.
type unitBucket struct {
	Bucket
	unit string
}

// StateCount is how many enrolments stand in a state.
type StateCount struct {
	State report.State
	Count int
}

// statuses counts the enrolments made in the range by their state, every
// state listed.
func statuses(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(StateCount) error) error {
	states := make([]string, len(report.States))
	for i, s := range report.States {
		states[i] = string(s)
	}
	return forEach(ctx, tx, `
		WITH counted AS (
			SELECT `+enrolmentState+` AS state, count(*) AS n FROM enrolments e
			WHERE e.tenant_id = @tenant AND e.status <> 'withdrawn' AND `+inGroup("e.user_id")+` AND `+inRange("e.enrolled_at")+`
			GROUP BY 1
		)
		SELECT s.state, coalesce(c.n, 0) FROM unnest(@states::text[]) WITH ORDINALITY s(state, ord)
		LEFT JOIN counted c ON c.state = s.state
		ORDER BY s.ord`, with(a, "states", states),
		func(c *StateCount) []any { return []any{&c.State, &c.Count} }, fn)
}

// CourseFigures are one course's figures in the portal overview.
type CourseFigures struct {
	CourseID     int64
	Title        string
	Status       string
	Enrolments   int
	Completed    int
	Overdue      int
	AverageScore *float64
}

// CompletionRate is completed of enrolled.
func (c CourseFigures) CompletionRate() report.Ratio {
	return report.Ratio{Part: c.Completed, Whole: c.Enrolments}
}

// courseFigures lists every course ever published with its figures.
func courseFigures(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(CourseFigures) error) error {
	return forEach(ctx, tx, `
		SELECT c.id, c.title, c.status, m.enrolments, m.completed, m.overdue, s.score
		FROM courses c
		CROSS JOIN LATERAL (
			SELECT count(*) AS enrolments, count(*) FILTER (WHERE `+enrolmentState+` = 'completed') AS completed,
				count(*) FILTER (WHERE `+enrolmentState+` = 'overdue') AS overdue
			FROM enrolments e
			WHERE e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.status <> 'withdrawn'
				AND `+inGroup("e.user_id")+` AND `+inRange("e.enrolled_at")+`
		) m
		CROSS JOIN LATERAL (
			SELECT avg(best)::float8 AS score FROM (
				SELECT max(qa.score) AS best FROM enrolments e
				JOIN quiz_attempts qa ON qa.tenant_id = e.tenant_id AND qa.enrolment_id = e.id
				WHERE e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.status <> 'withdrawn'
					AND `+inGroup("e.user_id")+` AND `+inRange("qa.submitted_at")+`
				GROUP BY qa.enrolment_id, qa.block_key) b
		) s
		WHERE c.tenant_id = @tenant AND c.published_version IS NOT NULL
		ORDER BY lower(c.title), c.id`, a,
		func(c *CourseFigures) []any {
			return []any{&c.CourseID, &c.Title, &c.Status, &c.Enrolments, &c.Completed, &c.Overdue, &c.AverageScore}
		}, fn)
}

// PathFigures are one path's figures: the learners who started it in the
// range, and how many of them completed it.
type PathFigures struct {
	PathID    int64
	Title     string
	Status    string
	Learners  int
	Completed int
}

// CompletionRate is completed of started.
func (p PathFigures) CompletionRate() report.Ratio {
	return report.Ratio{Part: p.Completed, Whole: p.Learners}
}

// pathFigures lists the portal's paths (path 0) or one path with figures.
func pathFigures(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(PathFigures) error) error {
	return forEach(ctx, tx, `
		SELECT p.id, p.title, p.status, count(pe.id), count(pe.id) FILTER (WHERE pe.completed_at IS NOT NULL)
		FROM paths p
		LEFT JOIN path_enrolments pe ON pe.tenant_id = p.tenant_id AND pe.path_id = p.id
			AND `+inGroup("pe.user_id")+` AND `+inRange("pe.enrolled_at")+`
		WHERE p.tenant_id = @tenant AND (@path::bigint = 0 OR p.id = @path)
		GROUP BY p.id, p.title, p.status
		ORDER BY lower(p.title), p.id`, a,
		func(p *PathFigures) []any { return []any{&p.PathID, &p.Title, &p.Status, &p.Learners, &p.Completed} }, fn)
}

// Overview is the portal's report.
type Overview struct {
	Groups      []GroupChoice
	Summary     Summary
	Completions Completions
	States      []StateCount
	Courses     []CourseFigures
	Paths       []PathFigures
}

// Overview reports on the whole portal, one statement per table.
func (s *ReportService) Overview(ctx context.Context, tenantID int64, f report.Filter) (Overview, error) {
	var o Overview
	err := s.inReportTx(ctx, tenantID, func(tx *Tx) error {
		a := reportArgs(tenantID, tx, f)
		var err error
		if o.Groups, err = findGroupChoices(ctx, tx, a, f); err != nil {
			return err
		}
		if o.Summary, err = summary(ctx, tx, a); err != nil {
			return err
		}
		if o.Completions, err = completionsOverTime(ctx, tx, a, f); err != nil {
			return err
		}
		if err := statuses(ctx, tx, a, collect(&o.States)); err != nil {
			return err
		}
		if err := courseFigures(ctx, tx, a, collect(&o.Courses)); err != nil {
			return err
		}
		return pathFigures(ctx, tx, a, collect(&o.Paths))
	})
	if err != nil {
		return Overview{}, fmt.Errorf("report: overview: %w", err)
	}
	return o, nil
}

// CourseLearnerRow is one learner of a course.
type CourseLearnerRow struct {
	UserID      int64
	Name        string
	Email       string
	State       report.State
	Percent     int
	Score       *float64 // the mean of their best score per quiz; nil: no attempt
	TimeSpent   int      // seconds
	EnrolledAt  time.Time
	DueAt       *time.Time
	CompletedAt *time.Time
	LastAccess  *time.Time
}

func courseLearners(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(CourseLearnerRow) error) error {
	return forEach(ctx, tx, `
		SELECT u.id, u.name, u.email, `+enrolmentState+`, e.percent, `+learnerScore+`, e.time_spent_seconds,
			e.enrolled_at, e.due_at, e.completed_at, e.last_access_at
		FROM enrolments e
		JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
		WHERE e.tenant_id = @tenant AND e.course_id = @course AND e.status <> 'withdrawn'
			AND `+inGroup("e.user_id")+` AND `+inRange("e.enrolled_at")+`
		ORDER BY lower(u.name), u.id
		LIMIT @limit`, a,
		func(r *CourseLearnerRow) []any {
			return []any{&r.UserID, &r.Name, &r.Email, &r.State, &r.Percent, &r.Score, &r.TimeSpent,
				&r.EnrolledAt, &r.DueAt, &r.CompletedAt, &r.LastAccess}
		}, fn)
}

// QuestionRow is how learners did on one quiz question at their first try.
type QuestionRow struct {
	Version  int // of the course
	Lesson   string
	QuizKey  string
	Number   int // the question's place in its quiz, from 1
	Prompt   string
	Answered int
	Right    int
}

// SuccessRate is right of answered.
func (q QuestionRow) SuccessRate() report.Ratio {
	return report.Ratio{Part: q.Right, Whole: q.Answered}
}

// courseQuestions lists every question of the course's published version
// and of the versions its learners take, with learners' first tries. The
// right options come from the version's content, and a try is right when
// exactly those options were chosen, as learning.Score marks it: an
// ordering question's every step in its place, a branching question's
// both decisions right (full marks). Only the
// learner's current attempt at the course is counted: its version is the
// enrolment's, whereas an earlier attempt's version is not recorded.
func courseQuestions(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(QuestionRow) error) error {
	return forEach(ctx, tx, `
		WITH versions AS (
			SELECT v.version, v.content FROM course_versions v
			JOIN courses c ON c.tenant_id = v.tenant_id AND c.id = v.course_id
			WHERE v.tenant_id = @tenant AND v.course_id = @course
				AND (v.version = c.published_version OR EXISTS (SELECT 1 FROM enrolments e
					WHERE e.tenant_id = v.tenant_id AND e.course_id = v.course_id AND e.version = v.version AND e.status <> 'withdrawn'))
		),
		questions AS (
			SELECT v.version, m.ord AS m_ord, l.ord AS l_ord, b.ord AS b_ord, q.ord AS number,
				l.lesson->>'title' AS lesson, b.block->>'key' AS block_key, q.question->>'prompt' AS prompt,
				CASE q.question->>'type'
					-- every step in its place
					WHEN 'ordering' THEN (SELECT coalesce(jsonb_agg(o.ord - 1 ORDER BY o.ord), '[]'::jsonb)
						FROM jsonb_array_elements(q.question->'options') WITH ORDINALITY o(option, ord))
					-- both decisions right: the first, then the second that follows it
					WHEN 'branching' THEN (SELECT jsonb_build_array(o.ord - 1, (SELECT t.ord - 1
							FROM jsonb_array_elements(o.option->'then'->'options') WITH ORDINALITY t(option, ord)
							WHERE (t.option->>'correct')::boolean LIMIT 1))
						FROM jsonb_array_elements(q.question->'options') WITH ORDINALITY o(option, ord)
						WHERE (o.option->>'correct')::boolean LIMIT 1)
					ELSE (SELECT coalesce(jsonb_agg(o.ord - 1 ORDER BY o.ord), '[]'::jsonb)
						FROM jsonb_array_elements(q.question->'options') WITH ORDINALITY o(option, ord)
						WHERE (o.option->>'correct')::boolean)
				END AS correct,
				q.question->>'type' IN ('ordering', 'branching') AS in_order
			FROM versions v
			CROSS JOIN LATERAL jsonb_array_elements(v.content->'modules') WITH ORDINALITY m(module, ord)
			CROSS JOIN LATERAL jsonb_array_elements(m.module->'lessons') WITH ORDINALITY l(lesson, ord)
			CROSS JOIN LATERAL jsonb_array_elements(l.lesson->'blocks') WITH ORDINALITY b(block, ord)
			CROSS JOIN LATERAL jsonb_array_elements(b.block->'quiz'->'questions') WITH ORDINALITY q(question, ord)
			WHERE b.block->>'kind' = 'quiz'
		),
		firsts AS (
			SELECT e.version, qa.block_key, qa.answers FROM quiz_attempts qa
			JOIN enrolments e ON e.tenant_id = qa.tenant_id AND e.id = qa.enrolment_id
			WHERE qa.tenant_id = @tenant AND e.course_id = @course AND e.status <> 'withdrawn'
				AND qa.attempt = e.attempt AND qa.number = 1
				AND `+inGroup("e.user_id")+` AND `+inRange("qa.submitted_at")+`
		)
		SELECT q.version, q.lesson, q.block_key, q.number, q.prompt, count(f.block_key),
			count(f.block_key) FILTER (WHERE CASE WHEN q.in_order THEN f.answers->(q.number::int - 1)
				ELSE (SELECT coalesce(jsonb_agg(x ORDER BY x::int), '[]'::jsonb)
					FROM jsonb_array_elements(f.answers->(q.number::int - 1)) x) END = q.correct)
		FROM questions q
		LEFT JOIN firsts f ON f.version = q.version AND f.block_key = q.block_key
		GROUP BY q.version, q.m_ord, q.l_ord, q.b_ord, q.number, q.lesson, q.block_key, q.prompt, q.correct, q.in_order
		ORDER BY q.version DESC, q.m_ord, q.l_ord, q.b_ord, q.number`, a,
		func(q *QuestionRow) []any {
			return []any{&q.Version, &q.Lesson, &q.QuizKey, &q.Number, &q.Prompt, &q.Answered, &q.Right}
		}, fn)
}

// CourseReport is one course's report.
type CourseReport struct {
	Groups    []GroupChoice
	CourseID  int64
	Title     string
	Summary   Summary
	Learners  []CourseLearnerRow // the first of Summary.Enrolments, by name
	Questions []QuestionRow
}

// CourseReport reports on one course: its figures, its learners (the
// first limit of them by name; 0 for all) and its questions, one
// statement per table.
func (s *ReportService) CourseReport(ctx context.Context, tenantID, courseID int64, f report.Filter, limit int) (CourseReport, error) {
	cr := CourseReport{CourseID: courseID}
	err := s.inReportTx(ctx, tenantID, func(tx *Tx) error {
		a := with(reportArgs(tenantID, tx, f), "course", courseID, "limit", limitArg(limit))
		if err := tx.QueryRow(ctx, `SELECT title FROM courses WHERE tenant_id = @tenant AND id = @course`, a).Scan(&cr.Title); err != nil {
			return Error(err, "Course")
		}
		var err error
		if cr.Groups, err = findGroupChoices(ctx, tx, a, f); err != nil {
			return err
		}
		if cr.Summary, err = summary(ctx, tx, a); err != nil {
			return err
		}
		if err := courseLearners(ctx, tx, a, collect(&cr.Learners)); err != nil {
			return err
		}
		return courseQuestions(ctx, tx, a, collect(&cr.Questions))
	})
	if err != nil {
		return CourseReport{}, fmt.Errorf("report: course: %w", err)
	}
	return cr, nil
}

// LearnerCourseRow is one course of a learner.
type LearnerCourseRow struct {
	CourseID    int64
	Title       string
	State       report.State
	Percent     int
	Score       *float64
	TimeSpent   int // seconds
	EnrolledAt  time.Time
	DueAt       *time.Time
	CompletedAt *time.Time
	LastAccess  *time.Time
}

func learnerCourses(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(LearnerCourseRow) error) error {
	return forEach(ctx, tx, `
		SELECT c.id, c.title, `+enrolmentState+`, e.percent, `+learnerScore+`, e.time_spent_seconds,
			e.enrolled_at, e.due_at, e.completed_at, e.last_access_at
		FROM enrolments e
		JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
		WHERE e.tenant_id = @tenant AND e.user_id = @user AND e.status <> 'withdrawn' AND `+inRange("e.enrolled_at")+`
		ORDER BY e.enrolled_at, e.id`, a,
		func(r *LearnerCourseRow) []any {
			return []any{&r.CourseID, &r.Title, &r.State, &r.Percent, &r.Score, &r.TimeSpent,
				&r.EnrolledAt, &r.DueAt, &r.CompletedAt, &r.LastAccess}
		}, fn)
}

// QuizAttemptRow is one submitted quiz of a learner.
type QuizAttemptRow struct {
	CourseID      int64
	Course        string
	Lesson        string // the quiz's lesson in the version the learner takes now
	CourseAttempt int
	Number        int // the try at this quiz within the course attempt
	Score         int
	Passed        bool
	SubmittedAt   time.Time
}

func learnerQuizzes(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(QuizAttemptRow) error) error {
	return forEach(ctx, tx, `
		SELECT c.id, c.title,
			coalesce((SELECT l.lesson->>'title' FROM course_versions v
				CROSS JOIN LATERAL jsonb_array_elements(v.content->'modules') m(module)
				CROSS JOIN LATERAL jsonb_array_elements(m.module->'lessons') l(lesson)
				CROSS JOIN LATERAL jsonb_array_elements(l.lesson->'blocks') b(block)
				WHERE v.tenant_id = e.tenant_id AND v.course_id = e.course_id AND v.version = e.version
					AND b.block->>'key' = qa.block_key LIMIT 1), qa.block_key),
			qa.attempt, qa.number, qa.score, qa.passed, qa.submitted_at
		FROM quiz_attempts qa
		JOIN enrolments e ON e.tenant_id = qa.tenant_id AND e.id = qa.enrolment_id
		JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
		WHERE qa.tenant_id = @tenant AND e.user_id = @user AND e.status <> 'withdrawn' AND `+inRange("qa.submitted_at")+`
		ORDER BY qa.submitted_at, qa.id`, a,
		func(r *QuizAttemptRow) []any {
			return []any{&r.CourseID, &r.Course, &r.Lesson, &r.CourseAttempt, &r.Number, &r.Score, &r.Passed, &r.SubmittedAt}
		}, fn)
}

// LearnerPathRow is one path of a learner.
type LearnerPathRow struct {
	PathID      int64
	Title       string
	Steps       int
	StepsDone   int // steps whose course the learner has completed
	EnrolledAt  time.Time
	CompletedAt *time.Time
}

// Progress is steps done of steps.
func (p LearnerPathRow) Progress() report.Ratio {
	return report.Ratio{Part: p.StepsDone, Whole: p.Steps}
}

func learnerPaths(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(LearnerPathRow) error) error {
	return forEach(ctx, tx, `
		SELECT p.id, p.title, count(s.position), count(e.id) FILTER (WHERE e.status = 'completed') + count(r.session_id), pe.enrolled_at, pe.completed_at
		FROM path_enrolments pe
		JOIN paths p ON p.tenant_id = pe.tenant_id AND p.id = pe.path_id
		LEFT JOIN path_steps s ON s.tenant_id = pe.tenant_id AND s.path_id = pe.path_id
		LEFT JOIN enrolments e ON e.tenant_id = s.tenant_id AND e.course_id = s.course_id AND e.user_id = pe.user_id AND e.status <> 'withdrawn'
		LEFT JOIN live_session_registrations r ON r.tenant_id = s.tenant_id AND r.session_id = s.session_id AND r.user_id = pe.user_id AND r.attendance = 'present'
		WHERE pe.tenant_id = @tenant AND pe.user_id = @user AND `+inRange("pe.enrolled_at")+`
		GROUP BY pe.id, p.id, p.title, pe.enrolled_at, pe.completed_at
		ORDER BY pe.enrolled_at, pe.id`, a,
		func(r *LearnerPathRow) []any {
			return []any{&r.PathID, &r.Title, &r.Steps, &r.StepsDone, &r.EnrolledAt, &r.CompletedAt}
		}, fn)
}

// LearnerReport is one learner's report. It has no group filter: the
// learner is in a group or not.
type LearnerReport struct {
	UserID  int64
	Name    string
	Email   string
	Groups  string // the names of their groups
	Courses []LearnerCourseRow
	Quizzes []QuizAttemptRow
	Paths   []LearnerPathRow
}

// LearnerReport reports on one learner: their courses, quiz attempts and
// paths, one statement per table.
func (s *ReportService) LearnerReport(ctx context.Context, tenantID, userID int64, f report.Filter) (LearnerReport, error) {
	lr := LearnerReport{UserID: userID}
	f.GroupID = 0
	err := s.inReportTx(ctx, tenantID, func(tx *Tx) error {
		a := with(reportArgs(tenantID, tx, f), "user", userID)
		if err := tx.QueryRow(ctx, `
			SELECT u.name, u.email, coalesce((SELECT string_agg(g.name, ', ' ORDER BY lower(g.name))
				FROM group_members gm JOIN groups g ON g.tenant_id = gm.tenant_id AND g.id = gm.group_id
				WHERE gm.tenant_id = u.tenant_id AND gm.user_id = u.id), '')
			FROM users u WHERE u.tenant_id = @tenant AND u.id = @user`, a).Scan(&lr.Name, &lr.Email, &lr.Groups); err != nil {
			return Error(err, "Learner")
		}
		if err := learnerCourses(ctx, tx, a, collect(&lr.Courses)); err != nil {
			return err
		}
		if err := learnerQuizzes(ctx, tx, a, collect(&lr.Quizzes)); err != nil {
			return err
		}
		return learnerPaths(ctx, tx, a, collect(&lr.Paths))
	})
	if err != nil {
		return LearnerReport{}, fmt.Errorf("report: learner: %w", err)
	}
	return lr, nil
}

// PathStepRow is how a path's learners stand on one step.
type PathStepRow struct {
	Position  int // from 0
	CourseID  int64
	Course    string
	Learners  int // of the path, in the filter
	Started   int // of them, enrolled in the step's course
	Completed int // of them, completed it
}

// CompletionRate is completed of the path's learners.
func (p PathStepRow) CompletionRate() report.Ratio {
	return report.Ratio{Part: p.Completed, Whole: p.Learners}
}

func pathSteps(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(PathStepRow) error) error {
	return forEach(ctx, tx, `
		WITH learners AS (
			SELECT pe.user_id FROM path_enrolments pe
			WHERE pe.tenant_id = @tenant AND pe.path_id = @path AND `+inGroup("pe.user_id")+` AND `+inRange("pe.enrolled_at")+`
		)
		SELECT s.position, c.id, c.title, (SELECT count(*) FROM learners), count(e.id), count(e.id) FILTER (WHERE e.status = 'completed')
		FROM path_steps s
		JOIN courses c ON c.tenant_id = s.tenant_id AND c.id = s.course_id
		LEFT JOIN enrolments e ON e.tenant_id = s.tenant_id AND e.course_id = s.course_id AND e.status <> 'withdrawn'
			AND e.user_id IN (SELECT user_id FROM learners)
		WHERE s.tenant_id = @tenant AND s.path_id = @path
		GROUP BY s.position, c.id, c.title
		ORDER BY s.position`, a,
		func(r *PathStepRow) []any {
			return []any{&r.Position, &r.CourseID, &r.Course, &r.Learners, &r.Started, &r.Completed}
		}, fn)
}

// PathLearnerRow is one learner of a path.
type PathLearnerRow struct {
	UserID      int64
	Name        string
	Email       string
	Steps       int
	StepsDone   int
	Opened      int // steps whose course they have opened or completed
	EnrolledAt  time.Time
	CompletedAt *time.Time
}

// State is completed (the path), in progress (a step's course opened) or
// not started.
func (p PathLearnerRow) State() report.State {
	switch {
	case p.CompletedAt != nil:
		return report.Completed
	case p.Opened > 0:
		return report.InProgress
	}
	return report.NotStarted
}

// Progress is steps done of steps.
func (p PathLearnerRow) Progress() report.Ratio {
	return report.Ratio{Part: p.StepsDone, Whole: p.Steps}
}

func pathLearners(ctx context.Context, tx *Tx, a pgx.NamedArgs, fn func(PathLearnerRow) error) error {
	return forEach(ctx, tx, `
		SELECT u.id, u.name, u.email, count(s.position), count(e.id) FILTER (WHERE e.status = 'completed') + count(r.session_id),
			count(e.id) FILTER (WHERE e.status = 'completed' OR e.first_access_at IS NOT NULL) + count(r.session_id),
			pe.enrolled_at, pe.completed_at
		FROM path_enrolments pe
		JOIN users u ON u.tenant_id = pe.tenant_id AND u.id = pe.user_id
		LEFT JOIN path_steps s ON s.tenant_id = pe.tenant_id AND s.path_id = pe.path_id
		LEFT JOIN enrolments e ON e.tenant_id = s.tenant_id AND e.course_id = s.course_id AND e.user_id = pe.user_id AND e.status <> 'withdrawn'
		LEFT JOIN live_session_registrations r ON r.tenant_id = s.tenant_id AND r.session_id = s.session_id AND r.user_id = pe.user_id AND r.attendance = 'present'
		WHERE pe.tenant_id = @tenant AND pe.path_id = @path AND `+inGroup("pe.user_id")+` AND `+inRange("pe.enrolled_at")+`
		GROUP BY pe.id, u.id, u.name, u.email, pe.enrolled_at, pe.completed_at
		ORDER BY lower(u.name), u.id
		LIMIT @limit`, a,
		func(r *PathLearnerRow) []any {
			return []any{&r.UserID, &r.Name, &r.Email, &r.Steps, &r.StepsDone, &r.Opened, &r.EnrolledAt, &r.CompletedAt}
		}, fn)
}

// PathReport is one path's report.
type PathReport struct {
	Groups   []GroupChoice
	Figures  PathFigures
	Steps    []PathStepRow
	Learners []PathLearnerRow // the first of Figures.Learners, by name
}

// PathReport reports on one path: its figures, its steps and its learners
// (the first limit of them by name; 0 for all), one statement per table.
func (s *ReportService) PathReport(ctx context.Context, tenantID, pathID int64, f report.Filter, limit int) (PathReport, error) {
	var pr PathReport
	err := s.inReportTx(ctx, tenantID, func(tx *Tx) error {
		a := with(reportArgs(tenantID, tx, f), "path", pathID, "limit", limitArg(limit))
		var err error
		if pr.Groups, err = findGroupChoices(ctx, tx, a, f); err != nil {
			return err
		}
		var found bool
		if err := pathFigures(ctx, tx, a, func(p PathFigures) error { pr.Figures, found = p, true; return nil }); err != nil {
			return err
		}
		if !found {
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Path not found."}
		}
		if err := pathSteps(ctx, tx, a, collect(&pr.Steps)); err != nil {
			return err
		}
		return pathLearners(ctx, tx, a, collect(&pr.Learners))
	})
	if err != nil {
		return PathReport{}, fmt.Errorf("report: path: %w", err)
	}
	return pr, nil
}

// Subject is what a report is about.
type Subject string

// Subjects of reports.
const (
	SubjectCourse  Subject = "course"
	SubjectLearner Subject = "learner"
	SubjectPath    Subject = "path"
)

// FindSubject checks that the course, learner or path id is the portal's
// and returns its title (a learner's name). A CSV asks first, because a
// download cannot turn into a "not found" page once it has begun.
func (s *ReportService) FindSubject(ctx context.Context, tenantID int64, subject Subject, id int64) (string, error) {
	var query, what string
	switch subject {
	case SubjectCourse:
		query, what = `SELECT title FROM courses WHERE tenant_id = $1 AND id = $2`, "Course"
	case SubjectLearner:
		query, what = `SELECT name FROM users WHERE tenant_id = $1 AND id = $2`, "Learner"
	case SubjectPath:
		query, what = `SELECT title FROM paths WHERE tenant_id = $1 AND id = $2`, "Path"
	default:
		return "", fmt.Errorf("report: unknown subject %q", subject)
	}
	var title string
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, query, tenantID, id).Scan(&title)
	})
	if err != nil {
		return "", fmt.Errorf("report: find %s: %w", subject, Error(err, what))
	}
	return title, nil
}

// Table names a report table that streams as CSV.
type Table string

// The tables that stream. Those of a course, learner or path take its id.
const (
	TableSummary        Table = "summary"         // Summary; of a course with its id, of the portal with 0
	TableCompletions    Table = "completions"     // Bucket
	TableStates         Table = "states"          // StateCount
	TableCourses        Table = "courses"         // CourseFigures
	TablePaths          Table = "paths"           // PathFigures; of one path with its id
	TableCourseLearners Table = "course-learners" // CourseLearnerRow
	TableQuestions      Table = "questions"       // QuestionRow
	TableLearnerCourses Table = "learner-courses" // LearnerCourseRow
	TableLearnerQuizzes Table = "learner-quizzes" // QuizAttemptRow
	TableLearnerPaths   Table = "learner-paths"   // LearnerPathRow
	TablePathSteps      Table = "path-steps"      // PathStepRow
	TablePathLearners   Table = "path-learners"   // PathLearnerRow
)

// StreamTable reads one table of a report for a CSV and calls fn with
// each row (of the type the table's constant names) while the rows
// arrive from PostgreSQL. id is the course, learner or path the table
// belongs to.
func (s *ReportService) StreamTable(ctx context.Context, tenantID int64, t Table, id int64, f report.Filter, fn func(row any) error) error {
	err := s.inReportTx(ctx, tenantID, func(tx *Tx) error {
		a := reportArgs(tenantID, tx, f)
		switch t {
		case TableSummary:
			sum, err := summary(ctx, tx, with(a, "course", id))
			if err != nil {
				return err
			}
			return fn(sum)
		case TableCompletions:
			c, err := completionsOverTime(ctx, tx, a, f)
			if err != nil {
				return err
			}
			for _, b := range c.Buckets {
				if err := fn(b); err != nil {
					return err
				}
			}
			return nil
		case TableStates:
			return statuses(ctx, tx, a, each[StateCount](fn))
		case TableCourses:
			return courseFigures(ctx, tx, a, each[CourseFigures](fn))
		case TablePaths:
			return pathFigures(ctx, tx, with(a, "path", id), each[PathFigures](fn))
		case TableCourseLearners:
			return courseLearners(ctx, tx, with(a, "course", id), each[CourseLearnerRow](fn))
		case TableQuestions:
			return courseQuestions(ctx, tx, with(a, "course", id), each[QuestionRow](fn))
		case TableLearnerCourses:
			return learnerCourses(ctx, tx, with(a, "user", id, "group", int64(0)), each[LearnerCourseRow](fn))
		case TableLearnerQuizzes:
			return learnerQuizzes(ctx, tx, with(a, "user", id, "group", int64(0)), each[QuizAttemptRow](fn))
		case TableLearnerPaths:
			return learnerPaths(ctx, tx, with(a, "user", id, "group", int64(0)), each[LearnerPathRow](fn))
		case TablePathSteps:
			return pathSteps(ctx, tx, with(a, "path", id), each[PathStepRow](fn))
		case TablePathLearners:
			return pathLearners(ctx, tx, with(a, "path", id), each[PathLearnerRow](fn))
		}
		return fmt.Errorf("unknown table %q", t)
	})
	if err != nil {
		return fmt.Errorf("report: stream %s: %w", t, err)
	}
	return nil
}

// each adapts an untyped row callback to a table's row type.
func each[T any](fn func(any) error) func(T) error {
	return func(v T) error { return fn(v) }
}
