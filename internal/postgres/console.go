package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// ConsoleService serves the console on the platform host, where an
// account's admins run their portals and a reseller's run their clients'.
type ConsoleService struct {
	db *DB
}

// NewConsoleService returns the console store.
func NewConsoleService(db *DB) *ConsoleService { return &ConsoleService{db: db} }

// ConsoleMember is someone who signs in to the console, for an account or
// for a reseller (exactly one of the two).
type ConsoleMember struct {
	ID    int64
	Email string
	Name  string
	Org
	SessionEpoch int
	// The organisation's name, for the console's header.
	OrgName string
	// OrgSuspended: the operator suspended the member's account or
	// reseller. Sign-in and session lookup refuse such a member.
	OrgSuspended bool
}

// Org is whom a console member or an API key acts for: an account or a
// reseller, exactly one of the two.
type Org struct {
	AccountID  *int64
	ResellerID *int64
}

// IsReseller reports whether the org is a reseller.
func (o Org) IsReseller() bool { return o.ResellerID != nil }

const consoleMemberColumns = `m.id, m.email, m.name, m.account_id, m.reseller_id, m.session_epoch,
	coalesce(a.name, r.name), coalesce(a.status, r.status) = 'suspended'`

func scanConsoleMember(row pgx.Row, m *ConsoleMember, extra ...any) error {
	return row.Scan(append([]any{&m.ID, &m.Email, &m.Name, &m.AccountID, &m.ResellerID, &m.SessionEpoch, &m.OrgName, &m.OrgSuspended}, extra...)...)
}

// ErrConsoleSuspended answers a member of a suspended account or reseller.
var ErrConsoleSuspended = &apperr.Error{Code: apperr.EFORBIDDEN,
	Message: "Your organisation's console is suspended: it opens again once Upward reinstates it."}

const consoleMemberFrom = `console_members m
	LEFT JOIN accounts a ON a.id = m.account_id
	LEFT JOIN resellers r ON r.id = m.reseller_id`

// CreateConsoleMember adds an admin to an account (accountSlug) or to a
// reseller (resellerSlug): exactly one of the two.
func (s *ConsoleService) CreateConsoleMember(ctx context.Context, accountSlug, resellerSlug, email, name, password string, by AuditActor) (ConsoleMember, error) {
	f := apperr.Fields{}
	email, err := user.NormalizeEmail(email)
	addField(f, err)
	name, err = user.ValidateName(name)
	addField(f, err)
	addField(f, user.ValidatePassword(password))
	if (accountSlug == "") == (resellerSlug == "") {
		f.Add("account", "Name an account or a reseller, not both.")
	}
	if err := f.Err(); err != nil {
		return ConsoleMember{}, err
	}
	hash, err := user.HashPassword(password)
	if err != nil {
		return ConsoleMember{}, err
	}
	var m ConsoleMember
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO console_members (email, name, password_hash, account_id, reseller_id, created_at)
			VALUES ($1, $2, $3, (SELECT id FROM accounts WHERE slug = $4), (SELECT id FROM resellers WHERE slug = $5), $6)
			RETURNING id`, email, name, hash, nullText(accountSlug), nullText(resellerSlug), tx.Now).Scan(&id)
		if err != nil {
			return err
		}
		if err := scanConsoleMember(tx.QueryRow(ctx, `SELECT `+consoleMemberColumns+` FROM `+consoleMemberFrom+` WHERE m.id = $1`, id), &m); err != nil {
			return err
		}
		if m.AccountID == nil && m.ResellerID == nil {
			return &apperr.Error{Code: apperr.ENOTFOUND, Field: "account", Message: "No such account or reseller."}
		}
		return platformAudit(ctx, tx, by, "console.member.create", email, map[string]any{"account": accountSlug, "reseller": resellerSlug})
	})
	if err != nil {
		var pe *apperr.Error
		if errors.As(err, &pe) {
			return ConsoleMember{}, err
		}
		if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
			return ConsoleMember{}, apperr.Fields{"email": "Someone already signs in to the console with this address."}
		}
		if apperr.Code(Error(err, "")) == apperr.EINVALID { // the CHECK: the slug matched nothing
			return ConsoleMember{}, &apperr.Error{Code: apperr.ENOTFOUND, Field: "account", Message: "No such account or reseller."}
		}
		return ConsoleMember{}, fmt.Errorf("console: create member: %w", err)
	}
	return m, nil
}

// AuthenticateConsole checks a console member's address and password, in
// the same time whether or not the address is known.
func (s *ConsoleService) AuthenticateConsole(ctx context.Context, email, password string, by AuditActor) (ConsoleMember, error) {
	email = strings.TrimSpace(email)
	var m ConsoleMember
	var hash string
	err := scanConsoleMember(s.db.Pool.QueryRow(ctx, `SELECT `+consoleMemberColumns+`, m.password_hash FROM `+consoleMemberFrom+`
		WHERE lower(m.email) = lower($1)`, email), &m, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return ConsoleMember{}, fmt.Errorf("console: authenticate: %w", err)
	}
	ok := user.CheckPassword(password, hash)
	by.Label = email
	action := "console.signin"
	if !ok {
		action = "console.signin.failed"
	}
	if err := s.db.InTx(ctx, func(tx *Tx) error { return platformAudit(ctx, tx, by, action, email, nil) }); err != nil {
		return ConsoleMember{}, fmt.Errorf("console: authenticate: %w", err)
	}
	if !ok {
		return ConsoleMember{}, ErrBadCredentials
	}
	if m.OrgSuspended {
		return ConsoleMember{}, ErrConsoleSuspended
	}
	return m, nil
}

// FindConsoleMember returns a console member by id: a session's member on
// each request, so a suspension (ErrConsoleSuspended) ends it at once.
func (s *ConsoleService) FindConsoleMember(ctx context.Context, id int64) (ConsoleMember, error) {
	var m ConsoleMember
	err := scanConsoleMember(s.db.Pool.QueryRow(ctx, `SELECT `+consoleMemberColumns+` FROM `+consoleMemberFrom+` WHERE m.id = $1`, id), &m)
	if err != nil {
		return ConsoleMember{}, fmt.Errorf("console: find member: %w", Error(err, "Console member"))
	}
	if m.OrgSuspended {
		return ConsoleMember{}, ErrConsoleSuspended
	}
	return m, nil
}

// PortalUsage is a portal of the console with its figures.
type PortalUsage struct {
	Tenant           tenant.Tenant
	AccountName      string
	SeatsUsed        int
	ActiveLearners30 int // learners with a learning record in the last 30 days
	Enrolments       int
	Completions      int
}

// portalsOf is the condition on t (tenants) that keeps a member's portals:
// their account's, or their reseller's clients'.
const portalsOf = `(t.account_id = $1 OR t.reseller_id = $2)`

// FindConsolePortals lists the org's portals with their usage, counted
// from tables with tenant_id leading their indexes. The console reads
// tenant tables across its portals, so each count runs in its portal's
// transaction, one portal at a time: row-level security stays on.
func (s *ConsoleService) FindConsolePortals(ctx context.Context, m Org) ([]PortalUsage, error) {
	out, err := s.FindOrgPortals(ctx, m)
	if err != nil {
		return nil, err
	}
	for i := range out {
		if err := s.countUsage(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FindOrgPortals lists the org's portals with their accounts' names, by
// account and name, without counting their usage: one query.
func (s *ConsoleService) FindOrgPortals(ctx context.Context, m Org) ([]PortalUsage, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+tenantColumns+`, a.name FROM tenants t JOIN accounts a ON a.id = t.account_id
		WHERE `+portalsOf+` ORDER BY a.name, t.name, t.id`, m.AccountID, m.ResellerID)
	if err != nil {
		return nil, fmt.Errorf("console: portals: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (PortalUsage, error) {
		var u PortalUsage
		err := scanTenantRow(row, &u.Tenant, &u.AccountName)
		return u, err
	})
	if err != nil {
		return nil, fmt.Errorf("console: portals: %w", err)
	}
	return out, nil
}

// countUsage fills in a portal's figures, in its own transaction.
func (s *ConsoleService) countUsage(ctx context.Context, u *PortalUsage) error {
	since := s.db.Now().Add(-30 * 24 * time.Hour)
	err := s.db.InTenantTx(ctx, u.Tenant.ID, func(tx *Tx) error {
		var limit int
		return tx.QueryRow(ctx, `SELECT `+seatsSQL+`,
			(SELECT count(DISTINCT user_id) FROM statements WHERE tenant_id = current_tenant_id() AND "timestamp" >= $1),
			(SELECT count(*) FROM enrolments WHERE tenant_id = current_tenant_id() AND status <> 'withdrawn'),
			(SELECT count(*) FROM enrolments WHERE tenant_id = current_tenant_id() AND completed_at IS NOT NULL)`, since).
			Scan(&u.SeatsUsed, &limit, &u.ActiveLearners30, &u.Enrolments, &u.Completions)
	})
	if err != nil {
		return fmt.Errorf("console: usage of %s: %w", u.Tenant.Slug, err)
	}
	return nil
}

// FindConsolePortal returns one of the org's portals; another's is not
// found.
func (s *ConsoleService) FindConsolePortal(ctx context.Context, m Org, id int64) (tenant.Tenant, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+tenantColumns+` FROM tenants t WHERE t.id = $3 AND `+portalsOf, m.AccountID, m.ResellerID, id)
	if err != nil {
		return tenant.Tenant{}, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTenant)
	if err != nil {
		return tenant.Tenant{}, fmt.Errorf("console: portal: %w", Error(err, "Portal"))
	}
	return t, nil
}
