package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", "up | down N | status", "Apply all pending migrations (up), revert the last N (down N; development only),\nor show the schema version and pending migrations (status).", stderr)
	cfg, err := parseConfig(fs, args)
	if err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return errUsage
	}
	logger := app.NewLogger(cfg, stderr)
	dbURL, err := app.DatabaseURL(ctx, cfg, logger)
	if err != nil {
		return err
	}
	switch rest[0] {
	case "up":
		if err := app.MigrateUp(ctx, dbURL); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "down":
		if len(rest) != 2 {
			return fmt.Errorf("migrate down needs the number of migrations to revert, e.g. 'migrate down 1'")
		}
		n, err := strconv.Atoi(rest[1])
		if err != nil || n <= 0 {
			return fmt.Errorf("migrate down: %q is not a positive number", rest[1])
		}
		mg, err := postgres.NewMigrator(ctx, dbURL)
		if err != nil {
			return err
		}
		defer mg.Close()
		if err := mg.Down(n); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reverted %d migration(s)\n", n)
		return nil
	case "status":
		mg, err := postgres.NewMigrator(ctx, dbURL)
		if err != nil {
			return err
		}
		defer mg.Close()
		st, err := mg.Status()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "version %d of %d", st.Current, st.Latest)
		if st.Dirty {
			fmt.Fprint(stdout, " (dirty: a migration failed half-way)")
		}
		fmt.Fprintln(stdout)
		for _, p := range st.Pending {
			fmt.Fprintln(stdout, "pending:", p)
		}
		return nil
	default:
		return fmt.Errorf("unknown migrate action %q: use up, down N or status", rest[0])
	}
}

func runSeed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seed", "[flags]", "Migrate, then create the demo portal. Running it again changes nothing.", stderr)
	cfg, err := parseConfig(fs, args)
	if err != nil {
		return err
	}
	logger := app.NewLogger(cfg, stderr)
	dbURL, err := app.DatabaseURL(ctx, cfg, logger)
	if err != nil {
		return err
	}
	if err := app.MigrateUp(ctx, dbURL); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := postgres.NewTenantService(db).EnsureTenant(ctx, tenant.Tenant{Slug: "demo", Name: "Demo Company"})
	if err != nil {
		return err
	}
	host := t.Slug + "." + cfg.BaseDomain
	if _, port, err := net.SplitHostPort(cfg.ListenAddr); err == nil && port != "80" {
		host = net.JoinHostPort(host, port)
	}
	fmt.Fprintf(stdout, "demo portal %q ready at http://%s/\n", t.Name, host)
	return nil
}

func runDevDB(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("devdb", "start | stop | url", "Start (creating it on first use) or stop the project-private PostgreSQL cluster\nunder DATA_DIR/postgres, or print its URL (starting it if needed).", stderr)
	cfg, err := parseConfig(fs, args)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errUsage
	}
	logf := func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	switch fs.Arg(0) {
	case "start", "url":
		c, err := postgres.StartDevCluster(ctx, cfg.DataDir, logf)
		if err != nil {
			return err
		}
		if fs.Arg(0) == "url" {
			fmt.Fprintln(stdout, c.URL)
		} else {
			fmt.Fprintf(stdout, "PostgreSQL is running on 127.0.0.1:%d (data in %s)\n", c.Port, c.Dir)
		}
		return nil
	case "stop":
		if err := postgres.StopDevCluster(ctx, cfg.DataDir); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "PostgreSQL stopped")
		return nil
	default:
		return fmt.Errorf("unknown devdb action %q: use start, stop or url", fs.Arg(0))
	}
}
