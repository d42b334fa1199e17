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

// AccountService lets platform operators see and open accounts, the
// customer organisations that own portals. Accounts is a platform table.
type AccountService struct {
	db *DB
}

// NewAccountService returns the account store on db.
func NewAccountService(db *DB) *AccountService { return &AccountService{db: db} }

// AccountSummary is an account as the operators' list shows it.
type AccountSummary struct {
	ID           int64
	Slug         string
	Name         string
	ResellerName string // empty for a direct customer
	Status       string // active or suspended
	Portals      int
	Admins       int
	Invited      int // invitations to its console not yet accepted nor expired
	CreatedAt    time.Time
}

// FindAccounts lists up to limit accounts by name, with their counts.
func (s *AccountService) FindAccounts(ctx context.Context, limit int) ([]AccountSummary, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT a.id, a.slug, a.name, coalesce(r.name, ''), a.status,
			(SELECT count(*) FROM tenants t WHERE t.account_id = a.id),
			(SELECT count(*) FROM console_members m WHERE m.account_id = a.id),
			(SELECT count(*) FROM console_invitations i WHERE i.account_id = a.id AND i.used_at IS NULL AND i.expires_at > $2),
			a.created_at
		FROM accounts a LEFT JOIN resellers r ON r.id = a.reseller_id
		ORDER BY lower(a.name), a.id LIMIT $1`, limit, s.db.Now())
	if err != nil {
		return nil, fmt.Errorf("account: find: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountSummary, error) {
		var a AccountSummary
		return a, r.Scan(&a.ID, &a.Slug, &a.Name, &a.ResellerName, &a.Status, &a.Portals, &a.Admins, &a.Invited, &a.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("account: find: %w", err)
	}
	return out, nil
}

// Account statuses: a suspended account's console and API keys stop at
// once; its portals keep their own status.
const (
	AccountActive    = "active"
	AccountSuspended = "suspended"
)

// SetAccountStatus makes an account active or suspended.
func (s *AccountService) SetAccountStatus(ctx context.Context, id int64, status string, by AuditActor) (name string, err error) {
	if status != AccountActive && status != AccountSuspended {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "status", Message: "Choose active or suspended."}
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var slug string
		if err := tx.QueryRow(ctx, `UPDATE accounts SET status = $2 WHERE id = $1 RETURNING slug, name`, id, status).Scan(&slug, &name); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "account.status", slug, map[string]any{"account_id": id, "status": status})
	})
	if err != nil {
		return "", fmt.Errorf("account: set status: %w", Error(err, "Account"))
	}
	return name, nil
}

// NewAccount is an account an operator opens, with its first admin.
type NewAccount struct {
	Slug, Name string
	Admin      ConsoleInvite
}

// CreateAccount opens an account with no portal and invites its first
// admin to the console, in one transaction: the admin creates the
// account's portals there. Form fields: slug, name, admin_email,
// admin_name.
func (s *AccountService) CreateAccount(ctx context.Context, na NewAccount, by AuditActor) (int64, error) {
	slug, name := strings.ToLower(strings.TrimSpace(na.Slug)), strings.TrimSpace(na.Name)
	f := apperr.Fields{}
	addField(f, tenant.ValidateSlug(slug))
	if n := utf8.RuneCountInString(name); n == 0 || n > 200 {
		f.Add("name", "Enter a name of 1 to 200 characters.")
	}
	admin := checkConsoleInvite(f, na.Admin, "admin_email", "admin_name")
	if err := f.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := s.db.InTx(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO accounts (slug, name, created_at) VALUES ($1, $2, $3) RETURNING id`,
			slug, name, tx.Now).Scan(&id); err != nil {
			if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
				return apperr.Fields{"slug": "An account with that slug exists already."}
			}
			return err
		}
		if err := platformAudit(ctx, tx, by, "account.create", slug, map[string]any{"account_id": id, "name": name}); err != nil {
			return err
		}
		admin.ByOperator = true
		_, err := inviteConsoleMember(ctx, tx, Org{AccountID: &id}, admin, "admin_email", by)
		return err
	})
	if _, ok := apperr.FieldsOf(err); ok {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("account: create: %w", err)
	}
	return id, nil
}
