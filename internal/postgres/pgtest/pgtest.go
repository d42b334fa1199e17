// Package pgtest gives tests a fresh PostgreSQL database built from the
// migrations. The first caller migrates a template database, named after a
// hash of the migration files; every test database is a cheap copy of it and
// is dropped when its test ends.
//
// The server is DATABASE_URL when set (its user needs CREATEDB), otherwise
// a project-private cluster for tests under the repository's .data/test,
// apart from the development one and tuned for speed over durability.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/migrations"
)

// Database is one test's own database.
type Database struct {
	// URL connects as the owner of the tables (the migrating user).
	URL string
	// DB is the runtime pool, running as postgres.RuntimeRole like the server.
	DB *postgres.DB
}

var (
	serverOnce sync.Once
	serverURL  string
	serverErr  error
)

// ServerURL returns the URL of the PostgreSQL server tests use, starting the
// development cluster if needed.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	serverOnce.Do(func() {
		if u := os.Getenv("DATABASE_URL"); u != "" {
			serverURL = u
			return
		}
		root, err := findRepoRoot()
		if err != nil {
			serverErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		c, err := postgres.StartTestCluster(ctx, filepath.Join(root, ".data", "test"), func(string, ...any) {})
		if err != nil {
			serverErr = err
			return
		}
		serverURL = c.URL
	})
	if serverErr != nil {
		tb.Fatalf("pgtest: %v", serverErr)
	}
	return serverURL
}

// New creates a fresh, migrated database for this test and opens the
// runtime pool on it. Both are closed and dropped when the test ends.
func New(tb testing.TB) *Database {
	tb.Helper()
	ctx := context.Background()
	url := NewURL(tb)
	db, err := postgres.Open(ctx, url, 0)
	if err != nil {
		tb.Fatalf("pgtest: open: %v", err)
	}
	tb.Cleanup(db.Close)
	return &Database{URL: url, DB: db}
}

// NewURL creates a fresh, migrated database and returns its owner URL; the
// database is dropped when the test ends.
func NewURL(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	admin := ServerURL(tb)
	tmpl, err := template(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: template: %v", err)
	}
	name := "upward_test_" + randomHex(6)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	// FILE_COPY copies the template's files: several times cheaper than
	// WAL_LOG, PostgreSQL 15's default, which writes every page to the WAL.
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY", name, tmpl)); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			tb.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		// An autovacuum worker may hold the database for a moment, and a
		// user without pg_signal_backend cannot end it: retry briefly.
		for range 50 {
			if _, err = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		tb.Errorf("pgtest: drop %s: %v", name, err)
	})
	return withDatabase(admin, name)
}

var (
	templateMu   sync.Mutex
	templateName string
)

// template returns the name of the migrated template database, building it
// once per migration set. An advisory lock keeps test packages running in
// parallel from building it twice.
func template(ctx context.Context, admin string) (string, error) {
	templateMu.Lock()
	defer templateMu.Unlock()
	if templateName != "" {
		return templateName, nil
	}
	name := "upward_tmpl_" + migrationsHash()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(4242001)"); err != nil {
		return "", err
	}
	defer conn.Exec(ctx, "SELECT pg_advisory_unlock(4242001)")

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		// Build under a temporary name and rename when complete, so a
		// half-migrated template is never used.
		building := name + "_building"
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
			return "", err
		}
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
			return "", err
		}
		m, err := postgres.NewMigrator(ctx, withDatabase(admin, building))
		if err != nil {
			return "", err
		}
		upErr := m.Up()
		closeErr := m.Close()
		if err := errors.Join(upErr, closeErr); err != nil {
			return "", err
		}
		if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
			return "", err
		}
		// Templates of older migration sets are no longer needed.
		rows, err := conn.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'upward\\_tmpl\\_%' AND datname <> $1", name)
		if err == nil {
			old, _ := pgx.CollectRows(rows, pgx.RowTo[string])
			for _, o := range old {
				conn.Exec(ctx, "DROP DATABASE IF EXISTS "+o+" WITH (FORCE)")
			}
		}
	}
	templateName = name
	return name, nil
}

func migrationsHash() string {
	h := sha256.New()
	fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(migrations.FS, path)
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func withDatabase(rawURL, db string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	u.Path = "/" + db
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// RepoRoot returns the repository's root folder (where go.mod is), for
// test artifacts and the shared development cluster.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	root, err := findRepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	return root
}

func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}
