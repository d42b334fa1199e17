package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/mail/smtptest"
	"github.com/upward-lms/upward/internal/postgres"
)

// consoleClient signs a console member in on the platform host.
func consoleClient(t *testing.T, s *testServer, email string) *client {
	t.Helper()
	c := newClient(t, s, "localhost")
	c.get("/console/login")
	if p := c.post("/console/login", url.Values{"email": {email}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("console sign-in of %s: %d", email, p.status)
	}
	return c
}

// platformEvents counts the platform audit events with an action and a
// subject.
func platformEvents(t *testing.T, s *testServer, action, subject string) int {
	t.Helper()
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM platform_audit_events WHERE action = $1 AND subject = $2`,
		action, subject).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// An account admin invites a colleague; the colleague follows the link
// mailed over SMTP, chooses a name and password, lands signed in on the
// same account's console, and can sign in again later. The link works
// once.
func TestConsoleMembers_AnAdminInvitesAColleagueWhoJoinsFromTheMailedLink(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t)
	s := newServer(t, func(c *config.Config) { fixture.WithJobs(c); c.SMTPURL = smtp.URL() })
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company"})
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	ari := consoleClient(t, s, "ari@demo.test")
	members := ari.get("/console/members")
	if members.status != http.StatusOK || !strings.Contains(members.text(`[data-testid="console-members"]`), "ari@demo.test") ||
		members.doc.Find(`nav a[href="/console/members"]`).Length() != 1 {
		t.Fatalf("the members page: %d %q", members.status, members.text(`[data-testid="console-members"]`))
	}

	t.Run("BadAddressesAreFieldErrors", func(t *testing.T) {
		for _, email := range []string{"not an address", "ARI@demo.test"} {
			ari.get("/console/members")
			p := ari.post("/console/members", url.Values{"email": {email}})
			if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-email"]`) == "" {
				t.Errorf("inviting %q: %d %q", email, p.status, p.text(`[data-testid="error-email"]`))
			}
		}
	})

	ari.get("/console/members")
	if p := ari.post("/console/members", url.Values{"email": {"cy@demo.test"}}); p.status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if got := ari.get("/console/members").text(`[data-testid="console-invitations"]`); !strings.Contains(got, "cy@demo.test") || !strings.Contains(got, "Ari") {
		t.Errorf("the pending invitations: %q", got)
	}
	msg := smtp.WaitFor(t, "cy@demo.test", 15*time.Second)
	link := regexp.MustCompile(`http://\S+/console/invitations/accept\?token=\S+`).FindString(msg.Text)
	if link == "" || !strings.Contains(msg.Subject, "Demo Company") {
		t.Fatalf("the invitation %q:\n%s", msg.Subject, msg.Text)
	}
	path := link[strings.Index(link, "/console/"):]

	cy := newClient(t, s, "localhost")
	form := cy.get(path)
	if form.status != http.StatusOK || !strings.Contains(form.text(`[data-testid="console-accept-heading"]`), "Demo Company") ||
		form.text(`[data-testid="invitee"]`) != "cy@demo.test" {
		t.Fatalf("the invitation's page: %d %q", form.status, form.text("h1"))
	}
	token := strings.TrimPrefix(path, "/console/invitations/accept?token=")
	token, _ = url.QueryUnescape(token)
	if p := cy.post("/console/invitations/accept", url.Values{"token": {token}, "name": {"Cy"}, "password": {"short"}}); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-password"]`) == "" {
		t.Errorf("a short password: %d", p.status)
	}
	before := jarSession(cy)
	if p := cy.post("/console/invitations/accept", url.Values{"token": {token}, "name": {"Cy Colleague"}, "password": {goodPassword}}); p.status != http.StatusSeeOther ||
		p.header.Get("Location") != "/console" {
		t.Fatalf("accept: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if after := jarSession(cy); after == "" || after == before {
		t.Error("accepting did not renew the session")
	}
	home := cy.get("/console")
	if home.status != http.StatusOK || home.text(`[data-testid="console-heading"]`) != "Demo Company" ||
		!strings.Contains(home.text(`[data-testid="console-portals"]`), "Demo Company") {
		t.Fatalf("Cy's console: %d %q", home.status, home.text("h1"))
	}
	if got := ari.get("/console/members"); !strings.Contains(got.text(`[data-testid="console-members"]`), "Cy Colleague") ||
		got.doc.Find(`[data-testid="no-invitations"]`).Length() != 1 {
		t.Errorf("after accepting, the members page: %q", got.text("main"))
	}
	consoleClient(t, s, "cy@demo.test") // the chosen password signs in

	t.Run("TheLinkWorksOnce", func(t *testing.T) {
		other := newClient(t, s, "localhost")
		if p := other.get(path); p.status != http.StatusGone || p.text(`[data-testid="message-title"]`) == "" {
			t.Errorf("the used link: %d", p.status)
		}
		other.get("/console/login") // for a CSRF token
		if p := other.post("/console/invitations/accept", url.Values{"token": {token}, "name": {"Mallory"}, "password": {"another long password"}}); p.status != http.StatusGone {
			t.Errorf("accepting twice: %d", p.status)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		if platformEvents(t, s, "console.invitation.create", "cy@demo.test") != 1 || platformEvents(t, s, "console.invitation.accept", "cy@demo.test") != 1 {
			t.Error("the invitation and its acceptance are not in the platform's audit log")
		}
	})
}

// jarSession is the client's session token in its cookie jar.
func jarSession(c *client) string {
	u, _ := url.Parse(c.base)
	return sessionCookie(c.hc.Jar.Cookies(u))
}

// Members and invitations of another org are not found; an admin cannot
// remove themselves, so never the last; a removed admin's session stops
// at once; a cancelled invitation's link stops working.
func TestConsoleMembers_RemovingAndCancelling(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	console := postgres.NewConsoleService(s.db)
	demo := fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company"})
	globex := fixture.Build(t, s.db, fixture.Spec{Slug: "globex", Name: "Globex"})
	ariM, err := console.CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari", goodPassword, by)
	if err != nil {
		t.Fatal(err)
	}
	boM, _ := console.CreateConsoleMember(ctx, "demo", "", "bo@demo.test", "Bo", goodPassword, by)
	gilM, _ := console.CreateConsoleMember(ctx, "globex", "", "gil@globex.test", "Gil", goodPassword, by)
	globexOrg := postgres.Org{AccountID: &globex.AccountID}
	globexInv, err := console.InviteConsoleMember(ctx, globexOrg, postgres.ConsoleInvite{Email: "gus@globex.test", Inviter: "Gil", ConsoleURL: "http://localhost"}, by)
	if err != nil {
		t.Fatal(err)
	}
	ari, bo := consoleClient(t, s, "ari@demo.test"), consoleClient(t, s, "bo@demo.test")

	t.Run("AnotherOrgsMemberOrInvitationIsNotFound", func(t *testing.T) {
		ari.get("/console/members")
		if p := ari.post(fmt.Sprintf("/console/members/%d/remove", gilM.ID), nil); p.status != http.StatusNotFound {
			t.Errorf("removing another account's admin: %d", p.status)
		}
		if p := ari.post(fmt.Sprintf("/console/invitations/%d/cancel", globexInv.ID), nil); p.status != http.StatusNotFound {
			t.Errorf("cancelling another account's invitation: %d", p.status)
		}
		if p := ari.post("/console/members/abc/remove", nil); p.status != http.StatusNotFound {
			t.Errorf("a bad id: %d", p.status)
		}
		if _, err := console.FindConsoleMember(ctx, gilM.ID); err != nil {
			t.Errorf("Gil after the attempt: %v", err)
		}
		if invs, _ := console.FindConsoleInvitations(ctx, globexOrg); len(invs) != 1 {
			t.Errorf("Globex's invitations after the attempt: %d", len(invs))
		}
		if got := ari.get("/console/members").text("main"); strings.Contains(got, "gil@globex.test") || strings.Contains(got, "gus@globex.test") {
			t.Errorf("Demo's page shows Globex's people: %q", got)
		}
	})

	t.Run("ACancelledInvitationsLinkStopsWorking", func(t *testing.T) {
		ari.get("/console/members")
		if p := ari.post("/console/members", url.Values{"email": {"dee@demo.test"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", p.status)
		}
		link := mailedLink(t, s, "dee@demo.test", "/console/invitations/accept")
		invs, _ := console.FindConsoleInvitations(ctx, postgres.Org{AccountID: &demo.AccountID})
		if len(invs) != 1 {
			t.Fatalf("%d invitations", len(invs))
		}
		ari.get("/console/members")
		if p := ari.post(fmt.Sprintf("/console/invitations/%d/cancel", invs[0].ID), nil); p.status != http.StatusSeeOther {
			t.Fatalf("cancel: %d", p.status)
		}
		if p := newClient(t, s, "localhost").get(link); p.status != http.StatusGone {
			t.Errorf("the cancelled link: %d", p.status)
		}
		if platformEvents(t, s, "console.invitation.cancel", "dee@demo.test") != 1 {
			t.Error("the cancellation is not audited")
		}
	})

	t.Run("NobodyRemovesThemselves", func(t *testing.T) {
		ari.get("/console/members")
		if p := ari.post(fmt.Sprintf("/console/members/%d/remove", ariM.ID), nil); p.status != http.StatusForbidden || p.text(`[data-testid="form-error"]`) == "" {
			t.Errorf("removing oneself: %d", p.status)
		}
	})

	ari.get("/console/members")
	if p := ari.post(fmt.Sprintf("/console/members/%d/remove", boM.ID), nil); p.status != http.StatusSeeOther {
		t.Fatalf("remove Bo: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	t.Run("TheRemovedMembersSessionStopsAtOnce", func(t *testing.T) {
		if p := bo.get("/console"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/login" {
			t.Errorf("Bo's console after removal: %d", p.status)
		}
		if platformEvents(t, s, "console.member.remove", "bo@demo.test") != 1 {
			t.Error("the removal is not audited")
		}
	})
	t.Run("TheLastMemberStays", func(t *testing.T) {
		// Only Ari is left: Bo, removed a moment ago, is no admin any more
		// and cannot remove them.
		err := console.RemoveConsoleMember(ctx, postgres.Org{AccountID: &demo.AccountID}, ariM.ID, boM.ID, by)
		if apperr.Code(err) != apperr.EFORBIDDEN {
			t.Errorf("a removed admin removing the last: %v", err)
		}
		if p := ari.get("/console/members"); p.doc.Find(`[data-testid="console-members"] tbody tr`).Length() != 1 ||
			p.doc.Find(`[data-testid="console-members"] button`).Length() != 0 {
			t.Errorf("the last admin's page offers a removal: %q", p.text(`[data-testid="console-members"]`))
		}
	})
}

// An operator opens an account without portals, its first admin joins
// from the invitation and creates its first portal; an operator invites a
// reseller's first admin the same way.
func TestPlatformAccounts_AnOperatorOpensAnAccountWhoseAdminCreatesAPortal(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	op := operatorClient(t, s)
	if p := op.get("/platform/accounts"); p.status != http.StatusOK || p.doc.Find(`form[action="/platform/accounts"]`).Length() != 1 {
		t.Fatalf("the accounts page: %d", p.status)
	}
	if p := newClient(t, s, "localhost").get("/platform/accounts"); p.status != http.StatusSeeOther {
		t.Errorf("the accounts page without signing in: %d", p.status)
	}

	t.Run("BadInputChangesNothing", func(t *testing.T) {
		op.get("/platform/accounts")
		p := op.post("/platform/accounts", url.Values{"slug": {"Not A Slug"}, "name": {""}, "new_admin_email": {"nobody"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-slug"]`) == "" || p.text(`[data-testid="error-name"]`) == "" ||
			p.text(`[data-testid="error-new_admin_email"]`) == "" {
			t.Errorf("bad account: %d", p.status)
		}
		var n int
		s.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM accounts) + (SELECT count(*) FROM console_invitations)`).Scan(&n)
		if n != 0 {
			t.Errorf("%d rows after bad input", n)
		}
	})

	op.get("/platform/accounts")
	if p := op.post("/platform/accounts", url.Values{"slug": {"initech"}, "name": {"Initech"}, "new_admin_email": {"ina@initech.test"}, "new_admin_name": {"Ina"}}); p.status != http.StatusSeeOther {
		t.Fatalf("open the account: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	row := func() string {
		cells := op.get("/platform/accounts").doc.Find(`[data-testid="accounts"] tbody tr`).First().Find("td")
		return strings.Join(cells.Map(func(_ int, c *goquery.Selection) string { return strings.TrimSpace(c.Text()) }), "|")
	}
	if got := row(); got != "Initech|initech||0|0|1|Active  SuspendInitech" {
		t.Errorf("the new account's row: %q", got)
	}
	op.get("/platform/accounts")
	if p := op.post("/platform/accounts", url.Values{"slug": {"initech"}, "name": {"Other"}, "new_admin_email": {"x@other.test"}}); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-slug"]`) == "" {
		t.Errorf("a taken slug: %d", p.status)
	}

	ina := acceptConsoleInvitation(t, s, "ina@initech.test", "Ina Initech")
	if got := ina.get("/console"); got.text(`[data-testid="console-heading"]`) != "Initech" || got.doc.Find(`[data-testid="console-portals"]`).Length() != 0 {
		t.Fatalf("the new account's console: %q", got.text("main"))
	}
	ina.get("/console/portals/new")
	if p := ina.post("/console/portals", url.Values{"name": {"Initech Academy"}, "slug": {"initech-academy"}, "audience": {"employees"},
		"admin_email": {"ina@initech.test"}, "admin_name": {"Ina"}}); p.status != http.StatusSeeOther {
		t.Fatalf("the first portal: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	var accountID int64
	s.db.Pool.QueryRow(ctx, `SELECT id FROM accounts WHERE slug = 'initech'`).Scan(&accountID)
	academy, err := s.main.Tenants.FindTenantBySlug(ctx, "initech-academy")
	if err != nil || academy.AccountID != accountID {
		t.Errorf("the portal belongs to account %d, want %d (%v)", academy.AccountID, accountID, err)
	}
	if got := row(); got != "Initech|initech||1|1|0|Active  SuspendInitech" {
		t.Errorf("the account's row after: %q", got)
	}
	if platformEvents(t, s, "account.create", "initech") != 1 {
		t.Error("opening the account is not audited")
	}

	t.Run("AResellersFirstAdmin", func(t *testing.T) {
		if _, err := postgres.NewResellerService(s.db).EnsureReseller(ctx, "northwind", "Northwind"); err != nil {
			t.Fatal(err)
		}
		page := op.get("/platform/resellers")
		id, _ := page.doc.Find(`select[name="reseller_id"] option`).First().Attr("value")
		if p := op.post("/platform/resellers/invite", url.Values{"reseller_id": {id}, "admin_email": {"ina@initech.test"}}); p.status != http.StatusUnprocessableEntity ||
			p.text(`[data-testid="error-admin_email"]`) == "" {
			t.Errorf("inviting a console member again: %d", p.status)
		}
		if p := op.post("/platform/resellers/invite", url.Values{"reseller_id": {"999999"}, "admin_email": {"rae@northwind.test"}}); p.status != http.StatusUnprocessableEntity ||
			p.text(`[data-testid="error-reseller_id"]`) == "" {
			t.Errorf("an unknown reseller: %d", p.status)
		}
		if p := op.post("/platform/resellers/invite", url.Values{"reseller_id": {id}, "admin_email": {"rae@northwind.test"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite the reseller's admin: %d %s", p.status, p.text(`[data-testid="form-error"]`))
		}
		rae := acceptConsoleInvitation(t, s, "rae@northwind.test", "Rae")
		if got := rae.get("/console"); got.text(`[data-testid="console-heading"]`) != "Northwind" || !strings.Contains(got.text("main"), "New client portal") {
			t.Errorf("the reseller's console: %q", got.text("main"))
		}
	})
}

// acceptConsoleInvitation follows the console invitation mailed to email
// (read from the outbox) in a new client and joins with name.
func acceptConsoleInvitation(t *testing.T, s *testServer, email, name string) *client {
	t.Helper()
	link := mailedLink(t, s, email, "/console/invitations/accept")
	c := newClient(t, s, "localhost")
	c.get(link)
	token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/console/invitations/accept?token="))
	if p := c.post("/console/invitations/accept", url.Values{"token": {token}, "name": {name}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("%s accepting: %d %s", email, p.status, p.text(`[data-testid="form-error"]`))
	}
	return c
}
