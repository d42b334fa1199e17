package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/mail/smtptest"
	"github.com/upward-lms/upward/internal/postgres"
)

func consoleSignIn(t *testing.T, b *browsertest.Browser, base, email string) {
	t.Helper()
	b.Visit(base + "/console/login")
	b.Do(typeText(chromedp.CSS("#f-email"), email), typeText(chromedp.CSS("#f-password"), fixture.Password))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`main button[type="submit"]`)))
}

// An account admin opens a second portal for partners and copies a course
// into it.
func TestJourney_AnAccountOpensAPartnerPortalAndCopiesACourse(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := fixture.By
	demo := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "demo", Name: "Demo Company"})
	if err := postgres.InstallLibrary(ctx, srv.Main.DB, func(string, []byte) error { return nil }, courses.FS, demo.ID,
		postgres.LibraryInstall{Courses: []string{"communicating-up"}, Publish: true}, by, t.Logf); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewConsoleService(srv.Main.DB).CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari Account", fixture.Password, by); err != nil {
		t.Fatal(err)
	}
	b := browsertest.NewBrowser(t)
	consoleSignIn(t, b, srv.URL, "ari@demo.test")
	afterReload(t, b, chromedp.Click(chromedp.CSS(`a[href="/console/portals/new"]`)))
	b.Do(typeText(chromedp.CSS("#f-name"), "Demo Partners"), typeText(chromedp.CSS("#f-slug"), "demo-partners"),
		chromedp.SetValue(chromedp.CSS("#f-audience"), "partners"),
		typeText(chromedp.CSS("#f-admin_name"), "Pat Partner"), typeText(chromedp.CSS("#f-admin_email"), "pat@demo.test"))
	b.CheckAccessibility()
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action="/console/portals"] button[type="submit"]`)))
	if got := b.Text(`[data-testid="console-portals"]`); !strings.Contains(got, "Demo Partners") || !strings.Contains(got, "partners") {
		t.Fatalf("the console after creating: %q", got)
	}
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="console-portals"] a[href^="/console/portals/"]`)))
	if b.Text(`[data-testid="console-portal"]`) != "Demo Company" {
		t.Fatalf("opened %q", b.Text(`[data-testid="console-portal"]`))
	}
	b.CheckAccessibility()
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action$="/copy"] button`)))
	if got := b.Text(`[data-testid="notice"]`); !strings.Contains(got, "Communicating Up") {
		t.Errorf("after copying: %q", got)
	}
	partners, _ := srv.Main.Tenants.FindTenantBySlug(ctx, "demo-partners")
	if _, err := postgres.NewCourseService(srv.Main.DB).FindCourseBySlug(ctx, partners.ID, "communicating-up"); err != nil {
		t.Errorf("the partners portal lacks the copy: %v", err)
	}
}

// A reseller opens a client portal with a library course; the client's
// admin accepts the invitation, finds the course, starts it, and the
// reseller's usage counts them.
func TestJourney_AResellerOpensAClientPortal(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	smtp := smtptest.Start(t)
	srv := browsertest.StartServer(t, func(c *config.Config) { fixture.WithJobs(c); c.SMTPURL = smtp.URL() })
	ctx := context.Background()
	if _, err := postgres.NewResellerService(srv.Main.DB).EnsureReseller(ctx, "northwind", "Northwind Learning"); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewConsoleService(srv.Main.DB).CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae Reseller", fixture.Password, fixture.By); err != nil {
		t.Fatal(err)
	}
	b := browsertest.NewBrowser(t)
	consoleSignIn(t, b, srv.URL, "rae@northwind.test")
	b.Visit(srv.URL + "/console/portals/new")
	b.Do(typeText(chromedp.CSS("#f-name"), "Contoso"), typeText(chromedp.CSS("#f-slug"), "contoso"),
		chromedp.SetValue(chromedp.CSS("#f-plan"), "starter"), chromedp.SetValue(chromedp.CSS("#f-seat_limit"), "20"),
		typeText(chromedp.CSS("#f-admin_name"), "Chris Client"), typeText(chromedp.CSS("#f-admin_email"), "chris@contoso.test"),
		chromedp.Click(chromedp.CSS("#f-course_no-surprises")))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action="/console/portals"] button[type="submit"]`)))
	if got := b.Text(`[data-testid="seats-used"]`); got != "0 / 20" {
		t.Fatalf("seats before: %q", got)
	}

	client := acceptInvitation(t, smtp, "chris@contoso.test", "Chris Client")
	client.Visit(srv.PortalURL("contoso") + "/courses")
	if got := client.Text(`[data-testid="catalog"]`); !strings.Contains(got, "No Surprises") {
		t.Fatalf("the client's catalog: %q", got)
	}
	if got := client.Text("footer"); !strings.Contains(got, "Northwind Learning") {
		t.Errorf("the client's footer: %q", got)
	}
	afterReload(t, client, chromedp.Click(chromedp.CSS(`[data-testid="catalog"] a`)))
	afterReload(t, client, chromedp.Click(chromedp.CSS(`[data-testid="enrol"]`)))

	b.Visit(srv.URL + "/console")
	if got := b.Text(`[data-testid="seats-used"]`); got != "1 / 20" {
		t.Errorf("seats after the client's admin started a course: %q", got)
	}
	if got := b.Text("footer"); !strings.HasSuffix(got, "powered by Upward") {
		t.Errorf("the console's footer: %q", got)
	}
	b.Screenshot("reseller-console")
}

// acceptInvitation follows the invitation mailed to email in a new
// browser, chooses a name and fixture.Password, and returns the browser,
// signed in.
func acceptInvitation(t *testing.T, smtp *smtptest.Server, email, name string) *browsertest.Browser {
	t.Helper()
	msg := smtp.WaitFor(t, email, 15*time.Second)
	link := regexp.MustCompile(`http://\S+/invitations/accept\?token=\S+`).FindString(msg.Text)
	if link == "" {
		t.Fatalf("no invitation link in:\n%s", msg.Text)
	}
	b := browsertest.NewBrowser(t)
	b.Visit(link)
	b.Do(chromedp.SetValue(chromedp.CSS("#f-name"), name), typeText(chromedp.CSS("#f-password"), fixture.Password))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action="/invitations/accept"] button`)))
	return b
}

// An operator opens an account; its first admin joins from the mailed
// link, lands in the console and invites a colleague. Each page is checked
// for accessibility on the way (Visit checks; forms after typing too).
func TestJourney_AnOperatorOpensAnAccountAndItsAdminInvitesAColleague(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	smtp := smtptest.Start(t)
	srv := browsertest.StartServer(t, func(c *config.Config) { fixture.WithJobs(c); c.SMTPURL = smtp.URL() })
	if _, err := postgres.NewOperatorService(srv.Main.DB).CreateOperator(context.Background(), "op@upward.test", "Olu Operator", fixture.Password, fixture.By); err != nil {
		t.Fatal(err)
	}
	op := browsertest.NewBrowser(t)
	signIn(op, srv.URL+"/platform/login", "op@upward.test")
	op.Visit(srv.URL + "/platform/accounts")
	op.Do(typeText(chromedp.CSS("#f-name"), "Initech"), typeText(chromedp.CSS("#f-slug"), "initech"),
		typeText(chromedp.CSS("#f-new_admin_email"), "ina@initech.test"))
	afterReload(t, op, chromedp.Click(chromedp.CSS(`form[action="/platform/accounts"] button[type="submit"]`)))
	if got := op.Text(`[data-testid="accounts"]`); !strings.Contains(got, "Initech") {
		t.Fatalf("the accounts after opening one: %q", got)
	}
	op.CheckAccessibility()
	op.Screenshot("platform-accounts")

	msg := smtp.WaitFor(t, "ina@initech.test", 15*time.Second)
	link := regexp.MustCompile(`http://\S+/console/invitations/accept\?token=\S+`).FindString(msg.Text)
	if link == "" {
		t.Fatalf("no console invitation link in:\n%s", msg.Text)
	}
	ina := browsertest.NewBrowser(t)
	ina.Visit(link)
	ina.Do(typeText(chromedp.CSS("#f-name"), "Ina Initech"), typeText(chromedp.CSS("#f-password"), fixture.Password))
	afterReload(t, ina, chromedp.Click(chromedp.CSS(`form[action="/console/invitations/accept"] button`)))
	if got := ina.Text(`[data-testid="console-heading"]`); got != "Initech" {
		t.Fatalf("after accepting: %q", got)
	}
	afterReload(t, ina, chromedp.Click(chromedp.CSS(`nav a[href="/console/members"]`)))
	ina.CheckAccessibility()
	ina.Do(typeText(chromedp.CSS("#f-email"), "cy@initech.test"))
	afterReload(t, ina, chromedp.Click(chromedp.CSS(`form[action="/console/members"] button`)))
	if got := ina.Text(`[data-testid="console-invitations"]`); !strings.Contains(got, "cy@initech.test") {
		t.Errorf("the pending invitations: %q", got)
	}
	ina.CheckAccessibility()
	ina.Screenshot("console-members")
}
