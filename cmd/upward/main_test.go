package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
	"github.com/upward-lms/upward/internal/user"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newDatabase makes a fresh database and data folder for the commands a
// test runs, and returns the database's URL and the flags that name both.
// The settings are given as flags, not in the environment, so that tests
// run in parallel. Commands hash new passwords at the process's cost:
// as fixture.DB does, it is the test cost (every test sets the same).
func newDatabase(t *testing.T) (url string, flags []string) {
	t.Helper()
	if err := user.SetHashCost(user.TestCost); err != nil {
		t.Fatal(err)
	}
	url = pgtest.NewURL(t)
	return url, []string{"--database-url", url, "--data-dir", t.TempDir(), "--password-hash-cost", "test"}
}

// commandArgs is the arguments of a command: its words ("courses import"),
// then the flags, then its own arguments.
func commandArgs(words string, flags []string, args ...string) []string {
	return append(append(strings.Fields(words), flags...), args...)
}

func TestHelp(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &out, io.Discard); code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	for _, cmd := range []string{"serve", "migrate", "seed", "version", "devdb"} {
		if !strings.Contains(out.String(), cmd) {
			t.Errorf("--help does not explain %q", cmd)
		}
	}
	for _, cmd := range []string{"serve", "migrate", "seed", "devdb"} {
		var errOut bytes.Buffer
		if code := run(context.Background(), []string{cmd, "--help"}, io.Discard, &errOut); code != 0 {
			t.Errorf("%s --help: exit %d", cmd, code)
		}
		if !strings.Contains(errOut.String(), "Usage: upward "+cmd) {
			t.Errorf("%s --help: no usage line in %q", cmd, errOut.String())
		}
	}
}

// Serial: the settings are given in the environment (t.Setenv).
func TestServe_BadSettingEndsWithOneLine(t *testing.T) {
	cases := []struct {
		name, env, value, mention string
	}{
		{"NonsenseListenAddr", "LISTEN_ADDR", "nonsense", "LISTEN_ADDR"},
		{"UnreachableDatabase", "DATABASE_URL", "postgres://upward:x@127.0.0.1:1/upward?connect_timeout=2", "DATABASE_URL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			var stderr bytes.Buffer
			code := run(context.Background(), []string{"serve"}, io.Discard, &stderr)
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			msg := strings.TrimSuffix(stderr.String(), "\n")
			if strings.Contains(msg, "\n") || !strings.Contains(msg, c.mention) {
				t.Errorf("stderr = %q, want one line naming %s", stderr.String(), c.mention)
			}
		})
	}
}

func TestServe_StopsCleanlyOnSignal(t *testing.T) {
	t.Parallel()
	_, flags := newDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &syncBuffer{}
	done := make(chan int)
	go func() {
		done <- run(ctx, commandArgs("serve", flags, "--listen-addr", "127.0.0.1:0"), stdout, io.Discard)
	}()

	// Generous: under the race detector, beside the other tests, starting
	// has taken 15 s on a busy machine.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(stdout.String(), "serving on") {
		if time.Now().After(deadline) {
			t.Fatalf("server did not start; stdout %q", stdout.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !regexp.MustCompile(`http://localhost:\d+/`).MatchString(stdout.String()) {
		t.Errorf("welcome does not print the URL: %q", stdout.String())
	}
	cancel() // what SIGINT and SIGTERM do through signal.NotifyContext
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after the signal, want 0", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
}

func TestMigrateAndSeed(t *testing.T) {
	t.Parallel()
	dbURL, flags := newDatabase(t)
	var out bytes.Buffer
	if code := run(context.Background(), commandArgs("migrate", flags, "status"), &out, io.Discard); code != 0 {
		t.Fatalf("migrate status: exit %d", code)
	}
	if !regexp.MustCompile(`version (\d+) of \d+`).MatchString(out.String()) || strings.Contains(out.String(), "pending") {
		t.Errorf("migrate status on a migrated database = %q", out.String())
	}
	for i := range 2 { // seeding twice changes nothing
		out.Reset()
		// The demo history has a test of its own (seed_demo_test.go).
		if code := run(context.Background(), commandArgs("seed", flags, "--history=false"), &out, io.Discard); code != 0 {
			t.Fatalf("seed #%d: exit %d", i+1, code)
		}
	}
	if !strings.Contains(out.String(), "http://demo.localhost:8080/") || strings.Contains(out.String(), "learner's manager") {
		t.Errorf("seed output (without the history, no manager to sign in as) = %q", out.String())
	}

	// The demo portal's catalog holds the whole library and its paths,
	// published once however often the seed runs.
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	demo, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	lib, problems := library.LoadAll(courses.FS, ".")
	libPaths, _ := library.LoadPaths(courses.FS, ".", lib)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	catalog, err := postgres.NewLearningService(db).FindCatalog(ctx, demo.ID, 0, postgres.CatalogQuery{})
	if err != nil || len(catalog) != len(lib) {
		t.Errorf("the demo catalog has %d courses (%v), want the library's %d", len(catalog), err, len(lib))
	}
	for _, c := range catalog {
		versions, err := postgres.NewCourseService(db).FindVersions(ctx, demo.ID, c.ID)
		if err != nil || len(versions) != 1 {
			t.Errorf("%s: %d versions after seeding twice (%v), want 1", c.Slug, len(versions), err)
		}
	}
	if paths, err := postgres.NewPathService(db).FindPublishedPaths(ctx, demo.ID); err != nil || len(paths) != len(libPaths) || len(paths) < 2 {
		t.Errorf("the demo portal has %d published paths (%v), want the library's %d", len(paths), err, len(libPaths))
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), commandArgs("migrate", flags, "down", "zero"), io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "positive number") {
		t.Errorf("migrate down zero: exit %d, %q", code, stderr.String())
	}
}
