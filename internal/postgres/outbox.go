package postgres

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/riverqueue/river"

	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/tenant"
)

// portalBranding is how a portal's mail looks: its name, logo and colour,
// links to base (its address), and on a reseller's client portal the reseller's
// name and logo, never Upward's (white label). The logo is served on the
// portal's own host.
func portalBranding(t tenant.Tenant, base string) mail.Branding {
	b := mail.Branding{SiteName: t.Name, PrimaryColor: t.Branding.PrimaryColor, BaseURL: base}
	if t.Branding.LogoFile != "" {
		b.LogoURL = base + "/logo/" + t.Branding.LogoFile
	}
	if w := t.WhiteLabel; w != nil {
		b.PoweredBy = w.Name
		if w.LogoFile != "" {
			b.PoweredByLogo = base + "/logo/" + w.LogoFile
		}
	}
	return b
}

// MailArgs is the River job that delivers one outbox message.
type MailArgs struct {
	OutboxID int64 `json:"outbox_id"`
	// TenantID is the message's portal, 0 for the platform's own mail:
	// the worker reads the message as that portal (row-level security
	// shows a portal only its own mail).
	TenantID int64 `json:"tenant_id,omitempty"`
}

// Kind names the job in River's table.
func (MailArgs) Kind() string { return "mail.deliver" }

// InsertOpts puts mail on its own queue, retried with River's backoff.
func (MailArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: MailQueue, MaxAttempts: 12}
}

// MailQueue is the River queue of outgoing mail.
const MailQueue = "mail"

// Outbox writes mail in the transaction of the action that causes it: the
// message row and the River job that delivers it commit or vanish together,
// so an acknowledged action never loses its mail and a failed one sends none.
type Outbox struct {
	jobs *river.Client[pgx.Tx]
}

// NewOutbox returns an outbox that enqueues through the River client.
func NewOutbox(jobs *river.Client[pgx.Tx]) *Outbox { return &Outbox{jobs: jobs} }

// Enqueue stores m and schedules its delivery, inside tx.
func (o *Outbox) Enqueue(ctx context.Context, tx *Tx, tenantID int64, m mail.Message) error {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO mail_outbox (tenant_id, to_address, to_name, from_name, subject, text_body, html_body, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		nullID(tenantID), m.To, m.ToName, m.FromName, m.Subject, m.Text, m.HTML, tx.Now).Scan(&id)
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	if _, err := o.jobs.InsertTx(ctx, tx.Tx, MailArgs{OutboxID: id, TenantID: tenantID}, nil); err != nil {
		return fmt.Errorf("outbox: enqueue: %w", err)
	}
	return nil
}

// EnqueueMany stores many messages and schedules their delivery, inside
// tx, in two statements and one job insert however many there are.
func (o *Outbox) EnqueueMany(ctx context.Context, tx *Tx, tenantID int64, ms []mail.Message) error {
	if len(ms) == 0 {
		return nil
	}
	cols := make([][]string, 6)
	for _, m := range ms {
		for i, v := range []string{m.To, m.ToName, m.FromName, m.Subject, m.Text, m.HTML} {
			cols[i] = append(cols[i], v)
		}
	}
	rows, err := tx.Query(ctx, `
		INSERT INTO mail_outbox (tenant_id, to_address, to_name, from_name, subject, text_body, html_body, created_at)
		SELECT $1, m.to_address, m.to_name, m.from_name, m.subject, m.text_body, m.html_body, $2
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
			AS m(to_address, to_name, from_name, subject, text_body, html_body)
		RETURNING id`, nullID(tenantID), tx.Now, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5])
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	jobs := make([]river.InsertManyParams, len(ids))
	for i, id := range ids {
		jobs[i] = river.InsertManyParams{Args: MailArgs{OutboxID: id, TenantID: tenantID}}
	}
	if _, err := o.jobs.InsertManyTx(ctx, tx.Tx, jobs); err != nil {
		return fmt.Errorf("outbox: enqueue: %w", err)
	}
	return nil
}

// MailSender delivers one message.
type MailSender interface {
	Send(ctx context.Context, m mail.Message) error
}

// MailWorker delivers outbox messages. Delivery is at least once: a crash
// between sending and marking the row sent means the message may go twice,
// never zero times.
type MailWorker struct {
	river.WorkerDefaults[MailArgs]
	DB        *DB
	Sender    MailSender
	Transport string // "smtp", or "devbox" when mail is kept for the dev mailbox
	From      string // envelope and header From address
	Logger    *slog.Logger
}

// Work delivers the message unless it was delivered already. It reads
// and marks the message as its portal, in short transactions: none is
// open while the mail server is talked to.
func (w *MailWorker) Work(ctx context.Context, job *river.Job[MailArgs]) error {
	var m mail.Message
	var sent *time.Time
	id := job.Args.OutboxID
	err := w.asSender(ctx, job.Args.TenantID, func(q querier) error {
		return q.QueryRow(ctx, `
			SELECT to_address, to_name, from_name, subject, text_body, html_body, sent_at
			FROM mail_outbox WHERE id = $1`, id).Scan(&m.To, &m.ToName, &m.FromName, &m.Subject, &m.Text, &m.HTML, &sent)
	})
	if err != nil {
		return fmt.Errorf("mail worker: load %d: %w", id, err)
	}
	if sent != nil {
		return nil
	}
	m.From = w.From
	sendErr := w.Sender.Send(ctx, m)
	if sendErr != nil {
		if err := w.asSender(ctx, job.Args.TenantID, func(q querier) error {
			_, err := q.Exec(ctx, `UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2 WHERE id = $1`, id, sendErr.Error())
			return err
		}); err != nil {
			w.Logger.Warn("mail worker: record failure", "err", err)
		}
		if mail.IsPermanent(sendErr) {
			return river.JobCancel(sendErr) // retrying a refused address only repeats the refusal
		}
		return sendErr
	}
	err = w.asSender(ctx, job.Args.TenantID, func(q querier) error {
		_, err := q.Exec(ctx, `UPDATE mail_outbox SET sent_at = now(), transport = $2, attempts = attempts + 1, last_error = NULL WHERE id = $1`,
			id, w.Transport)
		return err
	})
	if err != nil {
		return fmt.Errorf("mail worker: mark sent: %w", err)
	}
	return nil
}

// querier is what the worker's statements need of a pool or transaction.
type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// asSender runs fn as the message's portal, or as the platform for the
// platform's own mail.
func (w *MailWorker) asSender(ctx context.Context, tenantID int64, fn func(querier) error) error {
	if tenantID == 0 {
		return fn(w.DB.Pool)
	}
	return w.DB.InTenantTx(ctx, tenantID, func(tx *Tx) error { return fn(tx) })
}

// NextRetry waits 5 seconds after the first failure, then twice as long
// after each (10 s, 20 s, …), at most 30 minutes. River's default
// (attempt⁴ seconds: 16 s, 81 s, 4 min, … 4 days) leaves a password
// reset waiting minutes after a mail server's short restart; a mail
// server is either back soon or down for long, and 25 attempts at this
// pace still span about 9 hours.
func (w *MailWorker) NextRetry(job *river.Job[MailArgs]) time.Time {
	return time.Now().Add(mailRetryDelay(job.Attempt))
}

func mailRetryDelay(attempt int) time.Duration {
	const first, most = 5 * time.Second, 30 * time.Minute
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 12 { // 5 s × 2^11 is past the cap already
		return most
	}
	return min(first<<(attempt-1), most)
}

// DevMailbox is the sender used when no SMTP server is configured (in dev):
// it logs the message, and the row stays readable on the dev mailbox page.
type DevMailbox struct {
	Logger *slog.Logger
}

// Send logs the message.
func (d DevMailbox) Send(ctx context.Context, m mail.Message) error {
	d.Logger.InfoContext(ctx, "mail kept for the dev mailbox (no SMTP_URL)", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}

// OutboxMessage is a stored mail, for the dev mailbox.
type OutboxMessage struct {
	ID        int64
	TenantID  *int64
	To        string
	Subject   string
	Text      string
	HTML      string
	CreatedAt time.Time
	SentAt    *time.Time
	Transport string
}

// FindOutboxMessages lists the newest stored mail of the platform and of
// every portal; dev only. Each portal's mail is read as that portal, in
// one transaction and one round trip.
func (db *DB) FindOutboxMessages(ctx context.Context, limit int) ([]OutboxMessage, error) {
	all, err := db.readEveryonesMail(ctx, `
		SELECT id, tenant_id, to_address, subject, text_body, html_body, created_at, sent_at, coalesce(transport, '')
		FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b OutboxMessage) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return all[:min(limit, len(all))], nil
}

// FindOutboxMessage returns one stored mail, whoever's; dev only.
func (db *DB) FindOutboxMessage(ctx context.Context, id int64) (OutboxMessage, error) {
	found, err := db.readEveryonesMail(ctx, `
		SELECT id, tenant_id, to_address, subject, text_body, html_body, created_at, sent_at, coalesce(transport, '')
		FROM mail_outbox WHERE id = $1`, id)
	if err != nil {
		return OutboxMessage{}, err
	}
	if len(found) == 0 {
		return OutboxMessage{}, fmt.Errorf("outbox: find: %w", Error(pgx.ErrNoRows, "Message"))
	}
	return found[0], nil
}

// readEveryonesMail runs query as the platform, then as each portal in
// turn (set_config inside one transaction, all in one batch): the dev
// mailbox's view of all mail, every row read under its own policy.
func (db *DB) readEveryonesMail(ctx context.Context, query string, args ...any) ([]OutboxMessage, error) {
	var out []OutboxMessage
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id FROM tenants ORDER BY id`)
		if err != nil {
			return err
		}
		tenants, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		b := &pgx.Batch{}
		collect := func(rows pgx.Rows) error {
			ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMessage, error) {
				var m OutboxMessage
				err := r.Scan(&m.ID, &m.TenantID, &m.To, &m.Subject, &m.Text, &m.HTML, &m.CreatedAt, &m.SentAt, &m.Transport)
				return m, err
			})
			out = append(out, ms...)
			return err
		}
		b.Queue(query, args...).Query(collect)
		for _, id := range tenants {
			b.Queue(`SELECT set_config('app.tenant_id', $1, true)`, strconv.FormatInt(id, 10))
			b.Queue(query, args...).Query(collect)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("outbox: find: %w", err)
	}
	return out, nil
}
