package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
)

// APIKeyService stores the REST API's portal keys and the responses kept
// for idempotent retries. Portal keys are tenant-owned; the platform
// registry api_keys only reserves each id for its scope.
type APIKeyService struct {
	db *DB
}

// NewAPIKeyService returns the API key store.
func NewAPIKeyService(db *DB) *APIKeyService { return &APIKeyService{db: db} }

// ErrBadKey is the one answer to a key that is malformed, unknown,
// revoked, of another portal or with a wrong secret: which of these it was
// is not told.
var ErrBadKey = &apperr.Error{Code: apperr.EUNAUTHORIZED,
	Message: "The API key is missing or not valid for this portal. Send an active key of this portal as “Authorization: Bearer upw_…”."}

const portalKeyColumns = `k.id, k.name, k.tenant_id, k.permissions, k.created_at, coalesce(u.name, ''), k.revoked_at, k.last_used_at`

func scanPortalKey(row pgx.CollectableRow) (apikey.Key, error) {
	k := apikey.Key{Scope: apikey.ScopePortal}
	var perms []string
	err := row.Scan(&k.ID, &k.Name, &k.ScopeID, &perms, &k.CreatedAt, &k.CreatedBy, &k.RevokedAt, &k.LastUsedAt)
	for _, p := range perms {
		k.Permissions = append(k.Permissions, apikey.Permission(p))
	}
	return k, err
}

func permissionsText(perms []apikey.Permission) []string {
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	return out
}

// CreatePortalKey makes a key for the portal with the permissions given
// and returns it with its token, which is shown once and never stored.
func (s *APIKeyService) CreatePortalKey(ctx context.Context, tenantID int64, name string, perms []apikey.Permission, by AuditActor) (apikey.Key, string, error) {
	f := apperr.Fields{}
	name, err := apikey.ValidateName(name)
	addField(f, err)
	perms, err = apikey.ValidatePermissions(apikey.ScopePortal, perms)
	addField(f, err)
	if err := f.Err(); err != nil {
		return apikey.Key{}, "", err
	}
	id, token, hash := apikey.New()
	var k apikey.Key
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO api_keys (id, scope_type, scope_id, created_at) VALUES ($1, 'portal', $2, $3)`,
			id, tenantID, tx.Now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO portal_api_keys (tenant_id, id, name, secret_hash, permissions, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			tenantID, id, name, hash, permissionsText(perms), nullID(by.UserID), tx.Now); err != nil {
			return err
		}
		var err error
		if k, err = findPortalKey(ctx, tx, tenantID, id); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "api_key.create", name, map[string]any{"key_id": id, "permissions": permissionsText(perms)})
	})
	if err != nil {
		return apikey.Key{}, "", fmt.Errorf("api key: create: %w", err)
	}
	return k, token, nil
}

func findPortalKey(ctx context.Context, tx *Tx, tenantID int64, id string) (apikey.Key, error) {
	rows, err := tx.Query(ctx, `SELECT `+portalKeyColumns+`
		FROM portal_api_keys k LEFT JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by
		WHERE k.tenant_id = $1 AND k.id = $2`, tenantID, id)
	if err != nil {
		return apikey.Key{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanPortalKey)
}

// FindPortalKeys lists the portal's keys, active ones first, newest first.
func (s *APIKeyService) FindPortalKeys(ctx context.Context, tenantID int64) ([]apikey.Key, error) {
	var out []apikey.Key
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+portalKeyColumns+`
			FROM portal_api_keys k LEFT JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by
			WHERE k.tenant_id = $1
			ORDER BY k.revoked_at IS NOT NULL, k.created_at DESC, k.id`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanPortalKey)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("api key: find: %w", err)
	}
	return out, nil
}

// RevokePortalKey stops a key of the portal from working, at once and for
// good; revoking it again changes nothing. Another portal's key is not
// found.
func (s *APIKeyService) RevokePortalKey(ctx context.Context, tenantID int64, id string, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var name string
		err := tx.QueryRow(ctx, `
			UPDATE portal_api_keys SET revoked_at = $3, revoked_by = $4
			WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL
			RETURNING name`, tenantID, id, tx.Now, nullID(by.UserID)).Scan(&name)
		if errors.Is(err, pgx.ErrNoRows) {
			// Revoked already, or not a key of this portal.
			return tx.QueryRow(ctx, `SELECT name FROM portal_api_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id).Scan(&name)
		}
		if err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "api_key.revoke", name, map[string]any{"key_id": id})
	})
	if err != nil {
		return fmt.Errorf("api key: revoke: %w", Error(err, "API key"))
	}
	return nil
}

// AuthenticatePortalKey checks a bearer token against the portal's keys:
// the portal is known from the request's host, so the key is read inside
// the portal's transaction, where another portal's key does not exist.
// The secret's hash is compared in constant time. It notes the key's use,
// at most once a minute.
func (s *APIKeyService) AuthenticatePortalKey(ctx context.Context, tenantID int64, token string) (apikey.Key, error) {
	id, secret, ok := apikey.Parse(token)
	if !ok {
		return apikey.Key{}, ErrBadKey
	}
	var k apikey.Key
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var hash []byte
		var perms []string
		err := tx.QueryRow(ctx, `
			SELECT name, secret_hash, permissions, created_at, revoked_at, last_used_at
			FROM portal_api_keys WHERE tenant_id = $1 AND id = $2`, tenantID, id).
			Scan(&k.Name, &hash, &perms, &k.CreatedAt, &k.RevokedAt, &k.LastUsedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			apikey.Matches(secret, make([]byte, 32)) // the same work as for a known id
			return ErrBadKey
		}
		if err != nil {
			return err
		}
		if !apikey.Matches(secret, hash) || k.RevokedAt != nil {
			return ErrBadKey
		}
		k.ID, k.Scope, k.ScopeID = id, apikey.ScopePortal, tenantID
		for _, p := range perms {
			k.Permissions = append(k.Permissions, apikey.Permission(p))
		}
		if k.LastUsedAt == nil || tx.Now.Sub(*k.LastUsedAt) >= apikey.LastUsedGranularity {
			if _, err := tx.Exec(ctx, `UPDATE portal_api_keys SET last_used_at = $3 WHERE tenant_id = $1 AND id = $2`,
				tenantID, id, tx.Now); err != nil {
				return err
			}
			k.LastUsedAt = &tx.Now
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrBadKey) {
			return apikey.Key{}, ErrBadKey
		}
		return apikey.Key{}, fmt.Errorf("api key: authenticate: %w", err)
	}
	return k, nil
}

// Idempotency-Key bookkeeping.
const (
	// IdempotencyTTL is how long a response is kept for retries.
	IdempotencyTTL = 24 * time.Hour
)

// StoredResponse is a response kept for retries of the same request.
type StoredResponse struct {
	Status  int
	Headers map[string]string
	Body    []byte
}

// IdempotencyState is what BeginIdempotent found.
type IdempotencyState int

// What a request with an Idempotency-Key does.
const (
	// IdempotencyFirst: the first request with this key; do the work, then
	// FinishIdempotent (or AbandonIdempotent).
	IdempotencyFirst IdempotencyState = iota + 1
	// IdempotencyReplay: done before; send the stored response.
	IdempotencyReplay
	// IdempotencyMismatch: the key was used for another request.
	IdempotencyMismatch
	// IdempotencyInProgress: the first request is still running.
	IdempotencyInProgress
)

// idempotencySQL is one scope's table of kept responses: a portal key's
// are tenant rows (api_idempotency_keys, read in the portal's
// transaction), an account's or reseller's key's are platform rows
// (org_api_idempotency_keys). Key ids are unique across scopes. In every
// statement $1 is the API key's id and $2 the Idempotency-Key.
type idempotencySQL struct {
	sweep, claim, find, finish, abandon string
}

var portalIdempotency = idempotencySQL{
	sweep: `DELETE FROM api_idempotency_keys
		WHERE tenant_id = current_tenant_id() AND key_id = $1
			AND (created_at < $3::timestamptz - make_interval(secs => $4)
				OR (status IS NULL AND idempotency_key = $2 AND created_at < $3::timestamptz - make_interval(secs => $5)))`,
	claim: `INSERT INTO api_idempotency_keys (tenant_id, key_id, idempotency_key, request_hash, created_at)
		VALUES (current_tenant_id(), $1, $2, $3, $4) ON CONFLICT DO NOTHING`,
	find: `SELECT request_hash, status, headers, body FROM api_idempotency_keys
		WHERE tenant_id = current_tenant_id() AND key_id = $1 AND idempotency_key = $2`,
	finish: `UPDATE api_idempotency_keys SET status = $3, headers = $4, body = $5, completed_at = $6
		WHERE tenant_id = current_tenant_id() AND key_id = $1 AND idempotency_key = $2`,
	abandon: `DELETE FROM api_idempotency_keys
		WHERE tenant_id = current_tenant_id() AND key_id = $1 AND idempotency_key = $2 AND status IS NULL`,
}

var orgIdempotency = idempotencySQL{
	sweep: `DELETE FROM org_api_idempotency_keys
		WHERE key_id = $1
			AND (created_at < $3::timestamptz - make_interval(secs => $4)
				OR (status IS NULL AND idempotency_key = $2 AND created_at < $3::timestamptz - make_interval(secs => $5)))`,
	claim: `INSERT INTO org_api_idempotency_keys (key_id, idempotency_key, request_hash, created_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
	find: `SELECT request_hash, status, headers, body FROM org_api_idempotency_keys
		WHERE key_id = $1 AND idempotency_key = $2`,
	finish: `UPDATE org_api_idempotency_keys SET status = $3, headers = $4, body = $5, completed_at = $6
		WHERE key_id = $1 AND idempotency_key = $2`,
	abandon: `DELETE FROM org_api_idempotency_keys WHERE key_id = $1 AND idempotency_key = $2 AND status IS NULL`,
}

// inIdempotencyTx runs fn in the transaction where key k's kept responses
// live, with their SQL.
func (s *APIKeyService) inIdempotencyTx(ctx context.Context, k apikey.Key, fn func(tx *Tx, q idempotencySQL) error) error {
	if k.Scope == apikey.ScopePortal {
		return s.db.InTenantTx(ctx, k.ScopeID, func(tx *Tx) error { return fn(tx, portalIdempotency) })
	}
	return s.db.InTx(ctx, func(tx *Tx) error { return fn(tx, orgIdempotency) })
}

// BeginIdempotent claims an Idempotency-Key of API key k for a request
// (its hash: method, path and body). The claim is the row's insert, in a
// transaction of its own, so of two concurrent requests with the same key
// one claims it and the other finds it. Rows older than IdempotencyTTL are
// swept first, and so is a claim left running longer than abandonAfter (a
// crashed process), which lets the client's retry run again.
func (s *APIKeyService) BeginIdempotent(ctx context.Context, k apikey.Key, idemKey string, requestHash []byte, abandonAfter time.Duration) (IdempotencyState, StoredResponse, error) {
	var state IdempotencyState
	var stored StoredResponse
	err := s.inIdempotencyTx(ctx, k, func(tx *Tx, q idempotencySQL) error {
		if _, err := tx.Exec(ctx, q.sweep, k.ID, idemKey, tx.Now, IdempotencyTTL.Seconds(), abandonAfter.Seconds()); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, q.claim, k.ID, idemKey, requestHash, tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			state = IdempotencyFirst
			return nil
		}
		var hash, headers []byte
		var status *int
		if err := tx.QueryRow(ctx, q.find, k.ID, idemKey).Scan(&hash, &status, &headers, &stored.Body); err != nil {
			return err
		}
		switch {
		case !bytes.Equal(hash, requestHash):
			state = IdempotencyMismatch
		case status == nil:
			state = IdempotencyInProgress
		default:
			state, stored.Status = IdempotencyReplay, *status
			if len(headers) > 0 {
				if err := json.Unmarshal(headers, &stored.Headers); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, StoredResponse{}, fmt.Errorf("api: idempotency: %w", err)
	}
	return state, stored, nil
}

// FinishIdempotent stores the response of a claimed key for its retries.
func (s *APIKeyService) FinishIdempotent(ctx context.Context, k apikey.Key, idemKey string, res StoredResponse) error {
	headers, err := json.Marshal(res.Headers)
	if err != nil {
		return err
	}
	err = s.inIdempotencyTx(ctx, k, func(tx *Tx, q idempotencySQL) error {
		_, err := tx.Exec(ctx, q.finish, k.ID, idemKey, res.Status, headers, res.Body, tx.Now)
		return err
	})
	if err != nil {
		return fmt.Errorf("api: idempotency: finish: %w", err)
	}
	return nil
}

// AbandonIdempotent releases a claimed key whose request failed on our
// side, so that the client's retry runs again.
func (s *APIKeyService) AbandonIdempotent(ctx context.Context, k apikey.Key, idemKey string) error {
	err := s.inIdempotencyTx(ctx, k, func(tx *Tx, q idempotencySQL) error {
		_, err := tx.Exec(ctx, q.abandon, k.ID, idemKey)
		return err
	})
	if err != nil {
		return fmt.Errorf("api: idempotency: abandon: %w", err)
	}
	return nil
}
