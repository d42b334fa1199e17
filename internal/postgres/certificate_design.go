package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/certificate"
)

// FindCertificateDesign returns how the portal's certificates look: its
// own design, or certificate.Default when it has chosen none.
func (s *TenantService) FindCertificateDesign(ctx context.Context, tenantID int64) (certificate.Design, error) {
	var d certificate.Design
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		d, err = findCertificateDesign(ctx, tx, tenantID)
		return err
	})
	if err != nil {
		return certificate.Design{}, fmt.Errorf("tenant: certificate design: %w", err)
	}
	return d, nil
}

func findCertificateDesign(ctx context.Context, tx *Tx, tenantID int64) (certificate.Design, error) {
	var d certificate.Design
	var accent *string
	err := tx.QueryRow(ctx, `
		SELECT layout, accent_color, show_logo, signature_file, signer_name, signer_title
		FROM certificate_designs WHERE tenant_id = $1`, tenantID).
		Scan(&d.Layout, &accent, &d.ShowLogo, &d.SignatureFile, &d.SignerName, &d.SignerTitle)
	if errors.Is(err, pgx.ErrNoRows) {
		return certificate.Default(), nil
	}
	if accent != nil {
		d.AccentColor = *accent
	}
	return d, err
}

// SaveCertificateDesign checks and stores the portal's certificate design
// and records the change in its audit log. d.SignatureFile is the stored
// signature (the caller stores a new upload first), empty for none.
func (s *TenantService) SaveCertificateDesign(ctx context.Context, tenantID int64, d certificate.Design, by AuditActor) (certificate.Design, error) {
	d.Normalize()
	if err := d.Validate(); err != nil {
		return certificate.Design{}, err
	}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO certificate_designs (tenant_id, layout, accent_color, show_logo, signature_file, signer_name, signer_title, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (tenant_id) DO UPDATE SET layout = $2, accent_color = $3, show_logo = $4,
				signature_file = $5, signer_name = $6, signer_title = $7, updated_at = $8`,
			tenantID, d.Layout, nullText(d.AccentColor), d.ShowLogo, d.SignatureFile, d.SignerName, d.SignerTitle, tx.Now); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "certificate.design", string(d.Layout), map[string]any{
			"layout": d.Layout, "accent_color": d.AccentColor, "show_logo": d.ShowLogo,
			"signature_file": d.SignatureFile, "signer_name": d.SignerName, "signer_title": d.SignerTitle,
		})
	})
	if err != nil {
		return certificate.Design{}, fmt.Errorf("tenant: save certificate design: %w", Error(err, "Portal"))
	}
	return d, nil
}
