package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/webhook"
)

// OrgWebhookService stores the webhook endpoints of accounts and
// resellers, managed in the console, and their delivery logs. They hear
// the events of the org's portals (emitEvents) and portal.created
// (emitPortalCreated); WebhookWorker sends them. The tables are platform
// tables, so every query here is keyed by the org.
type OrgWebhookService struct {
	db *DB
	// allowLocal admits http://localhost endpoints: in development only.
	allowLocal bool
}

// NewOrgWebhookService returns the org webhook store; allowLocalURLs
// admits plain-HTTP receivers on this machine (development).
func NewOrgWebhookService(db *DB, allowLocalURLs bool) *OrgWebhookService {
	return &OrgWebhookService{db: db, allowLocal: allowLocalURLs}
}

// WebhookOwner is the kind of endpoint owner the org is, which decides the
// events its endpoints may hear.
func (o Org) WebhookOwner() webhook.Owner {
	if o.IsReseller() {
		return webhook.ResellerOwner
	}
	return webhook.AccountOwner
}

// orgEndpointsOf is the condition on e (org_webhook_endpoints) that keeps
// an org's endpoints; $1 and $2 are the org's account and reseller.
const orgEndpointsOf = `(e.account_id = $1 OR e.reseller_id = $2)`

// CreateEndpoint registers an endpoint of the org and returns it with its
// signing secret, which is never shown again.
func (s *OrgWebhookService) CreateEndpoint(ctx context.Context, org Org, in webhook.Endpoint, by AuditActor) (WebhookEndpoint, string, error) {
	in, err := in.Validate(org.WebhookOwner(), s.allowLocal)
	if err != nil {
		return WebhookEndpoint{}, "", err
	}
	secret := webhook.NewSecret()
	var e WebhookEndpoint
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM org_webhook_endpoints e WHERE `+orgEndpointsOf,
			org.AccountID, org.ResellerID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxWebhookEndpoints {
			return apperr.Fields{"url": fmt.Sprintf("An account or a reseller has at most %d endpoints. Delete one you no longer use first.", MaxWebhookEndpoints)}
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO org_webhook_endpoints AS e (account_id, reseller_id, url, description, events, secret, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
			RETURNING `+endpointColumns, org.AccountID, org.ResellerID, in.URL, in.Description, in.Events, secret, tx.Now).
			Scan(endpointDest(&e)...); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "org_webhook.create", in.URL, orgDetail(org, map[string]any{"endpoint_id": e.ID, "events": in.Events}))
	})
	if err != nil {
		if _, ok := apperr.FieldsOf(err); ok {
			return WebhookEndpoint{}, "", err
		}
		return WebhookEndpoint{}, "", fmt.Errorf("org webhook: create: %w", err)
	}
	return e, secret, nil
}

// FindEndpoints lists the org's endpoints, oldest first, each with its
// newest delivery.
func (s *OrgWebhookService) FindEndpoints(ctx context.Context, org Org) ([]WebhookEndpoint, error) {
	var out []WebhookEndpoint
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+endpointColumns+` FROM org_webhook_endpoints e WHERE `+orgEndpointsOf+` ORDER BY e.id`,
			org.AccountID, org.ResellerID)
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
			SELECT `+deliveryColumns+` FROM org_webhook_deliveries d
			WHERE d.id IN (
				SELECT (SELECT max(x.id) FROM org_webhook_deliveries x WHERE x.endpoint_id = e.id)
				FROM org_webhook_endpoints e WHERE `+orgEndpointsOf+`)`, org.AccountID, org.ResellerID)
		if err != nil {
			return err
		}
		return attachLastDeliveries(out, rows)
	})
	if err != nil {
		return nil, fmt.Errorf("org webhook: find endpoints: %w", err)
	}
	return out, nil
}

// FindEndpoint returns one of the org's endpoints; another org's is not
// found.
func (s *OrgWebhookService) FindEndpoint(ctx context.Context, org Org, id int64) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := s.db.Pool.QueryRow(ctx, `SELECT `+endpointColumns+` FROM org_webhook_endpoints e WHERE e.id = $3 AND `+orgEndpointsOf,
		org.AccountID, org.ResellerID, id).Scan(endpointDest(&e)...)
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("org webhook: find endpoint: %w", Error(err, "Endpoint"))
	}
	return e, nil
}

// FindDeliveries returns a page of an endpoint's delivery log, newest
// first: up to limit deliveries older than before (all when 0), and
// whether there are older ones still.
func (s *OrgWebhookService) FindDeliveries(ctx context.Context, org Org, endpointID, before int64, limit int) ([]WebhookDelivery, bool, error) {
	var out []WebhookDelivery
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM org_webhook_endpoints e WHERE e.id = $3 AND `+orgEndpointsOf+`)`,
			org.AccountID, org.ResellerID, endpointID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return pgx.ErrNoRows
		}
		rows, err := tx.Query(ctx, `
			SELECT `+deliveryColumns+` FROM org_webhook_deliveries d
			WHERE d.endpoint_id = $1 AND ($2 = 0 OR d.id < $2)
			ORDER BY d.id DESC LIMIT $3`, endpointID, before, limit+1)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanDelivery)
		return err
	})
	if err != nil {
		return nil, false, fmt.Errorf("org webhook: find deliveries: %w", Error(err, "Endpoint"))
	}
	if len(out) > limit {
		return out[:limit], true, nil
	}
	return out, false, nil
}

// SetEndpointEnabled enables or disables one of the org's endpoints.
// Enabling starts its count of failures afresh; events that happened
// while it was disabled are not sent.
func (s *OrgWebhookService) SetEndpointEnabled(ctx context.Context, org Org, id int64, enabled bool, by AuditActor) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var url string
		var err error
		if enabled {
			err = tx.QueryRow(ctx, `
				UPDATE org_webhook_endpoints e SET disabled_at = NULL, disabled_reason = '', consecutive_failures = 0,
					failing_since = NULL, updated_at = $4
				WHERE e.id = $3 AND `+orgEndpointsOf+` RETURNING e.url`, org.AccountID, org.ResellerID, id, tx.Now).Scan(&url)
		} else {
			err = tx.QueryRow(ctx, `
				UPDATE org_webhook_endpoints e SET disabled_at = coalesce(disabled_at, $4),
					disabled_reason = CASE WHEN disabled_at IS NULL THEN $5 ELSE disabled_reason END, updated_at = $4
				WHERE e.id = $3 AND `+orgEndpointsOf+` RETURNING e.url`, org.AccountID, org.ResellerID, id, tx.Now, "Disabled by "+by.Label+".").Scan(&url)
		}
		if err != nil {
			return err
		}
		action := "org_webhook.disable"
		if enabled {
			action = "org_webhook.enable"
		}
		return platformAudit(ctx, tx, by, action, url, orgDetail(org, map[string]any{"endpoint_id": id}))
	})
	if err != nil {
		return fmt.Errorf("org webhook: enable: %w", Error(err, "Endpoint"))
	}
	return nil
}

// RotateSecret gives one of the org's endpoints a new signing secret and
// returns it, to be shown once; every delivery from now on, retries
// included, is signed with it.
func (s *OrgWebhookService) RotateSecret(ctx context.Context, org Org, id int64, by AuditActor) (string, error) {
	secret := webhook.NewSecret()
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var url string
		if err := tx.QueryRow(ctx, `UPDATE org_webhook_endpoints e SET secret = $4, updated_at = $5 WHERE e.id = $3 AND `+orgEndpointsOf+` RETURNING e.url`,
			org.AccountID, org.ResellerID, id, secret, tx.Now).Scan(&url); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "org_webhook.rotate_secret", url, orgDetail(org, map[string]any{"endpoint_id": id}))
	})
	if err != nil {
		return "", fmt.Errorf("org webhook: rotate secret: %w", Error(err, "Endpoint"))
	}
	return secret, nil
}

// DeleteEndpoint deletes one of the org's endpoints and its delivery log;
// deliveries not yet sent are dropped.
func (s *OrgWebhookService) DeleteEndpoint(ctx context.Context, org Org, id int64, by AuditActor) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var url string
		if err := tx.QueryRow(ctx, `DELETE FROM org_webhook_endpoints e WHERE e.id = $3 AND `+orgEndpointsOf+` RETURNING e.url`,
			org.AccountID, org.ResellerID, id).Scan(&url); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "org_webhook.delete", url, orgDetail(org, map[string]any{"endpoint_id": id}))
	})
	if err != nil {
		return fmt.Errorf("org webhook: delete: %w", Error(err, "Endpoint"))
	}
	return nil
}

// SendTestEvent queues a ping to one of the org's endpoints, signed and
// logged like every delivery but tried once; it goes to a disabled
// endpoint too, to check a receiver before enabling it again. No portal
// sends it, so its body names none.
func (s *OrgWebhookService) SendTestEvent(ctx context.Context, org Org, id int64, by AuditActor) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var url string
		if err := tx.QueryRow(ctx, `SELECT e.url FROM org_webhook_endpoints e WHERE e.id = $3 AND `+orgEndpointsOf,
			org.AccountID, org.ResellerID, id).Scan(&url); err != nil {
			return err
		}
		eventID := webhook.NewEventID()
		body, err := json.Marshal(webhook.Event{ID: eventID, Type: webhook.Ping, CreatedAt: tx.Now,
			Data: webhook.PingData{Message: "A test event, sent from the endpoint's page in the console.", EndpointID: id}})
		if err != nil {
			return err
		}
		if err := queueDeliveries(ctx, tx, nil, []int64{id}, outgoing{typ: webhook.Ping, eventIDs: []string{eventID},
			bodies: []string{string(body)}, maxAttempts: 1}); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "org_webhook.test", url, orgDetail(org, map[string]any{"endpoint_id": id}))
	})
	if err != nil {
		return fmt.Errorf("org webhook: test: %w", Error(err, "Endpoint"))
	}
	return nil
}

// emitPortalCreated queues portal.created for a portal just inserted in
// tx, to the endpoints of its account and its reseller.
func emitPortalCreated(ctx context.Context, tx *Tx, t tenant.Tenant) error {
	return emitEventsOf(ctx, tx, &t.ID, webhook.PortalCreated, func() ([]any, error) {
		d := webhook.PortalCreatedData{Portal: webhook.Portal{ID: t.ID, Slug: t.Slug, Name: t.Name, Audience: t.Audience,
			Plan: t.Plan, SeatLimit: t.SeatLimit}, Account: webhook.Account{ID: t.AccountID}}
		var resellerID *int64
		var resellerSlug *string
		if err := tx.QueryRow(ctx, `
			SELECT a.slug, a.name, r.id, r.slug FROM accounts a LEFT JOIN resellers r ON r.id = $2 WHERE a.id = $1`,
			t.AccountID, t.ResellerID).Scan(&d.Account.Slug, &d.Account.Name, &resellerID, &resellerSlug); err != nil {
			return nil, err
		}
		if resellerID != nil {
			d.Reseller = &webhook.Reseller{ID: *resellerID, Slug: *resellerSlug}
		}
		return []any{d}, nil
	})
}
