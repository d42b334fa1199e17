package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/postgres"
)

func operatorClient(t *testing.T, s *testServer) *client {
	t.Helper()
	ops := postgres.NewOperatorService(s.db)
	if _, err := ops.CreateOperator(context.Background(), "op@upward.test", "Olu", goodPassword, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s, "localhost")
	c.get("/platform/login")
	if p := c.post("/platform/login", url.Values{"email": {"op@upward.test"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("operator sign-in: %d", p.status)
	}
	return c
}

func TestPlatformConsole(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)

	t.Run("AnonymousIsSentToSignIn", func(t *testing.T) {
		c := newClient(t, s, "localhost")
		if p := c.get("/platform"); p.status != http.StatusSeeOther {
			t.Errorf("status %d, want 303", p.status)
		}
	})
	t.Run("APortalUserIsNoOperator", func(t *testing.T) {
		c := newClient(t, s, "localhost")
		c.get("/platform/login")
		if p := c.post("/platform/login", url.Values{"email": {"ana@acme.test"}, "password": {goodPassword}}); p.status != http.StatusUnauthorized {
			t.Errorf("portal credentials on the console: %d, want 401", p.status)
		}
	})

	op := operatorClient(t, s)
	t.Run("ListsPortals", func(t *testing.T) {
		p := op.get("/platform")
		if p.status != http.StatusOK || !strings.Contains(p.doc.Find(`[data-testid="tenants"]`).Text(), "Globex") {
			t.Errorf("status %d; portals list lacks Globex", p.status)
		}
	})
	t.Run("CreatesAPortal", func(t *testing.T) {
		op.get("/platform/tenants/new")
		p := op.post("/platform/tenants", url.Values{"slug": {"initech"}, "name": {"Initech"}, "status": {"active"}, "plan": {"standard"},
			"seat_limit": {"25"}, "primary_color": {"#224466"}, "default_time_zone": {"Europe/London"}, "default_language": {"en"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("create: %d (%s)", p.status, p.text(`[data-testid="form-error"]`))
		}
		tn, err := s.main.Tenants.FindTenantBySlug(context.Background(), "initech")
		if err != nil || tn.SeatLimit != 25 || tn.Settings.DefaultTimeZone != "Europe/London" {
			t.Errorf("stored portal %+v, %v", tn, err)
		}
	})
	t.Run("BadInputShowsTheFormAndChangesNothing", func(t *testing.T) {
		op.get("/platform/tenants/new")
		p := op.post("/platform/tenants", url.Values{"slug": {"Bad Slug!"}, "name": {strings.Repeat("n", 300)}, "status": {"active"},
			"seat_limit": {"ten"}, "primary_color": {"blue"}, "default_time_zone": {"UTC"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", p.status)
		}
		for _, f := range []string{"slug", "name", "seat_limit", "primary_color"} {
			if p.text(`[data-testid="error-`+f+`"]`) == "" {
				t.Errorf("no message at %s", f)
			}
		}
		all, _ := s.main.Tenants.FindTenants(context.Background(), 100)
		if len(all) != 3 {
			t.Errorf("%d portals, want 3", len(all))
		}
	})
	t.Run("DuplicateSlugIsRefusedAtTheField", func(t *testing.T) {
		op.get("/platform/tenants/new")
		p := op.post("/platform/tenants", url.Values{"slug": {"acme"}, "name": {"Another Acme"}, "status": {"active"}, "seat_limit": {"5"},
			"primary_color": {"#224466"}, "default_time_zone": {"UTC"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-slug"]`) == "" {
			t.Errorf("status %d, slug error %q", p.status, p.text(`[data-testid="error-slug"]`))
		}
	})
	t.Run("SuspendingAPortalClosesIt", func(t *testing.T) {
		g, _ := s.main.Tenants.FindTenantBySlug(context.Background(), "globex")
		path := "/platform/tenants/" + itoa(g.ID)
		op.get(path)
		p := op.post(path, url.Values{"name": {"Globex"}, "status": {"suspended"}, "plan": {"standard"}, "seat_limit": {"100"},
			"primary_color": {"#1f5fa8"}, "contact_email": {"help@globex.test"}, "default_time_zone": {"UTC"}, "default_language": {"en"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("suspend: %d", p.status)
		}
		visitor := newClient(t, s, "globex.localhost")
		page := visitor.get("/login")
		if page.status != http.StatusForbidden || !strings.Contains(page.doc.Text(), "help@globex.test") {
			t.Errorf("suspended portal: %d, want 403 with the contact address", page.status)
		}
	})
}

func TestUnknownHostIsAHelpful404(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	c := newClient(t, s, "nowhere.localhost")
	p := c.get("/")
	if p.status != http.StatusNotFound || !strings.Contains(p.doc.Text(), "no learning portal at nowhere.localhost") {
		t.Errorf("status %d, body %q", p.status, p.text("main"))
	}
}

func TestCustomDomainServesItsPortalOnceVerified(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t)
	owner := ownerConn(t, s)
	if _, err := owner.Exec(context.Background(), "INSERT INTO tenant_domains (domain, tenant_id, verification_token) VALUES ('learn.acme.example', $1, 'x')", acme.ID); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s, "learn.acme.example")
	if p := c.get("/"); p.status != http.StatusNotFound {
		t.Errorf("unverified domain: %d, want 404", p.status)
	}
	owner.Exec(context.Background(), "UPDATE tenant_domains SET verified_at = now() WHERE domain = 'learn.acme.example'")
	if p := c.get("/"); p.status != http.StatusOK || p.text(`[data-testid="portal-heading"]`) != acme.Name {
		t.Errorf("verified domain: %d %q", p.status, p.text(`[data-testid="portal-heading"]`))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
