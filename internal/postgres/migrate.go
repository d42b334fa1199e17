package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/golang-migrate/migrate/v4"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/upward-lms/upward/migrations"
)

// Migrator applies the embedded migrations as the connecting user, who
// becomes the owner of the tables.
type Migrator struct {
	m  *migrate.Migrate
	db *sql.DB
}

// NewMigrator connects to url for migrating.
func NewMigrator(ctx context.Context, url string) (*Migrator, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach database at %s: %w", describe(cfg), err)
	}
	driver, err := migratepgx.WithInstance(db, &migratepgx.Config{})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: migrate driver: %w", err)
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", driver)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return &Migrator{m: m, db: db}, nil
}

// Close releases the migration connection.
func (mg *Migrator) Close() error {
	_, dbErr := mg.m.Close()
	return errors.Join(dbErr, mg.db.Close())
}

// Up applies every pending migration.
func (mg *Migrator) Up() error {
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres: migrate up: %w", err)
	}
	return nil
}

// Down reverts the last n migrations (development only: production is
// forward-only).
func (mg *Migrator) Down(n int) error {
	if n <= 0 {
		return fmt.Errorf("postgres: migrate down: the number of steps must be positive")
	}
	if err := mg.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("postgres: migrate down: %w", err)
	}
	return nil
}

// MigrationStatus is the database's schema version against the embedded set.
type MigrationStatus struct {
	Current uint // 0 when nothing is applied
	Dirty   bool // a migration failed half-way; fix by hand, then force
	Latest  uint
	Count   int      // embedded migrations (versions may have gaps)
	Pending []string // names of migrations not yet applied
}

// Status reports the applied version and the pending migrations.
func (mg *Migrator) Status() (MigrationStatus, error) {
	var st MigrationStatus
	v, dirty, err := mg.m.Version()
	if err != nil && !errors.Is(err, migrate.ErrNilVersion) {
		return st, fmt.Errorf("postgres: migrate status: %w", err)
	}
	st.Current, st.Dirty = v, dirty
	for _, name := range upMigrations() {
		st.Count++
		n, _ := strconv.ParseUint(strings.SplitN(name, "_", 2)[0], 10, 64)
		if uint(n) > st.Latest {
			st.Latest = uint(n)
		}
		if uint(n) > st.Current {
			st.Pending = append(st.Pending, name)
		}
	}
	return st, nil
}

func upMigrations() []string {
	names, _ := fs.Glob(migrations.FS, "*.up.sql")
	sort.Strings(names)
	return names
}
