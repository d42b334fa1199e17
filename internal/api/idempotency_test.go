package api_test

import (
	"bytes"
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	ctx := context.Background()
	key := e.key(e.acme.Tenant)
	countWhere := func(sql string, args ...any) int {
		var n int
		e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, sql, args...).Scan(&n)
		})
		return n
	}

	t.Run("ARetryWithTheSameKeyAndBodyGetsTheSameResponseAndInvitesOnce", func(t *testing.T) {
		body := map[string]any{"email": "once@acme.test", "name": "Once"}
		first := e.call(t, "acme", "POST", "/api/v1/users", key, body, "Idempotency-Key", "invite-once")
		if first.status != http.StatusCreated {
			t.Fatalf("first: %d %s", first.status, first.body)
		}
		for range 2 {
			again := e.call(t, "acme", "POST", "/api/v1/users", key, body, "Idempotency-Key", "invite-once")
			if again.status != first.status || !bytes.Equal(again.body, first.body) || again.header.Get("Location") != first.header.Get("Location") {
				t.Errorf("retry: %d %s, first %d %s", again.status, again.body, first.status, first.body)
			}
			if again.header.Get("Idempotent-Replayed") != "true" {
				t.Error("the retry is not marked Idempotent-Replayed")
			}
		}
		if n := countWhere(`SELECT count(*) FROM users WHERE email = 'once@acme.test'`); n != 1 {
			t.Errorf("%d accounts", n)
		}
		if mails := countWhere(`SELECT count(*) FROM mail_outbox WHERE to_address = 'once@acme.test'`); mails != 1 {
			t.Errorf("%d invitations mailed", mails)
		}
	})
	t.Run("TheSameKeyWithAnotherBodyIs422", func(t *testing.T) {
		e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Alpha"}, "Idempotency-Key", "group-1")
		r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Beta"}, "Idempotency-Key", "group-1")
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.status)
		}
		isProblem(t, r, "idempotency-mismatch")
		if f := r.fieldsAtFault(t); len(f) != 1 || f[0] != "Idempotency-Key" {
			t.Errorf("fields %v", f)
		}
		if n := countWhere(`SELECT count(*) FROM groups WHERE name = 'Beta'`); n != 0 {
			t.Error("the second body was acted on")
		}
	})
	t.Run("TheSameKeyOnAnotherPathIs422", func(t *testing.T) {
		r := e.call(t, "acme", "POST", "/api/v1/users", key, map[string]any{"name": "Alpha"}, "Idempotency-Key", "group-1")
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.status)
		}
		isProblem(t, r, "idempotency-mismatch")
	})
	t.Run("AnInvalidRequestIsAnsweredTheSameOnRetry", func(t *testing.T) {
		first := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": ""}, "Idempotency-Key", "bad-group")
		again := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": ""}, "Idempotency-Key", "bad-group")
		if first.status != http.StatusUnprocessableEntity || again.status != first.status || !bytes.Equal(first.body, again.body) {
			t.Errorf("first %d %s, retry %d %s", first.status, first.body, again.status, again.body)
		}
	})
	t.Run("EachAPIKeyHasItsOwnIdempotencyKeys", func(t *testing.T) {
		other := e.key(e.acme.Tenant)
		r := e.call(t, "acme", "POST", "/api/v1/groups", other, map[string]any{"name": "Gamma"}, "Idempotency-Key", "group-1")
		if r.status != http.StatusCreated || r.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("status %d, replayed %q", r.status, r.header.Get("Idempotent-Replayed"))
		}
	})
	t.Run("WithoutAKeyAPostIsNotDeduplicated", func(t *testing.T) {
		for range 2 {
			e.call(t, "acme", "POST", "/api/v1/users", key, map[string]any{"email": "twice@acme.test", "name": "Twice"})
		}
		r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Alpha"})
		if r.status != http.StatusConflict {
			t.Errorf("a second group of the same name: %d", r.status)
		}
	})
	t.Run("ConcurrentDuplicatesRunOnce", func(t *testing.T) {
		const n = 12
		var wg sync.WaitGroup
		results := make([]response, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				results[i] = e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Concurrent", "kind": "cohort"}, "Idempotency-Key", "concurrent")
			}()
		}
		close(start)
		wg.Wait()
		var created []response
		for _, r := range results {
			switch r.status {
			case http.StatusCreated:
				created = append(created, r)
			case http.StatusConflict:
				isProblem(t, r, "idempotency-in-progress")
				if r.header.Get("Retry-After") == "" {
					t.Error("no Retry-After on a request in progress")
				}
			default:
				t.Errorf("status %d: %s", r.status, r.body)
			}
		}
		if len(created) == 0 {
			t.Fatal("no request created the group")
		}
		for _, r := range created[1:] {
			if !bytes.Equal(r.body, created[0].body) {
				t.Errorf("two different creations: %s and %s", r.body, created[0].body)
			}
		}
		if n := countWhere(`SELECT count(*) FROM groups WHERE name = 'Concurrent'`); n != 1 {
			t.Errorf("%d groups made", n)
		}
		// Once the first has finished, every retry gets its response.
		r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Concurrent", "kind": "cohort"}, "Idempotency-Key", "concurrent")
		if r.status != http.StatusCreated || !bytes.Equal(r.body, created[0].body) {
			t.Errorf("after: %d %s", r.status, r.body)
		}
	})
	t.Run("KeysExpireAfterADay", func(t *testing.T) {
		body := map[string]any{"name": "Expiring"}
		e.call(t, "acme", "POST", "/api/v1/groups", key, body, "Idempotency-Key", "expiring")
		e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE api_idempotency_keys SET created_at = created_at - interval '25 hours' WHERE idempotency_key = 'expiring'`)
			return err
		})
		r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Expired"}, "Idempotency-Key", "expiring")
		if r.status != http.StatusCreated {
			t.Errorf("status %d, want 201 for an expired key reused: %s", r.status, r.body)
		}
	})
}
