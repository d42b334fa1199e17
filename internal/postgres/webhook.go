package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// WebhookArgs is the River job that makes one attempt at a delivery.
type WebhookArgs struct {
	TenantID   int64 `json:"tenant_id"`
	DeliveryID int64 `json:"delivery_id"`
	// Org marks a delivery to an account's or a reseller's endpoint, kept
	// in org_webhook_deliveries; TenantID is then 0.
	Org bool `json:"org,omitempty"`
}

// Kind names the job in River's table.
func (WebhookArgs) Kind() string { return "webhook.deliver" }

// InsertOpts puts deliveries on their own queue, so a slow receiver never
// holds up mail. Each delivery sets its own number of attempts.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: WebhookQueue, MaxAttempts: webhook.MaxAttempts}
}

// WebhookQueue is the River queue of webhook deliveries.
const WebhookQueue = "webhooks"

// emitEvent queues an event of the transaction's portal: see emitEvents.
func emitEvent(ctx context.Context, tx *Tx, typ string, data func() (any, error)) error {
	return emitEvents(ctx, tx, typ, func() ([]any, error) {
		d, err := data()
		return []any{d}, err
	})
}

// emitEvents queues an event of type typ for each item data returns, to
// every enabled endpoint subscribed to typ of the transaction's portal, of
// its account, and of its reseller when the event is portal-level: a
// delivery row and the River job that sends it, in tx, so that events
// exist exactly when what caused them commits (an outbox, as for mail).
// data is called only when an endpoint listens: a portal without webhooks
// pays one query per event, and many events (an import) cost the same
// few statements as one.
func emitEvents(ctx context.Context, tx *Tx, typ string, data func() ([]any, error)) error {
	return emitEventsOf(ctx, tx, nil, typ, data)
}

// emitEventsOf is emitEvents for the portal portalID when the transaction
// has none set: portal.created, in the platform transaction that creates
// the portal (which has no endpoints of its own yet).
func emitEventsOf(ctx context.Context, tx *Tx, portalID *int64, typ string, data func() ([]any, error)) error {
	// The portal's own endpoints (its tenant policy applies), then its
	// account's, then its reseller's, which hear only portal-level events:
	// a reseller never receives anyone's personal data or answers.
	rows, err := tx.Query(ctx, `
		SELECT false, e.id, t.slug FROM webhook_endpoints e JOIN tenants t ON t.id = e.tenant_id
		WHERE e.tenant_id = current_tenant_id() AND e.disabled_at IS NULL AND $1 = ANY (e.events)
		UNION ALL
		SELECT true, o.id, t.slug FROM tenants t JOIN org_webhook_endpoints o ON o.account_id = t.account_id
		WHERE t.id = coalesce($2::bigint, current_tenant_id()) AND o.disabled_at IS NULL AND $1 = ANY (o.events)
		UNION ALL
		SELECT true, o.id, t.slug FROM tenants t JOIN org_webhook_endpoints o ON o.reseller_id = t.reseller_id
		WHERE t.id = coalesce($2::bigint, current_tenant_id()) AND $3 AND o.disabled_at IS NULL AND $1 = ANY (o.events)
		ORDER BY 1, 2`, typ, portalID, webhook.PortalLevel(typ))
	if err != nil {
		return fmt.Errorf("webhook: %s: %w", typ, err)
	}
	var portalEndpoints, orgEndpoints []int64
	var org bool
	var id int64
	var portal string
	if _, err := pgx.ForEachRow(rows, []any{&org, &id, &portal}, func() error {
		if org {
			orgEndpoints = append(orgEndpoints, id)
		} else {
			portalEndpoints = append(portalEndpoints, id)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("webhook: %s: %w", typ, err)
	}
	if len(portalEndpoints) == 0 && len(orgEndpoints) == 0 {
		return nil
	}
	items, err := data()
	if err != nil {
		return fmt.Errorf("webhook: %s: data: %w", typ, err)
	}
	out := outgoing{typ: typ, maxAttempts: webhook.MaxAttempts, portalID: portalID}
	for _, d := range items {
		id := webhook.NewEventID()
		body, err := json.Marshal(webhook.Event{ID: id, Type: typ, CreatedAt: tx.Now, Portal: portal, Data: d})
		if err != nil {
			return fmt.Errorf("webhook: %s: %w", typ, err)
		}
		out.eventIDs, out.bodies = append(out.eventIDs, id), append(out.bodies, string(body))
	}
	return queueDeliveries(ctx, tx, portalEndpoints, orgEndpoints, out)
}

// outgoing is one or more events of a type, ready to queue.
type outgoing struct {
	typ              string
	eventIDs, bodies []string
	maxAttempts      int
	// portalID is the org deliveries' portal when the transaction has no
	// tenant set; nil otherwise (the transaction's portal, or none for an
	// org's test event).
	portalID *int64
}

// queueDeliveries writes a delivery of every event to every endpoint, the
// portal's in webhook_deliveries and the orgs' in org_webhook_deliveries,
// and their jobs, in tx.
func queueDeliveries(ctx context.Context, tx *Tx, portalEndpoints, orgEndpoints []int64, o outgoing) error {
	var jobs []river.InsertManyParams
	opts := &river.InsertOpts{MaxAttempts: o.maxAttempts}
	if len(portalEndpoints) > 0 {
		rows, err := tx.Query(ctx, `
			INSERT INTO webhook_deliveries (tenant_id, endpoint_id, event_id, event_type, body, max_attempts, next_attempt_at, created_at)
			SELECT current_tenant_id(), e.id, ev.id, $2, ev.body, $3, $4, $4
			FROM unnest($1::bigint[]) AS e(id) CROSS JOIN unnest($5::text[], $6::text[]) WITH ORDINALITY AS ev(id, body, n)
			ORDER BY ev.n, e.id
			RETURNING tenant_id, id`, portalEndpoints, o.typ, o.maxAttempts, tx.Now, o.eventIDs, o.bodies)
		if err != nil {
			return fmt.Errorf("webhook: queue %s: %w", o.typ, err)
		}
		var a WebhookArgs
		if _, err := pgx.ForEachRow(rows, []any{&a.TenantID, &a.DeliveryID}, func() error {
			jobs = append(jobs, river.InsertManyParams{Args: a, InsertOpts: opts})
			return nil
		}); err != nil {
			return fmt.Errorf("webhook: queue %s: %w", o.typ, err)
		}
	}
	if len(orgEndpoints) > 0 {
		rows, err := tx.Query(ctx, `
			INSERT INTO org_webhook_deliveries (endpoint_id, portal_id, event_id, event_type, body, max_attempts, next_attempt_at, created_at)
			SELECT e.id, coalesce($7::bigint, current_tenant_id()), ev.id, $2, ev.body, $3, $4, $4
			FROM unnest($1::bigint[]) AS e(id) CROSS JOIN unnest($5::text[], $6::text[]) WITH ORDINALITY AS ev(id, body, n)
			ORDER BY ev.n, e.id
			RETURNING id`, orgEndpoints, o.typ, o.maxAttempts, tx.Now, o.eventIDs, o.bodies, o.portalID)
		if err != nil {
			return fmt.Errorf("webhook: queue %s: %w", o.typ, err)
		}
		a := WebhookArgs{Org: true}
		if _, err := pgx.ForEachRow(rows, []any{&a.DeliveryID}, func() error {
			jobs = append(jobs, river.InsertManyParams{Args: a, InsertOpts: opts})
			return nil
		}); err != nil {
			return fmt.Errorf("webhook: queue %s: %w", o.typ, err)
		}
	}
	if _, err := tx.jobs.InsertManyTx(ctx, tx.Tx, jobs); err != nil {
		return fmt.Errorf("webhook: queue %s: enqueue: %w", o.typ, err)
	}
	return nil
}

// eventUser names a person of the transaction's portal for an event.
func eventUser(ctx context.Context, tx *Tx, id int64) (webhook.User, error) {
	u := webhook.User{ID: id}
	err := tx.QueryRow(ctx, `SELECT email, name FROM users WHERE tenant_id = current_tenant_id() AND id = $1`, id).Scan(&u.Email, &u.Name)
	return u, err
}

// eventCourse names a course of the transaction's portal for an event.
func eventCourse(ctx context.Context, tx *Tx, id int64) (*webhook.Course, error) {
	c := &webhook.Course{ID: id}
	err := tx.QueryRow(ctx, `SELECT slug, title FROM courses WHERE tenant_id = current_tenant_id() AND id = $1`, id).Scan(&c.Slug, &c.Title)
	return c, err
}

// eventPath names a path of the transaction's portal for an event.
func eventPath(ctx context.Context, tx *Tx, id int64) (*webhook.Path, error) {
	p := &webhook.Path{ID: id}
	err := tx.QueryRow(ctx, `SELECT slug, title FROM paths WHERE tenant_id = current_tenant_id() AND id = $1`, id).Scan(&p.Slug, &p.Title)
	return p, err
}

// userCreated is the data of user.created for an account.
func userCreated(u user.User) webhook.UserCreatedData {
	return webhook.UserCreatedData{User: webhook.NewUser{
		User: webhook.User{ID: u.ID, Email: u.Email, Name: u.Name}, Roles: rolesText(u.Roles), Status: string(u.Status),
	}}
}

// emitUserCreated queues user.created for an account just inserted.
func emitUserCreated(ctx context.Context, tx *Tx, id int64) error {
	return emitEvent(ctx, tx, webhook.UserCreated, func() (any, error) {
		u, err := findUser(ctx, tx, `u.id = $1`, id)
		return userCreated(u), err
	})
}

// WebhookService stores a portal's webhook endpoints and their delivery
// log. Deliveries are written by emitEvents and sent by WebhookWorker.
type WebhookService struct {
	db *DB
	// allowLocal admits http://localhost endpoints: in development only.
	allowLocal bool
}

// NewWebhookService returns the webhook store; allowLocalURLs admits
// plain-HTTP receivers on this machine (development).
func NewWebhookService(db *DB, allowLocalURLs bool) *WebhookService {
	return &WebhookService{db: db, allowLocal: allowLocalURLs}
}

// MaxWebhookEndpoints caps a portal's endpoints: each event is sent to
// every one of them.
const MaxWebhookEndpoints = 20

// WebhookEndpoint is an address that receives a portal's events.
type WebhookEndpoint struct {
	ID                  int64
	URL                 string
	Description         string
	Events              []string
	ConsecutiveFailures int
	FailingSince        *time.Time
	DisabledAt          *time.Time // nil while enabled
	DisabledReason      string
	CreatedAt           time.Time
	LastDelivery        *WebhookDelivery // the newest, if any
}

// Enabled reports whether events are sent to the endpoint.
func (e WebhookEndpoint) Enabled() bool { return e.DisabledAt == nil }

// WebhookDelivery is one event sent, or being sent, to an endpoint.
type WebhookDelivery struct {
	ID            int64
	EndpointID    int64
	EventID       string
	EventType     string
	Body          string
	Status        string // pending, delivered, failed (every attempt did), skipped (the endpoint was disabled)
	Attempts      int
	MaxAttempts   int
	LastStatus    *int // the receiver's HTTP status, when it answered
	LastError     string
	LastAttemptAt *time.Time
	NextAttemptAt *time.Time
	DeliveredAt   *time.Time
	CreatedAt     time.Time
}

const endpointColumns = `e.id, e.url, e.description, e.events, e.consecutive_failures, e.failing_since,
	e.disabled_at, e.disabled_reason, e.created_at`

const deliveryColumns = `d.id, d.endpoint_id, d.event_id, d.event_type, d.body, d.status, d.attempts, d.max_attempts,
	d.last_status_code, d.last_error, d.last_attempt_at, d.next_attempt_at, d.delivered_at, d.created_at`

func endpointDest(e *WebhookEndpoint) []any {
	return []any{&e.ID, &e.URL, &e.Description, &e.Events, &e.ConsecutiveFailures, &e.FailingSince,
		&e.DisabledAt, &e.DisabledReason, &e.CreatedAt}
}

func deliveryDest(d *WebhookDelivery) []any {
	return []any{&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Body, &d.Status, &d.Attempts, &d.MaxAttempts,
		&d.LastStatus, &d.LastError, &d.LastAttemptAt, &d.NextAttemptAt, &d.DeliveredAt, &d.CreatedAt}
}

func scanDelivery(row pgx.CollectableRow) (WebhookDelivery, error) {
	var d WebhookDelivery
	err := row.Scan(deliveryDest(&d)...)
	return d, err
}

// CreateEndpoint registers an endpoint and returns it with its signing
// secret, which is never shown again.
func (s *WebhookService) CreateEndpoint(ctx context.Context, tenantID int64, in webhook.Endpoint, by AuditActor) (WebhookEndpoint, string, error) {
	in, err := in.Validate(webhook.PortalOwner, s.allowLocal)
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	secret := webhook.NewSecret()
	var e WebhookEndpoint
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM webhook_endpoints WHERE tenant_id = $1`, tenantID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxWebhookEndpoints {
			return apperr.Fields{"url": fmt.Sprintf("A portal has at most %d endpoints. Delete one you no longer use first.", MaxWebhookEndpoints)}
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO webhook_endpoints AS e (tenant_id, url, description, events, secret, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6)
			RETURNING `+endpointColumns, tenantID, in.URL, in.Description, in.Events, secret, tx.Now).Scan(endpointDest(&e)...); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "webhook.create", in.URL, map[string]any{"events": in.Events})
	})
	if err != nil {
		if _, ok := apperr.FieldsOf(err); ok {
			return WebhookEndpoint{}, "", err
		}
		return WebhookEndpoint{}, "", fmt.Errorf("webhook: create: %w", err)
	}
	return e, secret, nil
}

// FindEndpoints lists the portal's endpoints, oldest first, each with its
// newest delivery.
func (s *WebhookService) FindEndpoints(ctx context.Context, tenantID int64) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e WHERE e.tenant_id = $1 ORDER BY e.id`, tenantID)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (WebhookEndpoint, error) {
			var e WebhookEndpoint
			return e, row.Scan(endpointDest(&e)...)
		}); err != nil {
			return err
		}
		// Each endpoint's newest delivery, read through the log's index.
		rows, err = tx.Query(ctx, `
			SELECT `+deliveryColumns+` FROM webhook_deliveries d
			WHERE d.tenant_id = $1 AND d.id IN (
				SELECT (SELECT max(x.id) FROM webhook_deliveries x WHERE x.tenant_id = e.tenant_id AND x.endpoint_id = e.id)
				FROM webhook_endpoints e WHERE e.tenant_id = $1)`, tenantID)
		if err != nil {
			return err
		}
		return attachLastDeliveries(out, rows)
	})
	if err != nil {
		return nil, fmt.Errorf("webhook: find endpoints: %w", err)
	}
	return out, nil
}

// FindEndpoint returns one of the portal's endpoints.
func (s *WebhookService) FindEndpoint(ctx context.Context, tenantID, id int64) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints e WHERE e.tenant_id = $1 AND e.id = $2`,
			tenantID, id).Scan(endpointDest(&e)...)
	})
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("webhook: find endpoint: %w", Error(err, "Endpoint"))
	}
	return e, nil
}

// FindDeliveries returns a page of an endpoint's delivery log, newest
// first: up to limit deliveries older than before (all when 0), and
// whether there are older ones still. A keyset on the id, so new
// deliveries do not shift the pages.
func (s *WebhookService) FindDeliveries(ctx context.Context, tenantID, endpointID, before int64, limit int) ([]WebhookDelivery, bool, error) {
	var out []WebhookDelivery
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2)`,
			tenantID, endpointID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return pgx.ErrNoRows
		}
		rows, err := tx.Query(ctx, `
			SELECT `+deliveryColumns+` FROM webhook_deliveries d
			WHERE d.tenant_id = $1 AND d.endpoint_id = $2 AND ($3 = 0 OR d.id < $3)
			ORDER BY d.id DESC LIMIT $4`, tenantID, endpointID, before, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanDelivery)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("webhook: find deliveries: %w", Error(err, "Endpoint"))
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// SetEndpointEnabled enables or disables an endpoint. Enabling starts its
// count of failures afresh; events that happened while it was disabled
// are not sent.
func (s *WebhookService) SetEndpointEnabled(ctx context.Context, tenantID, id int64, enabled bool, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var url string
		var err error
		if enabled {
			err = tx.QueryRow(ctx, `
				UPDATE webhook_endpoints SET disabled_at = NULL, disabled_reason = '', consecutive_failures = 0,
					failing_since = NULL, updated_at = $3
				WHERE tenant_id = $1 AND id = $2 RETURNING url`, tenantID, id, tx.Now).Scan(&url)
		} else {
			err = tx.QueryRow(ctx, `
				UPDATE webhook_endpoints SET disabled_at = coalesce(disabled_at, $3),
					disabled_reason = CASE WHEN disabled_at IS NULL THEN $4 ELSE disabled_reason END, updated_at = $3
				WHERE tenant_id = $1 AND id = $2 RETURNING url`, tenantID, id, tx.Now, "Disabled by "+by.Label+".").Scan(&url)
		}
		if err != nil {
			return err
		}
		action := "webhook.disable"
		if enabled {
			action = "webhook.enable"
		}
		return audit(ctx, tx, tenantID, by, action, url, nil)
	})
	if err != nil {
		return fmt.Errorf("webhook: enable: %w", Error(err, "Endpoint"))
	}
	return nil
}

// RotateSecret gives the endpoint a new signing secret and returns it, to
// be shown once. The worker reads the secret when it sends, so from now
// on every delivery, retries of earlier events included, is signed with
// the new one and none with the old.
func (s *WebhookService) RotateSecret(ctx context.Context, tenantID, id int64, by AuditActor) (string, error) {
	secret := webhook.NewSecret()
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var url string
		if err := tx.QueryRow(ctx, `UPDATE webhook_endpoints SET secret = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2 RETURNING url`,
			tenantID, id, secret, tx.Now).Scan(&url); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "webhook.rotate_secret", url, nil)
	})
	if err != nil {
		return "", fmt.Errorf("webhook: rotate secret: %w", Error(err, "Endpoint"))
	}
	return secret, nil
}

// DeleteEndpoint deletes an endpoint and its delivery log; deliveries not
// yet sent are dropped.
func (s *WebhookService) DeleteEndpoint(ctx context.Context, tenantID, id int64, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var url string
		if err := tx.QueryRow(ctx, `DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2 RETURNING url`, tenantID, id).Scan(&url); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "webhook.delete", url, nil)
	})
	if err != nil {
		return fmt.Errorf("webhook: delete: %w", Error(err, "Endpoint"))
	}
	return nil
}

// SendTestEvent queues a ping to the endpoint, signed and logged like
// every delivery but tried once: the administrator reads the answer in
// the log and can send another. It goes to a disabled endpoint too, to
// check a receiver before enabling it again.
func (s *WebhookService) SendTestEvent(ctx context.Context, tenantID, id int64, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var url, portal string
		if err := tx.QueryRow(ctx, `
			SELECT e.url, t.slug FROM webhook_endpoints e JOIN tenants t ON t.id = e.tenant_id
			WHERE e.tenant_id = $1 AND e.id = $2`, tenantID, id).Scan(&url, &portal); err != nil {
			return err
		}
		eventID := webhook.NewEventID()
		body, err := json.Marshal(webhook.Event{ID: eventID, Type: webhook.Ping, CreatedAt: tx.Now, Portal: portal,
			Data: webhook.PingData{Message: "A test event, sent from the endpoint's page.", EndpointID: id}})
		if err != nil {
			return err
		}
		if err := queueDeliveries(ctx, tx, []int64{id}, nil, outgoing{typ: webhook.Ping, eventIDs: []string{eventID}, bodies: []string{string(body)}, maxAttempts: 1}); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "webhook.test", url, nil)
	})
	if err != nil {
		return fmt.Errorf("webhook: test: %w", Error(err, "Endpoint"))
	}
	return nil
}

// attachLastDeliveries gives each endpoint its newest delivery, read from
// rows (one per endpoint that has any).
func attachLastDeliveries(endpoints []WebhookEndpoint, rows pgx.Rows) error {
	last, err := pgx.CollectRows(rows, scanDelivery)
	if err != nil {
		return err
	}
	for i := range endpoints {
		for j := range last {
			if last[j].EndpointID == endpoints[i].ID {
				endpoints[i].LastDelivery = &last[j]
			}
		}
	}
	return nil
}
