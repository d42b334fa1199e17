package faults

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// The suite's shared fixtures, made once by TestMain: the binary, the
// cluster (which tests stop and start) and a seeded template database that
// each test copies.
var (
	binary     string // the upward binary built from this tree
	clusterDir string // the cluster's DATA_DIR, for StartDevCluster/StopDevCluster
	adminURL   string // the cluster's application user, on its own database
)

const (
	templateDB = "faults_template"
	portal     = "demo" // the seeded portal the tests load
	password   = "upward-demo-password"
	learners   = 8
	// webhookSink is where the template's webhook endpoint sends events:
	// nothing listens there, so every delivery stays in the table to be
	// counted (and retried, harmlessly).
	webhookSink = "http://127.0.0.1:9/hooks"
)

func learnerEmail(i int) string { return fmt.Sprintf("faults-learner-%d@demo.test", i) }

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "faults:", err)
		code = 1
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The cluster runs as 'nobody' when the tests run as root, so the
	// folder must be reachable by everyone (its contents stay private).
	dir, err := os.MkdirTemp("", "upward-faults-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return 0, err
	}
	binary = filepath.Join(dir, "upward")
	build := exec.CommandContext(ctx, "go", "build", "-o", binary, "github.com/upward-lms/upward/cmd/upward")
	if out, err := build.CombinedOutput(); err != nil {
		return 0, fmt.Errorf("go build: %v\n%s", err, out)
	}
	clusterDir = filepath.Join(dir, "pg")
	c, err := postgres.StartDevCluster(ctx, clusterDir, func(string, ...any) {})
	if err != nil {
		return 0, err
	}
	defer postgres.StopDevCluster(context.Background(), clusterDir)
	adminURL = c.URL
	if err := makeTemplate(ctx, filepath.Join(dir, "seed")); err != nil {
		return 0, fmt.Errorf("template database: %w", err)
	}
	return m.Run(), nil
}

// makeTemplate migrates and seeds the template with the binary's own
// commands, then adds the learners the tests sign in as and a webhook
// endpoint, so that events are counted too.
func makeTemplate(ctx context.Context, seedDir string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+templateDB); err != nil {
		return err
	}
	url := databaseURL(templateDB)
	seed := exec.CommandContext(ctx, binary, "seed")
	seed.Env = append(os.Environ(), "DATABASE_URL="+url, "DATA_DIR="+seedDir, "ENV=dev", "LOG_LEVEL=warn")
	if out, err := seed.CombinedOutput(); err != nil {
		return fmt.Errorf("upward seed: %v\n%s", err, out)
	}
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, portal)
	if err != nil {
		return err
	}
	users := postgres.NewUserService(db, nil, nil)
	by := postgres.AuditActor{Label: "faults"}
	for i := range learners {
		if _, err := users.EnsureUser(ctx, t, postgres.NewUser{Email: learnerEmail(i), Name: fmt.Sprintf("Learner %d", i),
			Password: password, Roles: []user.Role{user.Learner}}, by); err != nil {
			return err
		}
	}
	hooks := postgres.NewWebhookService(db, true)
	_, _, err = hooks.CreateEndpoint(ctx, t.ID, webhook.Endpoint{URL: webhookSink, Description: "fault suite",
		Events: []string{webhook.LessonCompleted, webhook.CourseCompleted, webhook.CertificateIssued}}, by)
	return err
}

// databaseURL is the URL of a database of the cluster, as its owner.
func databaseURL(name string) string {
	u, _ := url.Parse(adminURL)
	u.Path = "/" + name
	return u.String()
}

// newDatabase copies the template into a database of the test's own,
// dropped when it ends, and returns its URL.
func newDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	name := "faults_" + strings.ToLower(strings.NewReplacer("/", "_", "-", "_").Replace(t.Name()))
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+templateDB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), adminURL)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	return databaseURL(name)
}

// openDB opens a small runtime pool on a test's database, for checks.
func openDB(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// discard is a logger for code of ours the tests call directly.
var discard = slog.New(slog.NewTextHandler(io.Discard, nil))
