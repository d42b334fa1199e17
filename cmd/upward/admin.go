package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"unsafe"

	"github.com/upward-lms/upward/internal/postgres"
)

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return adminCommand(ctx, args, os.Stdin, stdout, stderr)
}

// adminCommand is runAdmin with its standard input as a parameter, for tests.
func adminCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("admin", "create --email EMAIL [--name NAME]",
		"Create a platform operator, who signs in to the platform console on BASE_DOMAIN.\n"+
			"The password is asked for twice when standard input is a terminal, and is\n"+
			"otherwise the first line of standard input: echo \"$PASSWORD\" | upward admin create …", stderr)
	email := fs.String("email", "", "the operator's e-mail address (required)")
	name := fs.String("name", "", "the operator's name (default: the part of the e-mail address before the @)")
	// The action comes first, and the flag package stops at the first
	// argument that is not a flag: take the action off before parsing.
	action, rest := "", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		action, rest = args[0], args[1:]
	}
	cfg, err := parseConfig(fs, rest)
	if err != nil {
		return err
	}
	switch {
	case action == "":
		fs.Usage()
		return errUsage
	case action != "create":
		return fmt.Errorf("unknown action %q: use 'upward admin create --email EMAIL'", action)
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q: flags go after the action, as in 'upward admin create --email EMAIL'", fs.Arg(0))
	case strings.TrimSpace(*email) == "":
		return errors.New("missing --email: give the new operator's e-mail address")
	}
	if *name == "" {
		*name, _, _ = strings.Cut(strings.TrimSpace(*email), "@")
	}
	// Ask before the database work, which may take a while the first time.
	password, err := readNewPassword(ctx, stdin, stderr)
	if err != nil {
		return err
	}

	db, err := openMigrated(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	op, err := postgres.NewOperatorService(db).CreateOperator(ctx, *email, *name, password, postgres.AuditActor{Label: "upward admin create"})
	if err != nil {
		return fmt.Errorf("create operator %s: %w", strings.TrimSpace(*email), err)
	}
	fmt.Fprintf(stdout, "operator %s created\n", op.Email)
	return nil
}

// readNewPassword reads the new operator's password: from the terminal
// without echo, twice, when stdin is one; otherwise the first line of stdin,
// so that a script can pipe it in without it showing in the process list.
func readNewPassword(ctx context.Context, stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && isTerminal(f.Fd()) {
		r := bufio.NewReader(f)
		first, err := readWithoutEcho(ctx, f.Fd(), r, "Password for the new operator: ", stderr)
		if err != nil {
			return "", err
		}
		again, err := readWithoutEcho(ctx, f.Fd(), r, "The same password again: ", stderr)
		if err != nil {
			return "", err
		}
		if first != again {
			return "", errors.New("the two passwords do not match")
		}
		return first, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		if errors.Is(err, io.EOF) {
			return "", errors.New("no password: type it at a terminal, or give it as the first line of standard input")
		}
		return "", fmt.Errorf("read password: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// The terminal is driven with the ioctls golang.org/x/term would use, as
// foreground.go already does: that module is not a dependency. The request
// numbers are spelled out because the syscall package names them only on
// some systems (TCGETS on Linux, TIOCGETA on macOS); elsewhere stdin counts
// as no terminal and the password is read as a plain line.
var getTermios, setTermios = termiosRequests(runtime.GOOS, runtime.GOARCH)

func termiosRequests(goos, goarch string) (get, set uintptr) {
	switch {
	case goos == "darwin":
		return 0x40487413, 0x80487414 // TIOCGETA, TIOCSETA
	case goos == "linux" && slices.Contains([]string{"amd64", "arm64", "386", "arm", "riscv64", "loong64", "s390x"}, goarch):
		return 0x5401, 0x5402 // TCGETS, TCSETS
	}
	return 0, 0
}

func isTerminal(fd uintptr) bool {
	var t syscall.Termios
	return getTermios != 0 && termios(fd, getTermios, &t) == nil
}

// readWithoutEcho turns the terminal's echo off, prompts, reads one line
// and turns echo back on however the read ends. Echo goes off before the
// prompt shows, so nothing typed after it can appear on screen. Ctrl-C
// cancels ctx (main catches SIGINT) rather than killing the process, so it
// is watched here.
func readWithoutEcho(ctx context.Context, fd uintptr, r *bufio.Reader, prompt string, stderr io.Writer) (string, error) {
	var saved syscall.Termios
	if err := termios(fd, getTermios, &saved); err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	quiet := saved
	quiet.Lflag &^= syscall.ECHO
	quiet.Lflag |= syscall.ICANON | syscall.ISIG
	quiet.Iflag |= syscall.ICRNL
	if err := termios(fd, setTermios, &quiet); err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	defer termios(fd, setTermios, &saved)
	fmt.Fprint(stderr, prompt)
	defer fmt.Fprintln(stderr) // the Enter typed was not echoed either

	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		line, err := r.ReadString('\n')
		done <- result{line, err}
	}()
	select {
	case <-ctx.Done():
		return "", fmt.Errorf("no password entered: %w", ctx.Err())
	case res := <-done:
		if res.err != nil && (!errors.Is(res.err, io.EOF) || res.line == "") {
			return "", fmt.Errorf("read password: %w", res.err)
		}
		return strings.TrimRight(res.line, "\r\n"), nil
	}
}

func termios(fd, req uintptr, t *syscall.Termios) error {
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, req, uintptr(unsafe.Pointer(t))); errno != 0 {
		return errno
	}
	return nil
}
