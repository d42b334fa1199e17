package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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
	Title       string
	Status      string
	Source      string
	Percent     int
	DueAt       *time.Time
	CompletedAt *time.Time
}

// SharedItem is a reflection or action plan a report chose to share.
type SharedItem struct {
	CourseTitle string
	Kind        string // reflection or checklist
	Prompt      string // the reflection's prompt, or the plan's title
	Text        string // the reflection's answer
	Items       []SharedPlanItem
	SharedAt    time.Time
}

// SharedPlanItem is one step of a shared action plan.
type SharedPlanItem struct {
	Text string
	Done bool
	Due  string
}

// FindTeam returns the people whose manager is managerID, with their
// courses and only what each of them shared with their manager, in two
// queries whatever the team's size.
func (s *LearningService) FindTeam(ctx context.Context, tenantID, managerID int64) ([]TeamMember, error) {
	var team []TeamMember
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		index := map[int64]int{}
		b := &pgx.Batch{}
		b.Queue(`
			SELECT u.id, u.name, u.email, c.title, e.status, e.source, e.percent, e.due_at, e.completed_at
			FROM users u
			LEFT JOIN enrolments e ON e.tenant_id = u.tenant_id AND e.user_id = u.id AND e.status <> 'withdrawn'
			LEFT JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE u.tenant_id = $1 AND u.manager_id = $2 AND u.status <> 'deactivated'
			ORDER BY lower(u.name), u.id, e.due_at NULLS LAST, c.title`, tenantID, managerID).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var m TeamMember
				var title, status, source *string
				var c TeamCourse
				var percent *int
				if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &title, &status, &source, &percent, &c.DueAt, &c.CompletedAt); err != nil {
					return err
				}
				i, seen := index[m.UserID]
				if !seen {
					i = len(team)
					index[m.UserID] = i
					team = append(team, m)
				}
				if title != nil {
					c.Title, c.Status, c.Source, c.Percent = *title, *status, *source, *percent
					team[i].Courses = append(team[i].Courses, c)
				}
			}
			return rows.Err()
		})
		// The block's words come from the version the learner took; the
		// answer is theirs; shared_at is their consent, item by item.
		b.Queue(`
			SELECT e.user_id, c.title, r.body, r.shared_at,
				jsonb_path_query_first(v.content, '$.modules[*].lessons[*].blocks[*] ? (@.key == $k)', jsonb_build_object('k', r.block_key))
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
				var body, block []byte
				if err := rows.Scan(&userID, &item.CourseTitle, &body, &item.SharedAt, &block); err != nil {
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
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("learning: team: %w", err)
	}
	return team, nil
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
