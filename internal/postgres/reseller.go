package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

// Reseller is a partner who sells portals to its own clients; a portal's
// reseller_id points at it.
type Reseller struct {
	ID                 int64
	Slug, Name, Status string
	// WhiteLabel is what its clients' portals show: Name is the display
	// name, or the reseller's name when it has set none.
	WhiteLabel tenant.WhiteLabel
	CreatedAt  time.Time
}

// Reseller statuses, as stored.
const (
	ResellerActive    = "active"
	ResellerSuspended = "suspended"
)

// ResellerService stores resellers. Resellers is a platform table: no
// tenant is set in its transactions, and only platform code paths reach it.
type ResellerService struct {
	db *DB
}

// NewResellerService returns the reseller store on db.
func NewResellerService(db *DB) *ResellerService { return &ResellerService{db: db} }

const resellerColumns = `r.id, r.slug, r.name, r.status, r.created_at,
	coalesce(nullif(r.display_name, ''), r.name), coalesce(r.logo_file, ''), r.support_email, coalesce(r.base_domain, '')`

func scanReseller(row pgx.CollectableRow) (Reseller, error) {
	var r Reseller
	w := &r.WhiteLabel
	err := row.Scan(&r.ID, &r.Slug, &r.Name, &r.Status, &r.CreatedAt, &w.Name, &w.LogoFile, &w.SupportEmail, &w.BaseDomain)
	return r, err
}

// CreateReseller adds an active reseller; the slug's uniqueness is the
// database's to decide.
func (s *ResellerService) CreateReseller(ctx context.Context, slug, name string, by AuditActor) (Reseller, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	name = strings.TrimSpace(name)
	f := apperr.Fields{}
	addField(f, tenant.ValidateSlug(slug))
	if n := utf8.RuneCountInString(name); n == 0 || n > 200 {
		f.Add("name", "Enter a name of 1 to 200 characters.")
	}
	if err := f.Err(); err != nil {
		return Reseller{}, err
	}
	var out Reseller
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO resellers AS r (slug, name, status, created_at)
			VALUES ($1, $2, $3, $4)
			RETURNING `+resellerColumns, slug, name, ResellerActive, tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanReseller); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "reseller.create", out.Slug, map[string]any{"reseller_id": out.ID, "name": out.Name})
	})
	if err != nil {
		if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
			return Reseller{}, &apperr.Error{Code: apperr.ECONFLICT, Field: "slug", Message: "A reseller with that short name already exists."}
		}
		return Reseller{}, fmt.Errorf("reseller: create: %w", err)
	}
	return out, nil
}

// FindResellers returns up to limit resellers ordered by name.
func (s *ResellerService) FindResellers(ctx context.Context, limit int) ([]Reseller, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+resellerColumns+` FROM resellers r ORDER BY r.name, r.id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("reseller: find: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanReseller)
	if err != nil {
		return nil, fmt.Errorf("reseller: find: %w", err)
	}
	return out, nil
}

// FindResellerByID returns one reseller.
func (s *ResellerService) FindResellerByID(ctx context.Context, id int64) (Reseller, error) {
	return s.findOne(ctx, `SELECT `+resellerColumns+` FROM resellers r WHERE r.id = $1`, id)
}

func (s *ResellerService) findOne(ctx context.Context, sql string, arg any) (Reseller, error) {
	rows, err := s.db.Pool.Query(ctx, sql, arg)
	if err != nil {
		return Reseller{}, fmt.Errorf("reseller: find: %w", err)
	}
	r, err := pgx.CollectExactlyOneRow(rows, scanReseller)
	if err != nil {
		return Reseller{}, fmt.Errorf("reseller: find: %w", Error(err, "Reseller"))
	}
	return r, nil
}

// SetResellerStatus makes a reseller active or suspended.
func (s *ResellerService) SetResellerStatus(ctx context.Context, id int64, status string, by AuditActor) (Reseller, error) {
	if status != ResellerActive && status != ResellerSuspended {
		return Reseller{}, &apperr.Error{Code: apperr.EINVALID, Field: "status", Message: "Choose active or suspended."}
	}
	var out Reseller
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `UPDATE resellers AS r SET status = $2 WHERE r.id = $1 RETURNING `+resellerColumns, id, status)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanReseller); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "reseller.status", out.Slug, map[string]any{"reseller_id": out.ID, "status": out.Status})
	})
	if err != nil {
		return Reseller{}, fmt.Errorf("reseller: set status: %w", Error(err, "Reseller"))
	}
	return out, nil
}

// EnsureReseller creates the reseller if its slug is free and returns it
// either way; the seed uses it so that running it twice changes nothing.
func (s *ResellerService) EnsureReseller(ctx context.Context, slug, name string) (Reseller, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	find := func() (Reseller, error) {
		return s.findOne(ctx, `SELECT `+resellerColumns+` FROM resellers r WHERE r.slug = $1`, slug)
	}
	existing, err := find()
	if err == nil {
		return existing, nil
	}
	if apperr.Code(err) != apperr.ENOTFOUND {
		return Reseller{}, err
	}
	created, err := s.CreateReseller(ctx, slug, name, AuditActor{Label: "seed"})
	if apperr.Code(err) == apperr.ECONFLICT { // created meanwhile by another seed
		return find()
	}
	return created, err
}

// SaveResellerBranding sets the name and support address a reseller's
// clients see, and its logo when logoFile is not empty (the file is stored
// already, under a name of its content). The platform's audit log records
// the fields that changed.
func (s *ResellerService) SaveResellerBranding(ctx context.Context, id int64, w tenant.WhiteLabel, logoFile string, by AuditActor) (Reseller, error) {
	w.Normalize()
	if err := w.Validate(); err != nil {
		return Reseller{}, err
	}
	var out Reseller
	err := s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+resellerColumns+` FROM resellers r WHERE r.id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		before, err := pgx.CollectExactlyOneRow(rows, scanReseller)
		if err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			UPDATE resellers AS r SET display_name = $2, support_email = $3, logo_file = coalesce(nullif($4, ''), r.logo_file)
			WHERE r.id = $1 RETURNING `+resellerColumns, id, w.Name, w.SupportEmail, logoFile)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanReseller); err != nil {
			return err
		}
		changed := map[string]any{}
		if out.WhiteLabel.Name != before.WhiteLabel.Name {
			changed["name"] = out.WhiteLabel.Name
		}
		if out.WhiteLabel.SupportEmail != before.WhiteLabel.SupportEmail {
			changed["support_email"] = out.WhiteLabel.SupportEmail
		}
		if out.WhiteLabel.LogoFile != before.WhiteLabel.LogoFile {
			changed["logo_file"] = out.WhiteLabel.LogoFile
		}
		if len(changed) == 0 {
			return nil
		}
		changed["reseller_id"] = out.ID
		return platformAudit(ctx, tx, by, "reseller.branding", out.Slug, changed)
	})
	if err != nil {
		return Reseller{}, fmt.Errorf("reseller: save branding: %w", Error(err, "Reseller"))
	}
	return out, nil
}

// SetResellerDomain sets the base domain under which the reseller's
// clients' portals are served ({slug}.{domain}), or clears it when domain
// is empty. It is checked like a portal's custom domain (a plain host name,
// not the platform's BASE_DOMAIN or under it); no other reseller may have
// it (the unique key decides), and no portal's verified custom domain may
// be it or lie under it, which would make a host name mean two portals.
// Pending requests for such names are withdrawn: a request alone must
// not hold a name the platform gives a reseller.
func (s *ResellerService) SetResellerDomain(ctx context.Context, id int64, domain, baseDomain string, by AuditActor) (Reseller, error) {
	var name *string // NULL clears
	if strings.TrimSpace(domain) != "" {
		d, err := tenant.ValidateCustomDomain(domain, baseDomain)
		if err != nil {
			return Reseller{}, err
		}
		name = &d
	}
	var out Reseller
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if name != nil {
			var taken bool
			if err := tx.QueryRow(ctx, `
				SELECT EXISTS (SELECT 1 FROM tenant_domains d WHERE (d.domain = $1 OR d.domain LIKE '%.' || $1) AND d.verified_at IS NOT NULL)`, *name).Scan(&taken); err != nil {
				return err
			}
			if taken {
				return &apperr.Error{Code: apperr.EINVALID, Field: "domain", Message: *name + " or a name under it is a portal's custom domain; choose another."}
			}
			withdrawn, err := tx.Query(ctx, `DELETE FROM tenant_domains d
				WHERE (d.domain = $1 OR d.domain LIKE '%.' || $1) AND d.verified_at IS NULL RETURNING d.domain`, *name)
			if err != nil {
				return err
			}
			names, err := pgx.CollectRows(withdrawn, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if len(names) > 0 {
				if err := platformAudit(ctx, tx, by, "tenant.domain.withdraw", *name, map[string]any{"reseller_id": id, "pending": names}); err != nil {
					return err
				}
			}
		}
		var before string
		if err := tx.QueryRow(ctx, `SELECT coalesce(base_domain, '') FROM resellers WHERE id = $1 FOR UPDATE`, id).Scan(&before); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE resellers AS r SET base_domain = $2 WHERE r.id = $1 RETURNING `+resellerColumns, id, name)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanReseller); err != nil {
			return err
		}
		if before == out.WhiteLabel.BaseDomain {
			return nil
		}
		return platformAudit(ctx, tx, by, "reseller.domain", out.Slug,
			map[string]any{"reseller_id": out.ID, "domain": out.WhiteLabel.BaseDomain, "previous": before})
	})
	if err != nil {
		if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
			return Reseller{}, &apperr.Error{Code: apperr.EINVALID, Field: "domain", Message: "Another reseller has that base domain."}
		}
		return Reseller{}, fmt.Errorf("reseller: set domain: %w", Error(err, "Reseller"))
	}
	return out, nil
}
