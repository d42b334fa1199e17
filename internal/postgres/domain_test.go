package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/auditlog"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

const testBaseDomain = "upward.example"

func actions(t *testing.T, db *postgres.DB, tenantID int64) []string {
	t.Helper()
	page, err := postgres.NewAuditService(db).FindAuditEvents(context.Background(), tenantID, auditlog.Filter{}, nil, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range page.Events {
		out = append(out, e.Action+" "+e.Subject)
	}
	return out
}

func TestCustomDomains(t *testing.T) {
	t.Parallel()
	db, acme, globex := auditTenants(t)
	ctx := context.Background()
	tenants := postgres.NewTenantService(db)
	admin := postgres.AuditActor{UserID: 1, Label: "boss@acme.test"}

	d, err := tenants.RequestDomain(ctx, acme.ID, " Learn.Acme.Example. ", testBaseDomain, admin)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "learn.acme.example" || d.Verified() || d.RequestedAt.IsZero() {
		t.Errorf("requested %+v", d)
	}

	t.Run("APendingDomainDoesNotRoute", func(t *testing.T) {
		if _, err := tenants.FindTenantByHost(ctx, "learn.acme.example", testBaseDomain); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("pending domain found a portal: %v", err)
		}
	})
	t.Run("TheRequestIsInThePortalsLog", func(t *testing.T) {
		if got := actions(t, db, acme.ID); !slices.Contains(got, "domain.request learn.acme.example") {
			t.Errorf("acme's log: %v", got)
		}
	})
	t.Run("ADomainAnyPortalHasIsRefused", func(t *testing.T) {
		_, err := tenants.RequestDomain(ctx, globex.ID, "learn.acme.example", testBaseDomain, admin)
		if f, ok := apperr.FieldsOf(err); !ok || f["domain"] != "That domain is already taken by another portal." {
			t.Errorf("globex asking for acme's domain: %v", err)
		}
		_, err = tenants.RequestDomain(ctx, acme.ID, "LEARN.acme.example", testBaseDomain, admin)
		if f, ok := apperr.FieldsOf(err); !ok || f["domain"] != "This portal has already asked for that domain." {
			t.Errorf("asking twice: %v", err)
		}
	})
	t.Run("NamesUnderTheBaseDomainAreRefused", func(t *testing.T) {
		for _, name := range []string{"globex.upward.example", "upward.example", "not a host"} {
			if _, err := tenants.RequestDomain(ctx, acme.ID, name, testBaseDomain, admin); apperr.Code(err) != apperr.EINVALID {
				t.Errorf("%q: %v, want invalid", name, err)
			}
		}
	})

	operator := postgres.AuditActor{OperatorID: 0, Label: "platform operator"}
	t.Run("OnlyTheOwningPortalsPendingDomainIsVerified", func(t *testing.T) {
		if _, err := tenants.VerifyDomain(ctx, globex.ID, "learn.acme.example", operator); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("verifying acme's domain as globex's: %v", err)
		}
		if _, err := tenants.FindTenantByHost(ctx, "learn.acme.example", testBaseDomain); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("the domain routes after a refused verification: %v", err)
		}
	})
	verified, err := tenants.VerifyDomain(ctx, acme.ID, "learn.acme.example", operator)
	if err != nil {
		t.Fatal(err)
	}
	if !verified.Verified() {
		t.Errorf("verified %+v", verified)
	}
	t.Run("AVerifiedDomainRoutesToItsPortal", func(t *testing.T) {
		got, err := tenants.FindTenantByHost(ctx, "LEARN.acme.example:8443", testBaseDomain)
		if err != nil || got.ID != acme.ID {
			t.Errorf("host lookup: %v, %v", got.Slug, err)
		}
	})
	t.Run("VerificationIsInBothLogs", func(t *testing.T) {
		if got := actions(t, db, acme.ID); !slices.Contains(got, "domain.verify learn.acme.example") {
			t.Errorf("acme's log: %v", got)
		}
		var n int
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM platform_audit_events
			WHERE action = 'tenant.domain.verify' AND subject = 'acme' AND detail->>'domain' = 'learn.acme.example'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("%d platform events, %v", n, err)
		}
	})
	t.Run("VerifyingTwiceIsNotFound", func(t *testing.T) {
		if _, err := tenants.VerifyDomain(ctx, acme.ID, "learn.acme.example", operator); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("second verification: %v", err)
		}
	})
	t.Run("AVerifiedDomainIsNotWithdrawn", func(t *testing.T) {
		if err := tenants.WithdrawDomain(ctx, acme.ID, "learn.acme.example", admin); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("withdrawing a verified domain: %v", err)
		}
	})
	t.Run("APendingDomainIsWithdrawnByItsPortalOnly", func(t *testing.T) {
		if _, err := tenants.RequestDomain(ctx, acme.ID, "typo.acme.example", testBaseDomain, admin); err != nil {
			t.Fatal(err)
		}
		if err := tenants.WithdrawDomain(ctx, globex.ID, "typo.acme.example", admin); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("globex withdrew acme's request: %v", err)
		}
		if err := tenants.WithdrawDomain(ctx, acme.ID, "typo.acme.example", admin); err != nil {
			t.Fatal(err)
		}
		domains, err := tenants.FindDomains(ctx, acme.ID)
		if err != nil || len(domains) != 1 || domains[0].Name != "learn.acme.example" {
			t.Errorf("acme's domains after withdrawing: %+v, %v", domains, err)
		}
		// Free again for anyone.
		if _, err := tenants.RequestDomain(ctx, globex.ID, "typo.acme.example", testBaseDomain, admin); err != nil {
			t.Errorf("a withdrawn domain stays taken: %v", err)
		}
	})
	t.Run("APortalHasAtMostMaxDomains", func(t *testing.T) {
		have, _ := tenants.FindDomains(ctx, globex.ID)
		for i := len(have); i < tenant.MaxDomains; i++ {
			if _, err := tenants.RequestDomain(ctx, globex.ID, fmt.Sprintf("d%d.globex.example", i), testBaseDomain, admin); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := tenants.RequestDomain(ctx, globex.ID, "one-more.globex.example", testBaseDomain, admin); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("domain over the cap: %v", err)
		}
		domains, _ := tenants.FindDomains(ctx, globex.ID)
		if len(domains) != tenant.MaxDomains {
			t.Errorf("%d domains, want %d", len(domains), tenant.MaxDomains)
		}
	})
	t.Run("PendingDomainsListFirst", func(t *testing.T) {
		if _, err := tenants.RequestDomain(ctx, acme.ID, "a-pending.acme.example", testBaseDomain, admin); err != nil {
			t.Fatal(err)
		}
		domains, _ := tenants.FindDomains(ctx, acme.ID)
		if len(domains) != 2 || domains[0].Name != "a-pending.acme.example" || domains[0].Verified() || !domains[1].Verified() {
			t.Errorf("acme's domains: %+v", domains)
		}
	})
}

func TestSaveSettings(t *testing.T) {
	t.Parallel()
	db, acme, _ := auditTenants(t)
	ctx := context.Background()
	tenants := postgres.NewTenantService(db)
	admin := postgres.AuditActor{UserID: 1, Label: "boss@acme.test"}

	edited := acme
	edited.Name = "  Acme Learning "
	edited.Branding.PrimaryColor = "#777777"
	edited.Settings.SelfRegistration = true
	edited.Settings.AllowedEmailDomains = []string{"ACME.test", " @acme.example"}
	// What the portal's administrator may not change rides along, and is
	// left as stored.
	edited.Slug, edited.Status, edited.SuspendedBy, edited.Plan, edited.SeatLimit = "hijack", tenant.Suspended, tenant.ByOperator, "enterprise", 999999

	saved, err := tenants.SaveSettings(ctx, edited, admin)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := tenants.FindTenantByID(ctx, acme.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Name != "Acme Learning" || stored.Branding.PrimaryColor != "#777777" || !stored.Settings.SelfRegistration ||
		!slices.Equal(stored.Settings.AllowedEmailDomains, []string{"acme.test", "acme.example"}) {
		t.Errorf("stored %+v", stored)
	}
	if stored.Slug != "acme" || stored.Status != tenant.Active || stored.Plan != acme.Plan || stored.SeatLimit != acme.SeatLimit {
		t.Errorf("platform fields changed: %s %s %s %d", stored.Slug, stored.Status, stored.Plan, stored.SeatLimit)
	}
	if saved.Name != stored.Name {
		t.Errorf("returned %q, stored %q", saved.Name, stored.Name)
	}

	t.Run("TheLogNamesTheChangedFields", func(t *testing.T) {
		var detail string
		err := db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT detail->>'changed' FROM audit_events WHERE tenant_id = $1 AND action = 'settings.update'`, acme.ID).Scan(&detail)
		})
		if err != nil || detail != `["name", "primary_color", "self_registration", "allowed_email_domains"]` {
			t.Errorf("changed %s, %v", detail, err)
		}
	})
	t.Run("BadInputChangesNothing", func(t *testing.T) {
		bad := stored
		bad.Name, bad.Branding.PrimaryColor = "", "blue"
		_, err := tenants.SaveSettings(ctx, bad, admin)
		if f, ok := apperr.FieldsOf(err); !ok || f["name"] == "" || f["primary_color"] == "" {
			t.Errorf("got %v", err)
		}
		after, _ := tenants.FindTenantByID(ctx, acme.ID)
		if after.Name != stored.Name || !after.UpdatedAt.Equal(stored.UpdatedAt) {
			t.Errorf("bad input changed the portal: %+v", after)
		}
	})
}

// A portal cannot take a reseller's base domain, or a name under it,
// which are the reseller's clients' addresses; a pending request for
// such a name does not stop the operator from giving a reseller the
// domain (the request is withdrawn), but a verified domain does.
func TestCustomDomains_AResellersBaseDomainIsNotAPortalsToTake(t *testing.T) {
	t.Parallel()
	db, acme, globex := auditTenants(t)
	ctx := context.Background()
	tenants := postgres.NewTenantService(db)
	resellers := postgres.NewResellerService(db)
	admin := postgres.AuditActor{UserID: 1, Label: "boss@acme.test"}
	op := postgres.AuditActor{Label: "operator"}
	nw, err := resellers.EnsureReseller(ctx, "northwind", "Northwind")
	if err != nil {
		t.Fatal(err)
	}
	// A request made before the reseller had the domain: pending.
	if _, err := tenants.RequestDomain(ctx, acme.ID, "contoso.learn.northwind.example", testBaseDomain, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := resellers.SetResellerDomain(ctx, nw.ID, "learn.northwind.example", testBaseDomain, op); err != nil {
		t.Fatalf("a pending request blocked the reseller's domain: %v", err)
	}
	if ds, _ := tenants.FindDomains(ctx, acme.ID); len(ds) != 0 {
		t.Errorf("the pending request under the reseller's domain stays: %+v", ds)
	}
	for _, name := range []string{"learn.northwind.example", "contoso.learn.northwind.example", "a.b.learn.northwind.example"} {
		_, err := tenants.RequestDomain(ctx, globex.ID, name, testBaseDomain, admin)
		if f, ok := apperr.FieldsOf(err); !ok || !strings.Contains(f["domain"], "reseller") {
			t.Errorf("asking for %s: %v", name, err)
		}
	}
	if _, err := tenants.RequestDomain(ctx, globex.ID, "northwind.example", testBaseDomain, admin); err != nil {
		t.Errorf("a name above the reseller's domain: %v", err)
	}
	// A verified domain holds its name against a reseller.
	if _, err := tenants.RequestDomain(ctx, acme.ID, "learn.acme.example", testBaseDomain, admin); err != nil {
		t.Fatal(err)
	}
	if _, err := tenants.VerifyDomain(ctx, acme.ID, "learn.acme.example", op); err != nil {
		t.Fatal(err)
	}
	if _, err := resellers.SetResellerDomain(ctx, nw.ID, "acme.example", testBaseDomain, op); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("a reseller domain over a verified custom domain: %v", err)
	}
}
