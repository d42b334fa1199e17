// Command upward is the whole of Upward in one binary: the web server, the
// database migrations, the demo seed and the development database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// version is set at build time: -ldflags "-X main.version=…".
var version = "dev"

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "[flags]", "migrate the database, then serve HTTP until SIGINT or SIGTERM", runServe},
		{"migrate", "up | down N | status", "apply, revert or list the database migrations", runMigrate},
		{"seed", "[flags]", "create the demo portal (running it again changes nothing)", runSeed},
		{"courses", "lint | import", "check library course files; copy library courses into a portal", runCourses},
		{"scorm", "import --tenant SLUG F", "import a SCORM package as a course of a portal", runScorm},
		{"admin", "create --email EMAIL", "create a platform operator (password prompted, or read from stdin)", runAdmin},
		{"console", "create --account|--reseller SLUG --email E --name N", "add an admin to an account's or a reseller's console", runConsole},
		{"devdb", "start | stop | url", "manage the project-private PostgreSQL cluster under DATA_DIR", runDevDB},
		{"version", "", "print the version", func(_ context.Context, _ []string, stdout, _ io.Writer) error {
			fmt.Fprintln(stdout, "upward", version)
			return nil
		}},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one subcommand and returns the exit status: 0 on success,
// 1 on failure, 2 on a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, args[1:], stdout, stderr)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintln(stderr, "upward "+c.name+": "+oneLine(err.Error()))
			return 1
		}
	}
	fmt.Fprintf(stderr, "upward: unknown command %q; run 'upward --help'\n", args[0])
	return 2
}

var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `Upward: a multi-tenant learning platform.

Usage: upward COMMAND [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %-22s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprint(w, `
Run 'upward COMMAND --help' for a command's flags. Every flag can also be set
by its environment variable, shown in the flag's help.
`)
}

// oneLine keeps an error on one line, as the operator reads it.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
