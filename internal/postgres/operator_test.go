package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

const operatorPassword = "correct horse battery staple"

// platformActions returns the actions of the platform audit log, oldest
// first.
func platformActions(t *testing.T, db *postgres.DB) []string {
	t.Helper()
	var actions []string
	err := db.Pool.QueryRow(context.Background(),
		`SELECT coalesce(array_agg(action ORDER BY id), '{}') FROM platform_audit_events`).Scan(&actions)
	if err != nil {
		t.Fatal(err)
	}
	return actions
}

func TestOperatorService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	ops := postgres.NewOperatorService(db)
	by := postgres.AuditActor{Label: "test", IP: "192.0.2.1"}

	olu, err := ops.CreateOperator(ctx, "  Olu@Example.com ", " Olu Operator ", operatorPassword, by)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CreatesAnOperator", func(t *testing.T) {
		if olu.ID == 0 || olu.Email != "Olu@Example.com" || olu.Name != "Olu Operator" || olu.SessionEpoch != 0 || olu.CreatedAt.IsZero() {
			t.Errorf("created %+v", olu)
		}
		got, err := ops.FindOperatorByID(ctx, olu.ID)
		if err != nil || got != olu {
			t.Errorf("FindOperatorByID = %+v, %v; want %+v", got, err, olu)
		}
		if n, err := ops.CountOperators(ctx); err != nil || n != 1 {
			t.Errorf("CountOperators = %d, %v; want 1", n, err)
		}
	})
	t.Run("DuplicateEmailIsAConflict", func(t *testing.T) {
		_, err := ops.CreateOperator(ctx, "olu@EXAMPLE.com", "Another Olu", operatorPassword, by)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.ECONFLICT || e.Field != "email" {
			t.Errorf("err = %v, want a conflict on email", err)
		}
		if n, _ := ops.CountOperators(ctx); n != 1 {
			t.Errorf("%d operators after a duplicate, want 1", n)
		}
	})
	t.Run("ReportsEveryBadField", func(t *testing.T) {
		_, err := ops.CreateOperator(ctx, "not an address", "  ", "short", by)
		f, ok := apperr.FieldsOf(err)
		if !ok || f["email"] == "" || f["name"] == "" || f["password"] == "" {
			t.Errorf("err = %v, want problems with email, name and password", err)
		}
	})
	t.Run("CommonPasswordIsRefused", func(t *testing.T) {
		_, err := ops.CreateOperator(ctx, "ada@example.com", "Ada", "password123", by)
		if f, ok := apperr.FieldsOf(err); !ok || f["password"] == "" {
			t.Errorf("err = %v, want a problem with the password", err)
		}
	})
	t.Run("UnknownIDIsNotFound", func(t *testing.T) {
		if _, err := ops.FindOperatorByID(ctx, olu.ID+1000); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
	})
	t.Run("SignsInWithTheRightPasswordWhateverTheCase", func(t *testing.T) {
		got, err := ops.AuthenticateOperator(ctx, " olu@example.COM", operatorPassword, by)
		if err != nil || got.ID != olu.ID {
			t.Errorf("AuthenticateOperator = %+v, %v; want operator %d", got, err, olu.ID)
		}
	})
	t.Run("WrongPasswordIsBadCredentials", func(t *testing.T) {
		if _, err := ops.AuthenticateOperator(ctx, "olu@example.com", "not the password", by); !errors.Is(err, postgres.ErrBadCredentials) {
			t.Errorf("err = %v, want ErrBadCredentials", err)
		}
	})
	t.Run("UnknownEmailIsBadCredentials", func(t *testing.T) {
		if _, err := ops.AuthenticateOperator(ctx, "nobody@example.com", operatorPassword, by); !errors.Is(err, postgres.ErrBadCredentials) {
			t.Errorf("err = %v, want ErrBadCredentials", err)
		}
	})
	t.Run("SignOutEverywhereMovesTheEpochOn", func(t *testing.T) {
		for want := 1; want <= 2; want++ {
			if epoch, err := ops.SignOutEverywhere(ctx, olu.ID, by); err != nil || epoch != want {
				t.Errorf("SignOutEverywhere = %d, %v; want %d", epoch, err, want)
			}
		}
		if got, _ := ops.FindOperatorByID(ctx, olu.ID); got.SessionEpoch != 2 {
			t.Errorf("stored epoch %d, want 2", got.SessionEpoch)
		}
		if _, err := ops.SignOutEverywhere(ctx, olu.ID+1000, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("unknown operator: err = %v, want not found", err)
		}
	})
	t.Run("RecordsEachWriteAndSignInInThePlatformAuditLog", func(t *testing.T) {
		want := []string{"operator.create", "operator.signin", "operator.signin.failed", "operator.signin.failed",
			"operator.signout.everywhere", "operator.signout.everywhere"}
		if got := platformActions(t, db); !slices.Equal(got, want) {
			t.Errorf("platform audit log = %q, want %q", got, want)
		}
		var operatorID *int64
		var ip string
		err := db.Pool.QueryRow(ctx, `SELECT operator_id, host(ip) FROM platform_audit_events WHERE action = 'operator.signin'`).Scan(&operatorID, &ip)
		if err != nil || operatorID == nil || *operatorID != olu.ID || ip != "192.0.2.1" {
			t.Errorf("signin event: operator %v, ip %q, err %v; want %d, 192.0.2.1", operatorID, ip, err, olu.ID)
		}
	})
}
