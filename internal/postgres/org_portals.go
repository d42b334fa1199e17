package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/tenant"
)

// The provisioning API's reads of an organisation's portals.

// PortalListQuery narrows the API's list of an organisation's portals.
type PortalListQuery struct {
	UpdatedSince *time.Time
	Status       tenant.Status
	Keyset
}

// FindOrgPortalsPage lists the organisation's portals by the time they
// last changed, oldest first, so a client syncing with UpdatedSince sees
// each change: an account's own, or a reseller's clients'.
func (s *ConsoleService) FindOrgPortalsPage(ctx context.Context, o Org, q PortalListQuery) ([]tenant.Tenant, bool, error) {
	f := &filter{}
	if o.ResellerID != nil {
		f.add("t.reseller_id = ?", *o.ResellerID)
	} else {
		f.add("t.account_id = ?", *o.AccountID)
	}
	if q.UpdatedSince != nil {
		f.add("t.updated_at >= ?", *q.UpdatedSince)
	}
	if q.Status != "" {
		f.add("t.status = ?", string(q.Status))
	}
	f.after("t.updated_at", "t.id", q.Keyset)
	rows, err := s.db.Pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE `+f.where()+
		` ORDER BY t.updated_at, t.id`+f.limit(q.Keyset), f.args...)
	if err != nil {
		return nil, false, fmt.Errorf("console: portals page: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanTenant)
	if err != nil {
		return nil, false, fmt.Errorf("console: portals page: %w", err)
	}
	out, more := page(out, q.Limit)
	return out, more, nil
}

// FindOrgPortalUsage returns one of the organisation's portals with its
// figures; another's is not found.
func (s *ConsoleService) FindOrgPortalUsage(ctx context.Context, o Org, id int64) (PortalUsage, error) {
	t, err := s.FindConsolePortal(ctx, o, id)
	if err != nil {
		return PortalUsage{}, err
	}
	u := PortalUsage{Tenant: t}
	if err := s.countUsage(ctx, &u); err != nil {
		return PortalUsage{}, err
	}
	return u, nil
}
