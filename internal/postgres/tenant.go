package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/tenant"
)

// TenantService stores portals. Tenants is a platform table: no tenant is
// set in its transactions.
type TenantService struct {
	db *DB
}

// NewTenantService returns the tenant store on db.
func NewTenantService(db *DB) *TenantService { return &TenantService{db: db} }

// FindTenants returns up to limit portals ordered by name.
func (s *TenantService) FindTenants(ctx context.Context, limit int) ([]tenant.Tenant, error) {
	// One statement needs no explicit transaction: it saves two round trips.
	rows, err := s.db.Pool.Query(ctx, `
		SELECT id, slug, name, created_at
		FROM tenants
		ORDER BY name, id
		LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("tenant: find: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanTenant)
	if err != nil {
		return nil, fmt.Errorf("tenant: find: %w", err)
	}
	return out, nil
}

// EnsureTenant creates the portal if its slug is free and returns it either
// way; the seed uses it so that running it twice changes nothing.
func (s *TenantService) EnsureTenant(ctx context.Context, t tenant.Tenant) (tenant.Tenant, error) {
	t.Name = strings.TrimSpace(t.Name)
	if err := t.Validate(); err != nil {
		return tenant.Tenant{}, err
	}
	var out tenant.Tenant
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			WITH ins AS (
				INSERT INTO tenants (slug, name, created_at) VALUES ($1, $2, $3)
				ON CONFLICT (slug) DO NOTHING
				RETURNING id, slug, name, created_at
			)
			SELECT id, slug, name, created_at FROM ins
			UNION ALL
			SELECT id, slug, name, created_at FROM tenants WHERE slug = $1`, t.Slug, t.Name, tx.Now)
		if err != nil {
			return err
		}
		out, err = pgx.CollectOneRow(rows, scanTenant)
		return err
	})
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("tenant: ensure: %w", Error(err, "Portal"))
	}
	return out, nil
}

func scanTenant(row pgx.CollectableRow) (tenant.Tenant, error) {
	var t tenant.Tenant
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.CreatedAt)
	return t, err
}
