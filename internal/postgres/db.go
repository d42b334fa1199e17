// Package postgres wraps PostgreSQL: the connection pool, transactions with
// the tenant set for row-level security, the migrations runner and the
// project-private development cluster.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/upward-lms/upward/internal/apperr"
)

// RuntimeRole is the role every query of the server runs as. The migrations
// create it; it owns no table, so row-level security applies to it.
const RuntimeRole = "upward_app"

// DB is the runtime connection pool.
type DB struct {
	Pool *pgxpool.Pool
	// Now is the clock; tests replace it. Each transaction reads it once.
	Now func() time.Time
	// jobs inserts River jobs inside transactions only (it has no pool of
	// its own and runs nothing): work that an action deep in a service
	// causes, such as a webhook delivery, is queued in the action's
	// transaction without every service holding the River client.
	jobs *river.Client[pgx.Tx]
	// contents keeps parsed course versions, shared by every service.
	contents *contentCache
}

// DefaultMaxConns sizes the web server's pool: enough for the requests two
// cores can run at once, with room for requests waiting on I/O.
const DefaultMaxConns = 16

// Open connects to the database at url with a pool of up to maxConns
// connections (DefaultMaxConns when 0) and checks that it answers. Every
// connection runs as RuntimeRole: the role is set as a startup parameter,
// which costs no extra round trip.
func Open(ctx context.Context, url string, maxConns int32, opts ...Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	for _, o := range opts {
		o(cfg)
	}
	cfg.ConnConfig.RuntimeParams["role"] = RuntimeRole
	cfg.ConnConfig.RuntimeParams["application_name"] = "upward"
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	if maxConns <= 0 {
		maxConns = DefaultMaxConns
	}
	cfg.MaxConns = maxConns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open pool: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach database at %s: %w", describe(cfg.ConnConfig), err)
	}
	jobs, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: job inserter: %w", err)
	}
	return &DB{Pool: pool, Now: time.Now, jobs: jobs, contents: newContentCache()}, nil
}

// Option adjusts a pool's configuration.
type Option func(*pgxpool.Config)

// WithTracer traces the pool's queries (tests count them with it).
func WithTracer(t pgx.QueryTracer) Option {
	return func(c *pgxpool.Config) { c.ConnConfig.Tracer = t }
}

// Limits are PostgreSQL's own bounds on what one connection may do. They
// stop what a context cannot: a statement of a job or a command with no
// deadline, a transaction left open by a stuck caller, a wait on a lock
// held by either. A zero leaves the database server's setting.
type Limits struct {
	Statement         time.Duration // statement_timeout: the statement fails (SQLSTATE 57014)
	IdleInTransaction time.Duration // idle_in_transaction_session_timeout: the session ends (25P03)
	Lock              time.Duration // lock_timeout: the statement fails (55P03)
}

// WithLimits sets limits on every connection of the pool, as startup
// parameters (no extra round trip). A failed statement leaves its
// connection usable; a session ended for idling in a transaction is
// dropped by the pool.
func WithLimits(l Limits) Option {
	return func(c *pgxpool.Config) {
		for name, d := range map[string]time.Duration{
			"statement_timeout":                   l.Statement,
			"idle_in_transaction_session_timeout": l.IdleInTransaction,
			"lock_timeout":                        l.Lock,
		} {
			if d > 0 {
				// In whole milliseconds, PostgreSQL's unit; never 0, which
				// would mean no limit at all.
				c.ConnConfig.RuntimeParams[name] = strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms"
			}
		}
	}
}

// QueryCounter is a tracer that counts the statements sent, batched or not.
type QueryCounter struct{ n atomic.Int64 }

// Count is the number of statements sent so far.
func (c *QueryCounter) Count() int64 { return c.n.Load() }

func (c *QueryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *QueryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *QueryCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}
func (c *QueryCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {
	c.n.Add(1)
}
func (c *QueryCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

// Close closes every connection of the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// Tx is a transaction with the moment it started, so that every row it
// writes carries the same time.
type Tx struct {
	pgx.Tx
	Now      time.Time
	jobs     *river.Client[pgx.Tx]
	contents *contentCache
}

// InTx runs fn in a transaction with no tenant set: for platform tables
// only. Tenant tables read as empty there, because their policies fail
// closed. The transaction commits when fn returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return db.inTx(ctx, 0, fn)
}

// InTenantTx runs fn in a transaction bound to one tenant: it sets
// app.tenant_id for the transaction only, so row-level security admits
// that tenant's rows and no other's, whatever the query says.
func (db *DB) InTenantTx(ctx context.Context, tenantID int64, fn func(tx *Tx) error) error {
	if tenantID <= 0 {
		return fmt.Errorf("postgres: tenant transaction without a tenant")
	}
	return db.inTx(ctx, tenantID, fn)
}

// ReadInTenant sends the statements of b with the tenant set, in one
// round trip. The statements of a batch run in one implicit transaction,
// which the protocol's single Sync at the batch's end commits, and the
// tenant, set local to that transaction, ends with it. For reads whose
// statements do not depend on each other's results; each reads through
// its queued callback.
func (db *DB) ReadInTenant(ctx context.Context, tenantID int64, b *pgx.Batch) error {
	if tenantID <= 0 {
		return fmt.Errorf("postgres: tenant read without a tenant")
	}
	all := &pgx.Batch{}
	all.Queue("SELECT set_config('app.tenant_id', $1, true)", strconv.FormatInt(tenantID, 10))
	all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
	return db.Pool.SendBatch(ctx, all).Close()
}

// readRows runs one query in the tenant, in one round trip (ReadInTenant),
// and collects its rows with fn.
func readRows[T any](ctx context.Context, db *DB, tenantID int64, fn pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	var out []T
	b := &pgx.Batch{}
	b.Queue(sql, args...).Query(func(rows pgx.Rows) error {
		var err error
		out, err = pgx.CollectRows(rows, fn)
		return err
	})
	return out, db.ReadInTenant(ctx, tenantID, b)
}

func (db *DB) inTx(ctx context.Context, tenantID int64, fn func(tx *Tx) error) error {
	var opts pgx.TxOptions
	if tenantID > 0 {
		// BEGIN and the tenant in one round trip (a simple-protocol query
		// of two statements); the id is a number, formatted here.
		opts.BeginQuery = "BEGIN; SELECT set_config('app.tenant_id', '" + strconv.FormatInt(tenantID, 10) + "', true)"
	}
	return pgx.BeginTxFunc(ctx, db.Pool, opts, func(ptx pgx.Tx) error {
		return fn(&Tx{Tx: ptx, Now: db.Now().UTC(), jobs: db.jobs, contents: db.contents})
	})
}

// Error turns storage errors into application errors at the storage edge:
// no rows becomes not-found, a unique violation a conflict. what names the
// object for the user ("Course", "E-mail address").
func Error(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &apperr.Error{Code: apperr.ENOTFOUND, Message: what + " not found."}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505": // unique_violation
			return &apperr.Error{Code: apperr.ECONFLICT, Message: what + " already exists."}
		case "23503": // foreign_key_violation
			return &apperr.Error{Code: apperr.EINVALID, Message: what + " refers to something that does not exist."}
		}
	}
	return err
}

// Unavailable reports whether err says the database could not be reached
// or went away (refused or dropped connections, a server shutting down or
// starting up), rather than that a statement failed. Such a failure is
// the database's, not the request's: it passes when the database is back,
// so the server answers 503 "try again shortly" rather than 500.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	// pgconn says a failure is safe to retry when nothing reached the
	// server: a connection found closed (its server went away between
	// two statements) is one.
	if pgconn.SafeToRetry(err) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08: connection exceptions; 57P01-57P03: the server is
		// shutting down, crashed, or not yet accepting connections;
		// 53300: no connection slot left.
		switch {
		case strings.HasPrefix(pgErr.Code, "08"), pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", pgErr.Code == "53300":
			return true
		}
		return false
	}
	// A connection dropped mid-statement surfaces as an I/O error from
	// the socket (EOF, reset, refused, closed), wrapped by pgconn. Only a
	// network operation's error counts: a file's errors carry error
	// numbers too, and a full disk is not the database being away.
	var opErr *net.OpError
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		(errors.As(err, &opErr) && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled))
}

func describe(c *pgx.ConnConfig) string {
	return fmt.Sprintf("%s:%d/%s", c.Host, c.Port, c.Database)
}
