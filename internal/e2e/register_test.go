package e2e

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/mail/smtptest"
	"github.com/upward-lms/upward/internal/tenant"
)

// A newcomer registers on a portal, confirms the address from the mail the
// server delivered over SMTP, signs in, signs out, and is refused the
// account page afterwards.
func TestJourney_RegisterVerifySignInSignOut(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t)
	srv := browsertest.StartServer(t, func(c *config.Config) { fixture.WithJobs(c); c.SMTPURL = smtp.URL() })
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		Settings: tenant.Settings{SelfRegistration: true}})
	// The portal's own colour and greeting, which a Spec does not set.
	acme.Branding = tenant.Branding{PrimaryColor: "#7a2e8f", WelcomeText: "Learn to lead up."}
	if _, err := srv.Main.Tenants.SaveSettings(context.Background(), acme.Tenant, fixture.By); err != nil {
		t.Fatal(err)
	}
	portal := srv.PortalURL("acme")
	b := browsertest.NewBrowser(t)

	b.Visit(portal + "/register")
	b.Do(
		typeText(chromedp.CSS("#f-name"), "Priya Raman"),
		typeText(chromedp.CSS("#f-email"), "priya@acme.test"),
		typeText(chromedp.CSS("#f-password"), "managing up is a skill"),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="message-title"]`)),
	)
	b.CheckAccessibility()
	if got := b.Text(`[data-testid="message-title"]`); got != "Check your inbox" {
		t.Fatalf("after registering: %q", got)
	}

	msg := smtp.WaitFor(t, "priya@acme.test", 15*time.Second)
	if msg.Subject != "Confirm your e-mail address" {
		t.Errorf("mail subject = %q", msg.Subject)
	}
	link := regexp.MustCompile(`http://\S+/verify-email\?token=\S+`).FindString(msg.Text)
	if link == "" {
		t.Fatalf("no verification link in:\n%s", msg.Text)
	}

	b.Visit(link) // lands on the sign-in page with a notice
	if got := b.Text(`[data-testid="notice"]`); got == "" {
		t.Error("no confirmation notice after following the link")
	}
	b.Do(
		typeText(chromedp.CSS("#f-email"), "priya@acme.test"),
		typeText(chromedp.CSS("#f-password"), "managing up is a skill"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="signed-in-as"]`)),
	)
	b.Visit(portal + "/account")
	if got := b.Text(`[data-testid="account-name"]`); got != "Priya Raman" {
		t.Errorf("account name = %q", got)
	}
	b.Screenshot("account")

	b.Do(
		chromedp.Click(chromedp.CSS(`form.signout button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="portal-heading"]`)),
	)
	b.Visit(portal + "/account")
	if loc := browsertest.Run(b, chromedp.Location()); !regexp.MustCompile(`/login\?next=%2Faccount$`).MatchString(loc) {
		t.Errorf("the account page after signing out went to %s, want the sign-in page", loc)
	}
}
