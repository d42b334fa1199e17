package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/learning"
)

// TeamMember is one of a manager's reports, with their learning.
type TeamMember struct {
	UserID  int64
	Name    string
	Email   string
	Courses []TeamCourse
	Shared  []SharedItem
}

// TeamCourse is one enrolment of a report.
type TeamCourse struct {
	CourseID    int64
	Title       string
	Status      string
	Source      string
	Percent     int
	DueAt       *time.Time
	CompletedAt *time.Time
	// NudgedToday: the manager already nudged the report about it this
	// (UTC) day.
	NudgedToday bool
}

// SharedItem is a reflection or action plan a report chose to share.
type SharedItem struct {
	EnrolmentID int64
	BlockKey    string
	CourseTitle string
	Kind        string // reflection, checklist or writing
	Prompt      string // the reflection's prompt, the plan's or the writing practice's title
	Text        string // the reflection's answer, the draft
	Items       []SharedPlanItem
	SharedAt    time.Time
	Comments    []PlanComment // on an action plan, oldest first
}

// PlanComment is a manager's comment on an action plan.
type PlanComment struct {
	Author string
	Body   string
	At     time.Time
}

// CourseChoice is a course that can be chosen (to assign it).
type CourseChoice struct {
	ID    int64
	Title string
}

// Team is a manager's "My team": their direct reports, the figures of
// the team, and the portal's published courses they can assign.
type Team struct {
	Members []TeamMember
	Figures DashboardFigures
	Courses []CourseChoice
}

// SharedPlanItem is one step of a shared action plan.
type SharedPlanItem struct {
	Text string
	Done bool
	Due  string
	// Rating is the learner's self-rating against a writing practice's
	// statement (yes, partly, not_yet; "" not rated).
	Rating string
}

// FindTeam returns the people whose manager is managerID, with their
// courses and only what each of them shared with their manager (and the
// comments on it), the team's figures and the courses that can be
// assigned: one round trip of five statements, whatever the team's size.
func (s *LearningService) FindTeam(ctx context.Context, tenantID, managerID int64) (Team, error) {
	var out Team
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var team []TeamMember
		index := map[int64]int{}
		b := &pgx.Batch{}
		b.Queue(`
			SELECT u.id, u.name, u.email, c.id, c.title, e.status, e.source, e.percent, e.due_at, e.completed_at,
				EXISTS (SELECT 1 FROM nudges n WHERE n.tenant_id = e.tenant_id AND n.user_id = e.user_id AND n.course_id = e.course_id AND n.day = $3)
			FROM users u
			LEFT JOIN enrolments e ON e.tenant_id = u.tenant_id AND e.user_id = u.id AND e.status <> 'withdrawn'
			LEFT JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE u.tenant_id = $1 AND u.manager_id = $2 AND u.status <> 'deactivated'
			ORDER BY lower(u.name), u.id, e.due_at NULLS LAST, c.title`, tenantID, managerID, nudgeDay(tx.Now)).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var m TeamMember
				var title, status, source *string
				var courseID *int64
				var c TeamCourse
				var percent *int
				if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &courseID, &title, &status, &source, &percent, &c.DueAt, &c.CompletedAt, &c.NudgedToday); err != nil {
					return err
				}
				i, seen := index[m.UserID]
				if !seen {
					i = len(team)
					index[m.UserID] = i
					team = append(team, m)
				}
				if title != nil {
					c.CourseID, c.Title, c.Status, c.Source, c.Percent = *courseID, *title, *status, *source, *percent
					team[i].Courses = append(team[i].Courses, c)
				}
			}
			return rows.Err()
		})
		// The block's words come from the version the learner took; the
		// answer is theirs; shared_at is their consent, item by item.
		b.Queue(`
			SELECT e.user_id, e.id, r.block_key, c.title, r.body, r.shared_at,
				jsonb_path_query_first(v.content, '$.modules[*].lessons[*].blocks[*] ? (@.key == $k)', jsonb_build_object('k', r.block_key)),
				(SELECT coalesce(jsonb_agg(jsonb_build_object('author', a.name, 'body', pc.body, 'at', pc.created_at) ORDER BY pc.id), '[]')
					FROM plan_comments pc JOIN users a ON a.tenant_id = pc.tenant_id AND a.id = pc.author_id
					WHERE pc.tenant_id = r.tenant_id AND pc.enrolment_id = r.enrolment_id AND pc.attempt = r.attempt AND pc.block_key = r.block_key)
			FROM block_responses r
			JOIN enrolments e ON e.tenant_id = r.tenant_id AND e.id = r.enrolment_id AND e.attempt = r.attempt
			JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			JOIN course_versions v ON v.tenant_id = e.tenant_id AND v.course_id = e.course_id AND v.version = e.version
			WHERE r.tenant_id = $1 AND r.shared_at IS NOT NULL AND u.manager_id = $2 AND u.status <> 'deactivated'
			ORDER BY r.shared_at DESC`, tenantID, managerID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var userID int64
				var item SharedItem
				var body, block, comments []byte
				if err := rows.Scan(&userID, &item.EnrolmentID, &item.BlockKey, &item.CourseTitle, &body, &item.SharedAt, &block, &comments); err != nil {
					return err
				}
				if err := json.Unmarshal(comments, &item.Comments); err != nil {
					return err
				}
				if err := sharedItem(&item, body, block); err != nil {
					return err
				}
				if i, ok := index[userID]; ok {
					team[i].Shared = append(team[i].Shared, item)
				}
			}
			return rows.Err()
		})
		queueDashboard(b, tenantID, managerID, tx.Now, &out.Figures)
		b.Queue(`SELECT id, title FROM courses WHERE tenant_id = $1 AND status = 'published' ORDER BY lower(title), id`, tenantID).
			Query(func(rows pgx.Rows) error {
				var err error
				out.Courses, err = pgx.CollectRows(rows, pgx.RowToStructByPos[CourseChoice])
				return err
			})
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		out.Members = team
		return nil
	})
	if err != nil {
		return Team{}, fmt.Errorf("learning: team: %w", err)
	}
	return out, nil
}

// sharedItem reads a shared answer with its block's words.
func sharedItem(item *SharedItem, body, block []byte) error {
	var b struct {
		Kind       string `json:"kind"`
		Reflection *struct {
			Prompt string `json:"prompt"`
		} `json:"reflection"`
		Checklist *struct {
			Title string `json:"title"`
			Items []struct {
				Text string `json:"text"`
			} `json:"items"`
		} `json:"checklist"`
		Writing *struct {
			Title  string   `json:"title"`
			Rubric []string `json:"rubric"`
		} `json:"writing"`
	}
	if err := json.Unmarshal(block, &b); err != nil {
		return fmt.Errorf("shared block: %w", err)
	}
	item.Kind = b.Kind
	switch {
	case b.Reflection != nil:
		var r ReflectionBody
		if err := json.Unmarshal(body, &r); err != nil {
			return err
		}
		item.Prompt, item.Text = b.Reflection.Prompt, r.Text
	case b.Writing != nil:
		var d learning.Draft
		if err := json.Unmarshal(body, &d); err != nil {
			return err
		}
		item.Prompt, item.Text = b.Writing.Title, d.Text
		for i, st := range b.Writing.Rubric {
			pi := SharedPlanItem{Text: st}
			if i < len(d.Ratings) {
				pi.Rating = d.Ratings[i]
			}
			item.Items = append(item.Items, pi)
		}
	case b.Checklist != nil:
		var c ChecklistBody
		if err := json.Unmarshal(body, &c); err != nil {
			return err
		}
		item.Prompt = b.Checklist.Title
		for i, it := range b.Checklist.Items {
			pi := SharedPlanItem{Text: it.Text}
			if i < len(c.Items) {
				pi.Done, pi.Due = c.Items[i].Done, c.Items[i].Due
			}
			item.Items = append(item.Items, pi)
		}
	}
	return nil
}

// PlanItem is one of a learner's action plans or writing practices, in the
// attempt they are taking: the block's words and their answer.
type PlanItem struct {
	SharedItem
	CourseSlug string
	LessonKey  string
	Shared     bool
	Done       bool
	UpdatedAt  time.Time
}

// FindMyPlan lists a learner's action plans and writing drafts across the
// courses they take (not those they left), course by course, the latest
// first.
func (s *LearningService) FindMyPlan(ctx context.Context, tenantID, userID int64) ([]PlanItem, error) {
	var out []PlanItem
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT e.id, r.block_key, c.title, c.slug, r.body, r.shared_at IS NOT NULL, r.done, r.updated_at,
				jsonb_path_query_first(v.content, '$.modules[*].lessons[*] ? (exists(@.blocks[*] ? (@.key == $k)))', jsonb_build_object('k', r.block_key))->>'key',
				jsonb_path_query_first(v.content, '$.modules[*].lessons[*].blocks[*] ? (@.key == $k)', jsonb_build_object('k', r.block_key))
			FROM block_responses r
			JOIN enrolments e ON e.tenant_id = r.tenant_id AND e.id = r.enrolment_id AND e.attempt = r.attempt
			JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			JOIN course_versions v ON v.tenant_id = e.tenant_id AND v.course_id = e.course_id AND v.version = e.version
			WHERE r.tenant_id = $1 AND e.user_id = $2 AND e.status <> 'withdrawn'
			ORDER BY lower(c.title), c.id, r.updated_at DESC`, tenantID, userID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var it PlanItem
			var body, block []byte
			var lesson *string
			if err := rows.Scan(&it.EnrolmentID, &it.BlockKey, &it.CourseTitle, &it.CourseSlug, &body, &it.Shared, &it.Done, &it.UpdatedAt, &lesson, &block); err != nil {
				return err
			}
			if lesson == nil || block == nil {
				continue // a block the version no longer has
			}
			it.LessonKey = *lesson
			if err := sharedItem(&it.SharedItem, body, block); err != nil {
				return err
			}
			if it.Kind == "checklist" || it.Kind == "writing" {
				out = append(out, it)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("learning: my plan: %w", err)
	}
	return out, nil
}
