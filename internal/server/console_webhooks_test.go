package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/webhook"
)

func TestConsoleWebhooks_AnAccountAddsAnEndpointThatHearsItsPortals(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortalsOn(t, newServer(t, fixture.WithJobs), withAdmin)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	console := postgres.NewConsoleService(s.db)
	// Each portal of twoPortals has an account of its own, named after it.
	for _, m := range []struct{ account, email string }{{"acme", "olga@acme.test"}, {"globex", "gus@globex.test"}} {
		if _, err := console.CreateConsoleMember(ctx, m.account, "", m.email, "Member", goodPassword, by); err != nil {
			t.Fatal(err)
		}
	}
	olga := consoleClient(t, s, "olga@acme.test")
	rc := newHookReceiver(t, http.StatusOK)

	list := olga.get("/console/webhooks")
	if list.status != http.StatusOK || list.text(`[data-testid="webhooks-empty"]`) == "" ||
		list.doc.Find(`[data-testid="event-choices"] input[type=checkbox]`).Length() != len(webhook.EventTypesFor(webhook.AccountOwner)) ||
		list.doc.Find(`#event-portal\.created`).Length() != 1 {
		t.Fatalf("empty list: %d", list.status)
	}
	if list.doc.Find(`nav a[href="/console/webhooks"]`).Length() == 0 {
		t.Error("the console's navigation has no Webhooks")
	}

	t.Run("BadInputIsShownAtItsFieldsAndSavesNothing", func(t *testing.T) {
		p := olga.post("/console/webhooks", url.Values{"url": {"ftp://hooks.example.com"}, "description": {"CRM"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-url"]`) == "" || p.text(`[data-testid="error-events"]`) == "" {
			t.Fatalf("status %d", p.status)
		}
		if olga.get("/console/webhooks").text(`[data-testid="webhooks-empty"]`) == "" {
			t.Error("a bad endpoint was saved")
		}
	})

	created := olga.post("/console/webhooks", url.Values{"url": {rc.URL + "/upward"}, "description": {"Group HR"},
		"events": {webhook.UserCreated, webhook.PortalCreated}})
	endpoint := created.header.Get("Location")
	if created.status != http.StatusSeeOther || !strings.HasPrefix(endpoint, "/console/webhooks/") {
		t.Fatalf("create: %d to %q", created.status, endpoint)
	}
	shown := olga.get(endpoint)
	secret := shown.text(`[data-testid="webhook-secret"] code`)
	if !strings.HasPrefix(secret, "whsec_") || shown.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("secret %q, Cache-Control %q", secret, shown.header.Get("Cache-Control"))
	}
	if again := olga.get(endpoint); again.doc.Find(`[data-testid="webhook-secret"]`).Length() != 0 || strings.Contains(again.doc.Text(), secret) {
		t.Error("the secret is shown a second time")
	}
	rc.setSecret(secret)

	t.Run("AnotherOrgFindsNothing", func(t *testing.T) {
		gus := consoleClient(t, s, "gus@globex.test")
		if p := gus.get(endpoint); p.status != http.StatusNotFound || strings.Contains(p.doc.Text(), rc.URL) {
			t.Errorf("another account's endpoint page: %d", p.status)
		}
		gus.get("/console/webhooks")
		for _, action := range []string{"/test", "/disable", "/enable", "/delete"} {
			if p := gus.post(endpoint+action, nil); p.status != http.StatusNotFound {
				t.Errorf("another account may %s: %d", action, p.status)
			}
		}
		if p := gus.get("/console/webhooks"); p.text(`[data-testid="webhooks-empty"]`) == "" {
			t.Error("another account lists the endpoint")
		}
		if p := olga.get(endpoint); p.text(`[data-testid="webhook-state"]`) != "Enabled" {
			t.Error("another account changed the endpoint")
		}
	})

	t.Run("ATestEventArrivesSignedAndIsLogged", func(t *testing.T) {
		if p := olga.post(endpoint+"/test", nil); p.status != http.StatusSeeOther {
			t.Fatalf("test: %d", p.status)
		}
		if e := rc.waitFor(t, webhook.Ping); e.Portal != "" {
			t.Errorf("an account's ping names a portal: %+v", e)
		}
		waitForPage(t, olga, endpoint, func(p page) bool {
			return p.text(`[data-testid="delivery-status"]`) == "delivered" && p.text(`[data-testid="delivery-response"]`) == "200"
		})
	})

	t.Run("APortalsEventArrives", func(t *testing.T) {
		admin := adminClient(t, s)
		admin.get("/admin/users")
		if p := admin.post("/admin/users/invite", url.Values{"name": {"Chen Wei"}, "email": {"chen@acme.test"}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", p.status)
		}
		if e := rc.waitFor(t, webhook.UserCreated); e.Portal != "acme" {
			t.Errorf("user.created %+v", e)
		}
	})

	t.Run("ReplacingTheSecretSignsWithTheNewOneAtOnce", func(t *testing.T) {
		checkSecretRotation(t, olga, endpoint, rc, secret)
	})

	t.Run("DisableEnableDelete", func(t *testing.T) {
		if p := olga.post(endpoint+"/disable", nil); p.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", p.status)
		}
		if p := olga.get(endpoint); !strings.Contains(p.text(`[data-testid="webhook-disabled"]`), "Disabled by console: olga@acme.test") {
			t.Errorf("after disabling: %q", p.text(`[data-testid="webhook-disabled"]`))
		}
		if p := olga.post(endpoint+"/enable", nil); p.status != http.StatusSeeOther {
			t.Fatalf("enable: %d", p.status)
		}
		if p := olga.get(endpoint); p.text(`[data-testid="webhook-state"]`) != "Enabled" {
			t.Errorf("after enabling: %q", p.text(`[data-testid="webhook-state"]`))
		}
		if p := olga.post(endpoint+"/delete", nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/webhooks" {
			t.Fatalf("delete: %d %s", p.status, p.header.Get("Location"))
		}
		if p := olga.get(endpoint); p.status != http.StatusNotFound {
			t.Errorf("a deleted endpoint's page: %d", p.status)
		}
	})

	t.Run("SignedOutIsSentToSignIn", func(t *testing.T) {
		anon := newClient(t, s, "localhost")
		if p := anon.get("/console/webhooks"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/login" {
			t.Errorf("signed out: %d %s", p.status, p.header.Get("Location"))
		}
	})
}

// A reseller may only choose portal-level events, and hears portal.created
// when it opens a client's portal in the console.
func TestConsoleWebhooks_AResellerHearsOfTheClientPortalsItOpens(t *testing.T) {
	t.Parallel()
	s := newServer(t, fixture.WithJobs)
	ctx := context.Background()
	if _, err := postgres.NewResellerService(s.db).EnsureReseller(ctx, "northwind", "Northwind Partners"); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae", goodPassword, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	rae := consoleClient(t, s, "rae@northwind.test")
	rc := newHookReceiver(t, http.StatusOK)

	list := rae.get("/console/webhooks")
	boxes := list.doc.Find(`[data-testid="event-choices"] input[type=checkbox]`)
	if boxes.Length() != 1 || boxes.AttrOr("value", "") != webhook.PortalCreated {
		t.Fatalf("a reseller is offered %d events", boxes.Length())
	}
	if p := rae.post("/console/webhooks", url.Values{"url": {rc.URL}, "events": {webhook.UserCreated}}); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-events"]`) == "" {
		t.Errorf("a reseller subscribing to user.created: %d", p.status)
	}
	created := rae.post("/console/webhooks", url.Values{"url": {rc.URL}, "events": {webhook.PortalCreated}})
	if created.status != http.StatusSeeOther {
		t.Fatalf("create: %d", created.status)
	}
	rc.setSecret(rae.get(created.header.Get("Location")).text(`[data-testid="webhook-secret"] code`))

	rae.get("/console/portals/new")
	if p := rae.post("/console/portals", url.Values{"name": {"Contoso"}, "slug": {"contoso"}, "plan": {"standard"}, "seat_limit": {"30"},
		"audience": {"customers"}, "admin_email": {"chris@contoso.test"}, "admin_name": {"Chris"}}); p.status != http.StatusSeeOther {
		t.Fatalf("provision: %d", p.status)
	}
	e := rc.waitFor(t, webhook.PortalCreated)
	if e.Portal != "contoso" {
		t.Errorf("portal.created %+v", e)
	}
	d, _ := e.Data.(map[string]any)
	portal, _ := d["portal"].(map[string]any)
	reseller, _ := d["reseller"].(map[string]any)
	if portal["slug"] != "contoso" || portal["plan"] != "standard" || portal["seat_limit"] != float64(30) || portal["audience"] != "customers" ||
		reseller["slug"] != "northwind" {
		t.Errorf("portal.created data %v", d)
	}
}
