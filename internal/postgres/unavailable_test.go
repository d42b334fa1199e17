package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/upward-lms/upward/internal/postgres"
)

func TestUnavailable_TellsTheDatabaseAwayFromAFailedStatement(t *testing.T) {
	t.Parallel()
	away := map[string]error{
		"shutting down":        &pgconn.PgError{Code: "57P01"},
		"starting up":          &pgconn.PgError{Code: "57P03"},
		"connection exception": &pgconn.PgError{Code: "08006"},
		"dropped mid-read":     fmt.Errorf("learning: %w", &net.OpError{Op: "read", Err: syscall.ECONNRESET}),
		"cut short":            fmt.Errorf("x: %w", io.ErrUnexpectedEOF),
	}
	for name, err := range away {
		if !postgres.Unavailable(err) {
			t.Errorf("%s (%v): not unavailable", name, err)
		}
	}
	notAway := map[string]error{
		"unique violation": &pgconn.PgError{Code: "23505"},
		"no rows":          pgx.ErrNoRows,
		"disk full":        fmt.Errorf("storage: put: %w", &os.PathError{Op: "write", Path: "f", Err: syscall.ENOSPC}),
		"read-only":        &os.PathError{Op: "open", Path: "f", Err: syscall.EROFS},
		"request ended":    context.Canceled,
		"plain":            errors.New("something else"),
		"none":             nil,
	}
	for name, err := range notAway {
		if postgres.Unavailable(err) {
			t.Errorf("%s (%v): unavailable", name, err)
		}
	}
}
