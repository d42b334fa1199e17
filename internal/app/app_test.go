package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
)

// behindProxy is a test's server configuration (fixture.Config) with its
// database reached through a proxy the test can cut and slow down; the
// proxy; and the database's own URL, which the proxy does not hold up.
func behindProxy(t *testing.T) (cfg config.Config, proxy *pgtest.Proxy, direct string) {
	t.Helper()
	cfg = fixture.Config(t)
	direct = cfg.DatabaseURL
	proxy, cfg.DatabaseURL = pgtest.NewProxy(t, direct)
	return cfg, proxy, direct
}

// lastQueryStart returns a function reading when the latest query began
// on the idle connections of m's web pool (in microseconds since 1970), as
// PostgreSQL's pg_stat_activity shows it over a direct connection.
func lastQueryStart(t *testing.T, m *app.Main, direct string) func() int64 {
	t.Helper()
	ctx := context.Background()
	var pids []int64
	for _, c := range m.DB.Pool.AcquireAllIdle(ctx) {
		pids = append(pids, int64(c.Conn().PgConn().PID()))
		c.Release()
	}
	if len(pids) == 0 {
		t.Fatal("the web pool has no idle connection")
	}
	conn, err := pgx.Connect(ctx, direct)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	return func() int64 {
		t.Helper()
		var at int64
		if err := conn.QueryRow(ctx, `SELECT coalesce(max((extract(epoch FROM query_start) * 1e6)::bigint), 0) FROM pg_stat_activity WHERE pid = ANY($1)`, pids).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
}

func status(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// Serial: it measures how long /readyz takes to give up.
func TestReadyz_FollowsTheDatabaseWithoutARestart(t *testing.T) {
	cfg, proxy, _ := behindProxy(t)
	m := fixture.Start(t, cfg, nil)
	readyz := "http://" + m.Addr() + "/readyz"

	if got := status(t, readyz); got != http.StatusOK {
		t.Fatalf("database up: /readyz = %d, want 200", got)
	}
	proxy.Cut()
	if got := status(t, readyz); got != http.StatusServiceUnavailable {
		t.Errorf("database down: /readyz = %d, want 503", got)
	}
	if got := status(t, "http://"+m.Addr()+"/healthz"); got != http.StatusOK {
		t.Errorf("database down: /healthz = %d, want 200 (the process is alive)", got)
	}
	proxy.Restore()
	if got := status(t, readyz); got != http.StatusOK {
		t.Errorf("database back: /readyz = %d, want 200", got)
	}

	t.Run("SlowDatabaseIsNotReady", func(t *testing.T) {
		proxy.SetDelay(1500 * time.Millisecond)
		defer proxy.SetDelay(0)
		begin := time.Now()
		if got := status(t, readyz); got != http.StatusServiceUnavailable {
			t.Errorf("database answering after 1.5s: /readyz = %d, want 503", got)
		}
		if took := time.Since(begin); took > 1400*time.Millisecond {
			t.Errorf("/readyz took %v; it must give up after a second", took)
		}
	})
}

func TestClose_FinishesInFlightRequests(t *testing.T) {
	t.Parallel()
	cfg, proxy, direct := behindProxy(t)
	cfg.ShutdownTimeout = 10 * time.Second // Close's error is checked: River may take a while to stop on a busy machine
	m := fixture.Start(t, cfg, nil)
	addr := m.Addr()
	status(t, "http://"+addr+"/readyz") // warm a pooled connection
	lastQuery := lastQueryStart(t, m, direct)
	before := lastQuery()

	proxy.SetDelay(400 * time.Millisecond) // the next query is in flight for 0.4 s
	var wg sync.WaitGroup
	var code int
	var reqErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		res, err := http.Get("http://" + addr + "/readyz")
		if err != nil {
			reqErr = err
			return
		}
		res.Body.Close()
		code = res.StatusCode
	}()
	// Close once the request's query is on its way, its answer held up.
	for deadline := time.Now().Add(10 * time.Second); lastQuery() == before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request's query did not start")
		}
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	wg.Wait()
	if reqErr != nil || code != http.StatusOK {
		t.Errorf("in-flight request: status %d, err %v; want 200, finished before shutdown", code, reqErr)
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Error("server still accepts connections after Close")
	}
}

// The web server's pool is as large as configured, and PostgreSQL holds
// each of its connections to the configured limits.
func TestOpen_PoolFollowsTheDatabaseSettings(t *testing.T) {
	t.Parallel()
	cfg := fixture.Config(t)
	cfg.DBMaxConns = 3
	cfg.DBStatementTimeout = 1500 * time.Millisecond
	cfg.DBIdleInTransactionTimeout = 2 * time.Minute
	cfg.DBLockTimeout = 5 * time.Second
	m := fixture.Start(t, cfg, nil)
	if got := m.DB.Pool.Config().MaxConns; got != 3 {
		t.Errorf("pool of %d connections, want 3", got)
	}
	for name, want := range map[string]string{"statement_timeout": "1500ms", "idle_in_transaction_session_timeout": "2min", "lock_timeout": "5s"} {
		var got string
		if err := m.DB.Pool.QueryRow(context.Background(), "SHOW "+name).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestOpen_UnreachableDatabaseNamesTheSetting(t *testing.T) {
	t.Parallel()
	cfg := config.Config{
		DatabaseURL: "postgres://upward:x@127.0.0.1:1/upward?connect_timeout=2", ListenAddr: "127.0.0.1:0", BaseDomain: "localhost",
		DataDir: t.TempDir(), Env: config.EnvDev, RequestTimeout: 10 * time.Second, ShutdownTimeout: 10 * time.Second,
		PasswordHashCost: config.HashCostTest, // Open sets the process's cost before it connects
	}
	m := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := m.Open(context.Background())
	m.Close()
	var cerr *config.Error
	if !errors.As(err, &cerr) || cerr.Setting != "DATABASE_URL" {
		t.Errorf("err = %v, want a DATABASE_URL config error", err)
	}
}

// A production configuration with the test suites' password hash cost
// does not start, however the configuration was made.
func TestOpen_ProductionRefusesTheTestHashCost(t *testing.T) {
	t.Parallel()
	cfg := fixture.Config(t)
	cfg.Env, cfg.PasswordHashCost = config.EnvProd, config.HashCostTest
	m := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := m.Open(context.Background())
	m.Close()
	var cerr *config.Error
	if !errors.As(err, &cerr) || cerr.Setting != "PASSWORD_HASH_COST" {
		t.Errorf("err = %v, want a PASSWORD_HASH_COST config error", err)
	}
}
