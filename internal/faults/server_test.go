package faults

import (
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// upward is `upward serve` run as a child process, always at the same
// address so that clients can carry on after a restart.
type upward struct {
	t      *testing.T
	addr   string
	env    []string
	logs   string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // Wait's, once exited is closed
}

// startUpward runs the server on dbURL with env added to the defaults,
// and waits until /readyz says it is ready. It is killed when the test
// ends if it still runs.
func startUpward(t *testing.T, dbURL string, env ...string) *upward {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dataDir := filepath.Join(t.TempDir(), "data")
	u := &upward{t: t, addr: addr, logs: filepath.Join(t.TempDir(), "upward.log")}
	u.env = append([]string{"DATABASE_URL=" + dbURL, "LISTEN_ADDR=" + addr, "BASE_DOMAIN=localhost", "ENV=dev",
		"DATA_DIR=" + dataDir, "TRUSTED_PROXIES=127.0.0.1/32", "REQUEST_TIMEOUT=10s", "SHUTDOWN_TIMEOUT=10s",
		"LOG_LEVEL=info", "SMTP_URL=", "API_RATE_LIMIT=100000"}, env...)
	t.Cleanup(func() {
		if u.running() {
			u.cmd.Process.Kill()
			<-u.exited
		}
		if t.Failed() {
			t.Logf("the server's log ends:\n%s", u.logTail(4000))
		}
	})
	u.start()
	return u
}

// start starts the process and waits for it to be ready; it returns how
// long that took.
func (u *upward) start() time.Duration {
	u.t.Helper()
	begin := time.Now()
	logs, err := os.OpenFile(u.logs, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		u.t.Fatal(err)
	}
	defer logs.Close()
	u.cmd = exec.Command(binary, "serve")
	// Later settings win: the process environment first, ours over it.
	u.cmd.Env = append(os.Environ(), u.env...)
	u.cmd.Stdout, u.cmd.Stderr = logs, logs
	if err := u.cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	u.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		u.err = cmd.Wait()
		close(exited)
	}(u.cmd, u.exited)
	deadline := time.Now().Add(60 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	defer client.CloseIdleConnections()
	for {
		if res, err := client.Get("http://" + u.addr + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(begin)
			}
		}
		if !u.running() {
			u.t.Fatalf("upward serve exited (%v); its log:\n%s", u.err, u.logTail(4000))
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("upward serve was not ready within a minute; its log:\n%s", u.logTail(4000))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (u *upward) running() bool {
	if u.exited == nil {
		return false
	}
	select {
	case <-u.exited:
		return false
	default:
		return true
	}
}

// kill ends the process with SIGKILL: no shutdown, no flushing, as a
// crash or the OOM killer would.
func (u *upward) kill() {
	u.t.Helper()
	if err := u.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		u.t.Fatal(err)
	}
	<-u.exited
}

// terminate sends SIGTERM and waits for the process to exit, at most
// limit; it returns the exit code and how long the exit took.
func (u *upward) terminate(limit time.Duration) (int, time.Duration) {
	u.t.Helper()
	begin := time.Now()
	if err := u.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		u.t.Fatal(err)
	}
	select {
	case <-u.exited:
	case <-time.After(limit):
		u.t.Fatalf("upward serve still ran %v after SIGTERM", limit)
	}
	took := time.Since(begin)
	var exit *exec.ExitError
	if errors.As(u.err, &exit) {
		return exit.ExitCode(), took
	}
	if u.err != nil {
		u.t.Fatal(u.err)
	}
	return 0, took
}

func (u *upward) logTail(n int) string {
	b, _ := os.ReadFile(u.logs)
	s := string(b)
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// logLines returns the log lines that contain every one of words.
func (u *upward) logLines(words ...string) []string {
	b, _ := os.ReadFile(u.logs)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all && line != "" {
			out = append(out, line)
		}
	}
	return out
}
