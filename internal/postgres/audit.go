package postgres

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/auditlog"
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

// AuditService reads portals' audit logs.
type AuditService struct {
	db *DB
}

// NewAuditService returns the audit log reader on db.
func NewAuditService(db *DB) *AuditService { return &AuditService{db: db} }

// AuditPage is one page of a portal's audit log, newest first.
type AuditPage struct {
	Events []auditlog.Event
	// Older is where the next page starts; nil when these are the oldest.
	Older *auditlog.Cursor
}

// FindAuditEvents returns up to limit of the portal's events that pass the
// filter and are older than before (nil: from the newest).
func (s *AuditService) FindAuditEvents(ctx context.Context, tenantID int64, f auditlog.Filter, before *auditlog.Cursor, limit int) (AuditPage, error) {
	var page AuditPage
	sql, args := auditQuery(tenantID, f, before)
	args = append(args, limit+1) // one more says whether there is an older page
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, sql+` LIMIT $`+strconv.Itoa(len(args)), args...)
		if err != nil {
			return err
		}
		page.Events, err = pgx.CollectRows(rows, scanAuditEvent)
		return err
	})
	if err != nil {
		return AuditPage{}, fmt.Errorf("audit: find: %w", err)
	}
	if len(page.Events) > limit {
		page.Events = page.Events[:limit]
		c := auditlog.CursorOf(page.Events[limit-1])
		page.Older = &c
	}
	return page, nil
}

// EachAuditEvent calls fn with each of the portal's events that pass the
// filter, newest first, as PostgreSQL sends them: an export of any size is
// never held whole. An error from fn stops it and is returned.
func (s *AuditService) EachAuditEvent(ctx context.Context, tenantID int64, f auditlog.Filter, fn func(auditlog.Event) error) error {
	sql, args := auditQuery(tenantID, f, nil)
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAuditEvent(rows)
			if err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("audit: export: %w", err)
	}
	return nil
}

// auditQuery is the filtered log of one portal, newest first. The filter's
// parts are added only when set, so each query says exactly what it asks
// and its plan can use the (tenant_id, at, id) index.
func auditQuery(tenantID int64, f auditlog.Filter, before *auditlog.Cursor) (string, []any) {
	sql := `SELECT id, at, actor_label, action, subject, coalesce(host(ip), ''), detail::text
		FROM audit_events WHERE tenant_id = $1`
	args := []any{tenantID}
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Action != "" {
		p := param(f.Action)
		sql += ` AND (action = ` + p + ` OR starts_with(action, ` + p + ` || '.'))`
	}
	if f.Actor != "" {
		// strpos, not LIKE: the text is taken literally, % and _ included.
		sql += ` AND strpos(lower(actor_label), lower(` + param(f.Actor) + `)) > 0`
	}
	if !f.From.IsZero() {
		sql += ` AND at >= ` + param(f.From)
	}
	if !f.To.IsZero() {
		sql += ` AND at < ` + param(f.Until())
	}
	if before != nil {
		sql += ` AND (at, id) < (` + param(before.At) + `, ` + param(before.ID) + `)`
	}
	return sql + ` ORDER BY at DESC, id DESC`, args
}

func scanAuditEvent(row pgx.CollectableRow) (auditlog.Event, error) {
	var e auditlog.Event
	err := row.Scan(&e.ID, &e.At, &e.ActorLabel, &e.Action, &e.Subject, &e.IP, &e.Detail)
	return e, err
}
