package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strings"

	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
)

// newFlagSet returns a flag set whose --help explains the command.
func newFlagSet(name, args, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("upward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: upward %s %s\n\n%s\n\nFlags:\n", name, args, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parseConfig parses the command's flags on top of the environment and
// validates the result.
func parseConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	vals := config.Flags(fs, os.Getenv)
	if err := fs.Parse(args); err != nil {
		return config.Config{}, err
	}
	cfg, err := vals.Load()
	if err != nil {
		return config.Config{}, err
	}
	// Commands that make accounts (seed, admin create) hash as configured.
	return cfg, app.UseHashCost(cfg)
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", "[flags]", "Migrate the database (unless --no-migrate), then serve HTTP until SIGINT or SIGTERM,\nfinishing in-flight requests before exiting.", stderr)
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations on start")
	foreground := fs.Bool("foreground", false, "take the terminal's foreground so Ctrl-C reaches only the server (used by make run)")
	cfg, err := parseConfig(fs, args)
	if err != nil {
		return err
	}
	if *foreground {
		restore := takeTerminalForeground()
		defer restore()
	}
	logger := app.NewLogger(cfg, stderr)
	setMemoryLimit(os.Getenv)
	m := app.New(cfg, logger)
	m.Migrate = !*noMigrate
	if err := m.Open(ctx); err != nil {
		m.Close()
		return err
	}
	printWelcome(stdout, cfg, m.Addr())
	waitErr := m.Wait(ctx)
	logger.Info("shutting down: finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	if err := m.Close(); err != nil {
		return err
	}
	logger.Info("stopped")
	return waitErr
}

func printWelcome(w io.Writer, cfg config.Config, addr string) {
	_, port, _ := net.SplitHostPort(addr)
	host := cfg.BaseDomain
	if port != "80" {
		host = net.JoinHostPort(host, port)
	}
	fmt.Fprintf(w, "\nUpward is serving on http://%s/\n", host)
	fmt.Fprintf(w, "  Demo portal:  http://demo.%s/\n", host)
	fmt.Fprintf(w, "  Health:       http://%s/healthz  and  /readyz\n", host)
	fmt.Fprintln(w, "  Stop with Ctrl-C.")
	fmt.Fprintln(w, strings.Repeat("-", 60))
}

// defaultMemoryLimit is the Go runtime's soft memory limit when GOMEMLIMIT
// is not set. Each sign-in's argon2id hash takes 64 MiB for a moment; with
// the default GC target, a burst of sign-ins left the server holding 335
// MB, against 170 MB with this limit (make bench's sign-ins), at no cost
// in requests served.
const defaultMemoryLimit = 150 << 20

// setMemoryLimit applies defaultMemoryLimit unless GOMEMLIMIT says
// otherwise (the runtime reads that itself).
func setMemoryLimit(getenv func(string) string) {
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
