package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/tenant"
)

// RemindersArgs is the periodic River job that sends due-date reminders.
type RemindersArgs struct{}

// Kind names the job in River's table.
func (RemindersArgs) Kind() string { return "reminders.due" }

// RemindersWorker sends the reminders that are due, portal by portal.
type RemindersWorker struct {
	river.WorkerDefaults[RemindersArgs]
	DB        *DB
	Outbox    *Outbox
	PortalURL func(tenant.Tenant) string
	Logger    *slog.Logger
}

// Work sends what is due now.
func (w *RemindersWorker) Work(ctx context.Context, _ *river.Job[RemindersArgs]) error {
	n, err := SendDueReminders(ctx, w.DB, w.Outbox, w.PortalURL, w.DB.Now())
	if n > 0 {
		w.Logger.InfoContext(ctx, "due reminders queued", "count", n)
	}
	return err
}

// SendDueReminders queues, in each active portal, the reminders
// learning.ReminderDue asks for: a reminder row and its mail are written
// in one transaction, and the row's key lets each go out once however
// often the job runs.
func SendDueReminders(ctx context.Context, db *DB, outbox *Outbox, portalURL func(tenant.Tenant) string, now time.Time) (int, error) {
	tenants, err := NewTenantService(db).FindTenants(ctx, 1_000_000)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, t := range tenants {
		if t.Status != tenant.Active {
			continue
		}
		err := db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
			rows, err := tx.Query(ctx, `
				SELECT e.id, e.due_at, u.email, u.name, c.title, c.slug FROM enrolments e
				JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id AND u.status = 'active'
				JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
				WHERE e.tenant_id = $1 AND e.status = 'active' AND e.due_at BETWEEN $2 AND $3`,
				t.ID, now.Add(-learning.RemindOverdueTo), now.Add(learning.RemindBefore))
			if err != nil {
				return err
			}
			type due struct {
				id                         int64
				at                         time.Time
				email, name, title, course string
			}
			var all []due
			var d due
			if _, err := pgx.ForEachRow(rows, []any{&d.id, &d.at, &d.email, &d.name, &d.title, &d.course}, func() error {
				all = append(all, d)
				return nil
			}); err != nil {
				return err
			}
			for _, d := range all {
				kind, ok := learning.ReminderDue(d.at, now)
				if !ok {
					continue
				}
				tag, err := tx.Exec(ctx, `INSERT INTO reminders (tenant_id, enrolment_id, kind, sent_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
					t.ID, d.id, kind, now)
				if err != nil {
					return err
				}
				if tag.RowsAffected() == 0 {
					continue // sent before
				}
				if err := outbox.Enqueue(ctx, tx, t.ID, reminderMail(t, portalURL(t), kind, d.email, d.name, d.title, d.course, d.at)); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("reminders: %s: %w", t.Slug, err)
		}
	}
	return sent, nil
}

func reminderMail(t tenant.Tenant, base, kind, to, name, title, courseSlug string, due time.Time) mail.Message {
	subject := title + " is due on " + due.UTC().Format("2 January")
	intro := "A reminder that the course “" + title + "” is due on " + due.UTC().Format("Monday 2 January 2006") + ". Pick up where you left off."
	if kind == learning.Overdue {
		subject = title + " is overdue"
		intro = "The course “" + title + "” was due on " + due.UTC().Format("Monday 2 January 2006") + " and is not finished yet. It is not too late: carry on where you left off."
	}
	return mail.Compose(portalBranding(t, base), to, name, subject, intro,
		&mail.Action{Label: "Open the course", URL: base + "/courses/" + url.PathEscape(courseSlug)},
		"You receive this because the course was assigned to you with a due date.")
}
