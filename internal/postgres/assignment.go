package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/notify"
)

// Assignment says what is given (a course or a path) to whom (people, or
// a group: its members now and whoever joins it later).
type Assignment struct {
	CourseID int64 // one of CourseID and PathID
	PathID   int64
	UserIDs  []int64
	GroupID  int64 // 0: none
	DueAt    *time.Time
}

// Assign gives a published course or path to people and to a group's
// active members, with an optional due date: a course enrols them, a path
// enrols them in the path. It is all or nothing: when the seats run out,
// no one is enrolled. enrolled counts those newly enrolled.
func (s *LearningService) Assign(ctx context.Context, tenantID int64, a Assignment, by AuditActor) (enrolled int, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		enrolled, _, err = assign(ctx, tx, tenantID, a, by)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("learning: assign: %w", Error(err, "Course"))
	}
	return enrolled, nil
}

// assign is Assign in the caller's transaction; ids are the assignments
// it recorded.
func assign(ctx context.Context, tx *Tx, tenantID int64, a Assignment, by AuditActor) (enrolled int, ids []int64, err error) {
	err = func() error {
		if err := learning.CheckDue(a.DueAt, tx.Now); err != nil {
			return err
		}
		var slug, title string
		var err error
		if a.PathID != 0 {
			err = tx.QueryRow(ctx, `SELECT slug, title FROM paths WHERE tenant_id = $1 AND id = $2 AND status = 'published'`, tenantID, a.PathID).Scan(&slug, &title)
		} else {
			err = tx.QueryRow(ctx, `SELECT slug, title FROM courses WHERE tenant_id = $1 AND id = $2 AND status = 'published'`, tenantID, a.CourseID).Scan(&slug, &title)
		}
		if err == pgx.ErrNoRows {
			return &apperr.Error{Code: apperr.EINVALID, Field: "course", Message: "Only what is published can be assigned: publish it first."}
		}
		if err != nil {
			return err
		}
		if len(a.UserIDs) == 0 && a.GroupID == 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "users", Message: "Choose the people or the group to assign it to."}
		}
		people := map[int64]bool{}
		if len(a.UserIDs) > 0 {
			rows, err := tx.Query(ctx, `SELECT id FROM users WHERE tenant_id = $1 AND id = ANY($2) AND status = 'active'`, tenantID, a.UserIDs)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return err
			}
			if len(ids) != len(uniq(a.UserIDs)) {
				return &apperr.Error{Code: apperr.EINVALID, Field: "users", Message: "Some of the people chosen are not active users of this portal."}
			}
			for _, id := range ids {
				people[id] = true
				aid, err := insertAssignment(ctx, tx, a, id, 0, by)
				if err != nil {
					return err
				}
				ids = append(ids, aid)
			}
		}
		if a.GroupID != 0 {
			aid, err := insertAssignment(ctx, tx, a, 0, a.GroupID, by)
			if err != nil {
				return Error(err, "Group") // a group of another portal fails its foreign key
			}
			ids = append(ids, aid)
			rows, err := tx.Query(ctx, `SELECT m.user_id FROM group_members m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
				WHERE m.tenant_id = $1 AND m.group_id = $2 AND u.status = 'active'`, tenantID, a.GroupID)
			if err != nil {
				return err
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				return err
			}
			for _, id := range ids {
				people[id] = true
			}
		}
		var notes []notify.Note
		for id := range people {
			created, err := give(ctx, tx, id, a.CourseID, a.PathID, a.DueAt)
			if err != nil {
				return err
			}
			if created {
				enrolled++
				notes = append(notes, assignedNote(id, a.PathID != 0, slug, title, a.DueAt))
			}
		}
		if err := notifyPeople(ctx, tx, notes...); err != nil {
			return err
		}
		what := "course.assign"
		if a.PathID != 0 {
			what = "path.assign"
		}
		return audit(ctx, tx, tenantID, by, what, slug, map[string]any{"users": len(a.UserIDs), "group": a.GroupID, "enrolled": enrolled, "due_at": a.DueAt})
	}()
	return enrolled, ids, err
}

func insertAssignment(ctx context.Context, tx *Tx, a Assignment, userID, groupID int64, by AuditActor) (id int64, err error) {
	err = tx.QueryRow(ctx, `
		INSERT INTO assignments (tenant_id, course_id, path_id, user_id, group_id, due_at, assigned_by, created_at)
		VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		nullID(a.CourseID), nullID(a.PathID), nullID(userID), nullID(groupID), a.DueAt, nullID(by.UserID), tx.Now).Scan(&id)
	return id, err
}

// assignedNote tells a person what was given to them and by when: in the
// app, and by e-mail as they chose (at once, by default).
func assignedNote(userID int64, path bool, slug, title string, due *time.Time) notify.Note {
	n := notify.Note{UserID: userID, Kind: notify.Assigned, Title: "Assigned to you: " + title, URL: "/courses/" + slug}
	if path {
		n.Title, n.URL = "Learning path assigned to you: "+title, "/paths/"+slug
	}
	if due != nil {
		n.Body = "Due by the end of " + due.Format("Monday 2 January 2006") + "."
	}
	return n
}

// give enrols a learner in an assigned course, or in an assigned path.
func give(ctx context.Context, tx *Tx, userID, courseID, pathID int64, dueAt *time.Time) (bool, error) {
	if pathID != 0 {
		return enrolPath(ctx, tx, userID, pathID, "assigned", dueAt)
	}
	return enrol(ctx, tx, userID, courseID, learning.Assigned, dueAt)
}

// applyGroupAssignments gives a member of a group what was assigned to the
// group, as it was given to those who were members then. Only active
// people are enrolled: an invited person receives them on accepting.
func applyGroupAssignments(ctx context.Context, tx *Tx, userID int64, groupIDs ...int64) error {
	var active bool
	if err := tx.QueryRow(ctx, `SELECT status = 'active' FROM users WHERE tenant_id = current_tenant_id() AND id = $1`, userID).Scan(&active); err != nil || !active {
		return err
	}
	rows, err := tx.Query(ctx, `
		SELECT coalesce(a.course_id, 0), coalesce(a.path_id, 0), a.due_at, coalesce(c.slug, p.slug), coalesce(c.title, p.title)
		FROM assignments a
		LEFT JOIN courses c ON c.tenant_id = a.tenant_id AND c.id = a.course_id
		LEFT JOIN paths p ON p.tenant_id = a.tenant_id AND p.id = a.path_id
		WHERE a.tenant_id = current_tenant_id() AND a.group_id = ANY($1) AND (a.path_id IS NOT NULL OR c.status = 'published')
		ORDER BY a.id`, groupIDs)
	if err != nil {
		return err
	}
	type given struct {
		course, path int64
		due          *time.Time
		slug, title  string
	}
	var all []given
	var g given
	if _, err := pgx.ForEachRow(rows, []any{&g.course, &g.path, &g.due, &g.slug, &g.title}, func() error { all = append(all, g); return nil }); err != nil {
		return err
	}
	var notes []notify.Note
	for _, g := range all {
		created, err := give(ctx, tx, userID, g.course, g.path, g.due)
		if err != nil {
			return err
		}
		if created {
			notes = append(notes, assignedNote(userID, g.path != 0, g.slug, g.title, g.due))
		}
	}
	return notifyPeople(ctx, tx, notes...)
}

// applyAllGroupAssignments gives a person everything assigned to the
// groups they are in (when an invitation is accepted, or an account
// reactivated).
func applyAllGroupAssignments(ctx context.Context, tx *Tx, userID int64) error {
	rows, err := tx.Query(ctx, `SELECT group_id FROM group_members WHERE tenant_id = current_tenant_id() AND user_id = $1`, userID)
	if err != nil {
		return err
	}
	groups, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(groups) == 0 {
		return err
	}
	return applyGroupAssignments(ctx, tx, userID, groups...)
}

func uniq(ids []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// CourseLearner is one learner of a course, for its admins.
type CourseLearner struct {
	UserID      int64
	Name        string
	Email       string
	Status      string
	Source      string
	Percent     int
	DueAt       *time.Time
	CompletedAt *time.Time
}

// FindCourseLearners lists a course's learners by name.
func (s *LearningService) FindCourseLearners(ctx context.Context, tenantID, courseID int64) ([]CourseLearner, error) {
	var out []CourseLearner
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT u.id, u.name, u.email, e.status, e.source, e.percent, e.due_at, e.completed_at
			FROM enrolments e JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			WHERE e.tenant_id = $1 AND e.course_id = $2
			ORDER BY lower(u.name), u.id`, tenantID, courseID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CourseLearner, error) {
			var l CourseLearner
			err := row.Scan(&l.UserID, &l.Name, &l.Email, &l.Status, &l.Source, &l.Percent, &l.DueAt, &l.CompletedAt)
			return l, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("learning: course learners: %w", err)
	}
	return out, nil
}

// EnrolmentSettings say how learners come to a course.
type EnrolmentSettings struct {
	SelfEnrol bool
	Code      string // "" for none
}

// FindEnrolmentSettings returns a course's enrolment settings.
func (s *LearningService) FindEnrolmentSettings(ctx context.Context, tenantID, courseID int64) (EnrolmentSettings, error) {
	var es EnrolmentSettings
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT self_enrol, coalesce(enrol_code, '') FROM courses WHERE tenant_id = $1 AND id = $2`, tenantID, courseID).Scan(&es.SelfEnrol, &es.Code)
	})
	if err != nil {
		return es, fmt.Errorf("learning: enrolment settings: %w", Error(err, "Course"))
	}
	return es, nil
}

// codeAlphabet leaves out characters easily mistaken for one another.
const codeAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// SetEnrolment sets whether learners may enrol themselves and, when
// newCode is set, gives the course a fresh enrolment code (the old one
// stops working); removeCode takes the code away.
func (s *LearningService) SetEnrolment(ctx context.Context, tenantID, courseID int64, selfEnrol, newCode, removeCode bool, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var code *string
		if newCode {
			b := make([]byte, 8)
			rand.Read(b)
			for i := range b {
				b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
			}
			c := string(b)
			code = &c
		}
		var slug string
		err := tx.QueryRow(ctx, `
			UPDATE courses SET self_enrol = $3,
				enrol_code = CASE WHEN $4 THEN $5 WHEN $6 THEN NULL ELSE enrol_code END
			WHERE tenant_id = $1 AND id = $2 RETURNING slug`,
			tenantID, courseID, selfEnrol, newCode, code, removeCode).Scan(&slug)
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "course.enrolment", slug, map[string]any{"self_enrol": selfEnrol, "new_code": newCode, "code_removed": removeCode})
	})
	if err != nil {
		return fmt.Errorf("learning: set enrolment: %w", Error(err, "Course"))
	}
	return nil
}
