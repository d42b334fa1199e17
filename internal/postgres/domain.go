package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

// tenant_domains is a platform table (FindTenantByHost reads it before any
// portal is known), so it has no row-level security: every query here names
// the portal's tenant_id. Changes run in the portal's transaction all the
// same, because they write its audit log.

func scanDomain(row pgx.CollectableRow) (tenant.Domain, error) {
	var d tenant.Domain
	err := row.Scan(&d.Name, &d.RequestedAt, &d.VerifiedAt)
	return d, err
}

// FindDomains returns a portal's custom domains, pending ones first, each
// group by name.
func (s *TenantService) FindDomains(ctx context.Context, tenantID int64) ([]tenant.Domain, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT domain, created_at, verified_at FROM tenant_domains
		WHERE tenant_id = $1
		ORDER BY verified_at IS NOT NULL, domain`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("tenant: find domains: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanDomain)
	if err != nil {
		return nil, fmt.Errorf("tenant: find domains: %w", err)
	}
	return out, nil
}

// RequestDomain records a portal's request to be served on a domain of its
// own. The domain stays pending, and serves nothing, until a platform
// operator has checked its DNS and verified it. A domain any portal has,
// pending or verified, is refused: the primary key decides.
func (s *TenantService) RequestDomain(ctx context.Context, tenantID int64, domain, baseDomain string, by AuditActor) (tenant.Domain, error) {
	name, err := tenant.ValidateCustomDomain(domain, baseDomain)
	if err != nil {
		return tenant.Domain{}, err
	}
	// Required by the table; kept for an automatic DNS check (a TXT
	// record), which the manual verification does not need yet.
	secret := make([]byte, 16)
	rand.Read(secret)
	var out tenant.Domain
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// The portal's row lock makes two requests at once count one
		// after the other against the cap.
		var n int
		if err := tx.QueryRow(ctx, `
			SELECT (SELECT count(*) FROM tenant_domains d WHERE d.tenant_id = t.id)
			FROM tenants t WHERE t.id = $1 FOR UPDATE`, tenantID).Scan(&n); err != nil {
			return err
		}
		if err := refuseResellerDomain(ctx, tx, name); err != nil {
			return err
		}
		if n >= tenant.MaxDomains {
			return &apperr.Error{Code: apperr.EINVALID, Field: "domain",
				Message: fmt.Sprintf("A portal may have at most %d custom domains; withdraw a pending one first.", tenant.MaxDomains)}
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO tenant_domains (domain, tenant_id, verification_token, created_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (domain) DO NOTHING
			RETURNING domain, created_at, verified_at`, name, tenantID, hex.EncodeToString(secret), tx.Now)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanDomain)
		if errors.Is(err, pgx.ErrNoRows) {
			var holder int64
			if err := tx.QueryRow(ctx, `SELECT tenant_id FROM tenant_domains WHERE domain = $1`, name).Scan(&holder); err != nil {
				return err
			}
			msg := "That domain is already taken by another portal."
			if holder == tenantID {
				msg = "This portal has already asked for that domain."
			}
			return &apperr.Error{Code: apperr.ECONFLICT, Field: "domain", Message: msg}
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "domain.request", name, nil)
	})
	if err != nil {
		return tenant.Domain{}, fmt.Errorf("tenant: request domain: %w", Error(err, "Portal"))
	}
	return out, nil
}

// WithdrawDomain deletes a portal's pending domain request. A verified
// domain is not withdrawn here: people may already use it.
func (s *TenantService) WithdrawDomain(ctx context.Context, tenantID int64, domain string, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var name string
		if err := tx.QueryRow(ctx, `
			DELETE FROM tenant_domains WHERE tenant_id = $1 AND domain = $2 AND verified_at IS NULL
			RETURNING domain`, tenantID, domain).Scan(&name); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "domain.withdraw", name, nil)
	})
	if err != nil {
		return fmt.Errorf("tenant: withdraw domain: %w", Error(err, "Pending domain"))
	}
	return nil
}

// refuseResellerDomain refuses a custom domain that is a reseller's base
// domain or a name under it: those hosts are the reseller's clients'
// portals ({slug}.{base domain}), and one host must mean one portal.
func refuseResellerDomain(ctx context.Context, tx *Tx, domain string) error {
	var base string
	err := tx.QueryRow(ctx, `SELECT r.base_domain FROM resellers r
		WHERE r.base_domain = $1 OR $1 LIKE '%.' || r.base_domain LIMIT 1`, domain).Scan(&base)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return &apperr.Error{Code: apperr.EINVALID, Field: "domain",
		Message: "Names under " + base + " are a reseller's clients' addresses; ask for a domain of your own."}
}

// VerifyDomain marks a portal's pending domain verified: from now on a
// request for that host reaches the portal. A platform operator calls it
// after checking the domain's DNS; both the platform's log and the
// portal's record it.
func (s *TenantService) VerifyDomain(ctx context.Context, tenantID int64, domain string, by AuditActor) (tenant.Domain, error) {
	var out tenant.Domain
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// A reseller may have been given the name since it was asked for.
		if err := refuseResellerDomain(ctx, tx, strings.ToLower(strings.TrimSpace(domain))); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			UPDATE tenant_domains SET verified_at = $3
			WHERE tenant_id = $1 AND domain = $2 AND verified_at IS NULL
			RETURNING domain, created_at, verified_at`, tenantID, domain, tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanDomain); err != nil {
			return err
		}
		var slug string
		if err := tx.QueryRow(ctx, `SELECT slug FROM tenants WHERE id = $1`, tenantID).Scan(&slug); err != nil {
			return err
		}
		if err := platformAudit(ctx, tx, by, "tenant.domain.verify", slug, map[string]any{"domain": out.Name}); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "domain.verify", out.Name, nil)
	})
	if err != nil {
		return tenant.Domain{}, fmt.Errorf("tenant: verify domain: %w", Error(err, "Pending domain"))
	}
	return out, nil
}
