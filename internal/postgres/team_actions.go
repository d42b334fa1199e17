package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/notify"
)

// What a manager does for a direct report from "My team". Each action
// first finds the report as one of the manager's active direct reports,
// in the action's own transaction: a manager who stops being the manager
// (the report given another manager, or the manager deactivated) loses
// every action at once, and anyone else is not found.

// teamReport is a direct report, as the manager acts on them.
type teamReport struct {
	ID          int64
	Name        string
	Email       string
	ManagerName string
}

// directReport finds userID as managerID's active direct report, and
// locks the report's row so that a change of manager waits for the act.
func directReport(ctx context.Context, tx *Tx, tenantID, managerID, userID int64) (teamReport, error) {
	var r teamReport
	err := tx.QueryRow(ctx, `
		SELECT r.id, r.name, r.email, m.name FROM users r
		JOIN users m ON m.tenant_id = r.tenant_id AND m.id = r.manager_id
		WHERE r.tenant_id = $1 AND r.id = $2 AND r.manager_id = $3 AND r.status = 'active' AND m.status = 'active'
		FOR SHARE OF r`, tenantID, userID, managerID).Scan(&r.ID, &r.Name, &r.Email, &r.ManagerName)
	if err == pgx.ErrNoRows {
		return teamReport{}, &apperr.Error{Code: apperr.ENOTFOUND, Message: "Person not found."}
	}
	return r, err
}

// AssignToReport gives a manager's direct report a published course of
// the portal with an optional due date, as an administrator's assignment
// does (and with its notification): enrolled says whether they were
// newly enrolled.
func (s *LearningService) AssignToReport(ctx context.Context, tenantID, managerID, userID, courseID int64, dueAt *time.Time, by AuditActor) (enrolled bool, err error) {
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := directReport(ctx, tx, tenantID, managerID, userID); err != nil {
			return err
		}
		if courseID <= 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "course", Message: "Choose a course from the list."}
		}
		n, _, err := assign(ctx, tx, tenantID, Assignment{CourseID: courseID, UserIDs: []int64{userID}, DueAt: dueAt}, by)
		enrolled = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("team: assign: %w", Error(err, "Course"))
	}
	return enrolled, nil
}

// Nudged is what a nudge was about.
type Nudged struct {
	Name        string // the report's
	CourseTitle string
}

// NudgeReport reminds a manager's direct report of a course assigned to
// them and not completed: a notification, mailed as they chose (at once
// by default), and an audit event. One nudge per report, course and UTC
// day: another is a conflict that says when.
func (s *LearningService) NudgeReport(ctx context.Context, tenantID, managerID, userID, courseID int64, by AuditActor) (Nudged, error) {
	var out Nudged
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		r, err := directReport(ctx, tx, tenantID, managerID, userID)
		if err != nil {
			return err
		}
		if courseID <= 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "course", Message: "Choose a course of " + r.Name + "'s to nudge about."}
		}
		var slug string
		var due *time.Time
		err = tx.QueryRow(ctx, `
			SELECT c.slug, c.title, e.due_at FROM enrolments e
			JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE e.tenant_id = $1 AND e.user_id = $2 AND e.course_id = $3 AND e.source = 'assigned' AND e.status = 'active'`,
			tenantID, userID, courseID).Scan(&slug, &out.CourseTitle, &due)
		if err == pgx.ErrNoRows {
			return &apperr.Error{Code: apperr.EINVALID, Field: "course",
				Message: "Only a course assigned to " + r.Name + " and not completed yet can be nudged about."}
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO nudges (tenant_id, user_id, course_id, manager_id, day, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, user_id, course_id, day) DO NOTHING`,
			tenantID, userID, courseID, managerID, nudgeDay(tx.Now), tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &apperr.Error{Code: apperr.ECONFLICT, Field: "course",
				Message: "You already nudged " + r.Name + " about " + out.CourseTitle + " today: one nudge a day per course. Try again tomorrow."}
		}
		note := notify.Note{UserID: userID, Kind: notify.Nudged, URL: "/courses/" + slug,
			Title: r.ManagerName + " reminds you of " + out.CourseTitle,
			Body:  "Your manager would like you to carry on with " + out.CourseTitle + "."}
		if due != nil {
			note.Body += " It is due by the end of " + due.Format("Monday 2 January 2006") + "."
		}
		if err := notifyPeople(ctx, tx, note); err != nil {
			return err
		}
		out.Name = r.Name
		return audit(ctx, tx, tenantID, by, "team.nudge", r.Email, map[string]any{"course": slug})
	})
	if err != nil {
		return Nudged{}, fmt.Errorf("team: nudge: %w", err)
	}
	return out, nil
}

// MaxPlanComment caps a comment on an action plan, in characters.
const MaxPlanComment = 2000

// CheckPlanComment refuses an empty or too long comment.
func CheckPlanComment(body string) error {
	switch n := utf8.RuneCountInString(body); {
	case strings.TrimSpace(body) == "":
		return &apperr.Error{Code: apperr.EINVALID, Field: "comment", Message: "Write your comment before sending it."}
	case n > MaxPlanComment:
		return &apperr.Error{Code: apperr.EINVALID, Field: "comment",
			Message: fmt.Sprintf("Your comment is %d characters long; shorten it to %d or fewer.", n, MaxPlanComment)}
	}
	return nil
}

// CommentOnPlan records a manager's comment on an action plan their
// direct report shared (in the attempt they are taking), or on a draft of
// writing practice they shared, and tells the report. Anything else (not
// shared, a reflection) is not found.
func (s *LearningService) CommentOnPlan(ctx context.Context, tenantID, managerID, userID, enrolmentID int64, blockKey, body string, by AuditActor) (name string, err error) {
	body = strings.TrimSpace(body)
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		r, err := directReport(ctx, tx, tenantID, managerID, userID)
		if err != nil {
			return err
		}
		if enrolmentID <= 0 || blockKey == "" {
			return &apperr.Error{Code: apperr.EINVALID, Message: "Choose the action plan to comment on, from My team."}
		}
		var attempt int
		var slug, planTitle, kind string
		err = tx.QueryRow(ctx, `
			SELECT r.attempt, c.slug, coalesce(b.block #>> '{checklist,title}', b.block #>> '{writing,title}', ''), b.block ->> 'kind'
			FROM block_responses r
			JOIN enrolments e ON e.tenant_id = r.tenant_id AND e.id = r.enrolment_id AND e.attempt = r.attempt
			JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			JOIN course_versions v ON v.tenant_id = e.tenant_id AND v.course_id = e.course_id AND v.version = e.version
			CROSS JOIN LATERAL (SELECT jsonb_path_query_first(v.content, '$.modules[*].lessons[*].blocks[*] ? (@.key == $k)',
				jsonb_build_object('k', r.block_key)) AS block) b
			WHERE r.tenant_id = $1 AND r.enrolment_id = $2 AND r.block_key = $3 AND e.user_id = $4
				AND e.status <> 'withdrawn' AND r.shared_at IS NOT NULL AND b.block ->> 'kind' IN ('checklist', 'writing')`,
			tenantID, enrolmentID, blockKey, userID).Scan(&attempt, &slug, &planTitle, &kind)
		if err == pgx.ErrNoRows {
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Action plan not found."}
		}
		if err != nil {
			return err
		}
		if err := CheckPlanComment(body); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO plan_comments (tenant_id, enrolment_id, attempt, block_key, author_id, body, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, tenantID, enrolmentID, attempt, blockKey, managerID, body, tx.Now); err != nil {
			return err
		}
		if err := notifyPeople(ctx, tx, notify.Note{UserID: userID, Kind: notify.PlanComment, URL: "/learn#plan-comments",
			Title: r.ManagerName + " commented on your " + map[string]string{"checklist": "action plan", "writing": "draft"}[kind] + " " + planTitle, Body: body}); err != nil {
			return err
		}
		name = r.Name
		return audit(ctx, tx, tenantID, by, "team.plan_comment", r.Email, map[string]any{"course": slug, "block": blockKey})
	})
	if err != nil {
		return "", fmt.Errorf("team: comment: %w", err)
	}
	return name, nil
}

// MyPlanComment is a comment on one of the learner's own action plans.
type MyPlanComment struct {
	CourseTitle string
	PlanTitle   string
	LessonURL   string // where the plan is
	Author      string
	Body        string
	At          time.Time
}

// myPlanCommentsSQL reads the comments on a learner's action plans,
// newest first, with where each plan is.
const myPlanCommentsSQL = `
	SELECT c.title, c.slug, coalesce(jsonb_path_query_first(v.content, '$.modules[*].lessons[*].blocks[*] ? (@.key == $k)',
			jsonb_build_object('k', pc.block_key)) #>> '{checklist,title}',
			jsonb_path_query_first(v.content, '$.modules[*].lessons[*].blocks[*] ? (@.key == $k)',
			jsonb_build_object('k', pc.block_key)) #>> '{writing,title}', ''),
		coalesce(jsonb_path_query_first(v.content, '$.modules[*].lessons[*] ? (exists (@.blocks[*] ? (@.key == $k)))',
			jsonb_build_object('k', pc.block_key)) ->> 'key', ''),
		a.name, pc.body, pc.created_at
	FROM plan_comments pc
	JOIN enrolments e ON e.tenant_id = pc.tenant_id AND e.id = pc.enrolment_id
	JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
	JOIN course_versions v ON v.tenant_id = e.tenant_id AND v.course_id = e.course_id AND v.version = e.version
	JOIN users a ON a.tenant_id = pc.tenant_id AND a.id = pc.author_id
	WHERE pc.tenant_id = $1 AND e.user_id = $2 AND e.status <> 'withdrawn'
	ORDER BY pc.id DESC
	LIMIT 20`

func scanMyPlanComment(row pgx.CollectableRow) (MyPlanComment, error) {
	var c MyPlanComment
	var slug, lesson string
	if err := row.Scan(&c.CourseTitle, &slug, &c.PlanTitle, &lesson, &c.Author, &c.Body, &c.At); err != nil {
		return c, err
	}
	c.LessonURL = "/courses/" + slug
	if lesson != "" {
		c.LessonURL += "/lessons/" + lesson
	}
	return c, nil
}

// FindPlanComments reads the comments on a learner's plans of one
// attempt of an enrolment, in the blocks named, oldest first, by block: one round
// trip, made only for a lesson whose plan is shared. The enrolment must
// be the learner's own.
func (s *LearningService) FindPlanComments(ctx context.Context, tenantID, userID, enrolmentID int64, attempt int, blockKeys []string) (map[string][]PlanComment, error) {
	out := map[string][]PlanComment{}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT pc.block_key, a.name, pc.body, pc.created_at
			FROM plan_comments pc
			JOIN enrolments e ON e.tenant_id = pc.tenant_id AND e.id = pc.enrolment_id
			JOIN users a ON a.tenant_id = pc.tenant_id AND a.id = pc.author_id
			WHERE pc.tenant_id = $1 AND pc.enrolment_id = $2 AND pc.attempt = $3 AND pc.block_key = ANY($4)
				AND e.user_id = $5
			ORDER BY pc.block_key, pc.id`, tenantID, enrolmentID, attempt, blockKeys, userID)
		if err != nil {
			return err
		}
		var key string
		var c PlanComment
		_, err = pgx.ForEachRow(rows, []any{&key, &c.Author, &c.Body, &c.At}, func() error {
			out[key] = append(out[key], c)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("team: plan comments: %w", err)
	}
	return out, nil
}
