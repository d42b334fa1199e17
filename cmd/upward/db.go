package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"strconv"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
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
	fs := newFlagSet("seed", "[flags]", "Migrate, then create the demo data: a platform operator, the portal 'demo' with the\ncourse library, 40 people in 4 teams with managers and their last 90 days of learning\n(an admin, an instructor and a learner among them), and a reseller with one client\nportal. In dev the accounts share a demo password, printed here; in prod no account\nis created. Running it again changes nothing.", stderr)
	scale := fs.Float64("scale", 0, "also make the benchmark data set: at 1, 1,000 portals of 100 learners with the library and their progress")
	bigPortal := fs.Int("big-portal", 5000, "with --scale: the learners of the first portal, whose course report is benchmarked")
	jobs := fs.Int("jobs", 2*runtime.NumCPU(), "with --scale: portals made at once")
	history := fs.Bool("history", true, "in dev, also the demo portal's 40 people in 4 teams and their last 90 days of learning")
	cfg, err := parseConfig(fs, args)
	if err != nil {
		return err
	}
	if *scale < 0 || *scale > 100 {
		return fmt.Errorf("--scale %g: give a number from 0 to 100", *scale)
	}
	if *bigPortal < 1 || *jobs < 1 {
		return fmt.Errorf("--big-portal and --jobs: give a number from 1")
	}
	db, err := openMigrated(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seed(ctx, db, cfg, *history, stdout); err != nil {
		return err
	}
	if *scale > 0 {
		return seedScale(ctx, db, cfg, *scale, *bigPortal, *jobs, stdout)
	}
	return nil
}

// openMigrated finds the database (starting the dev cluster when
// DATABASE_URL is unset), migrates it, and opens a small pool for a
// command's work.
func openMigrated(ctx context.Context, cfg config.Config, stderr io.Writer) (*postgres.DB, error) {
	dbURL, err := app.DatabaseURL(ctx, cfg, app.NewLogger(cfg, stderr))
	if err != nil {
		return nil, err
	}
	if err := app.MigrateUp(ctx, dbURL); err != nil {
		return nil, err
	}
	return postgres.Open(ctx, dbURL, 2)
}

// demoPassword is shared by the demo accounts, in development only.
const demoPassword = "upward-demo-password"

func seed(ctx context.Context, db *postgres.DB, cfg config.Config, history bool, stdout io.Writer) error {
	by := postgres.AuditActor{Label: "seed"}
	tenants := postgres.NewTenantService(db)
	demo, err := tenants.EnsureTenant(ctx, tenant.Tenant{
		Slug: "demo", Name: "Demo Company", Plan: "enterprise", // every feature, to try them all
		Listed:   true, // the home page of make run leads to it
		Branding: tenant.Branding{WelcomeText: "Welcome to the Demo Company learning portal: courses on working well with your manager."},
		Settings: tenant.Settings{SelfRegistration: true},
	})
	if err == nil && !demo.Listed { // seeded before portals were listed by choice
		demo.Listed = true
		demo, err = tenants.UpdateTenant(ctx, demo, by)
	}
	if err != nil {
		return err
	}
	reseller, err := postgres.NewResellerService(db).EnsureReseller(ctx, "northwind", "Northwind Learning Partners")
	if err != nil {
		return err
	}
	client, err := tenants.EnsureTenant(ctx, tenant.Tenant{
		Slug: "contoso", Name: "Contoso", ResellerID: &reseller.ID,
		Branding: tenant.Branding{PrimaryColor: "#2d6a4f", WelcomeText: "Contoso's people learn here, with Northwind."},
	})
	if err != nil {
		return err
	}
	host := func(slug string) string {
		h := cfg.BaseDomain
		if slug != "" {
			h = slug + "." + h
		}
		if _, port, err := net.SplitHostPort(cfg.ListenAddr); err == nil && port != "80" {
			h = net.JoinHostPort(h, port)
		}
		return "http://" + h + "/"
	}
	fmt.Fprintf(stdout, "demo portal %q ready at %s\n", demo.Name, host(demo.Slug))
	fmt.Fprintf(stdout, "reseller %q with client portal %q at %s\n", reseller.Name, client.Name, host(client.Slug))
	files, err := storage.NewDir(filepath.Join(cfg.DataDir, "uploads"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "installing the course library into %q\n", demo.Name)
	say := func(format string, a ...any) { fmt.Fprintf(stdout, "  "+format+"\n", a...) }
	if err := app.InstallLibrary(ctx, db, files, courses.FS, demo.ID, app.LibraryInstall{Publish: true, KeepExisting: true}, by, say); err != nil {
		return fmt.Errorf("seed the course library: %w", err)
	}
	if cfg.Production() {
		fmt.Fprintln(stdout, "ENV=prod: no demo accounts; create the first operator with 'upward admin create --email …'")
		return nil
	}

	// One hash for every demo account: they share the password, and
	// hashing it for each would cost 50 ms apiece on every run.
	hash, err := user.HashPassword(demoPassword)
	if err != nil {
		return err
	}
	users := postgres.NewUserService(db, nil, nil)
	accounts := []struct {
		t     tenant.Tenant
		email string
		name  string
		roles []user.Role
	}{
		{demo, "admin@demo.test", "Dana Admin", []user.Role{user.Admin, user.Learner}},
		{demo, "instructor@demo.test", "Ian Instructor", []user.Role{user.Instructor, user.Learner}},
		{demo, "learner@demo.test", "Lena Learner", []user.Role{user.Learner}},
		{client, "admin@contoso.test", "Chris Contoso", []user.Role{user.Admin, user.Learner}},
	}
	for _, a := range accounts {
		if _, err := users.EnsureUser(ctx, a.t, postgres.NewUser{Email: a.email, Name: a.name, PasswordHash: hash, Roles: a.roles}, by); err != nil {
			return fmt.Errorf("seed %s: %w", a.email, err)
		}
	}
	// Console members: the demo company's account admin, and the reseller's.
	console := postgres.NewConsoleService(db)
	for _, cm := range []struct{ account, reseller, email, name string }{
		{"demo", "", "account@demo.test", "Ari Account"},
		{"", "northwind", "reseller@northwind.test", "Rae Reseller"},
	} {
		if _, err := console.CreateConsoleMember(ctx, cm.account, cm.reseller, cm.email, cm.name, demoPassword, by); err != nil && apperr.Code(err) != apperr.EINVALID {
			return fmt.Errorf("seed console %s: %w", cm.email, err)
		}
	}
	operators := postgres.NewOperatorService(db)
	if n, err := operators.CountOperators(ctx); err != nil {
		return err
	} else if n == 0 {
		if _, err := operators.CreateOperator(ctx, "operator@upward.test", "Olu Operator", demoPassword, by); err != nil {
			return fmt.Errorf("seed operator: %w", err)
		}
	}
	managerLine := ""
	if history {
		manager, err := seedLivedIn(ctx, db, demo, hash, stdout)
		if err != nil {
			return err
		}
		managerLine = fmt.Sprintf("  learner's manager  %-25s %slogin   (My team)\n", manager, host(demo.Slug))
	}
	fmt.Fprintf(stdout, `
Demo sign-ins (ENV=dev only), all with the password %q:
  platform operator  operator@upward.test      %splatform
  portal admin       admin@demo.test           %slogin
  instructor         instructor@demo.test      %slogin
  learner            learner@demo.test         %slogin
%s  client admin       admin@contoso.test        %slogin
  account console    account@demo.test         %sconsole
  reseller console   reseller@northwind.test   %sconsole
`, demoPassword, host(""), host(demo.Slug), host(demo.Slug), host(demo.Slug), managerLine, host(client.Slug), host(""), host(""))
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
