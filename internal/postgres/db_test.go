package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
)

// notesTable is a tenant-owned table shaped like every real one: tenant_id
// leads the key, and a forced row-level security policy fails closed.
const notesTable = `
CREATE TABLE notes (
    tenant_id bigint NOT NULL REFERENCES tenants (id),
    id        bigint GENERATED ALWAYS AS IDENTITY,
    body      text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes
    USING (tenant_id = current_tenant_id())
    WITH CHECK (tenant_id = current_tenant_id());
INSERT INTO tenants (slug, name) VALUES ('acme', 'Acme'), ('globex', 'Globex');
`

func setup(t *testing.T) *postgres.DB {
	t.Helper()
	d := pgtest.New(t)
	owner, err := pgx.Connect(context.Background(), d.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(context.Background())
	if _, err := owner.Exec(context.Background(), notesTable); err != nil {
		t.Fatal(err)
	}
	return d.DB
}

func TestInTenantTx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := setup(t)
	const acme, globex = 1, 2

	insert := func(tenant int64, body string) error {
		return db.InTenantTx(ctx, tenant, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO notes (tenant_id, body) VALUES ($1, $2)", tenant, body)
			return err
		})
	}
	count := func(tenant int64) (n int) {
		t.Helper()
		err := db.InTenantTx(ctx, tenant, func(tx *postgres.Tx) error {
			// Deliberately unscoped: row-level security is the second lock.
			return tx.QueryRow(ctx, "SELECT count(*) FROM notes").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if err := insert(acme, "acme's note"); err != nil {
		t.Fatal(err)
	}
	if err := insert(globex, "globex's note"); err != nil {
		t.Fatal(err)
	}

	t.Run("SeesOnlyItsOwnRows", func(t *testing.T) {
		if n := count(acme); n != 1 {
			t.Errorf("acme sees %d notes, want 1", n)
		}
	})
	t.Run("CannotWriteIntoAnotherTenant", func(t *testing.T) {
		err := db.InTenantTx(ctx, acme, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO notes (tenant_id, body) VALUES ($1, 'sneaky')", globex)
			return err
		})
		if err == nil {
			t.Fatal("insert into another tenant succeeded")
		}
		if n := count(globex); n != 1 {
			t.Errorf("globex has %d notes, want 1", n)
		}
	})
	t.Run("NoTenantSeesNothing", func(t *testing.T) {
		var n int
		err := db.InTx(ctx, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM notes").Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("without a tenant: %d notes, err %v; want 0, nil", n, err)
		}
	})
	t.Run("TenantSettingEndsWithTheTransaction", func(t *testing.T) {
		conn, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		var setting *string
		if err := conn.QueryRow(ctx, "SELECT nullif(current_setting('app.tenant_id', true), '')").Scan(&setting); err != nil {
			t.Fatal(err)
		}
		if setting != nil {
			t.Errorf("app.tenant_id leaked out of a transaction: %q", *setting)
		}
	})
	t.Run("ErrorRollsBack", func(t *testing.T) {
		boom := errors.New("boom")
		err := db.InTenantTx(ctx, acme, func(tx *postgres.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO notes (tenant_id, body) VALUES ($1, 'lost')", acme); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		if n := count(acme); n != 1 {
			t.Errorf("acme has %d notes after a rolled-back insert, want 1", n)
		}
	})
	t.Run("RequiresATenant", func(t *testing.T) {
		if err := db.InTenantTx(ctx, 0, func(*postgres.Tx) error { return nil }); err == nil {
			t.Error("a tenant transaction without a tenant was allowed")
		}
	})
}

// A read in the tenant is one round trip: its statements see the tenant's
// rows only, and the tenant ends with them, on a pool of one connection
// that the next statement reuses.
func TestReadInTenant(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := setup(t)
	const acme, globex = 1, 2
	for tenant, body := range map[int64]string{acme: "acme's note", globex: "globex's note"} {
		if err := db.InTenantTx(ctx, tenant, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO notes (tenant_id, body) VALUES ($1, $2)", tenant, body)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	var counter postgres.QueryCounter
	one, err := postgres.Open(ctx, db.Pool.Config().ConnString(), 1, postgres.WithTracer(&counter))
	if err != nil {
		t.Fatal(err)
	}
	defer one.Close()
	for range 3 {
		var bodies []string
		var n int
		b := &pgx.Batch{}
		// Deliberately unscoped: row-level security is the second lock.
		b.Queue("SELECT body FROM notes").Query(func(rows pgx.Rows) error {
			var err error
			bodies, err = pgx.CollectRows(rows, pgx.RowTo[string])
			return err
		})
		b.Queue("SELECT count(*) FROM notes").QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
		before := counter.Count()
		if err := one.ReadInTenant(ctx, acme, b); err != nil {
			t.Fatal(err)
		}
		if len(bodies) != 1 || bodies[0] != "acme's note" || n != 1 {
			t.Errorf("acme reads %v and counts %d", bodies, n)
		}
		if sent := counter.Count() - before; sent != 3 {
			t.Errorf("%d statements sent, want the tenant and the two reads", sent)
		}
		var setting *string
		if err := one.Pool.QueryRow(ctx, "SELECT nullif(current_setting('app.tenant_id', true), '')").Scan(&setting); err != nil {
			t.Fatal(err)
		}
		if setting != nil {
			t.Fatalf("app.tenant_id outlived the read: %q", *setting)
		}
		var unscoped int
		if err := one.Pool.QueryRow(ctx, "SELECT count(*) FROM notes").Scan(&unscoped); err != nil || unscoped != 0 {
			t.Fatalf("after the read, without a tenant: %d notes, %v", unscoped, err)
		}
	}
	if err := one.ReadInTenant(ctx, 0, &pgx.Batch{}); err == nil {
		t.Error("a read without a tenant was allowed")
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	err := db.InTx(ctx, func(tx *postgres.Tx) error {
		var id int64
		return tx.QueryRow(ctx, "SELECT id FROM tenants WHERE slug = 'nope'").Scan(&id)
	})
	if got := apperr.Code(postgres.Error(err, "Portal")); got != apperr.ENOTFOUND {
		t.Errorf("no rows: code %q, want not_found", got)
	}
	insert := func() error {
		return db.InTx(ctx, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO tenants (slug, name) VALUES ('dup', 'Dup')")
			return err
		})
	}
	if err := insert(); err != nil {
		t.Fatal(err)
	}
	if got := apperr.Code(postgres.Error(insert(), "Portal")); got != apperr.ECONFLICT {
		t.Errorf("duplicate: code %q, want conflict", got)
	}
}

func TestDeleteExpiredSessions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	_, err := db.Pool.Exec(ctx, `INSERT INTO sessions (token, data, expiry) VALUES
		('old', '\x00', now() - interval '1 minute'),
		('live', '\x00', now() + interval '1 hour')`)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.DeleteExpiredSessions(ctx)
	if err != nil || n != 1 {
		t.Fatalf("deleted %d, err %v; want 1, nil", n, err)
	}
	var left string
	if err := db.Pool.QueryRow(ctx, "SELECT string_agg(token, ',') FROM sessions").Scan(&left); err != nil || left != "live" {
		t.Errorf("sessions left = %q, %v; want live", left, err)
	}
}

func TestMigrations_DownAndUpAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	mg, err := postgres.NewMigrator(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.Close()
	st, err := mg.Status()
	if err != nil || st.Current != st.Latest || len(st.Pending) != 0 {
		t.Fatalf("fresh test database: status %+v, err %v; want fully migrated", st, err)
	}
	if err := mg.Down(st.Count); err != nil {
		t.Fatalf("down: %v", err)
	}
	if st, _ := mg.Status(); st.Current != 0 || len(st.Pending) == 0 {
		t.Errorf("after down: status %+v", st)
	}
	if err := mg.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
