package postgres_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestPortalAPIKeys(t *testing.T) {
	t.Parallel()
	f := newGroupFixture(t)
	ctx := context.Background()
	by := postgres.AuditActor{UserID: f.ann.ID, Label: "ann"}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return now }
	keys := postgres.NewAPIKeyService(f.db)
	k, token, err := keys.CreatePortalKey(ctx, f.acme.ID, " HR sync ", []apikey.Permission{apikey.UsersWrite, apikey.UsersRead}, by)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("OnlyTheSecretsHashIsStored", func(t *testing.T) {
		var hash []byte
		var scope string
		f.db.InTenantTx(ctx, f.acme.ID, func(tx *postgres.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT scope_type || ':' || scope_id FROM api_keys WHERE id = $1`, k.ID).Scan(&scope); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT secret_hash FROM portal_api_keys WHERE id = $1`, k.ID).Scan(&hash)
		})
		_, secret, _ := apikey.Parse(token)
		if !apikey.Matches(secret, hash) || string(hash) == secret {
			t.Error("the stored hash is not the secret's")
		}
		if want := "portal:" + strconv.FormatInt(f.acme.ID, 10); scope != want {
			t.Errorf("registry scope %q, want %q", scope, want)
		}
		if k.Name != "HR sync" || k.CreatedBy != f.ann.Name || len(k.Permissions) != 2 || k.Permissions[0] != apikey.UsersRead {
			t.Errorf("key %+v", k)
		}
	})
	t.Run("AuthenticatesOnItsPortalOnly", func(t *testing.T) {
		got, err := keys.AuthenticatePortalKey(ctx, f.acme.ID, token)
		if err != nil || got.ID != k.ID || !got.Can(apikey.UsersWrite) || got.Can(apikey.GroupsRead) {
			t.Fatalf("got %+v, %v", got, err)
		}
		if _, err := keys.AuthenticatePortalKey(ctx, f.globex.ID, token); !errors.Is(err, postgres.ErrBadKey) {
			t.Errorf("on globex: %v", err)
		}
		for _, bad := range []string{"", "upw_", token + "x", token[:len(token)-2] + "aa"} {
			if _, err := keys.AuthenticatePortalKey(ctx, f.acme.ID, bad); !errors.Is(err, postgres.ErrBadKey) && bad != token {
				t.Errorf("%q: %v", bad, err)
			}
		}
	})
	t.Run("LastUsedMovesOnAtMostOnceAMinute", func(t *testing.T) {
		lastUsed := func() time.Time {
			all, err := keys.FindPortalKeys(ctx, f.acme.ID)
			if err != nil || len(all) != 1 || all[0].LastUsedAt == nil {
				t.Fatalf("keys %+v, %v", all, err)
			}
			return *all[0].LastUsedAt
		}
		first := lastUsed()
		now = now.Add(40 * time.Second)
		keys.AuthenticatePortalKey(ctx, f.acme.ID, token)
		if got := lastUsed(); !got.Equal(first) {
			t.Errorf("moved after 40 s: %v -> %v", first, got)
		}
		now = now.Add(30 * time.Second)
		keys.AuthenticatePortalKey(ctx, f.acme.ID, token)
		if got := lastUsed(); !got.Equal(now) {
			t.Errorf("after 70 s: %v, want %v", got, now)
		}
	})
	t.Run("RevokedKeysStopAtOnce", func(t *testing.T) {
		if err := keys.RevokePortalKey(ctx, f.globex.ID, k.ID, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("revoked from globex: %v", err)
		}
		if _, err := keys.AuthenticatePortalKey(ctx, f.acme.ID, token); err != nil {
			t.Fatalf("globex's revocation touched it: %v", err)
		}
		for range 2 {
			if err := keys.RevokePortalKey(ctx, f.acme.ID, k.ID, by); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := keys.AuthenticatePortalKey(ctx, f.acme.ID, token); !errors.Is(err, postgres.ErrBadKey) {
			t.Errorf("revoked key: %v", err)
		}
		var n int
		f.db.InTenantTx(ctx, f.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE action = 'api_key.revoke'`).Scan(&n)
		})
		if n != 1 {
			t.Errorf("%d revocations logged", n)
		}
	})
	t.Run("BadInputIsAFieldError", func(t *testing.T) {
		_, _, err := keys.CreatePortalKey(ctx, f.acme.ID, "", []apikey.Permission{"users:delete"}, by)
		fields, ok := apperr.FieldsOf(err)
		if !ok || fields["name"] == "" || fields["permissions"] == "" {
			t.Errorf("err %v", err)
		}
	})
}
