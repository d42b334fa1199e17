package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/user"
)

// The REST API's reads and the few writes it needs beyond the pages':
// lists paged by keyset (each page continues after the last row of the
// previous one, in an order an index gives), so that walking a long list
// misses nothing and repeats nothing, and enrolment by ID.

// Keyset says where a page starts: after the row with AfterID (and, for
// lists ordered by a time, AfterAt), and how many rows it holds.
type Keyset struct {
	AfterAt time.Time // zero: from the start
	AfterID int64     // 0: from the start
	Limit   int
}

// filter collects a query's conditions and their arguments; each
// condition names its arguments with ?, numbered as they are added.
type filter struct {
	conds []string
	args  []any
}

func (f *filter) add(cond string, args ...any) {
	for _, a := range args {
		f.args = append(f.args, a)
		cond = strings.Replace(cond, "?", "$"+strconv.Itoa(len(f.args)), 1)
	}
	f.conds = append(f.conds, cond)
}

// after continues a list ordered by (at, id), or by id alone when at is "".
func (f *filter) after(at, id string, k Keyset) {
	switch {
	case at != "" && k.AfterID > 0:
		f.add("("+at+", "+id+") > (?, ?)", k.AfterAt, k.AfterID)
	case k.AfterID > 0:
		f.add(id+" > ?", k.AfterID)
	}
}

func (f *filter) where() string { return strings.Join(f.conds, " AND ") }

// limit adds the LIMIT of a page: one row more than asked, to tell
// whether another page follows.
func (f *filter) limit(k Keyset) string {
	f.args = append(f.args, k.Limit+1)
	return " LIMIT $" + strconv.Itoa(len(f.args))
}

// page trims the extra row that limit asked for.
func page[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// UserListQuery narrows the API's list of people.
type UserListQuery struct {
	UpdatedSince *time.Time
	Status       user.Status
	Email        string // exact, in any case
	Keyset
}

// FindUsersPage lists the portal's people by the time they last changed,
// oldest first, so a client syncing with UpdatedSince sees each change.
func (s *UserService) FindUsersPage(ctx context.Context, tenantID int64, q UserListQuery) ([]user.User, bool, error) {
	var out []user.User
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("u.tenant_id = ?", tenantID)
		if q.UpdatedSince != nil {
			f.add("u.updated_at >= ?", *q.UpdatedSince)
		}
		if q.Status != "" {
			f.add("u.status = ?", string(q.Status))
		}
		if q.Email != "" {
			f.add("lower(u.email) = lower(?)", q.Email)
		}
		f.after("u.updated_at", "u.id", q.Keyset)
		rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM users u WHERE `+f.where()+
			` ORDER BY u.updated_at, u.id`+f.limit(q.Keyset), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanUser)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("user: page: %w", err)
	}
	out, more := page(out, q.Limit)
	return out, more, nil
}

// FindGroupsPage lists the portal's groups by ID.
func (s *GroupService) FindGroupsPage(ctx context.Context, tenantID int64, k Keyset) ([]Group, bool, error) {
	var out []Group
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("g.tenant_id = ?", tenantID)
		f.after("", "g.id", k)
		rows, err := tx.Query(ctx, `SELECT `+groupColumns+` FROM groups g WHERE `+f.where()+` ORDER BY g.id`+f.limit(k), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanGroup)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("group: page: %w", err)
	}
	out, more := page(out, k.Limit)
	return out, more, nil
}

// FindGroupMembersPage lists a group's members by user ID; a group the
// portal does not have is not found.
func (s *GroupService) FindGroupMembersPage(ctx context.Context, tenantID, groupID int64, k Keyset) ([]user.User, bool, error) {
	var out []user.User
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := findGroup(ctx, tx, tenantID, groupID); err != nil {
			return err
		}
		f := &filter{}
		f.add("m.tenant_id = ? AND m.group_id = ?", tenantID, groupID)
		f.after("", "u.id", k)
		rows, err := tx.Query(ctx, `SELECT `+userColumns+`
			FROM group_members m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
			WHERE `+f.where()+` ORDER BY u.id`+f.limit(k), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanUser)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("group: members page: %w", Error(err, "Group"))
	}
	out, more := page(out, k.Limit)
	return out, more, nil
}

func scanEnrolment(row pgx.CollectableRow) (learning.Enrolment, error) {
	var e learning.Enrolment
	var seconds int
	err := row.Scan(enrolmentDest(&e, &seconds)...)
	e.TimeSpent = time.Duration(seconds) * time.Second
	return e, err
}

// EnrolmentQuery narrows the API's list of enrolments.
type EnrolmentQuery struct {
	UserID, CourseID int64 // 0: any
	Status           learning.Status
	// CompletedSince lists completions only: enrolments completed at or
	// after it, ordered by completion time.
	CompletedSince *time.Time
	Completions    bool
	Keyset
}

// FindEnrolmentsPage lists the portal's enrolments by ID, or, for
// completions, by the time of completion.
func (s *LearningService) FindEnrolmentsPage(ctx context.Context, tenantID int64, q EnrolmentQuery) ([]learning.Enrolment, bool, error) {
	var out []learning.Enrolment
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("e.tenant_id = ?", tenantID)
		if q.UserID != 0 {
			f.add("e.user_id = ?", q.UserID)
		}
		if q.CourseID != 0 {
			f.add("e.course_id = ?", q.CourseID)
		}
		if q.Status != "" {
			f.add("e.status = ?", string(q.Status))
		}
		order := "e.id"
		if q.Completions {
			f.add("e.completed_at IS NOT NULL")
			if q.CompletedSince != nil {
				f.add("e.completed_at >= ?", *q.CompletedSince)
			}
			f.after("e.completed_at", "e.id", q.Keyset)
			order = "e.completed_at, e.id"
		} else {
			f.after("", "e.id", q.Keyset)
		}
		rows, err := tx.Query(ctx, `SELECT `+enrolmentColumns+` FROM enrolments e WHERE `+f.where()+` ORDER BY `+order+f.limit(q.Keyset), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanEnrolment)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("learning: enrolments page: %w", err)
	}
	out, more := page(out, q.Limit)
	return out, more, nil
}

// FindEnrolment returns one enrolment of the portal.
func (s *LearningService) FindEnrolment(ctx context.Context, tenantID, id int64) (learning.Enrolment, error) {
	var e learning.Enrolment
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		e, err = findEnrolment(ctx, tx, `e.id = $2`, tenantID, id)
		return err
	})
	if err != nil {
		return learning.Enrolment{}, fmt.Errorf("learning: enrolment: %w", Error(err, "Enrolment"))
	}
	return e, nil
}

func findEnrolment(ctx context.Context, tx *Tx, where string, args ...any) (learning.Enrolment, error) {
	rows, err := tx.Query(ctx, `SELECT `+enrolmentColumns+` FROM enrolments e WHERE e.tenant_id = $1 AND `+where, args...)
	if err != nil {
		return learning.Enrolment{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanEnrolment)
}

// AssignCourse enrols one of the portal's active people in a published
// course as an assignment, with an optional due date: the API's
// enrolment. Enrolling someone already enrolled keeps their enrolment and
// takes on the due date. created reports whether they were newly enrolled.
func (s *LearningService) AssignCourse(ctx context.Context, tenantID, userID, courseID int64, dueAt *time.Time, by AuditActor) (e learning.Enrolment, created bool, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := apperr.Fields{}
		var status string
		switch err := tx.QueryRow(ctx, `SELECT status FROM users WHERE tenant_id = $1 AND id = $2`, tenantID, userID).Scan(&status); {
		case errors.Is(err, pgx.ErrNoRows):
			f.Add("user_id", "No person of this portal has that ID.")
		case err != nil:
			return err
		case status != string(user.Active):
			f.Add("user_id", "Only active people can be enrolled; this person is "+status+".")
		}
		var published bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM courses WHERE tenant_id = $1 AND id = $2 AND status = 'published')`,
			tenantID, courseID).Scan(&published); err != nil {
			return err
		}
		if !published {
			f.Add("course_id", "No published course of this portal has that ID.")
		}
		if err := f.Err(); err != nil {
			return err
		}
		n, _, err := assign(ctx, tx, tenantID, Assignment{CourseID: courseID, UserIDs: []int64{userID}, DueAt: dueAt}, by)
		if err != nil {
			return err
		}
		created = n > 0
		e, err = findEnrolment(ctx, tx, `e.course_id = $2 AND e.user_id = $3`, tenantID, courseID, userID)
		return err
	})
	if err != nil {
		return learning.Enrolment{}, false, fmt.Errorf("learning: assign course: %w", Error(err, "Enrolment"))
	}
	return e, created, nil
}

// WithdrawEnrolment withdraws a learner from a course on an
// administrator's word, whatever brought them to it: their seat is freed,
// the assignment to them alone is removed, and what they did stays on
// record (enrolling them again brings it back). Withdrawing again changes
// nothing.
func (s *LearningService) WithdrawEnrolment(ctx context.Context, tenantID, id int64, by AuditActor) (learning.Enrolment, error) {
	var e learning.Enrolment
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		if e, err = findEnrolment(ctx, tx, `e.id = $2 FOR UPDATE`, tenantID, id); err != nil {
			return err
		}
		if e.Status == learning.Withdrawn {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE enrolments SET status = 'withdrawn' WHERE tenant_id = $1 AND id = $2`, tenantID, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM assignments WHERE tenant_id = $1 AND course_id = $2 AND user_id = $3`,
			tenantID, e.CourseID, e.UserID); err != nil {
			return err
		}
		var subject string
		if err := tx.QueryRow(ctx, `SELECT slug FROM courses WHERE tenant_id = $1 AND id = $2`, tenantID, e.CourseID).Scan(&subject); err != nil {
			return err
		}
		e.Status = learning.Withdrawn
		return audit(ctx, tx, tenantID, by, "enrolment.withdraw", subject, map[string]any{"enrolment_id": id, "user_id": e.UserID})
	})
	if err != nil {
		return learning.Enrolment{}, fmt.Errorf("learning: withdraw: %w", Error(err, "Enrolment"))
	}
	return e, nil
}

// AssignmentRecord is an assignment as recorded.
type AssignmentRecord struct {
	ID        int64
	CourseID  int64 // one of CourseID and PathID
	PathID    int64
	UserID    int64 // one of UserID and GroupID
	GroupID   int64
	DueAt     *time.Time
	CreatedAt time.Time
}

const assignmentColumns = `a.id, coalesce(a.course_id, 0), coalesce(a.path_id, 0), coalesce(a.user_id, 0), coalesce(a.group_id, 0), a.due_at, a.created_at`

func scanAssignment(row pgx.CollectableRow) (AssignmentRecord, error) {
	var a AssignmentRecord
	err := row.Scan(&a.ID, &a.CourseID, &a.PathID, &a.UserID, &a.GroupID, &a.DueAt, &a.CreatedAt)
	return a, err
}

// AssignGroup assigns a published course or path to one of the portal's
// groups: its active members are enrolled now, and whoever joins later on
// joining. enrolled counts those newly enrolled.
func (s *LearningService) AssignGroup(ctx context.Context, tenantID int64, a Assignment, by AuditActor) (rec AssignmentRecord, enrolled int, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := apperr.Fields{}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM groups WHERE tenant_id = $1 AND id = $2)`, tenantID, a.GroupID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			f.Add("group_id", "No group of this portal has that ID.")
		}
		table, field := "courses", "course_id"
		if a.PathID != 0 {
			table, field = "paths", "path_id"
		}
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+table+` WHERE tenant_id = $1 AND id = $2 AND status = 'published')`,
			tenantID, a.CourseID+a.PathID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			f.Add(field, "Nothing published in this portal has that ID.")
		}
		if err := f.Err(); err != nil {
			return err
		}
		a.UserIDs = nil
		n, ids, err := assign(ctx, tx, tenantID, a, by)
		if err != nil {
			return err
		}
		enrolled = n
		rows, err := tx.Query(ctx, `SELECT `+assignmentColumns+` FROM assignments a WHERE a.tenant_id = $1 AND a.id = $2`, tenantID, ids[0])
		if err != nil {
			return err
		}
		rec, err = pgx.CollectExactlyOneRow(rows, scanAssignment)
		return err
	})
	if err != nil {
		return AssignmentRecord{}, 0, fmt.Errorf("learning: assign group: %w", Error(err, "Assignment"))
	}
	return rec, enrolled, nil
}

// AssignmentQuery narrows the API's list of assignments.
type AssignmentQuery struct {
	CourseID, PathID, GroupID, UserID int64 // 0: any
	Keyset
}

// FindAssignmentsPage lists the portal's assignments by ID.
func (s *LearningService) FindAssignmentsPage(ctx context.Context, tenantID int64, q AssignmentQuery) ([]AssignmentRecord, bool, error) {
	var out []AssignmentRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("a.tenant_id = ?", tenantID)
		for _, c := range []struct {
			col string
			id  int64
		}{{"a.course_id", q.CourseID}, {"a.path_id", q.PathID}, {"a.group_id", q.GroupID}, {"a.user_id", q.UserID}} {
			if c.id != 0 {
				f.add(c.col+" = ?", c.id)
			}
		}
		f.after("", "a.id", q.Keyset)
		rows, err := tx.Query(ctx, `SELECT `+assignmentColumns+` FROM assignments a WHERE `+f.where()+` ORDER BY a.id`+f.limit(q.Keyset), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanAssignment)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("learning: assignments page: %w", err)
	}
	out, more := page(out, q.Limit)
	return out, more, nil
}

// PublishedCourse is a course as learners can take it now: its published
// version's metadata, and (when asked for one course) its content.
type PublishedCourse struct {
	ID          int64
	Slug        string
	Status      string // published or archived
	Version     int
	PublishedAt time.Time
	Content     course.Course
}

// FindPublishedCoursesPage lists the portal's published courses by ID.
func (s *CourseService) FindPublishedCoursesPage(ctx context.Context, tenantID int64, k Keyset) ([]PublishedCourse, bool, error) {
	var out []PublishedCourse
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("c.tenant_id = ? AND c.status = 'published'", tenantID)
		f.after("", "c.id", k)
		rows, err := tx.Query(ctx, `SELECT `+publishedCourseColumns+publishedCourseFrom+` WHERE `+f.where()+` ORDER BY c.id`+f.limit(k), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanPublishedCourse)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("course: published page: %w", err)
	}
	out, more := page(out, k.Limit)
	return out, more, nil
}

// FindPublishedCourse returns one published course with its content; a
// course never published, or archived, is not found.
func (s *CourseService) FindPublishedCourse(ctx context.Context, tenantID, id int64) (PublishedCourse, error) {
	var out PublishedCourse
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+publishedCourseColumns+publishedCourseFrom+`
			WHERE c.tenant_id = $1 AND c.id = $2 AND c.status = 'published'`, tenantID, id)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanPublishedCourse)
		return err
	})
	if err != nil {
		return PublishedCourse{}, fmt.Errorf("course: published: %w", Error(err, "Course"))
	}
	return out, nil
}

// The content of a version is read whole: lists use its metadata, one
// course its outline too. Versions are a few dozen kilobytes.
const (
	publishedCourseColumns = `c.id, c.slug, c.status, v.version, v.published_at, v.content`
	publishedCourseFrom    = ` FROM courses c JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id AND v.version = c.published_version`
)

func scanPublishedCourse(row pgx.CollectableRow) (PublishedCourse, error) {
	var c PublishedCourse
	var content []byte
	if err := row.Scan(&c.ID, &c.Slug, &c.Status, &c.Version, &c.PublishedAt, &content); err != nil {
		return c, err
	}
	if err := json.Unmarshal(content, &c.Content); err != nil {
		return c, fmt.Errorf("course %d: version: %w", c.ID, err)
	}
	return c, nil
}

// FindLearnerCourseByID is FindLearnerCourse by the course's ID.
func (s *LearningService) FindLearnerCourseByID(ctx context.Context, tenantID, userID, courseID int64) (LearnerCourse, error) {
	var lc LearnerCourse
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		lc, err = findLearnerCourse(ctx, tx, userID, `c.id = $2`, courseID)
		return err
	})
	if err != nil {
		return LearnerCourse{}, fmt.Errorf("learning: find course: %w", Error(err, "Course"))
	}
	return lc, nil
}

// CertificateRecord is a certificate as the API lists it.
type CertificateRecord struct {
	ID          int64
	Code        string
	UserID      int64
	CourseID    int64 // one of CourseID and PathID
	PathID      int64
	Title       string
	LearnerName string
	IssuedAt    time.Time
}

// CertificateQuery narrows the API's list of certificates.
type CertificateQuery struct {
	UserID      int64
	IssuedSince *time.Time
	Keyset
}

// FindCertificatesPage lists the portal's certificates by the time they
// were issued.
func (s *LearningService) FindCertificatesPage(ctx context.Context, tenantID int64, q CertificateQuery) ([]CertificateRecord, bool, error) {
	var out []CertificateRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("c.tenant_id = ?", tenantID)
		if q.UserID != 0 {
			f.add("c.user_id = ?", q.UserID)
		}
		if q.IssuedSince != nil {
			f.add("c.issued_at >= ?", *q.IssuedSince)
		}
		f.after("c.issued_at", "c.id", q.Keyset)
		rows, err := tx.Query(ctx, `SELECT c.id, c.code, c.user_id, coalesce(c.course_id, 0), coalesce(c.path_id, 0), c.title, c.learner_name, c.issued_at
			FROM certificates c WHERE `+f.where()+` ORDER BY c.issued_at, c.id`+f.limit(q.Keyset), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CertificateRecord, error) {
			var c CertificateRecord
			err := row.Scan(&c.ID, &c.Code, &c.UserID, &c.CourseID, &c.PathID, &c.Title, &c.LearnerName, &c.IssuedAt)
			return c, err
		})
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("learning: certificates page: %w", err)
	}
	out, more := page(out, q.Limit)
	return out, more, nil
}

// StatementQuery narrows the API's list of learning records.
type StatementQuery struct {
	UserID int64
	Verb   string
	Since  *time.Time // stored at or after
	Keyset
}

// FindStatementsPage lists the portal's learning records in the order
// they were stored.
func (s *LearningService) FindStatementsPage(ctx context.Context, tenantID int64, q StatementQuery) ([]Statement, bool, error) {
	var out []Statement
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		f := &filter{}
		f.add("tenant_id = ?", tenantID)
		if q.UserID != 0 {
			f.add("user_id = ?", q.UserID)
		}
		if q.Verb != "" {
			f.add("verb = ?", q.Verb)
		}
		if q.Since != nil {
			f.add("stored >= ?", *q.Since)
		}
		f.after("stored", "id", q.Keyset)
		rows, err := tx.Query(ctx, `SELECT `+statementColumns+` FROM statements WHERE `+f.where()+` ORDER BY stored, id`+f.limit(q.Keyset), f.args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanStatement)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("learning: statements page: %w", err)
	}
	out, more := page(out, q.Limit)
	return out, more, nil
}
