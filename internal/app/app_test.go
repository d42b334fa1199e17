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

	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
)

func testConfig(dbURL string) config.Config {
	return config.Config{
		DatabaseURL: dbURL, ListenAddr: "127.0.0.1:0", BaseDomain: "localhost", DataDir: ".data",
		Env: config.EnvDev, RequestTimeout: 10 * time.Second, ShutdownTimeout: 10 * time.Second,
	}
}

func start(t *testing.T, dbURL string) *app.Main {
	t.Helper()
	m := app.New(testConfig(dbURL), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
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

func TestReadyz_FollowsTheDatabaseWithoutARestart(t *testing.T) {
	proxy, dbURL := pgtest.NewProxy(t, pgtest.NewURL(t))
	m := start(t, dbURL)
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
	proxy, dbURL := pgtest.NewProxy(t, pgtest.NewURL(t))
	m := start(t, dbURL)
	addr := m.Addr()
	status(t, "http://"+addr+"/readyz") // warm a pooled connection

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
	time.Sleep(150 * time.Millisecond)
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
	cfg := testConfig(pgtest.NewURL(t))
	cfg.DBMaxConns = 3
	cfg.DBStatementTimeout = 1500 * time.Millisecond
	cfg.DBIdleInTransactionTimeout = 2 * time.Minute
	cfg.DBLockTimeout = 5 * time.Second
	m := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
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
	m := app.New(testConfig("postgres://upward:x@127.0.0.1:1/upward?connect_timeout=2"), slog.New(slog.NewTextHandler(io.Discard, nil)))
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
	cfg := testConfig(pgtest.NewURL(t))
	cfg.Env, cfg.PasswordHashCost = config.EnvProd, config.HashCostTest
	m := app.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	err := m.Open(context.Background())
	m.Close()
	var cerr *config.Error
	if !errors.As(err, &cerr) || cerr.Setting != "PASSWORD_HASH_COST" {
		t.Errorf("err = %v, want a PASSWORD_HASH_COST config error", err)
	}
}
