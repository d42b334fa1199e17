package postgres

import (
	"context"
	"net/netip"
)

// AuditActor is who did something and from where, for the audit log.
type AuditActor struct {
	UserID     int64 // a portal user, or 0
	OperatorID int64 // a platform operator, or 0
	Label      string
	IP         string
}

func (a AuditActor) ip() *netip.Addr {
	if ip, err := netip.ParseAddr(a.IP); err == nil {
		return &ip
	}
	return nil
}

// nullText stores an empty string as NULL.
func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// audit records a portal event in the caller's tenant transaction.
func audit(ctx context.Context, tx *Tx, tenantID int64, by AuditActor, action, subject string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO audit_events (tenant_id, at, actor_id, actor_label, action, subject, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		tenantID, tx.Now, nullID(by.UserID), by.Label, action, subject, by.ip(), detail)
	return err
}

// platformAudit records a platform console event.
func platformAudit(ctx context.Context, tx *Tx, by AuditActor, action, subject string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO platform_audit_events (at, operator_id, actor_label, action, subject, ip, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		tx.Now, nullID(by.OperatorID), by.Label, action, subject, by.ip(), detail)
	return err
}
