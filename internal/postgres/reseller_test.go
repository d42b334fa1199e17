package postgres_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestResellerService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	resellers := postgres.NewResellerService(db)
	by := postgres.AuditActor{Label: "test"}

	northwind, err := resellers.CreateReseller(ctx, " Northwind ", " Northwind Partners ", by)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CreatesAnActiveReseller", func(t *testing.T) {
		if northwind.ID == 0 || northwind.Slug != "northwind" || northwind.Name != "Northwind Partners" ||
			northwind.Status != postgres.ResellerActive || northwind.CreatedAt.IsZero() {
			t.Errorf("created %+v", northwind)
		}
		if got, err := resellers.FindResellerByID(ctx, northwind.ID); err != nil || got != northwind {
			t.Errorf("FindResellerByID = %+v, %v; want %+v", got, err, northwind)
		}
	})
	t.Run("DuplicateSlugIsAConflict", func(t *testing.T) {
		_, err := resellers.CreateReseller(ctx, "northwind", "Someone Else", by)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.ECONFLICT || e.Field != "slug" {
			t.Errorf("err = %v, want a conflict on slug", err)
		}
	})
	t.Run("ReportsEveryBadField", func(t *testing.T) {
		_, err := resellers.CreateReseller(ctx, "not a slug!", "   ", by)
		f, ok := apperr.FieldsOf(err)
		if !ok || f["slug"] == "" || f["name"] == "" {
			t.Errorf("err = %v, want problems with slug and name", err)
		}
		if _, err := resellers.CreateReseller(ctx, "longname", strings.Repeat("é", 201), by); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("a 201-character name: err = %v, want invalid", err)
		}
	})
	t.Run("ReservedSlugIsRefused", func(t *testing.T) {
		_, err := resellers.CreateReseller(ctx, "admin", "Admin", by)
		if f, ok := apperr.FieldsOf(err); !ok || f["slug"] == "" {
			t.Errorf("err = %v, want a problem with the slug", err)
		}
	})
	t.Run("ListsByName", func(t *testing.T) {
		if _, err := resellers.CreateReseller(ctx, "acme-partners", "Acme Partners", by); err != nil {
			t.Fatal(err)
		}
		list, err := resellers.FindResellers(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range list {
			names = append(names, r.Name)
		}
		if want := []string{"Acme Partners", "Northwind Partners"}; !slices.Equal(names, want) {
			t.Errorf("FindResellers = %q, want %q", names, want)
		}
		if list, _ := resellers.FindResellers(ctx, 1); len(list) != 1 {
			t.Errorf("limit 1 gave %d resellers", len(list))
		}
	})
	t.Run("SuspendsAndReactivates", func(t *testing.T) {
		got, err := resellers.SetResellerStatus(ctx, northwind.ID, postgres.ResellerSuspended, by)
		if err != nil || got.Status != postgres.ResellerSuspended {
			t.Fatalf("suspend: %+v, %v", got, err)
		}
		if got, _ := resellers.FindResellerByID(ctx, northwind.ID); got.Status != postgres.ResellerSuspended {
			t.Errorf("stored status %q, want suspended", got.Status)
		}
		if got, err := resellers.SetResellerStatus(ctx, northwind.ID, postgres.ResellerActive, by); err != nil || got.Status != postgres.ResellerActive {
			t.Errorf("reactivate: %+v, %v", got, err)
		}
	})
	t.Run("UnknownStatusIsInvalid", func(t *testing.T) {
		_, err := resellers.SetResellerStatus(ctx, northwind.ID, "closed", by)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.EINVALID || e.Field != "status" {
			t.Errorf("err = %v, want invalid status", err)
		}
	})
	t.Run("UnknownIDIsNotFound", func(t *testing.T) {
		if _, err := resellers.FindResellerByID(ctx, northwind.ID+1000); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("find: err = %v, want not found", err)
		}
		if _, err := resellers.SetResellerStatus(ctx, northwind.ID+1000, postgres.ResellerActive, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("set status: err = %v, want not found", err)
		}
	})
	t.Run("EnsureResellerIsIdempotent", func(t *testing.T) {
		first, err := resellers.EnsureReseller(ctx, "contoso-partners", "Contoso Partners")
		if err != nil {
			t.Fatal(err)
		}
		again, err := resellers.EnsureReseller(ctx, "contoso-partners", "Another Name")
		if err != nil || again != first {
			t.Errorf("second EnsureReseller = %+v, %v; want %+v", again, err, first)
		}
		if existing, err := resellers.EnsureReseller(ctx, "northwind", "Northwind Partners"); err != nil || existing.ID != northwind.ID {
			t.Errorf("EnsureReseller of an existing slug = %+v, %v; want id %d", existing, err, northwind.ID)
		}
	})
	t.Run("RecordsEachWriteInThePlatformAuditLog", func(t *testing.T) {
		want := []string{"reseller.create", "reseller.create", "reseller.status", "reseller.status", "reseller.create"}
		if got := platformActions(t, db); !slices.Equal(got, want) {
			t.Errorf("platform audit log = %q, want %q", got, want)
		}
	})
}
