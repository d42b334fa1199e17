package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is a process under load.
type server struct {
	name string
	site site
	cmd  *exec.Cmd
}

// startUpward runs `upward serve` as in production, behind the runner as
// its trusted proxy, with its request log discarded.
func startUpward(ctx context.Context, bin, dbURL, dataDir string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "DATA_DIR="+dataDir, "LISTEN_ADDR="+addr, "ENV=prod",
		"BASE_DOMAIN=localhost", "TRUSTED_PROXIES=127.0.0.1/32", "LOG_LEVEL=info")
	return start(cmd, "Upward", site{addr: addr, host: benchPortal + ".localhost"})
}

// startBaseline runs the baseline on the same database.
func startBaseline(ctx context.Context, bin, dbURL string) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "-addr", addr)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	return start(cmd, "baseline", site{addr: addr, host: "localhost"})
}

func start(cmd *exec.Cmd, name string, s site) (*server, error) {
	logs, err := os.CreateTemp("", "bench-"+name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	srv := &server{name: name, site: s, cmd: cmd}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + s.addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if name == "baseline" || res.StatusCode == http.StatusOK {
				return srv, nil
			}
		}
		if time.Now().After(deadline) {
			srv.stop()
			b, _ := os.ReadFile(logs.Name())
			return nil, fmt.Errorf("%s did not become ready in a minute; its log:\n%s", name, tail(string(b), 2000))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// rssSampler records the most memory a process holds while it runs.
type rssSampler struct {
	pid  int
	stop chan struct{}
	done chan struct{}
	max  int64 // bytes
}

func sampleRSS(pid int) *rssSampler {
	s := &rssSampler{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.max = max(s.max, rss(pid))
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) Stop() int64 {
	close(s.stop)
	<-s.done
	return s.max
}

// rss is a process's resident memory, from /proc.
func rss(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func openOwner(ctx context.Context, url string) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return c, nil
}

// countRows sums up the data set, from the planner's statistics (exact
// counts of millions of rows under row-level security would take longer
// than they tell).
func countRows(ctx context.Context, dbURL string) (string, error) {
	db, err := openOwner(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer db.Close(ctx)
	if _, err := db.Exec(ctx, `ANALYZE tenants, users, enrolments, lesson_progress, statements`); err != nil {
		return "", err
	}
	var tenants, users, enrolments, progress, statements int64
	err = db.QueryRow(ctx, `
		SELECT (SELECT reltuples::bigint FROM pg_class WHERE oid = 'tenants'::regclass),
			(SELECT reltuples::bigint FROM pg_class WHERE oid = 'users'::regclass),
			(SELECT reltuples::bigint FROM pg_class WHERE oid = 'enrolments'::regclass),
			(SELECT reltuples::bigint FROM pg_class WHERE oid = 'lesson_progress'::regclass),
			(SELECT reltuples::bigint FROM pg_class WHERE oid = 'statements'::regclass)`).
		Scan(&tenants, &users, &enrolments, &progress, &statements)
	return fmt.Sprintf("%s portals, %s people, %s enrolments, %s progress rows, %s learning records (about)",
		thousands(tenants), thousands(users), thousands(enrolments), thousands(progress), thousands(statements)), err
}

// signInAll signs the fixture's learners in, a few at a time.
func signInAll(s site, f *fixture) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(f.learners))
	sem := make(chan struct{}, 4)
	first := "/courses/" + f.courses[0].slug
	for i := range f.learners {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			l := &f.learners[i]
			var err error
			from := fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)
			if l.cookie, l.csrf, err = signIn(s, l.email, from, first); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
