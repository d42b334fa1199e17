// Package app is Upward's composition root: config -> database -> services
// -> router -> HTTP server. The command and the end-to-end tests both start
// Upward through it, so tests exercise the real wiring.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/mail"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/server"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/web/static"
)

// Main is a running Upward.
type Main struct {
	Config config.Config
	Logger *slog.Logger
	// Migrate applies pending migrations on Open (serve --no-migrate clears it).
	Migrate bool
	// DBTracer, when set before Open, traces the main pool's queries.
	DBTracer pgx.QueryTracer

	DB         *postgres.DB
	Jobs       *river.Client[pgx.Tx] // River: mail and other background work
	jobsDB     *postgres.DB          // River's own pool
	sessionsDB *postgres.DB          // the session store's own pool
	// Services are every storage service, made once here; Tenants and
	// Users are two of them, named for the commands and tests.
	Services  *postgres.Services
	Tenants   *postgres.TenantService
	Users     *postgres.UserService
	Server    *server.Server
	listener  net.Listener
	http      *http.Server
	served    chan error
	stopSweep context.CancelFunc

	closeOnce sync.Once
	closeErr  error
}

// New returns a Main for cfg that logs to logger.
func New(cfg config.Config, logger *slog.Logger) *Main {
	return &Main{Config: cfg, Logger: logger, Migrate: true}
}

// NewLogger builds the process logger the configuration asks for.
func NewLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// UseHashCost makes the configured password hash cost the process's (see
// user.SetHashCost): the server and every command that makes passwords
// call it first.
func UseHashCost(cfg config.Config) error {
	if err := user.SetHashCost(user.HashCost(cmp.Or(cfg.PasswordHashCost, config.HashCostStandard))); err != nil {
		return &config.Error{Setting: "PASSWORD_HASH_COST", Flag: "password-hash-cost", Reason: err.Error()}
	}
	return nil
}

// DatabaseURL returns the configured DATABASE_URL or, when it is unset in
// development, starts the project-private cluster and returns its URL.
func DatabaseURL(ctx context.Context, cfg config.Config, logger *slog.Logger) (string, error) {
	if cfg.DatabaseURL != "" {
		return cfg.DatabaseURL, nil
	}
	c, err := postgres.StartDevCluster(ctx, cfg.DataDir, func(format string, args ...any) {
		logger.Info(fmt.Sprintf(format, args...))
	})
	if err != nil {
		return "", &config.Error{Setting: "DATABASE_URL", Flag: "database-url", Reason: "unset, and the private development database could not start: " + err.Error()}
	}
	return c.URL, nil
}

// Open connects to the database, migrates it, builds the server and starts
// listening. It does not serve yet: call Serve.
func (m *Main) Open(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if err := UseHashCost(m.Config); err != nil {
		return err
	}
	dbURL, err := DatabaseURL(ctx, m.Config, m.Logger)
	if err != nil {
		return err
	}
	if m.Migrate {
		if err := MigrateUp(ctx, dbURL); err != nil {
			return err
		}
	}
	limits := postgres.WithLimits(postgres.Limits{Statement: m.Config.DBStatementTimeout,
		IdleInTransaction: m.Config.DBIdleInTransactionTimeout, Lock: m.Config.DBLockTimeout})
	opts := []postgres.Option{limits}
	if m.DBTracer != nil {
		opts = append(opts, postgres.WithTracer(m.DBTracer))
	}
	m.DB, err = postgres.Open(ctx, dbURL, int32(m.Config.DBMaxConns), opts...)
	if err != nil {
		return databaseError(err)
	}
	// Background jobs get a pool of their own, so that River reconnecting
	// or busy can never starve the pages and /readyz of connections.
	m.jobsDB, err = postgres.Open(ctx, dbURL, 4, limits)
	if err != nil {
		return databaseError(err)
	}
	// Sessions too: a page that streams from an open transaction (a CSV
	// export) saves its session as it writes its first byte, and must not
	// wait for a connection that other such pages hold.
	m.sessionsDB, err = postgres.Open(ctx, dbURL, 4, opts...)
	if err != nil {
		return databaseError(err)
	}

	// Listen before building the services: links in mail need the port.
	m.listener, err = net.Listen("tcp", m.Config.ListenAddr)
	if err != nil {
		return &config.Error{Setting: "LISTEN_ADDR", Flag: "listen-addr", Reason: err.Error()}
	}
	if err := m.startJobs(); err != nil {
		return err
	}

	assets, err := static.New()
	if err != nil {
		return err
	}
	files, err := storage.NewDir(filepath.Join(m.Config.DataDir, "uploads"))
	if err != nil {
		return &config.Error{Setting: "DATA_DIR", Flag: "data-dir", Reason: err.Error()}
	}
	sessions := scs.New()
	sessions.Store = pgxstore.NewWithCleanupInterval(m.sessionsDB.Pool, 0)
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	m.stopSweep = stopSweep
	go m.sweepSessions(sweepCtx, 10*time.Minute)
	lib, problems := builtinLibrary()
	for _, p := range problems {
		m.Logger.Warn("course library", "problem", p.String())
	}
	m.Services = postgres.NewServices(m.DB, postgres.ServiceOptions{
		Outbox: postgres.NewOutbox(m.Jobs), PortalURL: m.PortalURL,
		ScormDir: filepath.Join(m.Config.DataDir, "scorm"),
		// Receivers run on this machine while developing; in production
		// deliveries reach public addresses only.
		AllowPrivateNetworks: !m.Config.Production(),
		PutFile:              files.Put, LibraryFS: courses.FS, Library: lib,
	})
	m.Tenants, m.Users = m.Services.Tenants, m.Services.Users
	// An import interrupted by a stop leaves its extraction behind.
	if err := m.Services.Scorm.SweepExtractions(time.Hour); err != nil {
		m.Logger.Warn("scorm: sweep extractions", "err", err)
	}
	// The absolute limit; the server ends sessions idle for 8 hours
	// itself (server.sessionIdle), without writing each one back on every
	// request as scs's IdleTimeout would.
	sessions.Lifetime = server.SessionLifetime
	sessions.Cookie.Name = "upward_session"
	if m.Config.Production() {
		// __Host-: the browser takes it only from this very host, Secure,
		// for the whole path and with no Domain, so script on a sibling
		// host (the SCORM content host) cannot plant one for the portal.
		sessions.Cookie.Name = "__Host-upward_session"
		sessions.Cookie.Path = "/"
	}
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Secure = m.Config.Production()

	m.Server = server.New(server.Deps{
		Config:   m.Config,
		DB:       m.DB,
		Services: m.Services,
		Library:  lib,
		Sessions: sessions,
		Files:    files,
		Assets:   assets,
		Logger:   m.Logger,
	})
	m.http = &http.Server{
		Handler:           m.Server,
		ReadHeaderTimeout: cmp.Or(m.Config.ReadHeaderTimeout, 10*time.Second),
		ReadTimeout:       m.Config.RequestTimeout,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.http.Serve(m.listener) }()
	return nil
}

// Addr is the address the server listens on (useful with port 0).
func (m *Main) Addr() string { return m.listener.Addr().String() }

// Wait blocks until ctx ends or the server fails.
func (m *Main) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-m.served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}

// Close stops accepting connections, lets in-flight requests finish within
// the shutdown timeout, then closes the database pool. Calling it again
// returns the first call's result.
func (m *Main) Close() error {
	m.closeOnce.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	var errs []error
	if m.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	if m.stopSweep != nil {
		m.stopSweep()
	}
	if m.Jobs != nil && !m.Config.JobsOff {
		ctx, cancel := context.WithTimeout(context.Background(), m.Config.ShutdownTimeout)
		defer cancel()
		if err := m.Jobs.Stop(ctx); err != nil {
			errs = append(errs, fmt.Errorf("stop jobs: %w", err))
		}
	}
	if m.sessionsDB != nil {
		m.sessionsDB.Close()
	}
	if m.jobsDB != nil {
		m.jobsDB.Close()
	}
	if m.DB != nil {
		m.DB.Close()
	}
	return errors.Join(errs...)
}

// startJobs starts River with the workers: mail over SMTP, or into the
// dev mailbox when no SMTP server is configured; reminders; webhooks.
func (m *Main) startJobs() error {
	var sender postgres.MailSender = postgres.DevMailbox{Logger: m.Logger}
	transport := "devbox"
	if m.Config.SMTPURL != "" {
		smtp, err := mail.NewSMTPSender(m.Config.SMTPURL)
		if err != nil {
			return &config.Error{Setting: "SMTP_URL", Flag: "smtp-url", Reason: err.Error()}
		}
		sender, transport = smtp, "smtp"
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &postgres.MailWorker{DB: m.jobsDB, Sender: sender, Transport: transport, From: m.Config.MailFrom, Logger: m.Logger})
	// The reminders go through the outbox, which needs the client below.
	// On the jobs pool, like all background work, so it never competes
	// with requests for the web pool.
	reminders := &postgres.RemindersWorker{DB: m.jobsDB, PortalURL: m.PortalURL, Logger: m.Logger}
	river.AddWorker(workers, reminders)
	notes := &postgres.NotificationMailWorker{DB: m.jobsDB, PortalURL: m.PortalURL}
	river.AddWorker(workers, notes)
	digests := &postgres.DigestWorker{DB: m.jobsDB, PortalURL: m.PortalURL, Logger: m.Logger}
	river.AddWorker(workers, digests)
	river.AddWorker(workers, &postgres.SessionReminderWorker{DB: m.jobsDB})
	// Receivers run on this machine while developing; in production
	// deliveries reach public addresses only.
	river.AddWorker(workers, &postgres.WebhookWorker{DB: m.jobsDB, PortalURL: m.PortalURL, PlatformURL: m.PlatformURL, Logger: m.Logger,
		AllowPrivateNetworks: !m.Config.Production()})
	jobs, err := river.NewClient(riverpgxv5.New(m.jobsDB.Pool), &river.Config{
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: 4},
			postgres.MailQueue: {MaxWorkers: 4},
			// A worker holds no connection while it waits for a receiver.
			postgres.WebhookQueue: {MaxWorkers: 8},
		},
		Workers: workers,
		PeriodicJobs: []*river.PeriodicJob{
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return postgres.RemindersArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
			river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
				return postgres.DigestArgs{}, nil
			}, &river.PeriodicJobOpts{RunOnStart: true}),
		},
		Logger: m.Logger.With("component", "river"),
	})
	if err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	reminders.Outbox = postgres.NewOutbox(jobs)
	notes.Outbox, digests.Outbox = postgres.NewOutbox(jobs), postgres.NewOutbox(jobs)
	m.Jobs = jobs
	if m.Config.JobsOff {
		m.Logger.Info("background jobs are queued here and worked by another process (WORK_JOBS=off)")
		return nil
	}
	if err := jobs.Start(context.Background()); err != nil {
		m.Jobs = nil
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// PortalURL is the base URL of a portal (no trailing slash), for links in
// mail: under its reseller's base domain when it has one, https in
// production, and the listening port in development.
func (m *Main) PortalURL(t tenant.Tenant) string {
	return m.hostURL(t.Host(m.Config.BaseDomain))
}

// PlatformURL is the base URL of the platform host (the console's), for
// links in mail.
func (m *Main) PlatformURL() string { return m.hostURL(m.Config.BaseDomain) }

func (m *Main) hostURL(host string) string {
	if m.Config.Production() {
		return "https://" + host
	}
	if _, port, err := net.SplitHostPort(m.Addr()); err == nil && port != "80" {
		host = net.JoinHostPort(host, port)
	}
	return "http://" + host
}

// sweepSessions deletes expired sessions, and rate counts older than an
// hour, every interval until ctx ends.
func (m *Main) sweepSessions(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := m.sessionsDB.DeleteExpiredSessions(ctx); err != nil {
				m.Logger.Warn("session sweep failed", "err", err)
			} else if n > 0 {
				m.Logger.Debug("expired sessions deleted", "count", n)
			}
			// Rate counts older than an hour: no limit looks back further.
			if _, err := m.Services.RateCounter.DeleteOldRateCounts(ctx, time.Now().Add(-time.Hour)); err != nil {
				m.Logger.Warn("rate count sweep failed", "err", err)
			}
		}
	}
}

// MigrateUp applies every pending migration to the database at dbURL.
func MigrateUp(ctx context.Context, dbURL string) error {
	mg, err := postgres.NewMigrator(ctx, dbURL)
	if err != nil {
		return databaseError(err)
	}
	defer mg.Close()
	return mg.Up()
}

// databaseError names the setting when the database cannot be reached.
func databaseError(err error) error {
	return &config.Error{Setting: "DATABASE_URL", Flag: "database-url", Reason: err.Error()}
}
