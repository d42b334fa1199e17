package postgres

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/csvout"
	"github.com/upward-lms/upward/internal/user"
)

// UserQuery narrows and pages the people list.
type UserQuery struct {
	Text    string // in the name or e-mail address
	Role    user.Role
	Status  user.Status
	GroupID int64
	// After is the last row of the previous page: the list is ordered by
	// lower(name), id and continues after it.
	AfterName string
	AfterID   int64
	Limit     int
}

// UserPage is one page of the people list.
type UserPage struct {
	Users []user.User
	More  bool // another page follows
}

// likePattern makes text a LIKE pattern matching it anywhere, its own %
// and _ taken literally.
func likePattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.TrimSpace(text)) + "%"
}

// SearchUsers returns a page of the portal's people matching q, by name.
func (s *UserService) SearchUsers(ctx context.Context, tenantID int64, q UserQuery) (UserPage, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	var page UserPage
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM users u
			WHERE u.tenant_id = $1
				AND ($2 = '' OR u.name ILIKE $3 OR u.email ILIKE $3)
				AND ($4 = '' OR $4 = ANY (u.roles))
				AND ($5 = '' OR u.status = $5)
				AND ($6 = 0 OR EXISTS (SELECT 1 FROM group_members m WHERE m.tenant_id = u.tenant_id AND m.group_id = $6 AND m.user_id = u.id))
				AND ($8 = 0 OR (lower(u.name), u.id) > ($7, $8))
			ORDER BY lower(u.name), u.id
			LIMIT $9`,
			tenantID, strings.TrimSpace(q.Text), likePattern(q.Text), string(q.Role), string(q.Status), q.GroupID, q.AfterName, q.AfterID, q.Limit+1)
		if err != nil {
			return err
		}
		page.Users, err = pgx.CollectRows(rows, scanUser)
		return err
	})
	if err != nil {
		return UserPage{}, fmt.Errorf("user: search: %w", err)
	}
	if len(page.Users) > q.Limit {
		page.Users, page.More = page.Users[:q.Limit], true
	}
	return page, nil
}

// ExportUser writes everything the portal holds about one person as a zip
// of JSON and CSV files, for a privacy request: their profile, groups,
// enrolments, answers, quiz attempts, certificates, learning records, the
// audit events they caused, and the nudges and plan comments between them
// and their manager or reports. Rows are streamed into the zip as they
// are read.
func (s *UserService) ExportUser(ctx context.Context, tenantID, userID int64, w io.Writer) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		u, err := findUser(ctx, tx, `u.id = $1`, userID)
		if err != nil {
			return err
		}
		z := zip.NewWriter(w)
		profile := map[string]any{
			"id": u.ID, "name": u.Name, "email": u.Email, "status": u.Status, "roles": u.Roles, "time_zone": u.TimeZone,
			"manager_id": u.ManagerID, "email_verified": u.EmailVerified, "created_at": u.CreatedAt, "exported_at": tx.Now,
		}
		f, err := z.Create("profile.json")
		if err != nil {
			return err
		}
		enc := json.NewEncoder(f)
		enc.SetIndent("", "  ")
		if err := enc.Encode(profile); err != nil {
			return err
		}
		tables := []struct {
			name, sql string
		}{
			{"groups.csv", `SELECT g.name, g.kind, m.added_at FROM group_members m JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id
				WHERE m.tenant_id = $1 AND m.user_id = $2 ORDER BY g.name`},
			{"enrolments.csv", `SELECT c.slug, c.title, e.version, e.attempt, e.source, e.status, e.percent, e.time_spent_seconds,
				e.due_at, e.enrolled_at, e.started_at, e.first_access_at, e.last_access_at, e.completed_at
				FROM enrolments e JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
				WHERE e.tenant_id = $1 AND e.user_id = $2 ORDER BY e.enrolled_at`},
			{"answers.csv", `SELECT c.slug, r.attempt, r.block_key, r.body::text, r.done, r.updated_at, r.shared_at
				FROM block_responses r JOIN enrolments e ON e.tenant_id = r.tenant_id AND e.id = r.enrolment_id
				JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
				WHERE r.tenant_id = $1 AND e.user_id = $2 ORDER BY r.updated_at`},
			{"quiz_attempts.csv", `SELECT c.slug, q.attempt, q.block_key, q.number, q.answers::text, q.score, q.passed, q.submitted_at
				FROM quiz_attempts q JOIN enrolments e ON e.tenant_id = q.tenant_id AND e.id = q.enrolment_id
				JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
				WHERE q.tenant_id = $1 AND e.user_id = $2 ORDER BY q.submitted_at`},
			{"certificates.csv", `SELECT code, title, learner_name, issued_at FROM certificates WHERE tenant_id = $1 AND user_id = $2 ORDER BY issued_at`},
			{"learning_records.csv", `SELECT "timestamp", verb, object_type, object_id, object_name, result::text, context::text
				FROM statements WHERE tenant_id = $1 AND user_id = $2 ORDER BY "timestamp", id`},
			{"audit_events.csv", `SELECT at, action, subject, host(ip) FROM audit_events WHERE tenant_id = $1 AND actor_id = $2 ORDER BY at, id`},
			// Reminders from a manager about an assigned course: those the
			// person had, and, as a manager, those they sent.
			{"nudges.csv", `SELECT CASE WHEN n.user_id = $2 THEN 'received' ELSE 'sent' END AS direction, c.slug, n.day, n.created_at
				FROM nudges n JOIN courses c ON c.tenant_id = n.tenant_id AND c.id = n.course_id
				WHERE n.tenant_id = $1 AND (n.user_id = $2 OR n.manager_id = $2) ORDER BY n.created_at, n.id`},
			// Comments on shared action plans: on the person's own plans,
			// and those they wrote on their reports' plans.
			{"plan_comments.csv", `SELECT CASE WHEN e.user_id = $2 THEN 'on my plan' ELSE 'written' END AS about, c.slug, pc.block_key, pc.attempt, pc.body, pc.created_at
				FROM plan_comments pc JOIN enrolments e ON e.tenant_id = pc.tenant_id AND e.id = pc.enrolment_id
				JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
				WHERE pc.tenant_id = $1 AND (e.user_id = $2 OR pc.author_id = $2) ORDER BY pc.created_at, pc.id`},
			// Self-assessments on learning paths, at the start and the end.
			{"self_assessments.csv", `SELECT p.slug, r.phase, array_to_string(r.ratings, ' '), r.rated_at
				FROM path_self_ratings r JOIN paths p ON p.tenant_id = r.tenant_id AND p.id = r.path_id
				WHERE r.tenant_id = $1 AND r.user_id = $2 ORDER BY r.rated_at, p.slug`},
		}
		for _, t := range tables {
			if err := exportTable(ctx, tx, z, t.name, t.sql, tenantID, userID); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
		return z.Close()
	})
	if err != nil {
		return fmt.Errorf("user: export: %w", Error(err, "User"))
	}
	return nil
}

// exportTable streams a query's rows into one CSV file of the zip, with
// the columns' names as its header.
func exportTable(ctx context.Context, tx *Tx, z *zip.Writer, name, sql string, args ...any) error {
	f, err := z.Create(name)
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	cw := csvout.New(f)
	var header []string
	for _, fd := range rows.FieldDescriptions() {
		header = append(header, fd.Name)
	}
	if err := cw.Write(header...); err != nil {
		return err
	}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			cells[i] = cell(v)
		}
		if err := cw.Write(cells...); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return cw.Flush()
}

// cell is a value as a CSV cell: times in RFC 3339, nothing for NULL.
func cell(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	default:
		return fmt.Sprint(v)
	}
}

// ErasedName replaces an erased person's name wherever it was kept.
const ErasedName = "Erased user"

// EraseUser removes a person from the portal for a privacy request: their
// name and address are replaced, their password, sessions, tokens, group
// memberships and private answers deleted, their certificates no longer
// name them, and the audit log no longer shows their address. What stays
// are unnamed records (enrolments, quiz scores, learning records under
// their numeric id) so that the portal's figures still add up. confirm
// must be the person's e-mail address, as the admin typed it.
func (s *UserService) EraseUser(ctx context.Context, tenantID, userID int64, confirm string, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		u, err := findUser(ctx, tx, `u.id = $1 FOR UPDATE`, userID)
		if err != nil {
			return err
		}
		if !strings.EqualFold(strings.TrimSpace(confirm), u.Email) {
			return apperr.Fields{"confirm": "Type the person's e-mail address exactly, to confirm."}
		}
		if by.UserID == userID {
			return apperr.Fields{"confirm": "You cannot erase your own account here."}
		}
		erasedEmail := fmt.Sprintf("erased-%d@erased.invalid", userID)
		steps := []struct {
			sql  string
			args []any
		}{
			{`UPDATE users SET name = $3, email = $4, password_hash = NULL, manager_id = NULL, status = 'deactivated',
				time_zone = 'UTC', email_verified_at = NULL, session_epoch = session_epoch + 1, updated_at = $5
				WHERE tenant_id = $1 AND id = $2`, []any{tenantID, userID, ErasedName, erasedEmail, tx.Now}},
			// Their reports changed too: a client syncing people by updated_at must see it.
			{`UPDATE users SET manager_id = NULL, updated_at = $3 WHERE tenant_id = $1 AND manager_id = $2`, []any{tenantID, userID, tx.Now}},
			{`DELETE FROM user_tokens WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}},
			{`DELETE FROM group_members WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}},
			{`DELETE FROM assignments WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}},
			{`DELETE FROM nudges WHERE tenant_id = $1 AND (user_id = $2 OR manager_id = $2)`, []any{tenantID, userID}},
			{`DELETE FROM block_responses r USING enrolments e
				WHERE r.tenant_id = $1 AND e.tenant_id = r.tenant_id AND e.id = r.enrolment_id AND e.user_id = $2`, []any{tenantID, userID}},
			{`UPDATE certificates SET learner_name = $3 WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID, ErasedName}},
			// What they wrote in discussions goes; replies to it keep their place.
			{`UPDATE discussion_posts SET body = '', deleted_at = coalesce(deleted_at, $3), pinned_at = NULL
				WHERE tenant_id = $1 AND author_id = $2`, []any{tenantID, userID, tx.Now}},
			{`DELETE FROM discussion_reports WHERE tenant_id = $1 AND user_id = $2`, []any{tenantID, userID}},
			{`UPDATE audit_events SET actor_label = $3 WHERE tenant_id = $1 AND actor_id = $2`, []any{tenantID, userID, ErasedName}},
			{`UPDATE audit_events SET subject = $2 WHERE tenant_id = $1 AND lower(subject) = lower($3)`, []any{tenantID, ErasedName, u.Email}},
			// Mail to them: unsent mail is dropped, sent mail forgets them.
			{`UPDATE mail_outbox SET to_address = $2, to_name = '', subject = '(erased)', text_body = '', html_body = '',
				sent_at = coalesce(sent_at, $4), transport = coalesce(transport, 'erased')
				WHERE tenant_id = $1 AND lower(to_address) = lower($3)`, []any{tenantID, erasedEmail, u.Email, tx.Now}},
			// Webhook deliveries about them: those not yet sent are not
			// sent, and every body in the log forgets their name and address.
			{`UPDATE webhook_deliveries SET
				body = jsonb_set(jsonb_set(body::jsonb, '{data,user,email}', to_jsonb($3::text)), '{data,user,name}', to_jsonb($4::text))::text,
				status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END,
				next_attempt_at = CASE WHEN status = 'pending' THEN NULL ELSE next_attempt_at END,
				last_error = CASE WHEN status = 'pending' THEN 'Not sent: the person was erased.' ELSE last_error END
				WHERE tenant_id = $1 AND body::jsonb #>> '{data,user,id}' = ($2::bigint)::text`, []any{tenantID, userID, erasedEmail, ErasedName}},
			// The same for the deliveries of this portal's events to its
			// account's endpoints (a platform table: keyed by the portal).
			{`UPDATE org_webhook_deliveries SET
				body = jsonb_set(jsonb_set(body::jsonb, '{data,user,email}', to_jsonb($3::text)), '{data,user,name}', to_jsonb($4::text))::text,
				status = CASE WHEN status = 'pending' THEN 'skipped' ELSE status END,
				next_attempt_at = CASE WHEN status = 'pending' THEN NULL ELSE next_attempt_at END,
				last_error = CASE WHEN status = 'pending' THEN 'Not sent: the person was erased.' ELSE last_error END
				WHERE portal_id = $1 AND body::jsonb #>> '{data,user,id}' = ($2::bigint)::text`, []any{tenantID, userID, erasedEmail, ErasedName}},
		}
		for _, st := range steps {
			if _, err := tx.Exec(ctx, st.sql, st.args...); err != nil {
				return err
			}
		}
		return audit(ctx, tx, tenantID, by, "user.erase", fmt.Sprintf("user %d", userID), nil)
	})
	if err != nil {
		return fmt.Errorf("user: erase: %w", Error(err, "User"))
	}
	return nil
}

// FindUserNames returns the names of the given people of the portal.
func (s *UserService) FindUserNames(ctx context.Context, tenantID int64, ids []int64) (map[int64]string, error) {
	names := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return names, nil
	}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, name FROM users WHERE tenant_id = $1 AND id = ANY($2)`, tenantID, ids)
		if err != nil {
			return err
		}
		var id int64
		var name string
		_, err = pgx.ForEachRow(rows, []any{&id, &name}, func() error { names[id] = name; return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("user: names: %w", err)
	}
	return names, nil
}

// AuditExport records that someone's data was exported.
func (s *UserService) AuditExport(ctx context.Context, tenantID, userID int64, by AuditActor) error {
	return s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return audit(ctx, tx, tenantID, by, "user.export", fmt.Sprintf("user %d", userID), nil)
	})
}
