package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/webhook"
)

// LearningService stores what learners do with courses: enrolments, the
// versions they take, their progress, answers and certificates, and the
// learning records all of it leaves.
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
	Cover            string
	Status           learning.Status // the asking learner's; "" when not enrolled
	Percent          int
}

// CatalogQuery narrows the catalog.
type CatalogQuery struct {
	Text  string // words to search for in titles, summaries and tags
	Level string
	Tag   string
}

// FindCatalog lists the portal's published courses that match q, best
// matches first when searching and by title otherwise, with userID's
// status in each.
func (s *LearningService) FindCatalog(ctx context.Context, tenantID, userID int64, q CatalogQuery) ([]CatalogEntry, error) {
	out, err := readRows(ctx, s.db, tenantID, func(row pgx.CollectableRow) (CatalogEntry, error) {
		var e CatalogEntry
		err := row.Scan(&e.ID, &e.Slug, &e.Title, &e.Summary, &e.Level, &e.EstimatedMinutes, &e.Tags, &e.Cover, &e.Status, &e.Percent)
		return e, err
	}, `
			SELECT c.id, c.slug, c.title, c.summary, c.level, c.estimated_minutes, c.tags, coalesce(c.cover, ''),
				coalesce(e.status, ''), coalesce(e.percent, 0)
			FROM courses c
			LEFT JOIN enrolments e ON e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.user_id = $2
			WHERE c.tenant_id = $1 AND c.status = 'published'
				AND ($3 = '' OR c.search @@ websearch_to_tsquery('english', $3))
				AND ($4 = '' OR c.level = $4)
				AND ($5 = '' OR $5 = ANY (c.tags))
			ORDER BY CASE WHEN $3 = '' THEN 0 ELSE ts_rank(c.search, websearch_to_tsquery('english', $3)) END DESC,
				lower(c.title), c.id`,
		tenantID, userID, strings.TrimSpace(q.Text), q.Level, q.Tag)
	if err != nil {
		return nil, fmt.Errorf("learning: catalog: %w", err)
	}
	return out, nil
}

// FindCatalogTags lists the tags of the portal's published courses, for
// the catalog's filter.
func (s *LearningService) FindCatalogTags(ctx context.Context, tenantID int64) ([]string, error) {
	tags, err := readRows(ctx, s.db, tenantID, pgx.RowTo[string], `
			SELECT DISTINCT t FROM courses c, unnest(c.tags) t
			WHERE c.tenant_id = $1 AND c.status = 'published' ORDER BY t`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("learning: catalog tags: %w", err)
	}
	return tags, nil
}

// LearnerCourse is a course as one learner sees it.
type LearnerCourse struct {
	ID               int64
	Slug             string
	Status           string
	PublishedVersion int
	SelfEnrol        bool
	Enrolment        *learning.Enrolment // nil until the learner enrols
	// Content is the version the learner takes: the one they started, or
	// the latest published before they start.
	Content  course.Course
	Progress Progress // of the enrolment's current attempt
}

// Progress is what a learner has done in one attempt at a course.
type Progress struct {
	Completed map[string]time.Time  // lesson key -> when it was completed
	Responses map[string]Response   // block key -> the learner's answer
	Quizzes   map[string]QuizRecord // block key -> the attempts at the quiz
}

// Response is a learner's own answer to a reflection or a checklist.
type Response struct {
	Body      json.RawMessage
	Done      bool
	UpdatedAt time.Time
	Shared    bool // with the learner's manager
}

// QuizRecord is how a learner has done in one quiz.
type QuizRecord struct {
	Used   int          // attempts submitted
	Passed bool         // in any attempt
	Last   *QuizAttempt // the latest attempt
}

// QuizAttempt is one submitted quiz.
type QuizAttempt struct {
	Number      int
	Answers     learning.Answers
	Score       int
	Passed      bool
	SubmittedAt time.Time
}

// LessonComplete reports whether the lesson is complete.
func (p Progress) LessonComplete(key string) bool { _, ok := p.Completed[key]; return ok }

// BlockDone reports whether a required block is done: a quiz passed, a
// reflection answered.
func (p Progress) BlockDone(key string) bool {
	if q, ok := p.Quizzes[key]; ok && q.Passed {
		return true
	}
	return p.Responses[key].Done
}

const enrolmentColumns = `e.id, e.course_id, e.user_id, e.version, e.attempt, e.source, e.status, e.due_at, e.enrolled_at,
	e.started_at, e.completed_at, e.percent, e.time_spent_seconds, e.last_access_at, coalesce(e.last_lesson_key, '')`

func enrolmentDest(e *learning.Enrolment, seconds *int) []any {
	return []any{&e.ID, &e.CourseID, &e.UserID, &e.Version, &e.Attempt, &e.Source, &e.Status, &e.DueAt, &e.EnrolledAt,
		&e.StartedAt, &e.CompletedAt, &e.Percent, seconds, &e.LastAccess, &e.LastLesson}
}

// FindLearnerCourse returns the course with the slug as userID sees it,
// with their progress, in one round trip whatever the course's size (two
// the first time a server reads a version, or when its cache has dropped
// it). A course never published is not found; nor is an archived one,
// except by the learners enrolled in it.
func (s *LearningService) FindLearnerCourse(ctx context.Context, tenantID, userID int64, slug string) (LearnerCourse, error) {
	var r learnerCourseRow
	p := newProgress()
	b := &pgx.Batch{}
	b.Queue(learnerCourseSQL(`c.slug = $2`), userID, slug, s.db.contents.known()).QueryRow(func(row pgx.Row) error {
		return row.Scan(r.dest()...)
	})
	// The progress of the same enrolment, found by the same person and slug.
	queueProgress(b, &p, `(enrolment_id, attempt) = (SELECT e.id, e.attempt FROM enrolments e
		JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
		WHERE e.tenant_id = current_tenant_id() AND e.user_id = $1 AND c.slug = $2)`, userID, slug)
	err := s.db.ReadInTenant(ctx, tenantID, b)
	if err == nil {
		err = r.finish(s.db.contents, userID, func(courseID int64, digest []byte) ([]byte, error) {
			var content []byte
			err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
				return tx.QueryRow(ctx, contentByDigestSQL, courseID, digest).Scan(&content)
			})
			return content, err
		})
	}
	if err != nil {
		return LearnerCourse{}, fmt.Errorf("learning: find course: %w", Error(err, "Course"))
	}
	if r.lc.Enrolment != nil {
		r.lc.Progress = p
	}
	return r.lc, nil
}

// contentByDigestSQL reads a version's content again, when the server's
// cache dropped it between a query that left it out and its answer.
const contentByDigestSQL = `SELECT content FROM course_versions WHERE tenant_id = current_tenant_id() AND course_id = $1 AND content_digest = $2`

// learnerCourseSQL is the statement that reads a learner's course: the
// course, the person's enrolment ($1) and the version they take, where
// where holds ($2). The content comes only when its digest is not among
// those the server holds ($3).
func learnerCourseSQL(where string) string {
	return `
		SELECT c.id, c.slug, c.status, c.published_version, c.self_enrol,
			e.id, e.version, e.attempt, e.source, e.status, e.due_at, e.enrolled_at,
			e.started_at, e.completed_at, e.percent, e.time_spent_seconds, e.last_access_at, e.last_lesson_key,
			v.content_digest, CASE WHEN v.content_digest = ANY ($3::bytea[]) THEN NULL ELSE v.content END
		FROM courses c
		LEFT JOIN enrolments e ON e.tenant_id = c.tenant_id AND e.course_id = c.id AND e.user_id = $1
		JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id
			AND v.version = coalesce(e.version, c.published_version)
		WHERE c.tenant_id = current_tenant_id() AND ` + where + `
			AND (c.status = 'published' OR (e.id IS NOT NULL AND e.status <> 'withdrawn'))`
}

// learnerCourseRow is what learnerCourseSQL reads. The enrolment's columns
// are nullable (a LEFT JOIN): they are read into a second set and copied
// when there is one.
type learnerCourseRow struct {
	lc                        LearnerCourse
	e                         learning.Enrolment
	eID                       *int64
	seconds                   *int
	version, attempt, percent *int
	source, status, last      *string
	enrolledAt, startedAt     *time.Time
	digest, content           []byte
}

func (r *learnerCourseRow) dest() []any {
	return []any{&r.lc.ID, &r.lc.Slug, &r.lc.Status, &r.lc.PublishedVersion, &r.lc.SelfEnrol,
		&r.eID, &r.version, &r.attempt, &r.source, &r.status, &r.e.DueAt, &r.enrolledAt,
		&r.startedAt, &r.e.CompletedAt, &r.percent, &r.seconds, &r.e.LastAccess, &r.last,
		&r.digest, &r.content}
}

// finish sets the course's content, from the cache or through read when
// the cache dropped it after the query, and its enrolment.
func (r *learnerCourseRow) finish(cache *contentCache, userID int64, read func(courseID int64, digest []byte) ([]byte, error)) error {
	content, ok, err := cache.content(r.digest, r.content)
	if err == nil && !ok {
		if r.content, err = read(r.lc.ID, r.digest); err == nil {
			content, _, err = cache.content(r.digest, r.content)
		}
	}
	if err != nil {
		return fmt.Errorf("course %d: %w", r.lc.ID, err)
	}
	r.lc.Content = content
	r.lc.Progress = newProgress()
	if r.eID == nil {
		return nil
	}
	e := r.e
	e.ID, e.CourseID, e.UserID, e.Version, e.Attempt = *r.eID, r.lc.ID, userID, *r.version, *r.attempt
	e.Source, e.Status, e.EnrolledAt, e.StartedAt, e.Percent = learning.Source(*r.source), learning.Status(*r.status), *r.enrolledAt, *r.startedAt, *r.percent
	e.TimeSpent = time.Duration(*r.seconds) * time.Second
	if r.last != nil {
		e.LastLesson = *r.last
	}
	r.lc.Enrolment = &e
	return nil
}

// findLearnerCourse is FindLearnerCourse inside a transaction, by any
// condition on the course c ($2 its argument).
func findLearnerCourse(ctx context.Context, tx *Tx, userID int64, where string, arg any) (LearnerCourse, error) {
	var r learnerCourseRow
	if err := tx.QueryRow(ctx, learnerCourseSQL(where), userID, arg, tx.contents.known()).Scan(r.dest()...); err != nil {
		return LearnerCourse{}, err
	}
	err := r.finish(tx.contents, userID, func(courseID int64, digest []byte) ([]byte, error) {
		var content []byte
		err := tx.QueryRow(ctx, contentByDigestSQL, courseID, digest).Scan(&content)
		return content, err
	})
	if err != nil || r.lc.Enrolment == nil {
		return r.lc, err
	}
	r.lc.Progress, err = findProgress(ctx, tx, r.lc.Enrolment.ID, r.lc.Enrolment.Attempt)
	return r.lc, err
}

func newProgress() Progress {
	return Progress{Completed: map[string]time.Time{}, Responses: map[string]Response{}, Quizzes: map[string]QuizRecord{}}
}

// findProgress reads an attempt's progress in one round trip.
func findProgress(ctx context.Context, tx *Tx, enrolmentID int64, attempt int) (Progress, error) {
	p := newProgress()
	b := &pgx.Batch{}
	queueProgress(b, &p, `(enrolment_id, attempt) = ($1, $2)`, enrolmentID, attempt)
	return p, tx.SendBatch(ctx, b).Close()
}

// queueProgress queues the statements that read into p the progress of
// the attempt that match (a condition on enrolment_id and attempt, with
// args) picks.
func queueProgress(b *pgx.Batch, p *Progress, match string, args ...any) {
	b.Queue(`SELECT lesson_key, completed_at FROM lesson_progress
		WHERE tenant_id = current_tenant_id() AND `+match+` AND completed_at IS NOT NULL`,
		args...).Query(func(rows pgx.Rows) error {
		var key string
		var at time.Time
		_, err := pgx.ForEachRow(rows, []any{&key, &at}, func() error { p.Completed[key] = at; return nil })
		return err
	})
	b.Queue(`SELECT block_key, body, done, updated_at, shared_at IS NOT NULL FROM block_responses
		WHERE tenant_id = current_tenant_id() AND `+match,
		args...).Query(func(rows pgx.Rows) error {
		var key string
		var r Response
		_, err := pgx.ForEachRow(rows, []any{&key, &r.Body, &r.Done, &r.UpdatedAt, &r.Shared}, func() error { p.Responses[key] = r; return nil })
		return err
	})
	b.Queue(`SELECT block_key, number, answers, score, passed, submitted_at FROM quiz_attempts
		WHERE tenant_id = current_tenant_id() AND `+match+` ORDER BY number`,
		args...).Query(func(rows pgx.Rows) error {
		var key string
		var a QuizAttempt
		_, err := pgx.ForEachRow(rows, []any{&key, &a.Number, &a.Answers, &a.Score, &a.Passed, &a.SubmittedAt}, func() error {
			q := p.Quizzes[key]
			q.Used++
			q.Passed = q.Passed || a.Passed
			last := a
			q.Last = &last
			p.Quizzes[key] = q
			return nil
		})
		return err
	})
}

// record writes one learning record, shaped like an xAPI statement.
func record(ctx context.Context, tx *Tx, userID int64, verb, objectType, objectID, objectName string, result, context map[string]any) error {
	res, _ := json.Marshal(result)
	if result == nil {
		res = nil
	}
	ctxJSON, _ := json.Marshal(context)
	if context == nil {
		ctxJSON = nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO statements (tenant_id, user_id, verb, object_type, object_id, object_name, result, context, "timestamp", stored)
		VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		userID, verb, objectType, objectID, objectName, res, ctxJSON, tx.Now)
	return err
}

func courseObject(courseID int64) string { return fmt.Sprintf("course/%d", courseID) }

// Statement is a learning record.
type Statement struct {
	ID         int64
	UserID     int64
	Verb       string
	ObjectType string
	ObjectID   string
	ObjectName string
	Result     json.RawMessage
	Context    json.RawMessage
	Timestamp  time.Time
	Stored     time.Time
}

const statementColumns = `id, user_id, verb, object_type, object_id, object_name, result, context, "timestamp", stored`

func scanStatement(row pgx.CollectableRow) (Statement, error) {
	var st Statement
	err := row.Scan(&st.ID, &st.UserID, &st.Verb, &st.ObjectType, &st.ObjectID, &st.ObjectName, &st.Result, &st.Context, &st.Timestamp, &st.Stored)
	return st, err
}

// FindStatements returns a learner's records, oldest first.
func (s *LearningService) FindStatements(ctx context.Context, tenantID, userID int64) ([]Statement, error) {
	var out []Statement
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT `+statementColumns+`
			FROM statements WHERE tenant_id = $1 AND user_id = $2 ORDER BY "timestamp", id`, tenantID, userID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanStatement)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("learning: statements: %w", err)
	}
	return out, nil
}

// seatsSQL selects the transaction's portal's seats used and its limit:
// a seat is held by a learner with an active account and an enrolment not
// withdrawn.
const seatsSQL = `(SELECT count(DISTINCT e.user_id) FROM enrolments e
		JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
		WHERE e.tenant_id = current_tenant_id() AND e.status <> 'withdrawn' AND u.status = 'active'),
	(SELECT seat_limit FROM tenants WHERE id = current_tenant_id())`

// ErrSeatsFull is returned when enrolling would seat more learners than
// the portal's plan allows.
func errSeatsFull(limit int) error {
	return &apperr.Error{Code: apperr.ECONFLICT, Field: "seats",
		Message: fmt.Sprintf("This portal's %d learner seats are all taken, so no one new can start a course. Please ask your portal administrator to free or add seats.", limit)}
}

// takeSeat makes sure userID holds one of the portal's seats: learners
// with any enrolment not withdrawn, whose account is active. It takes a
// transaction-scoped lock per portal for the count, so concurrent
// enrolments never seat more than the limit.
func takeSeat(ctx context.Context, tx *Tx, userID int64) error {
	seated := func() (bool, error) {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM enrolments WHERE tenant_id = current_tenant_id() AND user_id = $1 AND status <> 'withdrawn')`, userID).Scan(&ok)
		return ok, err
	}
	if ok, err := seated(); err != nil || ok {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('upward.seats'), current_tenant_id()::int)`); err != nil {
		return err
	}
	if ok, err := seated(); err != nil || ok { // seated while we waited
		return err
	}
	var used, limit int
	if err := tx.QueryRow(ctx, `SELECT `+seatsSQL).Scan(&used, &limit); err != nil {
		return err
	}
	if used >= limit {
		return errSeatsFull(limit)
	}
	return nil
}

// retakeSeat checks a reactivated learner's seat: one with enrolments
// holds a seat again, so the portal must have one free (counting them).
func retakeSeat(ctx context.Context, tx *Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('upward.seats'), current_tenant_id()::int)`); err != nil {
		return err
	}
	var seated bool
	var used, limit int
	if err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM enrolments WHERE tenant_id = current_tenant_id() AND user_id = $1 AND status <> 'withdrawn'), `+seatsSQL,
		userID).Scan(&seated, &used, &limit); err != nil {
		return err
	}
	if seated && used > limit {
		return apperr.Fields{"status": fmt.Sprintf("All %d learner seats are taken, so this person cannot be reactivated until one is freed or added.", limit)}
	}
	return nil
}

// enrol enrols userID in a published course within tx (taking a seat
// when they hold none yet). Enrolling again keeps the enrolment there is,
// bringing it back if it was withdrawn, and takes on a due date given.
// created reports whether this call enrolled the learner.
func enrol(ctx context.Context, tx *Tx, userID, courseID int64, source learning.Source, dueAt *time.Time) (created bool, err error) {
	var title string
	var published *int
	if err := tx.QueryRow(ctx, `SELECT title, published_version FROM courses WHERE tenant_id = current_tenant_id() AND id = $1 AND status = 'published'`,
		courseID).Scan(&title, &published); err != nil {
		return false, err
	}
	var status string
	err = tx.QueryRow(ctx, `SELECT status FROM enrolments WHERE tenant_id = current_tenant_id() AND course_id = $1 AND user_id = $2 FOR UPDATE`,
		courseID, userID).Scan(&status)
	switch {
	case err == nil && status != string(learning.Withdrawn):
		if dueAt != nil {
			_, err = tx.Exec(ctx, `UPDATE enrolments SET due_at = $3, source = 'assigned' WHERE tenant_id = current_tenant_id() AND course_id = $1 AND user_id = $2`,
				courseID, userID, dueAt)
		} else if source == learning.Assigned {
			_, err = tx.Exec(ctx, `UPDATE enrolments SET source = 'assigned' WHERE tenant_id = current_tenant_id() AND course_id = $1 AND user_id = $2`, courseID, userID)
		}
		return false, err
	case err == nil: // withdrawn: back again
		if err := takeSeat(ctx, tx, userID); err != nil {
			return false, err
		}
		_, err = tx.Exec(ctx, `UPDATE enrolments SET status = CASE WHEN completed_at IS NULL THEN 'active' ELSE 'completed' END,
				source = $3, due_at = coalesce($4, due_at)
			WHERE tenant_id = current_tenant_id() AND course_id = $1 AND user_id = $2`, courseID, userID, source, dueAt)
		if err != nil {
			return false, err
		}
	case err == pgx.ErrNoRows:
		if err := takeSeat(ctx, tx, userID); err != nil {
			return false, err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO enrolments (tenant_id, course_id, user_id, version, source, due_at, enrolled_at, started_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $6)
			ON CONFLICT (tenant_id, course_id, user_id) DO NOTHING`, courseID, userID, *published, source, dueAt, tx.Now)
		if err != nil || tag.RowsAffected() == 0 {
			return false, err // enrolled by a concurrent request
		}
	default:
		return false, err
	}
	if err := record(ctx, tx, userID, learning.VerbRegistered, "course", courseObject(courseID), title, nil,
		map[string]any{"registration_source": source}); err != nil {
		return false, err
	}
	return true, emitEvent(ctx, tx, webhook.EnrolmentCreated, func() (any, error) {
		var d webhook.EnrolmentCreatedData
		var err error
		if d.User, err = eventUser(ctx, tx, userID); err != nil {
			return nil, err
		}
		c, err := eventCourse(ctx, tx, courseID)
		if err != nil {
			return nil, err
		}
		d.Course = *c
		err = tx.QueryRow(ctx, `SELECT id, source, due_at, enrolled_at FROM enrolments WHERE tenant_id = current_tenant_id() AND course_id = $1 AND user_id = $2`,
			courseID, userID).Scan(&d.Enrolment.ID, &d.Enrolment.Source, &d.Enrolment.DueAt, &d.Enrolment.EnrolledAt)
		return d, err
	})
}

// Enrol enrols userID in a published course on its current version. It is
// idempotent: enrolling again (a double click, a second tab) keeps the
// enrolment there is. Self-enrolment needs a course open to it.
func (s *LearningService) Enrol(ctx context.Context, tenantID, userID, courseID int64, source learning.Source) (created bool, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if source == learning.SelfEnrolled {
			var open bool
			if err := tx.QueryRow(ctx, `SELECT self_enrol FROM courses WHERE tenant_id = $1 AND id = $2`, tenantID, courseID).Scan(&open); err != nil {
				return err
			}
			if !open {
				var already bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM enrolments WHERE tenant_id = $1 AND course_id = $2 AND user_id = $3 AND status <> 'withdrawn')`,
					tenantID, courseID, userID).Scan(&already); err != nil || already {
					return err
				}
				return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "This course is open by assignment or with an enrolment code only."}
			}
		}
		var err error
		created, err = enrol(ctx, tx, userID, courseID, source, nil)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("learning: enrol: %w", Error(err, "Course"))
	}
	return created, nil
}

// EnrolByCode enrols userID in the published course whose enrolment code
// is code, and returns the course's slug.
func (s *LearningService) EnrolByCode(ctx context.Context, tenantID, userID int64, code string) (string, error) {
	var slug string
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id, slug FROM courses WHERE tenant_id = $1 AND enrol_code = $2 AND status = 'published'`,
			tenantID, strings.ToUpper(strings.TrimSpace(code))).Scan(&id, &slug)
		if err == pgx.ErrNoRows {
			return &apperr.Error{Code: apperr.EINVALID, Field: "code", Message: "No course has that code. Check it with the person who gave it to you."}
		}
		if err != nil {
			return err
		}
		_, err = enrol(ctx, tx, userID, id, learning.ByCode, nil)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("learning: enrol by code: %w", Error(err, "Course"))
	}
	return slug, nil
}

// Unenrol withdraws userID from a course they chose to take; what they did
// stays on record and comes back if they enrol again. An assigned course
// is left only when an admin withdraws the assignment.
func (s *LearningService) Unenrol(ctx context.Context, tenantID, userID, courseID int64) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var source, status string
		if err := tx.QueryRow(ctx, `SELECT source, status FROM enrolments WHERE tenant_id = $1 AND course_id = $2 AND user_id = $3 FOR UPDATE`,
			tenantID, courseID, userID).Scan(&source, &status); err != nil {
			return err
		}
		if status == string(learning.Withdrawn) {
			return nil
		}
		if source == string(learning.Assigned) {
			return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "This course was assigned to you, so it stays on your list. Talk to your administrator if it should not be."}
		}
		_, err := tx.Exec(ctx, `UPDATE enrolments SET status = 'withdrawn' WHERE tenant_id = $1 AND course_id = $2 AND user_id = $3`, tenantID, courseID, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("learning: unenrol: %w", Error(err, "Enrolment"))
	}
	return nil
}

// Restart begins the learner's next attempt on the version published now,
// which must be newer than the one they took (learning.NewerVersion),
// with a clean slate (earlier attempts' records stay). attempt is the
// attempt being restarted: a repeated request (a double click, a retried
// POST) finds the attempt already moved on and changes nothing more.
func (s *LearningService) Restart(ctx context.Context, tenantID, userID, courseID int64, attempt int) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var e learning.Enrolment
		var published int
		var status string
		err := tx.QueryRow(ctx, `
			SELECT e.attempt, e.version, c.published_version, c.status
			FROM enrolments e JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE e.tenant_id = $1 AND e.course_id = $2 AND e.user_id = $3 AND e.status <> 'withdrawn'
			FOR UPDATE OF e`, tenantID, courseID, userID).Scan(&e.Attempt, &e.Version, &published, &status)
		if err != nil {
			return err
		}
		switch {
		case attempt > e.Attempt || attempt <= 0:
			return &apperr.Error{Code: apperr.EINVALID, Field: "attempt", Message: "That attempt does not exist."}
		case attempt < e.Attempt:
			return nil // already restarted
		case status != "published":
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "This course is no longer offered, so it cannot be restarted."}
		case !e.NewerVersion(published):
			// A restart begins a fresh attempt, quizzes included: only a
			// newer version earns one, or a used-up quiz would not be.
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "This course has no newer version to restart on."}
		}
		_, err = tx.Exec(ctx, `
			UPDATE enrolments e SET version = $5, attempt = e.attempt + 1, status = 'active',
				started_at = $4, completed_at = NULL, percent = 0, last_lesson_key = NULL
			WHERE e.tenant_id = $1 AND e.course_id = $3 AND e.user_id = $2 AND e.status <> 'withdrawn'`,
			tenantID, userID, courseID, tx.Now, published)
		return err
	})
	if err != nil {
		return fmt.Errorf("learning: restart: %w", Error(err, "Enrolment"))
	}
	return nil
}

// Seats is how a portal's learner seats stand.
type Seats struct {
	Limit int
	Used  int // learners with an active account and an enrolment not withdrawn
}

// Free is the number of seats left.
func (s Seats) Free() int { return max(s.Limit-s.Used, 0) }

// FindSeats counts the portal's seats.
func (s *LearningService) FindSeats(ctx context.Context, tenantID int64) (Seats, error) {
	var seats Seats
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT `+seatsSQL).Scan(&seats.Used, &seats.Limit)
	})
	if err != nil {
		return Seats{}, fmt.Errorf("learning: seats: %w", err)
	}
	return seats, nil
}
