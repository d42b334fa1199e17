package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/webhook"
)

// hookReceiver is a receiver on a local HTTP server that checks every
// delivery's signature as an integrator's would, once it knows the secret.
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	status   int
	events   []webhook.Event
	problems []string
}

func newHookReceiver(t *testing.T, status int) *hookReceiver {
	t.Helper()
	h := &hookReceiver{status: status}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := webhook.Verify(h.secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), webhook.DefaultTolerance); err != nil {
			h.problems = append(h.problems, err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e webhook.Event
		if err := json.Unmarshal(body, &e); err != nil || r.Header.Get(webhook.EventHeader) != e.Type {
			h.problems = append(h.problems, "bad body or event header: "+string(body))
		}
		h.events = append(h.events, e)
		w.WriteHeader(h.status)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) setSecret(s string) { h.mu.Lock(); h.secret = s; h.mu.Unlock() }

// tally counts the deliveries refused for their signature and the events
// of typ received.
func (h *hookReceiver) tally(typ string) (refused, received int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, e := range h.events {
		if e.Type == typ {
			received++
		}
	}
	return len(h.problems), received
}

// forgive forgets the refusals so far (waitFor fails on any).
func (h *hookReceiver) forgive() { h.mu.Lock(); h.problems = nil; h.mu.Unlock() }

// checkSecretRotation replaces the endpoint's signing secret through its
// page and checks that the new one is shown once and signs the very next
// delivery, which a receiver holding the old one refuses.
func checkSecretRotation(t *testing.T, c *client, endpoint string, rc *hookReceiver, old string) {
	t.Helper()
	c.get(endpoint)
	p := c.post(endpoint+"/rotate-secret", nil)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != endpoint {
		t.Fatalf("rotate: %d to %q", p.status, p.header.Get("Location"))
	}
	shown := c.get(endpoint)
	secret := shown.text(`[data-testid="webhook-secret"] code`)
	if !strings.HasPrefix(secret, "whsec_") || secret == old || shown.header.Get("Cache-Control") != "no-store" ||
		!strings.Contains(shown.text(`[data-testid="notice"]`), "no longer with the old one") {
		t.Fatalf("after rotating: secret %q (old %q), Cache-Control %q", secret, old, shown.header.Get("Cache-Control"))
	}
	if again := c.get(endpoint); strings.Contains(again.doc.Text(), secret) {
		t.Error("the new secret is shown a second time")
	}

	// The receiver still holds the old secret: the next delivery is
	// refused, because it is signed with the new one.
	refused, pings := rc.tally(webhook.Ping)
	if p := c.post(endpoint+"/test", nil); p.status != http.StatusSeeOther {
		t.Fatalf("test event: %d", p.status)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, n := rc.tally(webhook.Ping)
		if n > pings {
			t.Fatal("a delivery after the rotation verified with the old secret")
		}
		if r > refused {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery came after the rotation")
		}
		time.Sleep(50 * time.Millisecond)
	}
	rc.forgive()
	rc.setSecret(secret)
	if p := c.post(endpoint+"/test", nil); p.status != http.StatusSeeOther {
		t.Fatalf("test event: %d", p.status)
	}
	deadline = time.Now().Add(15 * time.Second)
	for {
		if _, n := rc.tally(webhook.Ping); n > pings {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new secret's delivery did not arrive")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor polls until the receiver holds an event of the type, as River
// delivers in the background.
func (h *hookReceiver) waitFor(t *testing.T, typ string) webhook.Event {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		h.mu.Lock()
		for _, e := range h.events {
			if e.Type == typ {
				h.mu.Unlock()
				return e
			}
		}
		problems := h.problems
		h.mu.Unlock()
		if len(problems) > 0 {
			t.Fatalf("the receiver refused deliveries: %v", problems)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %s delivery arrived", typ)
	return webhook.Event{}
}

// waitForPage polls a page until cond holds.
func waitForPage(t *testing.T, c *client, path string, cond func(page) bool) page {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		p := c.get(path)
		if cond(p) {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never showed what was expected:\n%s", path, p.doc.Find("main").Text())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestWebhooks_AnAdminAddsAnEndpointAndItReceivesSignedEvents(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortalsOn(t, newServer(t, fixture.WithJobs), withAdmin)
	admin := adminClient(t, s)
	rc := newHookReceiver(t, http.StatusOK)

	list := admin.get("/admin/webhooks")
	if list.status != http.StatusOK || list.text(`[data-testid="webhooks-empty"]`) == "" || list.doc.Find(`[data-testid="event-choices"] input[type=checkbox]`).Length() != len(webhook.EventTypes) {
		t.Fatalf("empty list: %d", list.status)
	}

	t.Run("BadInputIsShownAtItsFieldsAndSavesNothing", func(t *testing.T) {
		p := admin.post("/admin/webhooks", url.Values{"url": {"ftp://hooks.example.com"}, "events": {"no.such.event"}, "description": {"CRM"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-url"]`) == "" || p.text(`[data-testid="error-events"]`) == "" {
			t.Fatalf("status %d", p.status)
		}
		if v, _ := p.doc.Find(`input[name="url"]`).Attr("value"); v != "ftp://hooks.example.com" {
			t.Errorf("the address typed is gone: %q", v)
		}
		if admin.get("/admin/webhooks").text(`[data-testid="webhooks-empty"]`) == "" {
			t.Error("a bad endpoint was saved")
		}
		p = admin.post("/admin/webhooks", url.Values{"url": {rc.URL}, "events": {webhook.UserCreated}, "csrf_token": {"forged"}})
		if p.status != http.StatusForbidden {
			t.Errorf("without the CSRF token: %d", p.status)
		}
	})

	created := admin.post("/admin/webhooks", url.Values{"url": {rc.URL + "/upward"}, "description": {"Our CRM"},
		"events": {webhook.UserCreated, webhook.CourseCompleted}})
	if created.status != http.StatusSeeOther {
		t.Fatalf("create: %d", created.status)
	}
	endpoint := created.header.Get("Location")
	if !strings.HasPrefix(endpoint, "/admin/webhooks/") {
		t.Fatalf("redirected to %q", endpoint)
	}

	shown := admin.get(endpoint)
	secret := shown.text(`[data-testid="webhook-secret"] code`)
	if !strings.HasPrefix(secret, "whsec_") || shown.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("secret %q, Cache-Control %q", secret, shown.header.Get("Cache-Control"))
	}
	if shown.text(`[data-testid="webhook-state"]`) != "Enabled" || !strings.Contains(shown.text(`[data-testid="webhook-events"]`), webhook.CourseCompleted) {
		t.Errorf("endpoint page: state %q", shown.text(`[data-testid="webhook-state"]`))
	}
	if again := admin.get(endpoint); again.doc.Find(`[data-testid="webhook-secret"]`).Length() != 0 || strings.Contains(again.doc.Text(), secret) {
		t.Error("the secret is shown a second time")
	}
	rc.setSecret(secret)

	t.Run("ATestEventArrivesSignedAndIsLogged", func(t *testing.T) {
		if p := admin.post(endpoint+"/test", nil); p.status != http.StatusSeeOther {
			t.Fatalf("test: %d", p.status)
		}
		if e := rc.waitFor(t, webhook.Ping); e.Portal != "acme" {
			t.Errorf("ping %+v", e)
		}
		waitForPage(t, admin, endpoint, func(p page) bool {
			return p.text(`[data-testid="delivery-status"]`) == "delivered" && p.text(`[data-testid="delivery-response"]`) == "200"
		})
	})

	t.Run("ARealEventArrivesWithWhatAnIntegratorNeeds", func(t *testing.T) {
		admin.get("/admin/users")
		if p := admin.post("/admin/users/invite", url.Values{"name": {"Chen Wei"}, "email": {"chen@acme.test"}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", p.status)
		}
		e := rc.waitFor(t, webhook.UserCreated)
		data, _ := json.Marshal(e.Data)
		var d webhook.UserCreatedData
		json.Unmarshal(data, &d)
		if d.User.Email != "chen@acme.test" || d.User.Name != "Chen Wei" || d.User.Status != "invited" || d.User.ID == 0 {
			t.Errorf("user.created %s", data)
		}
	})

	t.Run("ReplacingTheSecretSignsWithTheNewOneAtOnce", func(t *testing.T) {
		checkSecretRotation(t, admin, endpoint, rc, secret)
	})

	t.Run("TheListShowsTheEndpointAndItsLastDelivery", func(t *testing.T) {
		p := admin.get("/admin/webhooks")
		row := p.doc.Find(`[data-testid="webhooks"] tbody tr`)
		if row.Length() != 1 || !strings.Contains(row.Text(), rc.URL+"/upward") || !strings.Contains(row.Text(), "Our CRM") || !strings.Contains(row.Text(), "Enabled") {
			t.Errorf("list row %q", row.Text())
		}
	})

	t.Run("DisableEnableDelete", func(t *testing.T) {
		if p := admin.post(endpoint+"/disable", nil); p.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", p.status)
		}
		p := admin.get(endpoint)
		if p.text(`[data-testid="webhook-state"]`) != "Disabled" || !strings.Contains(p.text(`[data-testid="webhook-disabled"]`), "Disabled by boss@acme.test") {
			t.Errorf("after disabling: %q", p.text(`[data-testid="webhook-disabled"]`))
		}
		if p := admin.post(endpoint+"/enable", nil); p.status != http.StatusSeeOther {
			t.Fatalf("enable: %d", p.status)
		}
		if p := admin.get(endpoint); p.text(`[data-testid="webhook-state"]`) != "Enabled" || p.doc.Find(`[data-testid="webhook-disabled"]`).Length() != 0 {
			t.Errorf("after enabling: %q", p.text(`[data-testid="webhook-state"]`))
		}
		if p := admin.post(endpoint+"/delete", nil); p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/webhooks" {
			t.Fatalf("delete: %d %s", p.status, p.header.Get("Location"))
		}
		if p := admin.get(endpoint); p.status != http.StatusNotFound {
			t.Errorf("a deleted endpoint's page: %d", p.status)
		}
	})

	t.Run("LearnersAreRefused", func(t *testing.T) {
		learner := newClient(t, s, "acme.localhost")
		signIn(learner, "ana@acme.test", goodPassword)
		if p := learner.get("/admin/webhooks"); p.status != http.StatusForbidden {
			t.Errorf("learner: %d", p.status)
		}
	})
}

func TestWebhooks_AnEndpointThatKeepsFailingIsDisabledWithANotice(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortalsOn(t, newServer(t, fixture.WithJobs), withAdmin)
	admin := adminClient(t, s)
	rc := newHookReceiver(t, http.StatusServiceUnavailable)
	admin.get("/admin/webhooks")
	created := admin.post("/admin/webhooks", url.Values{"url": {rc.URL}, "events": {webhook.UserCreated}})
	if created.status != http.StatusSeeOther {
		t.Fatalf("create: %d", created.status)
	}
	endpoint := created.header.Get("Location")
	rc.setSecret(admin.get(endpoint).text(`[data-testid="webhook-secret"] code`))

	// The receiver has failed nine times over the past day (as the
	// worker's own tests step through); the next failure disables it.
	ctx := context.Background()
	if err := s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET consecutive_failures = $1, failing_since = now() - interval '25 hours'`, webhook.DisableAfter-1)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	admin.get("/admin/users")
	if p := admin.post("/admin/users/invite", url.Values{"name": {"Chen Wei"}, "email": {"chen@acme.test"}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
		t.Fatalf("invite: %d", p.status)
	}
	rc.waitFor(t, webhook.UserCreated)

	p := waitForPage(t, admin, endpoint, func(p page) bool { return p.text(`[data-testid="webhook-state"]`) == "Disabled" })
	notice := p.text(`[data-testid="webhook-disabled"]`)
	if !strings.Contains(notice, "Disabled automatically") || !strings.Contains(notice, "503") {
		t.Errorf("notice %q", notice)
	}
	if p.text(`[data-testid="delivery-response"]`) != "503" || !strings.Contains(p.text(`[data-testid="delivery-error"]`), "503 Service Unavailable") {
		t.Errorf("log: %q / %q", p.text(`[data-testid="delivery-response"]`), p.text(`[data-testid="delivery-error"]`))
	}
	if link := mailedLink(t, s, "boss@acme.test", endpoint); link != endpoint {
		t.Errorf("the notice mail links to %q", link)
	}
}
