package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

// TenantService stores portals. Tenants is a platform table: no tenant is
// set in its transactions, and only platform code paths and the host
// lookup reach it.
type TenantService struct {
	db *DB
}

// NewTenantService returns the tenant store on db.
func NewTenantService(db *DB) *TenantService { return &TenantService{db: db} }

const tenantColumns = `t.id, t.slug, t.name, t.status, t.plan, t.seat_limit, t.reseller_id,
	t.primary_color, t.welcome_text, coalesce(t.logo_file, ''), t.contact_email,
	t.self_registration, t.allowed_email_domains, t.default_time_zone, t.default_language,
	t.created_at, t.updated_at, t.account_id, t.audience, coalesce(t.suspended_by, ''), t.listed,
	` + whiteLabelColumn

// whiteLabelColumn is a client portal's white label, read with the portal
// so that its pages and mail cost no lookup of their own: an array of the
// reseller's name as shown to clients, logo, support address and base
// domain, or NULL for a portal with no reseller. A subquery rather than a
// join, so that it works in RETURNING too.
const whiteLabelColumn = `(SELECT ARRAY[coalesce(nullif(r.display_name, ''), r.name), coalesce(r.logo_file, ''),
		r.support_email, coalesce(r.base_domain, '')]
	FROM resellers r WHERE r.id = t.reseller_id)`

func scanTenant(row pgx.CollectableRow) (tenant.Tenant, error) {
	var t tenant.Tenant
	err := scanTenantRow(row, &t)
	return t, err
}

// scanTenantRow scans tenantColumns into t, then extra.
func scanTenantRow(row pgx.Row, t *tenant.Tenant, extra ...any) error {
	var status, suspendedBy string
	var wl []string
	err := row.Scan(append([]any{&t.ID, &t.Slug, &t.Name, &status, &t.Plan, &t.SeatLimit, &t.ResellerID,
		&t.Branding.PrimaryColor, &t.Branding.WelcomeText, &t.Branding.LogoFile, &t.Branding.ContactEmail,
		&t.Settings.SelfRegistration, &t.Settings.AllowedEmailDomains, &t.Settings.DefaultTimeZone, &t.Settings.DefaultLanguage,
		&t.CreatedAt, &t.UpdatedAt, &t.AccountID, &t.Audience, &suspendedBy, &t.Listed, &wl}, extra...)...)
	t.Status, t.SuspendedBy = tenant.Status(status), tenant.Authority(suspendedBy)
	if len(wl) == 4 {
		t.WhiteLabel = &tenant.WhiteLabel{Name: wl[0], LogoFile: wl[1], SupportEmail: wl[2], BaseDomain: wl[3]}
	}
	return err
}

// FindTenants returns up to limit portals ordered by name.
func (s *TenantService) FindTenants(ctx context.Context, limit int) ([]tenant.Tenant, error) {
	return s.findMany(ctx, `SELECT `+tenantColumns+` FROM tenants t ORDER BY t.name, t.id LIMIT $1`, limit)
}

// FindListedTenants lists up to limit portals the public home page shows
// (tenant.ShownOnHome), by name.
func (s *TenantService) FindListedTenants(ctx context.Context, limit int) ([]tenant.Tenant, error) {
	return s.findMany(ctx, `SELECT `+tenantColumns+` FROM tenants t
		WHERE t.listed AND t.status = 'active' AND t.reseller_id IS NULL ORDER BY t.name, t.id LIMIT $1`, limit)
}

// findMany runs one statement: no explicit transaction, which saves two
// round trips.
func (s *TenantService) findMany(ctx context.Context, sql string, args ...any) ([]tenant.Tenant, error) {
	rows, err := s.db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("tenant: find: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanTenant)
	if err != nil {
		return nil, fmt.Errorf("tenant: find: %w", err)
	}
	return out, nil
}

// FindTenantByID returns one portal.
func (s *TenantService) FindTenantByID(ctx context.Context, id int64) (tenant.Tenant, error) {
	return s.findOne(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.id = $1`, id)
}

// FindTenantBySlug returns the portal with that subdomain.
func (s *TenantService) FindTenantBySlug(ctx context.Context, slug string) (tenant.Tenant, error) {
	return s.findOne(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.slug = $1`, slug)
}

// FindTenantByHost finds the portal a request's host names: {slug}.baseDomain,
// a verified custom domain, or {slug}.{a reseller's base domain} for that
// reseller's clients only (any other slug there is unknown). A verified
// custom domain comes first, should one ever look like a reseller's
// client. The port, if any, is ignored.
func (s *TenantService) FindTenantByHost(ctx context.Context, host, baseDomain string) (tenant.Tenant, error) {
	host = strings.ToLower(strings.TrimSuffix(hostWithoutPort(host), "."))
	if slug, ok := strings.CutSuffix(host, "."+baseDomain); ok && !strings.Contains(slug, ".") {
		return s.FindTenantBySlug(ctx, slug)
	}
	slug, parent, _ := strings.Cut(host, ".")
	return s.findOne(ctx, `
		SELECT `+tenantColumns+`
		FROM (
			SELECT d.tenant_id AS id, 1 AS rank FROM tenant_domains d WHERE d.domain = $1 AND d.verified_at IS NOT NULL
			UNION ALL
			SELECT c.id, 2 FROM resellers r JOIN tenants c ON c.reseller_id = r.id AND c.slug = $2 WHERE r.base_domain = $3
		) found JOIN tenants t ON t.id = found.id
		ORDER BY found.rank LIMIT 1`, host, slug, parent)
}

func (s *TenantService) findOne(ctx context.Context, sql string, args ...any) (tenant.Tenant, error) {
	rows, err := s.db.Pool.Query(ctx, sql, args...)
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("tenant: find: %w", err)
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTenant)
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("tenant: find: %w", Error(err, "Portal"))
	}
	return t, nil
}

// CreateTenant creates a portal; the slug's uniqueness is the database's
// to decide. A portal given no account gets one of its own (a trigger).
// portal.created is queued in the same transaction for the endpoints of
// the portal's account and reseller.
func (s *TenantService) CreateTenant(ctx context.Context, t tenant.Tenant, by AuditActor) (tenant.Tenant, error) {
	t.Normalize()
	if t.SeatLimit == 0 {
		t.SeatLimit = tenant.DefaultSeatLimit
	}
	if err := t.Validate(); err != nil {
		return tenant.Tenant{}, err
	}
	var out tenant.Tenant
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO tenants AS t (slug, name, status, plan, seat_limit, reseller_id, primary_color, welcome_text,
				contact_email, self_registration, allowed_email_domains, default_time_zone, default_language,
				created_at, updated_at, account_id, audience, suspended_by, listed)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16, nullif($17, ''), $18)
			RETURNING `+tenantColumns,
			t.Slug, t.Name, t.Status, t.Plan, t.SeatLimit, t.ResellerID, t.Branding.PrimaryColor, t.Branding.WelcomeText,
			t.Branding.ContactEmail, t.Settings.SelfRegistration, t.Settings.AllowedEmailDomains,
			t.Settings.DefaultTimeZone, t.Settings.DefaultLanguage, tx.Now, nullID(t.AccountID), t.Audience, string(t.SuspendedBy), t.Listed)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanTenant); err != nil {
			return err
		}
		if err := emitPortalCreated(ctx, tx, out); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "tenant.create", out.Slug, map[string]any{"name": out.Name, "plan": out.Plan})
	})
	if err != nil {
		if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
			return tenant.Tenant{}, &apperr.Error{Code: apperr.ECONFLICT, Field: "slug", Message: "A portal with that web address already exists."}
		}
		return tenant.Tenant{}, fmt.Errorf("tenant: create: %w", err)
	}
	return out, nil
}

// UpdateTenant saves a portal's name, status, plan, seats, branding and
// settings. The slug does not change: links in sent mail point at it.
func (s *TenantService) UpdateTenant(ctx context.Context, t tenant.Tenant, by AuditActor) (tenant.Tenant, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return tenant.Tenant{}, err
	}
	var out tenant.Tenant
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			UPDATE tenants AS t SET name = $2, status = $3, plan = $4, seat_limit = $5, primary_color = $6,
				welcome_text = $7, contact_email = $8, self_registration = $9, allowed_email_domains = $10,
				default_time_zone = $11, default_language = $12, updated_at = $13, suspended_by = nullif($14, ''), listed = $15
			WHERE t.id = $1
			RETURNING `+tenantColumns,
			t.ID, t.Name, t.Status, t.Plan, t.SeatLimit, t.Branding.PrimaryColor, t.Branding.WelcomeText,
			t.Branding.ContactEmail, t.Settings.SelfRegistration, t.Settings.AllowedEmailDomains,
			t.Settings.DefaultTimeZone, t.Settings.DefaultLanguage, tx.Now, string(t.SuspendedBy), t.Listed)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanTenant); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "tenant.update", out.Slug, map[string]any{"status": out.Status, "suspended_by": out.SuspendedBy, "plan": out.Plan, "seat_limit": out.SeatLimit})
	})
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("tenant: update: %w", Error(err, "Portal"))
	}
	return out, nil
}

// SaveSettings saves what a portal's own administrator may change: its
// name, colour, welcome text and contact address, and its sign-up and
// locale settings. Slug, status, plan, seats and logo stay as stored,
// whatever t says: they are the platform's, or have their own form. The
// portal's audit log records which fields changed.
func (s *TenantService) SaveSettings(ctx context.Context, t tenant.Tenant, by AuditActor) (tenant.Tenant, error) {
	t.Normalize()
	if err := t.Validate(); err != nil {
		return tenant.Tenant{}, err
	}
	var out tenant.Tenant
	err := s.db.InTenantTx(ctx, t.ID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.id = $1 FOR UPDATE`, t.ID)
		if err != nil {
			return err
		}
		before, err := pgx.CollectExactlyOneRow(rows, scanTenant)
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			UPDATE tenants AS t SET name = $2, primary_color = $3, welcome_text = $4, contact_email = $5,
				self_registration = $6, allowed_email_domains = $7, default_time_zone = $8, default_language = $9,
				updated_at = $10
			WHERE t.id = $1
			RETURNING `+tenantColumns,
			t.ID, t.Name, t.Branding.PrimaryColor, t.Branding.WelcomeText, t.Branding.ContactEmail,
			t.Settings.SelfRegistration, t.Settings.AllowedEmailDomains, t.Settings.DefaultTimeZone,
			t.Settings.DefaultLanguage, tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanTenant); err != nil {
			return err
		}
		return audit(ctx, tx, t.ID, by, "settings.update", out.Name, map[string]any{"changed": changedSettings(before, out)})
	})
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("tenant: save settings: %w", Error(err, "Portal"))
	}
	return out, nil
}

// changedSettings names the settings fields that differ, as the form names
// them.
func changedSettings(a, b tenant.Tenant) []string {
	changed := []string{}
	add := func(field string, differs bool) {
		if differs {
			changed = append(changed, field)
		}
	}
	add("name", a.Name != b.Name)
	add("primary_color", a.Branding.PrimaryColor != b.Branding.PrimaryColor)
	add("welcome_text", a.Branding.WelcomeText != b.Branding.WelcomeText)
	add("contact_email", a.Branding.ContactEmail != b.Branding.ContactEmail)
	add("self_registration", a.Settings.SelfRegistration != b.Settings.SelfRegistration)
	add("allowed_email_domains", !slices.Equal(a.Settings.AllowedEmailDomains, b.Settings.AllowedEmailDomains))
	add("default_time_zone", a.Settings.DefaultTimeZone != b.Settings.DefaultTimeZone)
	add("default_language", a.Settings.DefaultLanguage != b.Settings.DefaultLanguage)
	return changed
}

// EnsureTenant creates the portal if its slug is free and returns it either
// way; the seed uses it so that running it twice changes nothing.
func (s *TenantService) EnsureTenant(ctx context.Context, t tenant.Tenant) (tenant.Tenant, error) {
	existing, err := s.FindTenantBySlug(ctx, t.Slug)
	if err == nil {
		return existing, nil
	}
	if apperr.Code(err) != apperr.ENOTFOUND {
		return tenant.Tenant{}, err
	}
	created, err := s.CreateTenant(ctx, t, AuditActor{Label: "seed"})
	if apperr.Code(err) == apperr.ECONFLICT { // created meanwhile by another seed
		return s.FindTenantBySlug(ctx, t.Slug)
	}
	return created, err
}

func hostWithoutPort(host string) string {
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		return host[:i]
	}
	return host
}

// SetLogo records the stored logo file of a portal.
func (s *TenantService) SetLogo(ctx context.Context, tenantID int64, file string, by AuditActor) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var slug string
		if err := tx.QueryRow(ctx, `UPDATE tenants SET logo_file = $2, updated_at = $3 WHERE id = $1 RETURNING slug`,
			tenantID, file, tx.Now).Scan(&slug); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "tenant.logo", slug, map[string]any{"file": file})
	})
	if err != nil {
		return fmt.Errorf("tenant: set logo: %w", Error(err, "Portal"))
	}
	return nil
}
