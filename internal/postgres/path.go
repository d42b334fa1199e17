package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

// PathService stores learning paths.
type PathService struct {
	db *DB
}

// NewPathService returns the path store.
func NewPathService(db *DB) *PathService { return &PathService{db: db} }

// PathRecord is a path of a portal, with its steps in order.
type PathRecord struct {
	ID          int64
	Slug        string
	Title       string
	Summary     string
	Description string
	Status      string
	Steps       []PathStepRecord
	// SelfAssessment: the statements learners rate themselves on at the
	// start and the end; nil when the path has none.
	SelfAssessment *course.SelfAssessment
}

// PathStepRecord is one step: a course of the portal, or a live session
// (SessionID set; the course fields are then the session's course).
type PathStepRecord struct {
	SessionID        int64
	SessionTitle     string
	SessionStart     time.Time
	SessionEnd       time.Time
	SessionStatus    string
	CourseID         int64
	CourseSlug       string
	CourseTitle      string
	CourseSummary    string
	CourseStatus     string
	EstimatedMinutes int
	Unlock           course.Unlock
}

// Title is what the step is called: its course's title, or its
// session's.
func (st PathStepRecord) Title() string {
	if st.SessionID != 0 {
		return st.SessionTitle
	}
	return st.CourseTitle
}

// Key names the step in URLs (course.PathStep.Key).
func (st PathStepRecord) Key() string {
	return st.PathStep().Key()
}

// PathStep is the step as the path's rules see it.
func (st PathStepRecord) PathStep() course.PathStep {
	if st.SessionID != 0 {
		return course.PathStep{Session: st.SessionID, Unlock: st.Unlock}
	}
	return course.PathStep{Course: st.CourseSlug, Unlock: st.Unlock}
}

// Minutes is the whole path's estimated time.
func (p PathRecord) Minutes() int {
	n := 0
	for _, s := range p.Steps {
		if s.SessionID != 0 {
			n += int(s.SessionEnd.Sub(s.SessionStart).Minutes())
			continue
		}
		n += s.EstimatedMinutes
	}
	return n
}

// CreatePath adds a path to a portal; its steps name courses of the portal
// by slug. published makes it visible in the catalog at once. A path with
// the slug already there is a conflict.
func (s *PathService) CreatePath(ctx context.Context, tenantID int64, p course.Path, librarySlug string, published bool, by AuditActor) (PathRecord, error) {
	var rec PathRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		ids, err := courseIDs(ctx, tx, p)
		if err != nil {
			return err
		}
		sessions, err := sessionIDs(ctx, tx, p)
		if err != nil {
			return err
		}
		if ps := course.CheckPathWithSessions(p, func(slug string) bool { _, ok := ids[slug]; return ok }, sessions); len(ps) > 0 {
			msgs := make([]string, len(ps))
			for i, pr := range ps {
				msgs[i] = pr.String()
			}
			return &apperr.Error{Code: apperr.EINVALID, Field: "steps", Message: "The path is not complete: " + strings.Join(msgs, "; ") + "."}
		}
		status := "draft"
		if published {
			status = "published"
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO paths (tenant_id, slug, title, summary, description, status, library_slug, self_assessment, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
			tenantID, p.Slug, p.Title, p.Summary, p.Description, status, nullText(librarySlug), p.SelfAssessment, tx.Now).Scan(&rec.ID); err != nil {
			return err
		}
		if err := insertSteps(ctx, tx, rec.ID, p.Steps, ids); err != nil {
			return err
		}
		if err := audit(ctx, tx, tenantID, by, "path.create", p.Slug, map[string]any{"steps": len(p.Steps), "published": published}); err != nil {
			return err
		}
		rec, err = findPath(ctx, tx, `p.id = $1`, rec.ID)
		return err
	})
	if err != nil {
		return PathRecord{}, fmt.Errorf("path: create: %w", Error(err, "Path"))
	}
	return rec, nil
}

// courseIDs maps the slugs of the path's courses to their IDs in the
// portal; slugs the portal lacks are left out.
func courseIDs(ctx context.Context, tx *Tx, p course.Path) (map[string]int64, error) {
	slugs := make([]string, len(p.Steps))
	for i, s := range p.Steps {
		slugs[i] = s.Course
	}
	rows, err := tx.Query(ctx, `SELECT slug, id FROM courses WHERE tenant_id = current_tenant_id() AND slug = ANY($1)`, slugs)
	if err != nil {
		return nil, err
	}
	ids := map[string]int64{}
	var slug string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&slug, &id}, func() error { ids[slug] = id; return nil })
	return ids, err
}

// insertSteps writes a path's steps in order: courses by their IDs,
// sessions as they are.
func insertSteps(ctx context.Context, tx *Tx, pathID int64, steps []course.PathStep, courseIDs map[string]int64) error {
	for i, st := range steps {
		var courseID, sessionID *int64
		if st.Session != 0 {
			sessionID = &st.Session
		} else {
			id := courseIDs[st.Course]
			courseID = &id
		}
		if _, err := tx.Exec(ctx, `INSERT INTO path_steps (tenant_id, path_id, position, course_id, session_id, unlock) VALUES (current_tenant_id(), $1, $2, $3, $4, $5)`,
			pathID, i, courseID, sessionID, st.Unlock); err != nil {
			return err
		}
	}
	return nil
}

// sessionIDs reports which of the path's session steps are sessions of
// the portal.
func sessionIDs(ctx context.Context, tx *Tx, p course.Path) (func(int64) bool, error) {
	var ids []int64
	for _, s := range p.Steps {
		if s.Session != 0 {
			ids = append(ids, s.Session)
		}
	}
	found := map[int64]bool{}
	if len(ids) > 0 {
		rows, err := tx.Query(ctx, `SELECT id FROM live_sessions WHERE tenant_id = current_tenant_id() AND id = ANY($1)`, ids)
		if err != nil {
			return nil, err
		}
		got, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			found[id] = true
		}
	}
	return func(id int64) bool { return found[id] }, nil
}

// findPath reads one path and its steps in one query.
func findPath(ctx context.Context, tx *Tx, where string, args ...any) (PathRecord, error) {
	rows, err := tx.Query(ctx, `
		SELECT p.id, p.slug, p.title, p.summary, p.description, p.status, p.self_assessment,
			c.id, c.slug, c.title, c.summary, c.status, c.estimated_minutes, s.unlock,
			ls.id, ls.title, ls.starts_at, ls.ends_at, ls.status
		FROM paths p
		LEFT JOIN path_steps s ON s.tenant_id = p.tenant_id AND s.path_id = p.id
		LEFT JOIN live_sessions ls ON ls.tenant_id = s.tenant_id AND ls.id = s.session_id
		LEFT JOIN courses c ON c.tenant_id = s.tenant_id AND c.id = coalesce(s.course_id, ls.course_id)
		WHERE p.tenant_id = current_tenant_id() AND `+where+`
		ORDER BY s.position`, args...)
	if err != nil {
		return PathRecord{}, err
	}
	var p PathRecord
	found := false
	for rows.Next() {
		var (
			st                         PathStepRecord
			cid, minutes               *int64
			cslug, ctitle, csum, cstat *string
			unlock                     *string
			sid                        *int64
			stitle, sstatus            *string
			sstart, send               *time.Time
		)
		if err := rows.Scan(&p.ID, &p.Slug, &p.Title, &p.Summary, &p.Description, &p.Status, &p.SelfAssessment,
			&cid, &cslug, &ctitle, &csum, &cstat, &minutes, &unlock, &sid, &stitle, &sstart, &send, &sstatus); err != nil {
			return PathRecord{}, err
		}
		found = true
		if cid == nil {
			continue // a path without steps
		}
		st.CourseID, st.CourseSlug, st.CourseTitle, st.CourseSummary, st.CourseStatus = *cid, *cslug, *ctitle, *csum, *cstat
		st.EstimatedMinutes, st.Unlock = int(*minutes), course.Unlock(*unlock)
		if sid != nil {
			st.SessionID, st.SessionTitle, st.SessionStart, st.SessionEnd, st.SessionStatus = *sid, *stitle, *sstart, *send, *sstatus
		}
		p.Steps = append(p.Steps, st)
	}
	if err := rows.Err(); err != nil {
		return PathRecord{}, err
	}
	if !found {
		return PathRecord{}, pgx.ErrNoRows
	}
	return p, nil
}

// FindPathBySlug returns one path of the portal with its steps.
func (s *PathService) FindPathBySlug(ctx context.Context, tenantID int64, slug string) (PathRecord, error) {
	var p PathRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		p, err = findPath(ctx, tx, `p.slug = $1`, slug)
		return err
	})
	if err != nil {
		return PathRecord{}, fmt.Errorf("path: find: %w", Error(err, "Path"))
	}
	return p, nil
}

// PathSummary is a path as the catalog lists it.
type PathSummary struct {
	ID      int64
	Status  string
	Slug    string
	Title   string
	Summary string
	Steps   int
	Minutes int
}

// FindPublishedPaths lists the paths learners can see, by title.
func (s *PathService) FindPublishedPaths(ctx context.Context, tenantID int64) ([]PathSummary, error) {
	return s.findPaths(ctx, tenantID, true)
}

// FindPaths lists all the portal's paths, for its authors.
func (s *PathService) FindPaths(ctx context.Context, tenantID int64) ([]PathSummary, error) {
	return s.findPaths(ctx, tenantID, false)
}

func (s *PathService) findPaths(ctx context.Context, tenantID int64, publishedOnly bool) ([]PathSummary, error) {
	out, err := readRows(ctx, s.db, tenantID, func(row pgx.CollectableRow) (PathSummary, error) {
		var p PathSummary
		err := row.Scan(&p.ID, &p.Slug, &p.Title, &p.Summary, &p.Status, &p.Steps, &p.Minutes)
		return p, err
	}, `
			SELECT p.id, p.slug, p.title, p.summary, p.status, count(s.position), coalesce(sum(c.estimated_minutes), 0)
			FROM paths p
			LEFT JOIN path_steps s ON s.tenant_id = p.tenant_id AND s.path_id = p.id
			LEFT JOIN courses c ON c.tenant_id = s.tenant_id AND c.id = s.course_id
			WHERE p.tenant_id = $1 AND (NOT $2 OR p.status = 'published')
			GROUP BY p.tenant_id, p.id
			ORDER BY lower(p.title), p.id`, tenantID, publishedOnly)
	if err != nil {
		return nil, fmt.Errorf("path: find paths: %w", err)
	}
	return out, nil
}

// LearnerPath is a path as one learner sees it: each step with the state
// of its course for them.
type LearnerPath struct {
	PathRecord
	Enrolled    bool
	CompletedAt *time.Time
	States      []learning.StepState
	Percents    []int // each step's course progress
	// SelfRatings are the learner's self-assessment ratings by phase
	// (course.PhaseStart, course.PhaseEnd), one per statement.
	SelfRatings map[string][]int
}

// FindLearnerPath returns a published path with userID's state in each of
// its steps.
func (s *PathService) FindLearnerPath(ctx context.Context, tenantID, userID int64, slug string) (LearnerPath, error) {
	var lp LearnerPath
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		p, err := findPath(ctx, tx, `p.slug = $1 AND p.status = 'published'`, slug)
		if err != nil {
			return err
		}
		lp.PathRecord = p
		err = tx.QueryRow(ctx, `SELECT completed_at FROM path_enrolments WHERE tenant_id = $1 AND path_id = $2 AND user_id = $3`,
			tenantID, p.ID, userID).Scan(&lp.CompletedAt)
		switch {
		case err == nil:
			lp.Enrolled = true
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		done := map[int64]bool{}
		percents := map[int64]int{}
		rows, err := tx.Query(ctx, `
			SELECT e.course_id, e.completed_at IS NOT NULL, e.percent FROM enrolments e
			JOIN path_steps s ON s.tenant_id = e.tenant_id AND s.course_id = e.course_id AND s.path_id = $2
			WHERE e.tenant_id = $1 AND e.user_id = $3 AND e.status <> 'withdrawn'`, tenantID, p.ID, userID)
		if err != nil {
			return err
		}
		var id int64
		var complete bool
		var percent int
		if _, err := pgx.ForEachRow(rows, []any{&id, &complete, &percent}, func() error {
			done[id], percents[id] = complete, percent
			return nil
		}); err != nil {
			return err
		}
		attended := map[int64]bool{}
		rows, err = tx.Query(ctx, `
			SELECT r.session_id FROM live_session_registrations r
			JOIN path_steps s ON s.tenant_id = r.tenant_id AND s.session_id = r.session_id AND s.path_id = $2
			WHERE r.tenant_id = $1 AND r.user_id = $3 AND r.attendance = 'present'`, tenantID, p.ID, userID)
		if err != nil {
			return err
		}
		if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { attended[id] = true; return nil }); err != nil {
			return err
		}
		unlocks := make([]course.Unlock, len(p.Steps))
		dones := make([]bool, len(p.Steps))
		for i, st := range p.Steps {
			if st.SessionID != 0 {
				unlocks[i], dones[i] = st.Unlock, attended[st.SessionID]
				lp.Percents = append(lp.Percents, map[bool]int{true: 100}[dones[i]])
				continue
			}
			unlocks[i], dones[i] = st.Unlock, done[st.CourseID]
			lp.Percents = append(lp.Percents, percents[st.CourseID])
		}
		lp.States = learning.Steps(unlocks, dones)
		if p.SelfAssessment == nil || !lp.Enrolled {
			return nil
		}
		lp.SelfRatings = map[string][]int{}
		rows, err = tx.Query(ctx, `SELECT phase, ratings FROM path_self_ratings WHERE tenant_id = $1 AND path_id = $2 AND user_id = $3`,
			tenantID, p.ID, userID)
		if err != nil {
			return err
		}
		var phase string
		var ratings []int
		_, err = pgx.ForEachRow(rows, []any{&phase, &ratings}, func() error {
			lp.SelfRatings[phase] = ratings
			return nil
		})
		return err
	})
	if err != nil {
		return LearnerPath{}, fmt.Errorf("path: find for learner: %w", Error(err, "Path"))
	}
	return lp, nil
}

// Percent is how many of the path's steps are done, in percent.
func (lp LearnerPath) Percent() int {
	if len(lp.States) == 0 {
		return 0
	}
	n := 0
	for _, st := range lp.States {
		if st.Done {
			n++
		}
	}
	return n * 100 / len(lp.States)
}

// RateSelf keeps a learner's self-assessment ratings for a phase of a
// path they have started (the end's once they have completed it); rating
// a phase again replaces its ratings.
func (s *PathService) RateSelf(ctx context.Context, tenantID, userID int64, slug, phase string, ratings []int) error {
	lp, err := s.FindLearnerPath(ctx, tenantID, userID, slug)
	if err != nil {
		return err
	}
	if lp.SelfAssessment == nil || !lp.Enrolled {
		return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Self-assessment not found."}
	}
	if err := learning.CheckSelfRatings(*lp.SelfAssessment, phase, ratings, lp.CompletedAt != nil); err != nil {
		return err
	}
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO path_self_ratings (tenant_id, path_id, user_id, phase, ratings, rated_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (tenant_id, path_id, user_id, phase) DO UPDATE SET ratings = EXCLUDED.ratings, rated_at = EXCLUDED.rated_at`,
			tenantID, lp.ID, userID, phase, ratings, tx.Now)
		return err
	})
	if err != nil {
		return fmt.Errorf("path: rate self: %w", Error(err, "Path"))
	}
	return nil
}

// StartPath enrols userID in a published path (again: no change).
func (s *PathService) StartPath(ctx context.Context, tenantID, userID, pathID int64) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var published bool
		if err := tx.QueryRow(ctx, `SELECT status = 'published' FROM paths WHERE tenant_id = $1 AND id = $2`, tenantID, pathID).Scan(&published); err != nil {
			return err
		}
		if !published {
			return pgx.ErrNoRows
		}
		_, err := enrolPath(ctx, tx, userID, pathID, "self", nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("path: start: %w", Error(err, "Path"))
	}
	return nil
}

// enrolPath enrols a learner in a path within tx, recording it, and
// completes it at once if its courses are already complete. Enrolling
// again takes on an assignment's due date. created reports a new
// enrolment.
func enrolPath(ctx context.Context, tx *Tx, userID, pathID int64, source string, dueAt *time.Time) (created bool, err error) {
	var title string
	if err := tx.QueryRow(ctx, `SELECT title FROM paths WHERE tenant_id = current_tenant_id() AND id = $1`, pathID).Scan(&title); err != nil {
		return false, err
	}
	var enrolmentID int64
	err = tx.QueryRow(ctx, `
		INSERT INTO path_enrolments (tenant_id, path_id, user_id, enrolled_at, source, due_at) VALUES (current_tenant_id(), $1, $2, $3, $4, $5)
		ON CONFLICT (tenant_id, path_id, user_id) DO NOTHING RETURNING id`, pathID, userID, tx.Now, source, dueAt).Scan(&enrolmentID)
	if errors.Is(err, pgx.ErrNoRows) {
		if source == "assigned" {
			_, err = tx.Exec(ctx, `UPDATE path_enrolments SET source = 'assigned', due_at = coalesce($3, due_at)
				WHERE tenant_id = current_tenant_id() AND path_id = $1 AND user_id = $2`, pathID, userID, dueAt)
		} else {
			err = nil
		}
		return false, err
	}
	if err != nil {
		return false, err
	}
	if err := record(ctx, tx, userID, learning.VerbRegistered, "path", fmt.Sprintf("path/%d", pathID), title, nil,
		map[string]any{"registration_source": source}); err != nil {
		return false, err
	}
	// Courses finished before the path began count towards it.
	return true, completePath(ctx, tx, userID, enrolmentID, pathID, title)
}

// StartStep enrols a learner of the path in the course of an open step
// (whether or not the course takes self-enrolment: the path opens it), and
// returns the course's slug. A locked step is refused with what opens it.
func (s *PathService) StartStep(ctx context.Context, tenantID, userID int64, pathSlug string, step int) (string, error) {
	lp, err := s.FindLearnerPath(ctx, tenantID, userID, pathSlug)
	if err != nil {
		return "", err
	}
	if step < 0 || step >= len(lp.Steps) {
		return "", &apperr.Error{Code: apperr.ENOTFOUND, Message: "Step not found."}
	}
	if !lp.Enrolled {
		return "", &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Start the path first."}
	}
	if !lp.States[step].Open {
		return "", &apperr.Error{Code: apperr.ECONFLICT, Field: "step",
			Message: fmt.Sprintf("This step opens when you complete %s.", lp.Steps[step-1].Title())}
	}
	st := lp.Steps[step]
	if st.SessionID != 0 {
		return "", &apperr.Error{Code: apperr.ECONFLICT, Field: "step", Message: "This step is a live session: register for it on its page."}
	}
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, err := enrol(ctx, tx, userID, st.CourseID, learning.SelfEnrolled, nil)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("path: start step: %w", Error(err, "Course"))
	}
	return st.CourseSlug, nil
}

// FindPathByID returns one path of the portal with its steps.
func (s *PathService) FindPathByID(ctx context.Context, tenantID, id int64) (PathRecord, error) {
	var p PathRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		p, err = findPath(ctx, tx, `p.id = $1`, id)
		return err
	})
	if err != nil {
		return PathRecord{}, fmt.Errorf("path: find: %w", Error(err, "Path"))
	}
	return p, nil
}

// EditPath changes a path atomically: it is read under a row lock as a
// course.Path (steps named by course slug), changed by edit, checked, and
// written back whole. An edit that fails, or leaves the path broken,
// changes nothing.
func (s *PathService) EditPath(ctx context.Context, tenantID, pathID int64, by AuditActor, edit func(p *course.Path) error) (PathRecord, error) {
	var rec PathRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM paths WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, tenantID, pathID); err != nil {
			return err
		}
		cur, err := findPath(ctx, tx, `p.id = $1`, pathID)
		if err != nil {
			return err
		}
		p := course.Path{Slug: cur.Slug, Title: cur.Title, Summary: cur.Summary, Description: cur.Description, SelfAssessment: cur.SelfAssessment}
		for _, st := range cur.Steps {
			p.Steps = append(p.Steps, st.PathStep())
		}
		if err := edit(&p); err != nil {
			return err
		}
		if len(p.Steps) > 0 && p.Steps[0].Unlock == course.AfterPrevious {
			p.Steps[0].Unlock = course.Free // nothing comes before the first step
		}
		ids, err := courseIDs(ctx, tx, p)
		if err != nil {
			return err
		}
		sessions, err := sessionIDs(ctx, tx, p)
		if err != nil {
			return err
		}
		if ps := course.CheckPathWithSessions(p, func(slug string) bool { _, ok := ids[slug]; return ok }, sessions); len(ps) > 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: ps[0].Path, Message: pathProblem(ps[0])}
		}
		if _, err := tx.Exec(ctx, `UPDATE paths SET title = $3, summary = $4, description = $5, self_assessment = $6, updated_at = $7
			WHERE tenant_id = $1 AND id = $2`,
			tenantID, pathID, p.Title, p.Summary, p.Description, p.SelfAssessment, tx.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM path_steps WHERE tenant_id = $1 AND path_id = $2`, tenantID, pathID); err != nil {
			return err
		}
		if err := insertSteps(ctx, tx, pathID, p.Steps, ids); err != nil {
			return err
		}
		if err := audit(ctx, tx, tenantID, by, "path.edit", p.Slug, map[string]any{"steps": len(p.Steps)}); err != nil {
			return err
		}
		rec, err = findPath(ctx, tx, `p.id = $1`, pathID)
		return err
	})
	if err != nil {
		return PathRecord{}, fmt.Errorf("path: edit: %w", Error(err, "Path"))
	}
	return rec, nil
}

// pathProblem says a path rule's problem as a sentence.
func pathProblem(p course.Problem) string {
	msg := p.Message
	if msg == "" {
		return "The path is not complete."
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

// SetPathStatus publishes a path, takes it back to draft, or archives it.
func (s *PathService) SetPathStatus(ctx context.Context, tenantID, pathID int64, status string, by AuditActor) error {
	if status != "draft" && status != "published" && status != "archived" {
		return &apperr.Error{Code: apperr.EINVALID, Field: "status", Message: "Choose draft, published or archived."}
	}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var slug string
		var steps int
		if err := tx.QueryRow(ctx, `
			UPDATE paths SET status = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2
			RETURNING slug, (SELECT count(*) FROM path_steps WHERE tenant_id = $1 AND path_id = $2)`,
			tenantID, pathID, status, tx.Now).Scan(&slug, &steps); err != nil {
			return err
		}
		if status == "published" && steps == 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "steps", Message: "Add at least one course before publishing the path."}
		}
		return audit(ctx, tx, tenantID, by, "path.status", slug, map[string]any{"status": status})
	})
	if err != nil {
		return fmt.Errorf("path: set status: %w", Error(err, "Path"))
	}
	return nil
}
