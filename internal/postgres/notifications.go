package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/tenant"
)

// notifyPeople records notes in tx, each with the e-mail channel its
// person chose for its kind (or the kind's default), and queues at once
// the mail of those that go immediately: a notification exists exactly
// when what caused it commits.
func notifyPeople(ctx context.Context, tx *Tx, notes ...notify.Note) error {
	if len(notes) == 0 {
		return nil
	}
	users, kinds, titles, bodies, urls, defs := make([]int64, len(notes)), make([]string, len(notes)), make([]string, len(notes)),
		make([]string, len(notes)), make([]string, len(notes)), make([]string, len(notes))
	for i, n := range notes {
		n = n.Clip()
		users[i], kinds[i], titles[i], bodies[i], urls[i], defs[i] = n.UserID, string(n.Kind), n.Title, n.Body, n.URL, string(notify.Default(n.Kind))
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO notifications (tenant_id, user_id, kind, title, body, url, created_at, channel)
		SELECT current_tenant_id(), n.user_id, n.kind, n.title, n.body, n.url, $7,
			coalesce((SELECT p.channel FROM notification_preferences p
				WHERE p.tenant_id = current_tenant_id() AND p.user_id = n.user_id AND p.kind = n.kind), n.def)
		FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS n(user_id, kind, title, body, url, def)
		RETURNING tenant_id, id, channel`, users, kinds, titles, bodies, urls, defs, tx.Now)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	var jobs []river.InsertManyParams
	var a NotificationMailArgs
	var channel string
	if _, err := pgx.ForEachRow(rows, []any{&a.TenantID, &a.NotificationID, &channel}, func() error {
		if channel == string(notify.Immediate) {
			jobs = append(jobs, river.InsertManyParams{Args: a})
		}
		return nil
	}); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if len(jobs) > 0 {
		if _, err := tx.jobs.InsertManyTx(ctx, tx.Tx, jobs); err != nil {
			return fmt.Errorf("notify: enqueue: %w", err)
		}
	}
	return nil
}

// Notification is one notification as its person sees it.
type Notification struct {
	ID        int64
	Kind      notify.Kind
	Title     string
	Body      string
	URL       string
	CreatedAt time.Time
	Read      bool
}

// NotificationService reads and settles people's notifications and their
// e-mail preferences.
type NotificationService struct {
	db *DB
}

// NewNotificationService returns the notification store.
func NewNotificationService(db *DB) *NotificationService { return &NotificationService{db: db} }

// Notify records notes in the portal, in a transaction of their own; the
// services that cause notifications record them in theirs (notifyPeople).
func (s *NotificationService) Notify(ctx context.Context, tenantID int64, notes ...notify.Note) error {
	return s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error { return notifyPeople(ctx, tx, notes...) })
}

// Unread counts the person's unread notifications (the bell).
func (s *NotificationService) Unread(ctx context.Context, tenantID, userID int64) (int, error) {
	var n int
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM notifications WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL`,
			tenantID, userID).Scan(&n)
	})
	if err != nil {
		return 0, fmt.Errorf("notify: unread: %w", err)
	}
	return n, nil
}

// FindNotifications lists the person's notifications, newest first, up
// to limit, before the ID given (0: from the newest); more says whether
// older ones follow.
func (s *NotificationService) FindNotifications(ctx context.Context, tenantID, userID, before int64, limit int) ([]Notification, bool, error) {
	var out []Notification
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT id, kind, title, body, url, created_at, read_at IS NOT NULL FROM notifications
			WHERE tenant_id = $1 AND user_id = $2 AND ($3 = 0 OR id < $3)
			ORDER BY id DESC LIMIT $4`, tenantID, userID, before, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (Notification, error) {
			var n Notification
			err := row.Scan(&n.ID, &n.Kind, &n.Title, &n.Body, &n.URL, &n.CreatedAt, &n.Read)
			return n, err
		})
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("notify: find: %w", err)
	}
	out, more := page(out, limit)
	return out, more, nil
}

// MarkRead marks one of the person's notifications read and returns
// where it points (its URL, maybe empty). Another person's is not found.
func (s *NotificationService) MarkRead(ctx context.Context, tenantID, userID, id int64) (string, error) {
	var url string
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `
			UPDATE notifications SET read_at = coalesce(read_at, $4)
			WHERE tenant_id = $1 AND user_id = $2 AND id = $3 RETURNING url`, tenantID, userID, id, tx.Now).Scan(&url)
	})
	if err != nil {
		return "", fmt.Errorf("notify: mark read: %w", Error(err, "Notification"))
	}
	return url, nil
}

// MarkAllRead marks every notification of the person read.
func (s *NotificationService) MarkAllRead(ctx context.Context, tenantID, userID int64) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `UPDATE notifications SET read_at = $3 WHERE tenant_id = $1 AND user_id = $2 AND read_at IS NULL`,
			tenantID, userID, tx.Now)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: mark all read: %w", err)
	}
	return nil
}

// Preferences returns the person's channel for every kind: their choice,
// or the default.
func (s *NotificationService) Preferences(ctx context.Context, tenantID, userID int64) (map[notify.Kind]notify.Channel, error) {
	out := map[notify.Kind]notify.Channel{}
	for _, k := range notify.Kinds {
		out[k] = notify.Default(k)
	}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT kind, channel FROM notification_preferences WHERE tenant_id = $1 AND user_id = $2`, tenantID, userID)
		if err != nil {
			return err
		}
		var k, c string
		_, err = pgx.ForEachRow(rows, []any{&k, &c}, func() error { out[notify.Kind(k)] = notify.Channel(c); return nil })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("notify: preferences: %w", err)
	}
	return out, nil
}

// SavePreferences stores the person's choices; a bad one changes nothing.
func (s *NotificationService) SavePreferences(ctx context.Context, tenantID, userID int64, prefs map[notify.Kind]notify.Channel) error {
	kinds, channels := []string{}, []string{}
	for k, c := range prefs {
		if err := notify.CheckChannel(k, c); err != nil {
			return err
		}
		kinds, channels = append(kinds, string(k)), append(channels, string(c))
	}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO notification_preferences (tenant_id, user_id, kind, channel)
			SELECT $1, $2, k, c FROM unnest($3::text[], $4::text[]) AS x(k, c)
			ON CONFLICT (tenant_id, user_id, kind) DO UPDATE SET channel = EXCLUDED.channel`, tenantID, userID, kinds, channels)
		return err
	})
	if err != nil {
		return fmt.Errorf("notify: save preferences: %w", err)
	}
	return nil
}

// NotificationMailArgs is the River job that mails one notification.
type NotificationMailArgs struct {
	TenantID       int64 `json:"tenant_id"`
	NotificationID int64 `json:"notification_id"`
}

// Kind names the job in River's table.
func (NotificationMailArgs) Kind() string { return "notify.mail" }

// NotificationMailWorker mails notifications that go at once, through the
// outbox, in the portal's branding.
type NotificationMailWorker struct {
	river.WorkerDefaults[NotificationMailArgs]
	DB        *DB
	Outbox    *Outbox
	PortalURL func(tenant.Tenant) string
}

// Work mails the notification once: a retry after it was queued does
// nothing.
func (w *NotificationMailWorker) Work(ctx context.Context, job *river.Job[NotificationMailArgs]) error {
	return w.DB.InTenantTx(ctx, job.Args.TenantID, func(tx *Tx) error {
		t, err := currentTenant(ctx, tx)
		if err != nil {
			return err
		}
		var n Notification
		var email, name string
		err = tx.QueryRow(ctx, `
			UPDATE notifications x SET mailed_at = $2 FROM users u
			WHERE x.tenant_id = current_tenant_id() AND x.id = $1 AND x.mailed_at IS NULL
				AND u.tenant_id = x.tenant_id AND u.id = x.user_id AND u.status = 'active'
			RETURNING x.title, x.body, x.url, u.email, u.name`, job.Args.NotificationID, tx.Now).
			Scan(&n.Title, &n.Body, &n.URL, &email, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // mailed already, or its person is gone
		}
		if err != nil {
			return err
		}
		base := w.PortalURL(t)
		var action *mail.Action
		if n.URL != "" {
			action = &mail.Action{Label: "Open it", URL: base + n.URL}
		}
		m := mail.Compose(portalBranding(t, base), email, name, n.Title, n.Body, action, preferencesOutro(t, base))
		return w.Outbox.Enqueue(ctx, tx, t.ID, m)
	})
}

func preferencesOutro(t tenant.Tenant, base string) string {
	return "You can choose which notifications " + t.Name + " e-mails you, and when, at " + base + "/account/notifications."
}

// DigestArgs is the periodic River job that mails daily digests.
type DigestArgs struct{}

// Kind names the job in River's table.
func (DigestArgs) Kind() string { return "notify.digest" }

// DigestWorker mails the day's digests, portal by portal.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	DB        *DB
	Outbox    *Outbox
	PortalURL func(tenant.Tenant) string
	Logger    *slog.Logger
}

// Work sends the digests that are due now.
func (w *DigestWorker) Work(ctx context.Context, _ *river.Job[DigestArgs]) error {
	n, err := SendDigests(ctx, w.DB, w.Outbox, w.PortalURL, w.DB.Now())
	if n > 0 {
		w.Logger.InfoContext(ctx, "digests queued", "count", n)
	}
	return err
}

// DigestAge is how long a notification waits for its person's digest at
// most: a person whose oldest unsent daily notification is this old gets
// one mail with all of them, so at most one digest a day.
const DigestAge = 24 * time.Hour

// SendDigests queues, in each active portal, one mail per person whose
// oldest daily notification not yet mailed is DigestAge old, listing every
// such notification, and marks them mailed in the same transaction.
func SendDigests(ctx context.Context, db *DB, outbox *Outbox, portalURL func(tenant.Tenant) string, now time.Time) (int, error) {
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
				WITH due AS (
					SELECT user_id FROM notifications
					WHERE tenant_id = $1 AND channel = 'daily' AND mailed_at IS NULL
					GROUP BY user_id HAVING min(created_at) <= $2::timestamptz - make_interval(secs => $3))
				UPDATE notifications x SET mailed_at = $2 FROM due, users u
				WHERE x.tenant_id = $1 AND x.user_id = due.user_id AND x.channel = 'daily' AND x.mailed_at IS NULL
					AND u.tenant_id = x.tenant_id AND u.id = x.user_id AND u.status = 'active'
				RETURNING u.email, u.name, x.title, x.url, x.id`, t.ID, now, DigestAge.Seconds())
			if err != nil {
				return err
			}
			type item struct{ title, url string }
			type digest struct {
				name  string
				items []item
			}
			byEmail := map[string]*digest{}
			var order []string
			var email, name, title, url string
			var id int64
			if _, err := pgx.ForEachRow(rows, []any{&email, &name, &title, &url, &id}, func() error {
				d, ok := byEmail[email]
				if !ok {
					d = &digest{name: name}
					byEmail[email] = d
					order = append(order, email)
				}
				d.items = append(d.items, item{title, url})
				return nil
			}); err != nil {
				return err
			}
			base := portalURL(t)
			for _, addr := range order {
				d := byEmail[addr]
				var b strings.Builder
				for _, it := range d.items {
					b.WriteString("• " + it.title)
					if it.url != "" {
						b.WriteString(" (" + base + it.url + ")")
					}
					b.WriteString("\n")
				}
				subject := fmt.Sprintf("Your day on %s: %d notification", t.Name, len(d.items))
				if len(d.items) > 1 {
					subject += "s"
				}
				m := mail.Compose(portalBranding(t, base), addr, d.name, subject, b.String(),
					&mail.Action{Label: "See them all", URL: base + "/notifications"}, preferencesOutro(t, base))
				if err := outbox.Enqueue(ctx, tx, t.ID, m); err != nil {
					return err
				}
				sent++
			}
			return nil
		})
		if err != nil {
			return sent, fmt.Errorf("notify: digests of %s: %w", t.Slug, err)
		}
	}
	return sent, nil
}

// currentTenant reads the transaction's portal.
func currentTenant(ctx context.Context, tx *Tx) (tenant.Tenant, error) {
	rows, err := tx.Query(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.id = current_tenant_id()`)
	if err != nil {
		return tenant.Tenant{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanTenant)
}
