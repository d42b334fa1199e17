package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestAdminCreate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url, flags := newDatabase(t)
	const password = "a fine operator password"
	create := func(stdin string, args ...string) (string, error) {
		var stdout bytes.Buffer
		err := adminCommand(ctx, commandArgs("create", flags, args...), strings.NewReader(stdin), &stdout, io.Discard)
		return stdout.String(), err
	}

	t.Run("CreatesAnOperatorWithThePasswordFromStdin", func(t *testing.T) {
		out, err := create(password+"\nignored second line\n", "--email", "olu@example.com", "--name", "Olu Operator")
		if err != nil {
			t.Fatal(err)
		}
		if out != "operator olu@example.com created\n" {
			t.Errorf("stdout = %q", out)
		}
		db, err := postgres.Open(ctx, url, 1)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		op, err := postgres.NewOperatorService(db).AuthenticateOperator(ctx, "olu@example.com", password, postgres.AuditActor{Label: "test"})
		if err != nil || op.Name != "Olu Operator" {
			t.Errorf("signing in as the new operator: %+v, %v", op, err)
		}
	})
	t.Run("NameDefaultsToTheAddress", func(t *testing.T) {
		if _, err := create(password, "--email", "ada@example.com"); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("SameEmailAgainIsAConflict", func(t *testing.T) {
		_, err := create(password+"\n", "--email", "OLU@example.com")
		if apperr.Code(err) != apperr.ECONFLICT || !strings.Contains(err.Error(), "already exists") {
			t.Errorf("err = %v, want a conflict saying the address already exists", err)
		}
	})
	t.Run("ShortPasswordIsRefused", func(t *testing.T) {
		_, err := create("short\n", "--email", "sam@example.com")
		if err == nil || !strings.Contains(err.Error(), "password") || !strings.Contains(err.Error(), "at least 10") {
			t.Errorf("err = %v, want one naming the password's length", err)
		}
	})
	t.Run("NoPasswordIsRefused", func(t *testing.T) {
		if _, err := create("", "--email", "sam@example.com"); err == nil || !strings.Contains(err.Error(), "no password") {
			t.Errorf("err = %v, want one saying there is no password", err)
		}
	})
	t.Run("MissingEmailIsNamed", func(t *testing.T) {
		if _, err := create(password); err == nil || !strings.Contains(err.Error(), "--email") {
			t.Errorf("err = %v, want one naming --email", err)
		}
	})
	t.Run("UnknownActionIsNamed", func(t *testing.T) {
		err := adminCommand(ctx, []string{"delete", "--email", "olu@example.com"}, strings.NewReader(""), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), `"delete"`) {
			t.Errorf("err = %v, want one naming the action", err)
		}
	})
	t.Run("HelpExplainsTheCommand", func(t *testing.T) {
		var stderr bytes.Buffer
		err := adminCommand(ctx, []string{"create", "--help"}, strings.NewReader(""), io.Discard, &stderr)
		if !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "Usage: upward admin create --email EMAIL") {
			t.Errorf("err = %v, stderr = %q", err, stderr.String())
		}
	})
}

// openPTY returns a new pseudo-terminal: what the test writes to master is
// typed at the terminal, and the terminal's echo comes back on master.
func openPTY(t *testing.T) (master, terminal *os.File) {
	t.Helper()
	if runtime.GOOS != "linux" || getTermios == 0 {
		t.Skip("opens pseudo-terminals the Linux way only")
	}
	const tiocgptn, tiocsptlck = 0x80045430, 0x40045431 // the syscall package names them on Linux only
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	raw, err := master.SyscallConn() // not Fd(): master must stay non-blocking for its deadline
	if err != nil {
		t.Fatal(err)
	}
	var n uint32
	var ioctlErr error
	err = raw.Control(func(fd uintptr) {
		var unlock int32
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, tiocsptlck, uintptr(unsafe.Pointer(&unlock))); errno != 0 {
			ioctlErr = errno
			return
		}
		if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, tiocgptn, uintptr(unsafe.Pointer(&n))); errno != 0 {
			ioctlErr = errno
		}
	})
	if err = errors.Join(err, ioctlErr); err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { terminal.Close() })
	return master, terminal
}

func TestAdminCreate_AtATerminal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, flags := newDatabase(t)
	const password = "typed without an echo"

	// run types each line once its prompt shows, and returns what the
	// terminal echoed.
	run := func(t *testing.T, email string, lines ...string) (echoed string, err error) {
		t.Helper()
		master, terminal := openPTY(t)
		stderr := &syncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- adminCommand(ctx, commandArgs("create", flags, "--email", email), terminal, io.Discard, stderr)
		}()
		for i, line := range lines {
			deadline := time.Now().Add(10 * time.Second)
			for strings.Count(stderr.String(), ": ") <= i {
				if time.Now().After(deadline) {
					t.Fatalf("no prompt %d; stderr %q", i+1, stderr.String())
				}
				time.Sleep(5 * time.Millisecond)
			}
			if _, err := master.WriteString(line + "\n"); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case err = <-done:
		case <-time.After(60 * time.Second):
			t.Fatal("admin create did not finish")
		}
		master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		b, _ := io.ReadAll(master)
		return string(b), err
	}

	t.Run("AsksTwiceWithoutEcho", func(t *testing.T) {
		echoed, err := run(t, "tess@example.com", password, password)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(echoed, password) {
			t.Errorf("the terminal echoed the password: %q", echoed)
		}
	})
	t.Run("DifferentPasswordsAreRefused", func(t *testing.T) {
		if _, err := run(t, "tom@example.com", password, "something else entirely"); err == nil || !strings.Contains(err.Error(), "do not match") {
			t.Errorf("err = %v, want the passwords not matching", err)
		}
	})
}
