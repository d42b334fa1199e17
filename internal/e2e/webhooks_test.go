package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/user"
)

// An administrator adds a webhook endpoint, fixing a bad address on the
// way, copies the secret shown once, sends a test event and reads it in
// the delivery log; each page is checked for accessibility.
func TestJourney_AdminAddsAWebhookEndpointAndSendsATestEvent(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t, fixture.WithJobs)
	fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "admin@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}}}})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) }))
	t.Cleanup(receiver.Close)

	b := browsertest.NewBrowser(t)
	portal := srv.PortalURL("acme")
	signIn(b, portal+"/login", "admin@acme.test")
	b.Visit(portal + "/admin")
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="webhooks-link"]`)), chromedp.WaitVisible(chromedp.CSS(`#f-url`)))
	b.CheckAccessibility()

	b.Do(
		typeText(chromedp.CSS("#f-url"), "http://hooks.example.com/upward"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/webhooks"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="error-events"]`)),
	)
	b.CheckAccessibility()
	if b.Text(`[data-testid="error-url"]`) == "" {
		t.Error("no message at the plain-HTTP address")
	}
	b.Screenshot("webhook-form-errors")

	b.Do(
		chromedp.SetValue(chromedp.CSS("#f-url"), receiver.URL+"/upward"),
		typeText(chromedp.CSS("#f-description"), "Our CRM"),
		chromedp.Click(chromedp.CSS(`#event-course\.completed`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/webhooks"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="webhook-secret"]`)),
	)
	b.CheckAccessibility()
	secretShown := b.Text(`[data-testid="webhook-secret"] code`)
	if !strings.HasPrefix(secretShown, "whsec_") {
		t.Errorf("secret %q", secretShown)
	}
	b.Screenshot("webhook-created")

	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="webhook-test"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="notice"]`)))
	// River delivers in the background: reload until the log says so.
	status := func() string {
		return browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('[data-testid="delivery-status"]')?.textContent ?? ""`))
	}
	for deadline := time.Now().Add(15 * time.Second); status() != "delivered"; {
		if time.Now().After(deadline) {
			t.Fatalf("the test event was not delivered: %q", status())
		}
		time.Sleep(200 * time.Millisecond)
		b.Do(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("body")))
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="deliveries"] summary`)))
	b.CheckAccessibility()
	if got := b.Text(`[data-testid="delivery-response"]`); got != "202" {
		t.Errorf("response %q", got)
	}
	b.Screenshot("webhook-log")

	// A leaked secret is replaced from the same page; the new one is
	// shown once, like the first.
	old := secretShown
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="webhook-rotate"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="webhook-secret"]`)))
	if fresh := b.Text(`[data-testid="webhook-secret"] code`); !strings.HasPrefix(fresh, "whsec_") || fresh == old {
		t.Errorf("after replacing: %q (was %q)", fresh, old)
	}
	b.CheckAccessibility()
	b.Screenshot("webhook-rotated")
	b.Do(chromedp.EmulateViewport(390, 844))
	b.Screenshot("webhook-rotated-phone")
	b.Do(chromedp.EmulateViewport(1280, 900))
}
