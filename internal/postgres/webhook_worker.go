package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/webhook"
)

// WebhookWorker sends webhook deliveries, a portal's and an org's alike:
// one attempt per job, recorded in the delivery log. A failed attempt is
// retried on webhook.RetryDelay's schedule until the delivery's attempts
// are spent; an endpoint whose attempts keep failing
// (webhook.ShouldDisable) is disabled, and its owners are told by mail:
// the portal's administrators, or the account's or reseller's console
// members. Delivery is at least once: a crash between the receiver's
// answer and the log's update sends again.
type WebhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	DB        *DB
	PortalURL func(tenant.Tenant) string // for the link in the notice mail
	// PlatformURL is the platform host's address, for the console's link
	// in an org's notice mail.
	PlatformURL func() string
	Logger      *slog.Logger
	// AllowPrivateNetworks lets deliveries reach loopback and private
	// addresses: in development, where receivers run on this machine.
	// Otherwise only public addresses are dialled (webhook.PublicAddress).
	AllowPrivateNetworks bool
	// AttemptTimeout bounds one attempt, connection included (10 s when 0).
	AttemptTimeout time.Duration

	once   sync.Once
	client *http.Client
}

// WebhookAttempt is what one call of Deliver came to.
type WebhookAttempt struct {
	Sent       bool // a request was made; false when there was nothing to send
	Delivered  bool // the receiver answered 2xx
	StatusCode int  // the receiver's answer, 0 when it gave none
	Error      string
	Final      bool // no further attempt will be made
	Disabled   bool // this failure disabled the endpoint
}

// maxErrorText caps the error kept in the log, receiver's words included.
const maxErrorText = 500

// Work makes one attempt at the job's delivery. A failure is returned to
// River, which retries on NextRetry's schedule; the last one cancels the
// job.
func (w *WebhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	deliver := w.Deliver
	if job.Args.Org {
		deliver = func(ctx context.Context, _, deliveryID int64) (WebhookAttempt, error) {
			return w.DeliverOrg(ctx, deliveryID)
		}
	}
	a, err := deliver(ctx, job.Args.TenantID, job.Args.DeliveryID)
	if err != nil {
		return err
	}
	if a.Sent && !a.Delivered {
		failure := errors.New(a.Error)
		if a.Final {
			return river.JobCancel(failure)
		}
		return failure
	}
	return nil
}

// NextRetry follows the webhook schedule rather than River's default.
func (w *WebhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	return time.Now().Add(webhook.RetryDelay(job.Attempt))
}

// Timeout lets River wait for the attempt's own time limit.
func (w *WebhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration {
	return w.timeout() + 30*time.Second
}

func (w *WebhookWorker) timeout() time.Duration {
	if w.AttemptTimeout > 0 {
		return w.AttemptTimeout
	}
	return 10 * time.Second
}

// deliveryLog is where a delivery and its endpoint are kept, and whom an
// endpoint that keeps failing is announced to: a portal's tables, read in
// its tenant transaction, or an account's or reseller's platform tables.
// The two have the same columns, so one worker sends both.
type deliveryLog struct {
	deliveries, endpoints string // the tables
	// scope is the condition that keeps a portal's rows, on the alias
	// given; the org tables are platform tables reached by id.
	scope func(alias string) string
	inTx  func(ctx context.Context, fn func(tx *Tx) error) error
	// disabled tells the endpoint's owner that it was disabled.
	disabled func(ctx context.Context, tx *Tx, d disabledEndpoint) error
}

func (w *WebhookWorker) portalLog(tenantID int64) deliveryLog {
	return deliveryLog{
		deliveries: "webhook_deliveries", endpoints: "webhook_endpoints",
		scope:    func(alias string) string { return alias + ".tenant_id = current_tenant_id() AND " },
		inTx:     func(ctx context.Context, fn func(tx *Tx) error) error { return w.DB.InTenantTx(ctx, tenantID, fn) },
		disabled: w.tellPortal,
	}
}

func (w *WebhookWorker) orgLog() deliveryLog {
	return deliveryLog{
		deliveries: "org_webhook_deliveries", endpoints: "org_webhook_endpoints",
		scope:    func(string) string { return "" },
		inTx:     w.DB.InTx,
		disabled: w.tellOrg,
	}
}

// Deliver makes the next attempt at a portal's delivery and records it. A
// delivery that is done, or gone with its endpoint, is left alone; one to
// a disabled endpoint is skipped (a test event excepted). Tests call it
// directly to step through the attempts.
func (w *WebhookWorker) Deliver(ctx context.Context, tenantID, deliveryID int64) (WebhookAttempt, error) {
	return w.deliver(ctx, w.portalLog(tenantID), deliveryID)
}

// DeliverOrg is Deliver for a delivery to an account's or a reseller's
// endpoint.
func (w *WebhookWorker) DeliverOrg(ctx context.Context, deliveryID int64) (WebhookAttempt, error) {
	return w.deliver(ctx, w.orgLog(), deliveryID)
}

func (w *WebhookWorker) deliver(ctx context.Context, l deliveryLog, deliveryID int64) (WebhookAttempt, error) {
	var (
		url, secret, typ, body, status string
		attempts, maxAttempts          int
		disabled                       bool
	)
	err := l.inTx(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `
			SELECT e.url, e.secret, d.event_type, d.body, d.status, d.attempts, d.max_attempts, e.disabled_at IS NOT NULL
			FROM `+l.deliveries+` d JOIN `+l.endpoints+` e ON e.id = d.endpoint_id
			WHERE `+l.scope("d")+l.scope("e")+`d.id = $1`, deliveryID).
			Scan(&url, &secret, &typ, &body, &status, &attempts, &maxAttempts, &disabled)
	})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && (status != "pending" || attempts >= maxAttempts)) {
		return WebhookAttempt{}, nil
	}
	if err != nil {
		return WebhookAttempt{}, fmt.Errorf("webhook worker: load %d: %w", deliveryID, err)
	}
	if disabled && typ != webhook.Ping {
		err := l.inTx(ctx, func(tx *Tx) error {
			_, err := tx.Exec(ctx, `
				UPDATE `+l.deliveries+` d SET status = 'skipped', next_attempt_at = NULL, last_error = 'Not sent: the endpoint is disabled.'
				WHERE `+l.scope("d")+`d.id = $1 AND d.status = 'pending'`, deliveryID)
			return err
		})
		if err != nil {
			return WebhookAttempt{}, fmt.Errorf("webhook worker: skip %d: %w", deliveryID, err)
		}
		return WebhookAttempt{Final: true}, nil
	}

	at := w.DB.Now()
	a := WebhookAttempt{Sent: true}
	a.StatusCode, a.Error = w.post(ctx, url, secret, typ, deliveryID, []byte(body), at)
	a.Delivered = a.Error == ""
	err = l.inTx(ctx, func(tx *Tx) error {
		return w.record(ctx, tx, l, deliveryID, &a)
	})
	if err != nil {
		return a, fmt.Errorf("webhook worker: record %d: %w", deliveryID, err)
	}
	return a, nil
}

// post sends body to url, signed, and returns the receiver's status and,
// unless it answered 2xx, what went wrong.
func (w *WebhookWorker) post(ctx context.Context, url, secret, typ string, deliveryID int64, body []byte, at time.Time) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, clip(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Upward-Webhooks/1")
	req.Header.Set(webhook.EventHeader, typ)
	req.Header.Set(webhook.DeliveryHeader, strconv.FormatInt(deliveryID, 10))
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, at, body))
	res, err := w.httpClient().Do(req)
	if err != nil {
		return 0, clip(err.Error())
	}
	defer res.Body.Close()
	said, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // lets the connection be reused
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return res.StatusCode, ""
	}
	msg := "The receiver answered " + res.Status + "."
	if text := strings.Join(strings.Fields(strings.ToValidUTF8(string(said), "")), " "); text != "" {
		msg += " " + text
	}
	return res.StatusCode, clip(msg)
}

func clip(s string) string {
	if len(s) <= maxErrorText {
		return s
	}
	s = s[:maxErrorText]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}

// httpClient does not follow redirects (a receiver that moved answers
// 3xx, a failure the log shows), uses no proxy, and in production dials
// public addresses only, checked on the address actually dialled, so a
// name resolving to an inside address is refused too.
func (w *WebhookWorker) httpClient() *http.Client {
	w.once.Do(func() {
		dialer := &net.Dialer{Timeout: w.timeout()}
		if !w.AllowPrivateNetworks {
			dialer.Control = func(_, address string, _ syscall.RawConn) error {
				if !webhook.PublicDialAddress(address) {
					return fmt.Errorf("refusing to connect to %s: not a public address", address)
				}
				return nil
			}
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = nil
		tr.DialContext = dialer.DialContext
		w.client = &http.Client{
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	})
	return w.client
}

// record writes an attempt's outcome to the log and the endpoint's count
// of failures, and disables the endpoint when the failures call for it.
func (w *WebhookWorker) record(ctx context.Context, tx *Tx, l deliveryLog, deliveryID int64, a *WebhookAttempt) error {
	var endpointID int64
	var attempts, maxAttempts int
	var code *int
	if a.StatusCode != 0 {
		code = &a.StatusCode
	}
	if a.Delivered {
		if err := tx.QueryRow(ctx, `
			UPDATE `+l.deliveries+` d SET status = 'delivered', attempts = attempts + 1, last_status_code = $2, last_error = '',
				last_attempt_at = $3, next_attempt_at = NULL, delivered_at = $3
			WHERE `+l.scope("d")+`d.id = $1
			RETURNING d.endpoint_id`, deliveryID, code, tx.Now).Scan(&endpointID); err != nil {
			return err
		}
		a.Final = true
		_, err := tx.Exec(ctx, `UPDATE `+l.endpoints+` e SET consecutive_failures = 0, failing_since = NULL
			WHERE `+l.scope("e")+`e.id = $1`, endpointID)
		return err
	}
	if err := tx.QueryRow(ctx, `
		UPDATE `+l.deliveries+` d SET attempts = attempts + 1, last_status_code = $2, last_error = $3, last_attempt_at = $4
		WHERE `+l.scope("d")+`d.id = $1
		RETURNING d.endpoint_id, d.attempts, d.max_attempts`, deliveryID, code, a.Error, tx.Now).Scan(&endpointID, &attempts, &maxAttempts); err != nil {
		return err
	}
	a.Final = attempts >= maxAttempts
	var next *time.Time
	if !a.Final {
		t := tx.Now.Add(webhook.RetryDelay(attempts))
		next = &t
	}
	if _, err := tx.Exec(ctx, `
		UPDATE `+l.deliveries+` d SET next_attempt_at = $2, status = CASE WHEN $3 THEN 'failed' ELSE 'pending' END
		WHERE `+l.scope("d")+`d.id = $1`, deliveryID, next, a.Final); err != nil {
		return err
	}
	var failures int
	var since time.Time
	var disabled bool
	var url string
	if err := tx.QueryRow(ctx, `
		UPDATE `+l.endpoints+` e SET consecutive_failures = consecutive_failures + 1, failing_since = coalesce(failing_since, $2)
		WHERE `+l.scope("e")+`e.id = $1
		RETURNING e.consecutive_failures, e.failing_since, e.disabled_at IS NOT NULL, e.url`, endpointID, tx.Now).Scan(&failures, &since, &disabled, &url); err != nil {
		return err
	}
	if disabled || !webhook.ShouldDisable(failures, since, tx.Now) {
		return nil
	}
	a.Disabled = true
	reason := fmt.Sprintf("Disabled automatically on %s: %d attempts in a row failed, the first on %s. The last: %s",
		tx.Now.Format("2 January 2006 15:04 MST"), failures, since.Format("2 January 2006 15:04 MST"), a.Error)
	if _, err := tx.Exec(ctx, `
		UPDATE `+l.endpoints+` e SET disabled_at = $2, disabled_reason = $3, updated_at = $2
		WHERE `+l.scope("e")+`e.id = $1`, endpointID, tx.Now, reason); err != nil {
		return err
	}
	return l.disabled(ctx, tx, disabledEndpoint{ID: endpointID, URL: url, Failures: failures, Since: since, LastError: a.Error})
}

// disabledEndpoint is an endpoint just disabled for failing, for the
// notice to its owners.
type disabledEndpoint struct {
	ID        int64
	URL       string
	Failures  int
	Since     time.Time
	LastError string
}

// notice is the mail's text; sender names who stopped sending.
func (d disabledEndpoint) notice(sender string) string {
	return fmt.Sprintf("Deliveries to %s have failed %d times in a row since %s, so %s has stopped sending events to it. "+
		"The last attempt: %s\n\nEvents that happen while it is disabled are not sent. Put the receiver right, "+
		"send a test event from the endpoint's page, and enable it again there.",
		d.URL, d.Failures, d.Since.Format("2 January 2006 15:04 MST"), sender, d.LastError)
}

// tellPortal records in the portal's audit log that an endpoint was
// disabled, and mails the portal's active administrators.
func (w *WebhookWorker) tellPortal(ctx context.Context, tx *Tx, d disabledEndpoint) error {
	t, err := currentTenant(ctx, tx)
	if err != nil {
		return err
	}
	if err := audit(ctx, tx, t.ID, AuditActor{Label: "Upward"}, "webhook.disabled", d.URL, map[string]any{"failures": d.Failures}); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `
		SELECT email, name FROM users
		WHERE tenant_id = current_tenant_id() AND status = 'active' AND 'admin' = ANY (roles) ORDER BY id`)
	if err != nil {
		return err
	}
	base := w.PortalURL(t)
	var notices []mail.Message
	var email, name string
	if _, err := pgx.ForEachRow(rows, []any{&email, &name}, func() error {
		notices = append(notices, mail.Compose(portalBranding(t, base),
			email, name, "Webhook endpoint disabled: "+d.URL, d.notice(t.Name),
			&mail.Action{Label: "Open the endpoint", URL: base + "/admin/webhooks/" + strconv.FormatInt(d.ID, 10)},
			"You receive this as an administrator of "+t.Name+"."))
		return nil
	}); err != nil {
		return err
	}
	w.Logger.WarnContext(ctx, "webhook endpoint disabled", "tenant", t.Slug, "endpoint", d.ID, "failures", d.Failures)
	return (&Outbox{jobs: tx.jobs}).EnqueueMany(ctx, tx, t.ID, notices)
}

// tellOrg records in the platform's audit log that an account's or a
// reseller's endpoint was disabled, and mails the org's console members.
func (w *WebhookWorker) tellOrg(ctx context.Context, tx *Tx, d disabledEndpoint) error {
	if err := platformAudit(ctx, tx, AuditActor{Label: "Upward"}, "org_webhook.disabled", d.URL,
		map[string]any{"endpoint": d.ID, "failures": d.Failures}); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `
		SELECT m.email, m.name, coalesce(a.name, r.name)
		FROM org_webhook_endpoints e JOIN console_members m ON m.account_id = e.account_id OR m.reseller_id = e.reseller_id
		LEFT JOIN accounts a ON a.id = m.account_id LEFT JOIN resellers r ON r.id = m.reseller_id
		WHERE e.id = $1 ORDER BY m.id`, d.ID)
	if err != nil {
		return err
	}
	base := w.PlatformURL()
	var notices []mail.Message
	var email, name, org string
	if _, err := pgx.ForEachRow(rows, []any{&email, &name, &org}, func() error {
		notices = append(notices, mail.Compose(mail.Branding{SiteName: "Upward", BaseURL: base},
			email, name, "Webhook endpoint disabled: "+d.URL, d.notice("Upward"),
			&mail.Action{Label: "Open the endpoint", URL: base + "/console/webhooks/" + strconv.FormatInt(d.ID, 10)},
			"You receive this as a member of "+org+"'s console."))
		return nil
	}); err != nil {
		return err
	}
	w.Logger.WarnContext(ctx, "org webhook endpoint disabled", "endpoint", d.ID, "failures", d.Failures)
	return (&Outbox{jobs: tx.jobs}).EnqueueMany(ctx, tx, 0, notices)
}
