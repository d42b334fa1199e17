package postgres_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestCertificateDesign(t *testing.T) {
	t.Parallel()
	db, acme, globex := auditTenants(t)
	ctx := context.Background()
	tenants := postgres.NewTenantService(db)
	admin := postgres.AuditActor{UserID: 1, Label: "boss@acme.test"}

	t.Run("APortalThatChoseNoneHasTheDefault", func(t *testing.T) {
		d, err := tenants.FindCertificateDesign(ctx, globex.ID)
		if err != nil || d != certificate.Default() {
			t.Errorf("got %+v, %v; want the default", d, err)
		}
	})

	want := certificate.Design{Layout: certificate.Modern, AccentColor: "#8b1e3f", ShowLogo: false,
		SignatureFile: "signature-1-0123456789abcdef.png", SignerName: "Grace Hopper", SignerTitle: "Head of Learning"}
	in := want
	in.AccentColor, in.SignerName = " #8B1E3F ", "  Grace   Hopper "
	saved, err := tenants.SaveCertificateDesign(ctx, acme.ID, in, admin)
	if err != nil || saved != want {
		t.Fatalf("saved %+v, %v", saved, err)
	}
	t.Run("ReadsBackAsSaved", func(t *testing.T) {
		if got, err := tenants.FindCertificateDesign(ctx, acme.ID); err != nil || got != want {
			t.Errorf("got %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("TheChangeIsInThePortalsLog", func(t *testing.T) {
		if got := actions(t, db, acme.ID); !slices.Contains(got, "certificate.design modern") {
			t.Errorf("acme's log: %v", got)
		}
		if got := actions(t, db, globex.ID); slices.ContainsFunc(got, func(a string) bool { return strings.HasPrefix(a, "certificate.design") }) {
			t.Errorf("globex's log has acme's change: %v", got)
		}
	})

	t.Run("AnotherPortalNeverSeesIt", func(t *testing.T) {
		if d, err := tenants.FindCertificateDesign(ctx, globex.ID); err != nil || d != certificate.Default() {
			t.Errorf("globex's design: %+v, %v", d, err)
		}
		// Row-level security is the second lock: bound to globex, even a
		// query that names acme finds nothing, and cannot write for it.
		var n int
		err := db.InTenantTx(ctx, globex.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FROM certificate_designs WHERE tenant_id = $1`, acme.ID).Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("globex reads %d of acme's designs (%v)", n, err)
		}
		err = db.InTenantTx(ctx, globex.ID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE certificate_designs SET layout = 'minimal' WHERE tenant_id = $1`, acme.ID)
			return err
		})
		if got, _ := tenants.FindCertificateDesign(ctx, acme.ID); err != nil || got != want {
			t.Errorf("globex's update of acme's design: %v; acme's is now %+v", err, got)
		}
		err = db.InTenantTx(ctx, globex.ID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO certificate_designs (tenant_id, layout, show_logo, updated_at) VALUES ($1, 'classic', true, now())`, acme.ID)
			return err
		})
		if err == nil {
			t.Error("globex wrote a design for acme")
		}
	})

	t.Run("BadInputNamesTheFieldAndChangesNothing", func(t *testing.T) {
		long := strings.Repeat("x", 101)
		for _, tc := range []struct {
			field string
			d     certificate.Design
		}{
			{"layout", certificate.Design{Layout: "baroque"}},
			{"layout", certificate.Design{}},
			{"accent_color", certificate.Design{Layout: certificate.Classic, AccentColor: "red"}},
			{"accent_color", certificate.Design{Layout: certificate.Classic, AccentColor: "#8b1e3f;background:url(x)"}},
			{"signer_name", certificate.Design{Layout: certificate.Classic, SignerName: long}},
			{"signer_title", certificate.Design{Layout: certificate.Classic, SignerName: "Grace", SignerTitle: long}},
			{"signer_name", certificate.Design{Layout: certificate.Classic, SignerTitle: "Head of Learning"}},
			{"signer_name", certificate.Design{Layout: certificate.Classic, SignatureFile: "signature-1-0123456789abcdef.png"}},
		} {
			_, err := tenants.SaveCertificateDesign(ctx, acme.ID, tc.d, admin)
			if f, ok := apperr.FieldsOf(err); !ok || f[tc.field] == "" {
				t.Errorf("%+v: %v, want a message at %s", tc.d, err, tc.field)
			}
		}
		if got, _ := tenants.FindCertificateDesign(ctx, acme.ID); got != want {
			t.Errorf("after bad input the design is %+v", got)
		}
	})
}
