package postgres

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// DevCluster is the project-private PostgreSQL cluster used in development
// and tests when DATABASE_URL is unset. It lives under DATA_DIR/postgres,
// listens on a Unix socket in DATA_DIR/run and on a free loopback port, and
// is reused from one run to the next. The system's own cluster and port 5432
// are never touched.
type DevCluster struct {
	Dir  string // DATA_DIR, absolute
	Port int
	// URL connects as the cluster's application user, who owns the upward
	// database and may create databases (for tests).
	URL string
}

const (
	devUser     = "upward"
	devDatabase = "upward"
)

// ErrNoPostgres is returned when no PostgreSQL server binaries are installed.
var ErrNoPostgres = errors.New("PostgreSQL server binaries not found: install Debian's postgresql-15 package (apt-get install postgresql-15), or run `docker compose up -d db` and set DATABASE_URL")

// devServerSettings keep a developer's data as PostgreSQL normally does.
var devServerSettings = []string{"fsync=on"}

// testServerSettings trade durability for speed: a test database lives for
// seconds and is thrown away, so a crash of the machine may lose it. Each
// test copies the template database (cheapest with FILE_COPY, whose
// checkpoints cost little without fsync and full-page writes), and tests
// run in parallel, several servers of connection pools each.
var testServerSettings = []string{
	"fsync=off", "synchronous_commit=off", "full_page_writes=off",
	"wal_level=minimal", "max_wal_senders=0", "autovacuum=off",
	"max_connections=600",
}

// StartDevCluster makes sure the private cluster under dataDir exists and
// runs, creating it on first use, and returns how to reach it. Concurrent
// callers are serialised by a lock file.
func StartDevCluster(ctx context.Context, dataDir string, logf func(format string, args ...any)) (*DevCluster, error) {
	return startCluster(ctx, dataDir, devServerSettings, logf)
}

// StartTestCluster is StartDevCluster for test databases only: a cluster
// of its own under dataDir, tuned for throughput rather than durability
// (see testServerSettings), so that it never holds anyone's real data.
func StartTestCluster(ctx context.Context, dataDir string, logf func(format string, args ...any)) (*DevCluster, error) {
	return startCluster(ctx, dataDir, testServerSettings, logf)
}

func startCluster(ctx context.Context, dataDir string, settings []string, logf func(format string, args ...any)) (*DevCluster, error) {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	bin, err := findPostgresBin()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, "postgres.lock"))
	if err != nil {
		return nil, fmt.Errorf("dev database: %w", err)
	}
	defer unlock()

	c := &DevCluster{Dir: dir}
	runner, err := newPGRunner(bin)
	if err != nil {
		return nil, err
	}
	pgdata := c.pgdata()
	if _, err := os.Stat(filepath.Join(pgdata, "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		logf("creating the private PostgreSQL cluster in %s", pgdata)
		if err := c.initdb(ctx, runner); err != nil {
			return nil, err
		}
	}
	if port, ok := c.runningPort(); ok {
		c.Port = port
	} else {
		if err := c.start(ctx, runner, settings); err != nil {
			return nil, err
		}
		logf("started the private PostgreSQL cluster on 127.0.0.1:%d (log: %s)", c.Port, c.logFile())
	}
	password, err := c.password(ctx, runner)
	if err != nil {
		return nil, err
	}
	c.URL = (&url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(devUser, password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + devDatabase,
		RawQuery: "sslmode=disable",
	}).String()
	return c, nil
}

// StopDevCluster stops the private cluster under dataDir if it runs.
func StopDevCluster(ctx context.Context, dataDir string) error {
	dir, err := filepath.Abs(dataDir)
	if err != nil {
		return err
	}
	bin, err := findPostgresBin()
	if err != nil {
		return err
	}
	c := &DevCluster{Dir: dir}
	if _, ok := c.runningPort(); !ok {
		return nil
	}
	runner, err := newPGRunner(bin)
	if err != nil {
		return err
	}
	return runner.run(ctx, "pg_ctl", "-D", c.pgdata(), "-m", "fast", "-w", "stop")
}

func (c *DevCluster) pgdata() string  { return filepath.Join(c.Dir, "postgres") }
func (c *DevCluster) logFile() string { return filepath.Join(c.Dir, "postgres.log") }

// socketDir keeps the socket path under the kernel's 107-byte limit even
// when the project sits deep in the file system.
func (c *DevCluster) socketDir() string {
	d := filepath.Join(c.Dir, "run")
	if len(d) > 80 {
		d = filepath.Join(os.TempDir(), "upward-pg-"+shortHash(c.Dir))
	}
	return d
}

func (c *DevCluster) initdb(ctx context.Context, r *pgRunner) error {
	pgdata := c.pgdata()
	if err := os.MkdirAll(pgdata, 0o700); err != nil {
		return fmt.Errorf("dev database: %w", err)
	}
	if err := r.own(pgdata); err != nil {
		return err
	}
	// Local socket connections are trusted: only this machine's users reach
	// the socket, and its folder is private to the cluster's owner.
	// TCP on loopback needs the generated password.
	err := r.run(ctx, "initdb", "-D", pgdata, "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8",
		"--auth-local=trust", "--auth-host=scram-sha-256")
	if err != nil {
		os.RemoveAll(pgdata)
		return err
	}
	return nil
}

func (c *DevCluster) start(ctx context.Context, r *pgRunner, settings []string) error {
	port, err := c.choosePort()
	if err != nil {
		return err
	}
	sock := c.socketDir()
	if err := os.MkdirAll(sock, 0o700); err != nil {
		return fmt.Errorf("dev database: %w", err)
	}
	for _, p := range []string{sock, c.logFile()} {
		if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				return fmt.Errorf("dev database: %w", err)
			}
		}
		if err := r.own(p); err != nil {
			return err
		}
	}
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1", port, sock)
	for _, s := range settings {
		opts += " -c " + s
	}
	if err := r.run(ctx, "pg_ctl", "-D", c.pgdata(), "-l", c.logFile(), "-o", opts, "-w", "-t", "60", "start"); err != nil {
		return fmt.Errorf("%w (see %s)", err, c.logFile())
	}
	c.Port = port
	return os.WriteFile(filepath.Join(c.Dir, "postgres.port"), []byte(strconv.Itoa(port)+"\n"), 0o644)
}

// choosePort reuses the port of the last run when it is free, so that URLs
// stay the same, and otherwise takes a free one from the kernel.
func (c *DevCluster) choosePort() (int, error) {
	if b, err := os.ReadFile(filepath.Join(c.Dir, "postgres.port")); err == nil {
		if p, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && p != 5432 && portFree(p) {
			return p, nil
		}
	}
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("dev database: find a free port: %w", err)
		}
		p := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if p != 5432 {
			return p, nil
		}
	}
	return 0, errors.New("dev database: no free loopback port")
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// runningPort reads postmaster.pid: its fourth line is the port, and the
// process it names must be alive.
func (c *DevCluster) runningPort() (int, bool) {
	f, err := os.Open(filepath.Join(c.pgdata(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() && len(lines) < 4 {
		lines = append(lines, strings.TrimSpace(s.Text()))
	}
	if len(lines) < 4 {
		return 0, false
	}
	pid, err1 := strconv.Atoi(lines[0])
	port, err2 := strconv.Atoi(lines[3])
	if err1 != nil || err2 != nil || syscall.Kill(pid, 0) != nil {
		return 0, false
	}
	return port, true
}

// password returns the application user's password. The first time, it
// creates the user and its database with a generated password, and only
// then stores the password (readable by its owner only): a missing file
// means the bootstrap has not completed, and it runs again.
func (c *DevCluster) password(ctx context.Context, r *pgRunner) (string, error) {
	path := filepath.Join(c.Dir, "postgres.password")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("dev database: %w", err)
	}
	buf := make([]byte, 18)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	pw := hex.EncodeToString(buf)
	if err := c.bootstrap(ctx, r, pw); err != nil {
		return "", err
	}
	if err := os.WriteFile(path, []byte(pw+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("dev database: %w", err)
	}
	return pw, nil
}

// bootstrap creates (or updates) the application user and its database
// through the socket, as the cluster's superuser.
func (c *DevCluster) bootstrap(ctx context.Context, r *pgRunner, password string) error {
	script := fmt.Sprintf(`DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '%[1]s') THEN
    CREATE ROLE %[1]s LOGIN CREATEDB CREATEROLE;
  END IF;
END $$;
ALTER ROLE %[1]s PASSWORD '%[2]s';
-- Tests drop their databases WITH (FORCE), which must end autovacuum workers too.
GRANT pg_signal_backend TO %[1]s;
SELECT 'CREATE DATABASE %[3]s OWNER %[1]s' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '%[3]s')
\gexec
`, devUser, password, devDatabase)
	return r.runInput(ctx, script, "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", c.socketDir(), "-p", strconv.Itoa(c.Port),
		"-U", "postgres", "-d", "postgres", "-f", "-")
}

// pgRunner runs PostgreSQL's programs, as an unprivileged user when we are
// root: initdb and the server refuse to run as root.
type pgRunner struct {
	bin      string
	uid, gid int // -1 when running as ourselves
}

func newPGRunner(bin string) (*pgRunner, error) {
	r := &pgRunner{bin: bin, uid: -1, gid: -1}
	if os.Geteuid() != 0 {
		return r, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("dev database: running as root and no unprivileged user 'nobody' to run PostgreSQL as: %w", err)
	}
	r.uid, _ = strconv.Atoi(u.Uid)
	r.gid, _ = strconv.Atoi(u.Gid)
	return r, nil
}

func (r *pgRunner) own(path string) error {
	if r.uid < 0 {
		return nil
	}
	if err := os.Chown(path, r.uid, r.gid); err != nil {
		return fmt.Errorf("dev database: %w", err)
	}
	return nil
}

func (r *pgRunner) run(ctx context.Context, prog string, args ...string) error {
	return r.runInput(ctx, "", prog, args...)
}

func (r *pgRunner) runInput(ctx context.Context, stdin, prog string, args ...string) error {
	path := filepath.Join(r.bin, prog)
	if prog == "psql" {
		if p, err := exec.LookPath("psql"); err == nil {
			path = p
		}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8", "PGTZ=UTC")
	if r.uid >= 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}}
	}
	// pg_ctl's server keeps the output pipes open; give it files instead so
	// that Wait returns when pg_ctl does.
	out, err := os.CreateTemp("", "upward-pg-*.log")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Stdin = strings.NewReader(stdin)
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		msg := strings.TrimSpace(string(b))
		if i := strings.LastIndex(msg, "\n"); i >= 0 && len(msg) > 400 {
			msg = msg[i+1:]
		}
		return fmt.Errorf("dev database: %s: %w: %s", prog, err, msg)
	}
	return nil
}

// findPostgresBin finds the folder of the server programs: pg_ctl on PATH,
// or the newest Debian install under /usr/lib/postgresql.
func findPostgresBin() (string, error) { return findPostgresBinIn("/usr/lib/postgresql") }

func findPostgresBinIn(debianRoot string) (string, error) {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob(filepath.Join(debianRoot, "*", "bin"))
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("waiting for %s: %w", path, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func shortHash(s string) string {
	var h uint64 = 14695981039346656037
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return strconv.FormatUint(h, 36)
}
