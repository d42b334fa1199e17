package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
)

// Operator is a person who runs the platform: they sign in to the platform
// console on the bare BASE_DOMAIN and belong to no portal.
type Operator struct {
	ID           int64
	Email, Name  string
	SessionEpoch int
	CreatedAt    time.Time
}

// OperatorService stores platform operators and signs them in. Operators is
// a platform table: no tenant is set in its transactions.
type OperatorService struct {
	db *DB
}

// NewOperatorService returns the operator store on db.
func NewOperatorService(db *DB) *OperatorService { return &OperatorService{db: db} }

const operatorColumns = `o.id, o.email, o.name, o.session_epoch, o.created_at`

func scanOperator(row pgx.CollectableRow) (Operator, error) {
	var o Operator
	err := row.Scan(&o.ID, &o.Email, &o.Name, &o.SessionEpoch, &o.CreatedAt)
	return o, err
}

// CreateOperator adds an operator with a password; the address's
// uniqueness, regardless of case, is the database's to decide.
func (s *OperatorService) CreateOperator(ctx context.Context, email, name, password string, by AuditActor) (Operator, error) {
	f := apperr.Fields{}
	email, err := user.NormalizeEmail(email)
	addField(f, err)
	name, err = user.ValidateName(name)
	addField(f, err)
	addField(f, user.ValidatePassword(password))
	if err := f.Err(); err != nil {
		return Operator{}, err
	}
	hash, err := user.HashPassword(password)
	if err != nil {
		return Operator{}, fmt.Errorf("operator: create: %w", err)
	}
	var out Operator
	err = s.db.InTx(ctx, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO operators AS o (email, name, password_hash, created_at)
			VALUES ($1, $2, $3, $4)
			RETURNING `+operatorColumns, email, name, hash, tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanOperator); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "operator.create", out.Email, map[string]any{"operator_id": out.ID, "name": out.Name})
	})
	if err != nil {
		if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
			return Operator{}, &apperr.Error{Code: apperr.ECONFLICT, Field: "email", Message: "An operator with that e-mail address already exists."}
		}
		return Operator{}, fmt.Errorf("operator: create: %w", err)
	}
	return out, nil
}

// AuthenticateOperator checks an e-mail address and password and records
// the attempt in the platform audit log. Every failure is ErrBadCredentials
// and takes the same time, so the answer does not tell whether an operator
// has that address.
func (s *OperatorService) AuthenticateOperator(ctx context.Context, email, password string, by AuditActor) (Operator, error) {
	email = strings.TrimSpace(email)
	var o Operator
	var hash string
	err := s.db.Pool.QueryRow(ctx, `SELECT `+operatorColumns+`, o.password_hash FROM operators o WHERE lower(o.email) = lower($1)`, email).
		Scan(&o.ID, &o.Email, &o.Name, &o.SessionEpoch, &o.CreatedAt, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return Operator{}, fmt.Errorf("operator: authenticate: %w", err)
	}
	ok := user.CheckPassword(password, hash) // no operator: an empty hash, the same time, and false
	by.OperatorID, by.Label = o.ID, email
	action := "operator.signin"
	if !ok {
		action = "operator.signin.failed"
	}
	err = s.db.InTx(ctx, func(tx *Tx) error {
		return platformAudit(ctx, tx, by, action, email, nil)
	})
	if err != nil {
		return Operator{}, fmt.Errorf("operator: authenticate: %w", err)
	}
	if !ok {
		return Operator{}, ErrBadCredentials
	}
	return o, nil
}

// FindOperatorByID returns one operator.
func (s *OperatorService) FindOperatorByID(ctx context.Context, id int64) (Operator, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT `+operatorColumns+` FROM operators o WHERE o.id = $1`, id)
	if err != nil {
		return Operator{}, fmt.Errorf("operator: find: %w", err)
	}
	o, err := pgx.CollectExactlyOneRow(rows, scanOperator)
	if err != nil {
		return Operator{}, fmt.Errorf("operator: find: %w", Error(err, "Operator"))
	}
	return o, nil
}

// CountOperators returns how many operators there are; the seed creates
// the first one only when there is none.
func (s *OperatorService) CountOperators(ctx context.Context) (int, error) {
	var n int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM operators`).Scan(&n); err != nil {
		return 0, fmt.Errorf("operator: count: %w", err)
	}
	return n, nil
}

// SignOutEverywhere ends every session of the operator by moving the
// session epoch on, and returns the new epoch.
func (s *OperatorService) SignOutEverywhere(ctx context.Context, id int64, by AuditActor) (epoch int, err error) {
	err = s.db.InTx(ctx, func(tx *Tx) error {
		var email string
		if err := tx.QueryRow(ctx, `UPDATE operators SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch, email`,
			id).Scan(&epoch, &email); err != nil {
			return err
		}
		return platformAudit(ctx, tx, by, "operator.signout.everywhere", email, map[string]any{"operator_id": id})
	})
	if err != nil {
		return 0, fmt.Errorf("operator: sign out everywhere: %w", Error(err, "Operator"))
	}
	return epoch, nil
}
