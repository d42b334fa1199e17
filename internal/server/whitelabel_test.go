package server_test

import (
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/mail/smtptest"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// resellerFixture is a reseller (Northwind) with a console member and a
// client portal (contoso, with an admin), beside a portal of the
// platform's own (acme).
type resellerFixture struct {
	s        *testServer
	reseller postgres.Reseller
	contoso  tenant.Tenant
	acme     tenant.Tenant
}

func newResellerFixture(t *testing.T, mod func(*config.Config)) resellerFixture {
	t.Helper()
	s := newServer(t, mod)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	nw, err := postgres.NewResellerService(s.db).EnsureReseller(ctx, "northwind", "Northwind")
	if err != nil {
		t.Fatal(err)
	}
	// The reseller's client: a Spec cannot say whose client a portal is.
	contoso, err := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "contoso", Name: "Contoso", ResellerID: &nw.ID}, by)
	if err != nil {
		t.Fatal(err)
	}
	acme := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme"})
	if _, err := s.main.Users.EnsureUser(ctx, contoso, postgres.NewUser{Email: "chris@contoso.test", Name: "Chris", Password: goodPassword, Roles: []user.Role{user.Admin}}, by); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	return resellerFixture{s: s, reseller: nw, contoso: contoso, acme: acme.Tenant}
}

func pngLogo(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := pngenc.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (f resellerFixture) findReseller(t *testing.T) postgres.Reseller {
	t.Helper()
	rs, err := postgres.NewResellerService(f.s.db).FindResellerByID(context.Background(), f.reseller.ID)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func platformAuditCount(t *testing.T, s *testServer, action string) int {
	t.Helper()
	var n int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM platform_audit_events WHERE action = $1`, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var invitationLinkRE = regexp.MustCompile(`http://\S+/invitations/accept\?token=\S+`)

// A reseller names and brands itself in its console; every page of its
// client's portal, and the mail the portal sends, then say they are
// powered by the reseller, with its logo, and never by Upward. Once an
// operator gives the reseller a base domain, the mail links there, and
// the link works.
func TestWhiteLabel_TheResellersNameAndLogoOnItsClientsPortalAndMail(t *testing.T) {
	t.Parallel()
	smtp := smtptest.Start(t)
	f := newResellerFixture(t, func(c *config.Config) { fixture.WithJobs(c); c.SMTPURL = smtp.URL() })
	s := f.s
	logo := pngLogo(t, 120, 40)

	rae := consoleClient(t, s, "rae@northwind.test")
	form := rae.get("/console/branding")
	if form.status != http.StatusOK || form.doc.Find(`nav a[href="/console/branding"]`).Length() != 1 {
		t.Fatalf("the branding page: %d, or no link to it", form.status)
	}
	if p := rae.uploadForm("/console/branding", url.Values{"name": {"Northwind Learning"}, "support_email": {"help@northwind.test"}},
		"logo", "northwind.png", logo); p.status != http.StatusSeeOther {
		t.Fatalf("save branding: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if src, ok := rae.get("/console/branding").doc.Find(`[data-testid="logo-preview"]`).Attr("src"); !ok {
		t.Error("the branding page shows no logo")
	} else if res, body := rae.raw(src); res.StatusCode != http.StatusOK || !bytes.Equal(body, logo) {
		t.Errorf("the logo on the console: %d", res.StatusCode)
	}
	if n := platformAuditCount(t, s, "reseller.branding"); n != 1 {
		t.Errorf("%d reseller.branding audit events, want 1", n)
	}

	chris := newClient(t, s, "contoso.localhost")
	for _, path := range []string{"/login", "/no-such-page"} {
		p := chris.get(path)
		footer := p.doc.Find("footer")
		if got := p.text(`[data-testid="powered-by"]`); !strings.Contains(got, "powered by") || !strings.Contains(got, "Northwind Learning") {
			t.Errorf("%s: the client's footer says %q", path, got)
		}
		if href, _ := footer.Find(`a[href^="mailto:"]`).Attr("href"); href != "mailto:help@northwind.test" {
			t.Errorf("%s: the footer's support link is %q", path, href)
		}
		if html, _ := p.doc.Html(); strings.Contains(html, "Upward") {
			t.Errorf("%s: the client's page names Upward", path)
		}
	}
	src, ok := chris.get("/login").doc.Find("footer img").Attr("src")
	if !ok {
		t.Fatal("the client's footer shows no logo")
	}
	if res, body := chris.raw(src); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, logo) {
		t.Errorf("the reseller's logo on the client's portal: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	acme := newClient(t, s, "acme.localhost")
	if got := acme.get("/login").text("footer"); !strings.Contains(got, "powered by Upward") || strings.Contains(got, "Northwind") {
		t.Errorf("a portal of the platform's own: %q", got)
	}
	if res, _ := acme.raw(src); res.StatusCode != http.StatusNotFound {
		t.Errorf("the reseller's logo on a portal it does not sell: %d", res.StatusCode)
	}

	// The client's admin invites someone: the mail names the reseller.
	if p := signIn(chris, "chris@contoso.test", goodPassword); p.status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.status)
	}
	invite := func(email string) smtptest.Received {
		t.Helper()
		chris.get("/admin/users/invite")
		if p := chris.post("/admin/users/invite", url.Values{"name": {"Kim"}, "email": {email}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", p.status)
		}
		return smtp.WaitFor(t, email, 15*time.Second)
	}
	msg := invite("kim@contoso.test")
	if !strings.Contains(msg.Text, "powered by Northwind Learning") || !strings.Contains(msg.HTML, "powered by") || !strings.Contains(msg.HTML, "Northwind Learning") {
		t.Errorf("the invitation does not name the reseller:\n%s", msg.Text)
	}
	if !strings.Contains(msg.HTML, "/logo/"+f.findReseller(t).WhiteLabel.LogoFile) {
		t.Errorf("the invitation does not show the reseller's logo:\n%s", msg.HTML)
	}
	if bytes.Contains(msg.Data, []byte("Upward")) || strings.Contains(msg.Text+msg.HTML, "Upward") {
		t.Errorf("the invitation names Upward:\n%s", msg.Data)
	}
	if link := invitationLinkRE.FindString(msg.Text); !strings.HasPrefix(link, "http://contoso.localhost:") {
		t.Errorf("the invitation links to %q", link)
	}

	// An operator gives the reseller a base domain: links go there.
	op := operatorClient(t, s)
	op.get("/platform/resellers")
	if p := op.post("/platform/resellers/"+itoa(f.reseller.ID)+"/domain", url.Values{"domain": {"Learn.Northwind.Example"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set the domain: %d %s", p.status, p.text(`[data-testid="error-domain"]`))
	}
	if got := f.findReseller(t).WhiteLabel.BaseDomain; got != "learn.northwind.example" {
		t.Errorf("the stored base domain is %q", got)
	}
	if n := platformAuditCount(t, s, "reseller.domain"); n != 1 {
		t.Errorf("%d reseller.domain audit events, want 1", n)
	}
	msg = invite("lee@contoso.test")
	link := invitationLinkRE.FindString(msg.Text)
	u, err := url.Parse(link)
	if err != nil || u.Hostname() != "contoso.learn.northwind.example" {
		t.Fatalf("the invitation links to %q", link)
	}
	if p := newClient(t, s, u.Hostname()).get(u.RequestURI()); p.status != http.StatusOK || p.doc.Find(`form[action="/invitations/accept"]`).Length() != 1 {
		t.Errorf("the invitation's link on the reseller's domain: %d", p.status)
	}
}

// {slug}.{a reseller's base domain} is that reseller's client portal; a
// slug of another reseller's client, or of a portal of the platform's own,
// is no portal there. {slug}.BASE_DOMAIN keeps working, and clearing the
// domain ends it.
func TestWhiteLabel_AResellersDomainServesOnlyItsClients(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s, ctx := f.s, context.Background()
	resellers := postgres.NewResellerService(s.db)
	sw, _ := resellers.EnsureReseller(ctx, "southwind", "Southwind")
	if _, err := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "rival", Name: "Rival", ResellerID: &sw.ID}, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	op := operatorClient(t, s)
	op.get("/platform/resellers")
	if p := op.post("/platform/resellers/"+itoa(f.reseller.ID)+"/domain", url.Values{"domain": {"learn.northwind.example"}}); p.status != http.StatusSeeOther {
		t.Fatalf("set the domain: %d %s", p.status, p.text(`[data-testid="error-domain"]`))
	}
	if got := op.get("/platform/resellers").doc.Find(`input[name="domain"][value="learn.northwind.example"]`).Length(); got != 1 {
		t.Errorf("the resellers' page shows the domain %d times", got)
	}
	if p := newClient(t, s, "contoso.learn.northwind.example").get("/"); p.status != http.StatusOK || p.text(`[data-testid="portal-heading"]`) != "Contoso" {
		t.Errorf("the client on the reseller's domain: %d %q", p.status, p.text(`[data-testid="portal-heading"]`))
	}
	for _, host := range []string{"rival.learn.northwind.example", "acme.learn.northwind.example", "learn.northwind.example", "nobody.learn.northwind.example"} {
		if p := newClient(t, s, host).get("/"); p.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", host, p.status)
		}
	}
	if p := newClient(t, s, "contoso.localhost").get("/"); p.status != http.StatusOK {
		t.Errorf("the client under BASE_DOMAIN: %d", p.status)
	}
	op.get("/platform/resellers")
	if p := op.post("/platform/resellers/"+itoa(f.reseller.ID)+"/domain", url.Values{"domain": {""}}); p.status != http.StatusSeeOther {
		t.Fatalf("clear the domain: %d", p.status)
	}
	if p := newClient(t, s, "contoso.learn.northwind.example").get("/"); p.status != http.StatusNotFound {
		t.Errorf("the client on a cleared domain: %d, want 404", p.status)
	}
	if n := platformAuditCount(t, s, "reseller.domain"); n != 2 {
		t.Errorf("%d reseller.domain audit events, want 2 (set, cleared)", n)
	}
}

// A bad logo, name, support address or domain is a message at its field
// and changes nothing.
func TestWhiteLabel_BadInputIsAFieldErrorThatChangesNothing(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s, ctx := f.s, context.Background()
	if _, err := postgres.NewResellerService(s.db).EnsureReseller(ctx, "southwind", "Southwind"); err != nil {
		t.Fatal(err)
	}
	sw, _ := postgres.NewResellerService(s.db).FindResellers(ctx, 10)
	var southwind postgres.Reseller
	for _, r := range sw {
		if r.Slug == "southwind" {
			southwind = r
		}
	}
	if _, err := postgres.NewResellerService(s.db).SetResellerDomain(ctx, southwind.ID, "southwind.example", "localhost", postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	owner := ownerConn(t, s)
	if _, err := owner.Exec(ctx, "INSERT INTO tenant_domains (domain, tenant_id, verification_token, verified_at) VALUES ('learn.acme.example', $1, 'x', now())", f.acme.ID); err != nil {
		t.Fatal(err)
	}
	before := f.findReseller(t)
	audits := platformAuditCount(t, s, "reseller.branding") + platformAuditCount(t, s, "reseller.domain")

	rae := consoleClient(t, s, "rae@northwind.test")
	t.Run("Logo", func(t *testing.T) {
		for name, data := range map[string][]byte{
			"script.png": []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
			"huge.png":   pngLogo(t, 2400, 10),
		} {
			rae.get("/console/branding")
			p := rae.uploadForm("/console/branding", url.Values{"name": {"Renamed"}, "support_email": {"help@northwind.test"}}, "logo", name, data)
			if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-logo"]`) == "" {
				t.Errorf("%s: %d %q", name, p.status, p.text(`[data-testid="error-logo"]`))
			}
			if got := p.doc.Find(`input[name="name"]`).AttrOr("value", ""); got != "Renamed" {
				t.Errorf("%s: the form lost what was typed: %q", name, got)
			}
		}
	})
	t.Run("NameAndSupportAddress", func(t *testing.T) {
		rae.get("/console/branding")
		p := rae.uploadForm("/console/branding", url.Values{"name": {"  "}, "support_email": {"not an address"}}, "logo", "logo.png", pngLogo(t, 10, 10))
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-name"]`) == "" || p.text(`[data-testid="error-support_email"]`) == "" {
			t.Errorf("%d: name %q, support %q", p.status, p.text(`[data-testid="error-name"]`), p.text(`[data-testid="error-support_email"]`))
		}
	})

	op := operatorClient(t, s)
	for _, bad := range []string{"localhost", "portal.localhost", "https://learn.example.com/", "not a host", "southwind.example", "acme.example", "learn.acme.example"} {
		t.Run("Domain "+bad, func(t *testing.T) {
			op.get("/platform/resellers")
			p := op.post("/platform/resellers/"+itoa(f.reseller.ID)+"/domain", url.Values{"domain": {bad}})
			if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-domain"]`) == "" {
				t.Errorf("%d %q", p.status, p.text(`[data-testid="error-domain"]`))
			}
			if got := p.doc.Find(`#f-domain-`+itoa(f.reseller.ID)).AttrOr("value", ""); got != bad {
				t.Errorf("the form shows %q, not what was typed", got)
			}
		})
	}

	after := f.findReseller(t)
	if after.WhiteLabel != before.WhiteLabel {
		t.Errorf("the white label changed: %+v, was %+v", after.WhiteLabel, before.WhiteLabel)
	}
	if n := platformAuditCount(t, s, "reseller.branding") + platformAuditCount(t, s, "reseller.domain"); n != audits {
		t.Errorf("%d audit events, was %d", n, audits)
	}
	if p := newClient(t, s, "contoso.localhost").get("/login"); strings.Contains(p.text("footer"), "Renamed") {
		t.Errorf("the footer changed: %q", p.text("footer"))
	}
}

// Branding is a reseller's: an account's admin has no link to it and is
// refused the page and the form.
func TestWhiteLabel_AnAccountAdminCannotReachBranding(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s := f.s
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(context.Background(), "acme", "", "ari@acme.test", "Ari", goodPassword, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	ari := consoleClient(t, s, "ari@acme.test")
	home := ari.get("/console")
	if home.doc.Find(`a[href="/console/branding"]`).Length() != 0 {
		t.Error("an account's console links to branding")
	}
	if p := ari.get("/console/branding"); p.status != http.StatusForbidden {
		t.Errorf("GET: %d, want 403", p.status)
	}
	if p := ari.uploadForm("/console/branding", url.Values{"name": {"Acme Inc"}}, "logo", "logo.png", pngLogo(t, 10, 10)); p.status != http.StatusForbidden {
		t.Errorf("POST: %d, want 403", p.status)
	}
	if got := f.findReseller(t).WhiteLabel.Name; got != "Northwind" {
		t.Errorf("the reseller's name is %q", got)
	}
	if p := newClient(t, s, "localhost").get("/console/branding"); p.status != http.StatusSeeOther {
		t.Errorf("signed out: %d, want 303 to sign-in", p.status)
	}
}
