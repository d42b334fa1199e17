package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/learning"
)

// Assignment says who a course is given to: people, or a group's members.
type Assignment struct {
	CourseID int64
	UserIDs  []int64
	GroupID  int64 // 0: none
	DueAt    *time.Time
}

// Assign gives a published course to people and to a group's active
// members, with an optional due date, and enrols them. It is all or
// nothing: when the seats run out, no one is enrolled. enrolled counts
// those newly enrolled.
func (s *LearningService) Assign(ctx context.Context, tenantID int64, a Assignment, by AuditActor) (enrolled int, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		enrolled = 0
		var slug string
		if err := tx.QueryRow(ctx, `SELECT slug FROM courses WHERE tenant_id = $1 AND id = $2 AND status = 'published'`, tenantID, a.CourseID).Scan(&slug); err != nil {
			if err == pgx.ErrNoRows {
				return &apperr.Error{Code: apperr.EINVALID, Field: "course", Message: "Only a published course can be assigned: publish it first."}
			}
			return err
		}
		if len(a.UserIDs) == 0 && a.GroupID == 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "users", Message: "Choose the people or the group to assign the course to."}
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
				if _, err := tx.Exec(ctx, `INSERT INTO assignments (tenant_id, course_id, user_id, due_at, assigned_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
					tenantID, a.CourseID, id, a.DueAt, nullID(by.UserID), tx.Now); err != nil {
					return err
				}
			}
		}
		if a.GroupID != 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO assignments (tenant_id, course_id, group_id, due_at, assigned_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				tenantID, a.CourseID, a.GroupID, a.DueAt, nullID(by.UserID), tx.Now); err != nil {
				return Error(err, "Group") // a group of another portal fails its foreign key
			}
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
		for id := range people {
			created, err := enrol(ctx, tx, id, a.CourseID, learning.Assigned, a.DueAt)
			if err != nil {
				return err
			}
			if created {
				enrolled++
			}
		}
		return audit(ctx, tx, tenantID, by, "course.assign", slug, map[string]any{"users": len(a.UserIDs), "group": a.GroupID, "enrolled": enrolled, "due_at": a.DueAt})
	})
	if err != nil {
		return 0, fmt.Errorf("learning: assign: %w", Error(err, "Course"))
	}
	return enrolled, nil
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
