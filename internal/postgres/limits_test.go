package postgres_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
)

// PostgreSQL's own limits stop what a context cannot. A statement running
// past its limit fails with a clear error and leaves its connection
// usable; so does a wait on a lock; a transaction left idle ends its
// session, and the pool carries on with a fresh connection.
func TestLimits(t *testing.T) {
	// Not parallel: timing; under the load of parallel tests its plain queries could pass the 250 ms limit too.
	ctx := context.Background()
	d := pgtest.New(t)
	one, err := postgres.Open(ctx, d.URL, 1, postgres.WithLimits(postgres.Limits{
		Statement: 250 * time.Millisecond, IdleInTransaction: 2 * time.Second, Lock: time.Minute}))
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	show := func(t *testing.T, name string) string {
		t.Helper()
		var v string
		if err := one.Pool.QueryRow(ctx, "SHOW "+name).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}

	t.Run("EveryConnectionHasThem", func(t *testing.T) {
		for name, want := range map[string]string{"statement_timeout": "250ms", "idle_in_transaction_session_timeout": "2s", "lock_timeout": "1min"} {
			if got := show(t, name); got != want {
				t.Errorf("%s = %q, want %q", name, got, want)
			}
		}
	})
	t.Run("ALongStatementFailsAndThePoolGoesOn", func(t *testing.T) {
		_, err := one.Pool.Exec(ctx, "SELECT pg_sleep(2)")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" || !strings.Contains(pgErr.Message, "statement timeout") {
			t.Fatalf("a 2 s statement under a 250 ms limit: %v; want 57014, canceling statement due to statement timeout", err)
		}
		// The pool's one connection is still there, limits and all.
		if got := show(t, "statement_timeout"); got != "250ms" {
			t.Errorf("after the timeout, statement_timeout = %q", got)
		}
		var n int
		if err := one.Pool.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&n); err != nil {
			t.Errorf("the pool after a timed-out statement: %v", err)
		}
	})
	t.Run("AWaitForALockFails", func(t *testing.T) {
		short, err := postgres.Open(ctx, d.URL, 1, postgres.WithLimits(postgres.Limits{Lock: 100 * time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		defer short.Close()
		owner, err := pgx.Connect(ctx, d.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer owner.Close(ctx)
		tx, err := owner.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback(ctx)
		if _, err := tx.Exec(ctx, "LOCK TABLE tenants IN ACCESS EXCLUSIVE MODE"); err != nil {
			t.Fatal(err)
		}
		began := time.Now()
		_, err = short.Pool.Exec(ctx, "SELECT count(*) FROM tenants")
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "55P03" {
			t.Fatalf("reading a locked table: %v; want 55P03, lock timeout", err)
		}
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("the wait lasted %v", took)
		}
	})
	t.Run("AnIdleTransactionEndsItsSession", func(t *testing.T) {
		idle, err := postgres.Open(ctx, d.URL, 1, postgres.WithLimits(postgres.Limits{IdleInTransaction: 200 * time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		defer idle.Close()
		err = idle.InTx(ctx, func(tx *postgres.Tx) error {
			if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
				return err
			}
			time.Sleep(time.Second) // a stuck caller, holding the transaction
			_, err := tx.Exec(ctx, "SELECT 1")
			return err
		})
		if err == nil {
			t.Fatal("a transaction idle for 1 s under a 200 ms limit went on")
		}
		var n int
		if err := idle.Pool.QueryRow(ctx, "SELECT count(*) FROM tenants").Scan(&n); err != nil {
			t.Errorf("the pool after its session was ended: %v", err)
		}
	})
}
