package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
)

// Account and reseller keys: they provision and manage the organisation's
// portals over the API on the platform host. They are platform rows
// (org_api_keys), and every query names the organisation.

// ErrBadOrgKey is the one answer to a key that is malformed, unknown,
// revoked, a portal's or with a wrong secret.
var ErrBadOrgKey = &apperr.Error{Code: apperr.EUNAUTHORIZED,
	Message: "The API key is missing or not an active account or reseller key. Send one as “Authorization: Bearer upw_…”; portal keys work on their portal's host."}

// OrgOf is the organisation an account or reseller key acts for.
func OrgOf(k apikey.Key) Org {
	id := k.ScopeID
	if k.Scope == apikey.ScopeReseller {
		return Org{ResellerID: &id}
	}
	return Org{AccountID: &id}
}

// orgKeyScope is the scope of the org's keys and its id.
func orgKeyScope(o Org) (apikey.Scope, int64) {
	if o.ResellerID != nil {
		return apikey.ScopeReseller, *o.ResellerID
	}
	return apikey.ScopeAccount, *o.AccountID
}

const orgKeyColumns = `k.id, k.name, CASE WHEN k.reseller_id IS NULL THEN 'account' ELSE 'reseller' END,
	coalesce(k.account_id, k.reseller_id), k.permissions, k.created_at, coalesce(m.name, ''), k.revoked_at, k.last_used_at`

func scanOrgKey(row pgx.CollectableRow) (apikey.Key, error) { return scanOrgKeyWith(row) }

// scanOrgKeyWith scans orgKeyColumns, then the extra columns.
func scanOrgKeyWith(row pgx.Row, extra ...any) (apikey.Key, error) {
	var k apikey.Key
	var perms []string
	err := row.Scan(append([]any{&k.ID, &k.Name, &k.Scope, &k.ScopeID, &perms, &k.CreatedAt, &k.CreatedBy, &k.RevokedAt, &k.LastUsedAt}, extra...)...)
	for _, p := range perms {
		k.Permissions = append(k.Permissions, apikey.Permission(p))
	}
	return k, err
}

// orgKeysOf is the condition on k (org_api_keys) that keeps an org's keys.
const orgKeysOf = `(k.account_id = $1 OR k.reseller_id = $2)`

// CreateOrgKey makes a key of the organisation, made by console member
// memberID, and returns it with its token, shown once and never stored.
func (s *APIKeyService) CreateOrgKey(ctx context.Context, o Org, memberID int64, name string, perms []apikey.Permission, by AuditActor) (apikey.Key, string, error) {
	scope, scopeID := orgKeyScope(o)
	f := apperr.Fields{}
	name, err := apikey.ValidateName(name)
	addField(f, err)
	perms, err = apikey.ValidatePermissions(scope, perms)
	addField(f, err)
	if err := f.Err(); err != nil {
		return apikey.Key{}, "", err
	}
	id, token, hash := apikey.New()
	var k apikey.Key
	err = s.db.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_keys (id, scope_type, scope_id, created_at) VALUES ($1, $2, $3, $4)`,
			id, scope, scopeID, tx.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO org_api_keys (id, account_id, reseller_id, name, secret_hash, permissions, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			id, o.AccountID, o.ResellerID, name, hash, permissionsText(perms), nullID(memberID), tx.Now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+orgKeyColumns+` FROM org_api_keys k LEFT JOIN console_members m ON m.id = k.created_by
			WHERE `+orgKeysOf+` AND k.id = $3`, o.AccountID, o.ResellerID, id)
		if err != nil {
			return err
		}
		if k, err = pgx.CollectExactlyOneRow(rows, scanOrgKey); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "api_key.create", name, map[string]any{"key_id": id, "scope": scope, "scope_id": scopeID, "permissions": permissionsText(perms)})
	})
	if err != nil {
		return apikey.Key{}, "", fmt.Errorf("api key: create: %w", err)
	}
	return k, token, nil
}

// FindOrgKeys lists the organisation's keys, active ones first, newest
// first.
func (s *APIKeyService) FindOrgKeys(ctx context.Context, o Org) ([]apikey.Key, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+orgKeyColumns+` FROM org_api_keys k LEFT JOIN console_members m ON m.id = k.created_by
		WHERE `+orgKeysOf+`
		ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC, k.id`, o.AccountID, o.ResellerID)
	if err != nil {
		return nil, fmt.Errorf("api key: find: %w", err)
	}
	out, err := pgx.CollectRows(rows, scanOrgKey)
	if err != nil {
		return nil, fmt.Errorf("api key: find: %w", err)
	}
	return out, nil
}

// RevokeOrgKey stops a key of the organisation from working, at once and
// for good; revoking it again changes nothing. Another's key is not found.
func (s *APIKeyService) RevokeOrgKey(ctx context.Context, o Org, memberID int64, id string, by AuditActor) error {
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var name string
		err := tx.QueryRow(ctx, `
			UPDATE org_api_keys k SET revoked_at = $4, revoked_by = $5
			WHERE `+orgKeysOf+` AND k.id = $3 AND k.revoked_at IS NULL
			RETURNING k.name`, o.AccountID, o.ResellerID, id, tx.Now, nullID(memberID)).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			// Revoked already, or not a key of this organisation.
			return tx.QueryRow(ctx, `SELECT k.name FROM org_api_keys k WHERE `+orgKeysOf+` AND k.id = $3`, o.AccountID, o.ResellerID, id).Scan(&name)
		}
		if err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "api_key.revoke", name, map[string]any{"key_id": id})
	})
	if err != nil {
		return fmt.Errorf("api key: revoke: %w", Error(err, "API key"))
	}
	return nil
}

// ErrOrgSuspended answers the keys of a suspended account or reseller.
var ErrOrgSuspended = &apperr.Error{Code: apperr.EFORBIDDEN,
	Message: "This organisation is suspended: its API keys work again once Upward reinstates it."}

// AuthenticateOrgKey checks a bearer token against the account and
// reseller keys, comparing the secret's hash in constant time, and notes
// the key's use at most once a minute. A suspended reseller's key is
// refused with ErrOrgSuspended, as is a suspended account's.
func (s *APIKeyService) AuthenticateOrgKey(ctx context.Context, token string) (apikey.Key, error) {
	id, secret, ok := apikey.Parse(token)
	if !ok {
		return apikey.Key{}, ErrBadOrgKey
	}
	var k apikey.Key
	err := s.db.InTx(ctx, func(tx *Tx) error {
		var hash []byte
		var orgStatus *string
		var err error
		k, err = scanOrgKeyWith(tx.QueryRow(ctx, `SELECT `+orgKeyColumns+`, k.secret_hash, coalesce(a.status, r.status)
			FROM org_api_keys k LEFT JOIN console_members m ON m.id = k.created_by LEFT JOIN resellers r ON r.id = k.reseller_id
				LEFT JOIN accounts a ON a.id = k.account_id
			WHERE k.id = $1`, id), &hash, &orgStatus)
		if errors.Is(err, pgx.ErrNoRows) {
			apikey.Matches(secret, make([]byte, 32)) // the same work as for a known id
			return ErrBadOrgKey
		}
		if err != nil {
			return err
		}
		if !apikey.Matches(secret, hash) || k.RevokedAt != nil {
			return ErrBadOrgKey
		}
		if orgStatus != nil && *orgStatus != ResellerActive {
			return ErrOrgSuspended
		}
		if k.LastUsedAt == nil || tx.Now.Sub(*k.LastUsedAt) >= apikey.LastUsedGranularity {
			if _, err := tx.Exec(ctx, `UPDATE org_api_keys SET last_used_at = $2 WHERE id = $1`, id, tx.Now); err != nil {
				return err
			}
			k.LastUsedAt = &tx.Now
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadOrgKey) || errors.Is(err, ErrOrgSuspended) {
			return apikey.Key{}, err
		}
		return apikey.Key{}, fmt.Errorf("api key: authenticate: %w", err)
	}
	return k, nil
}
