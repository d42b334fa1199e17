package server_test

import (
	"context"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// settingsForm is the settings form of a portal as stored, to change.
func settingsForm(t tenant.Tenant) url.Values {
	v := url.Values{
		"name": {t.Name}, "primary_color": {t.Branding.PrimaryColor}, "welcome_text": {t.Branding.WelcomeText},
		"contact_email": {t.Branding.ContactEmail}, "allowed_email_domains": {strings.Join(t.Settings.AllowedEmailDomains, ", ")},
		"default_time_zone": {t.Settings.DefaultTimeZone}, "default_language": {t.Settings.DefaultLanguage},
	}
	if t.Settings.SelfRegistration {
		v.Set("self_registration", "on")
	}
	return v
}

// portalSnapshot is everything of a portal that saving settings could
// touch: its row and the number of events in both audit logs.
type portalSnapshot struct {
	Tenant                   tenant.Tenant
	AuditEvents, PlatformLog int
}

func snapshot(t *testing.T, s *testServer, id int64) portalSnapshot {
	t.Helper()
	ctx := context.Background()
	tn, err := s.main.Tenants.FindTenantByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	snap := portalSnapshot{Tenant: tn}
	err = s.db.InTenantTx(ctx, id, func(tx *postgres.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM audit_events WHERE tenant_id = $1`, id).Scan(&snap.AuditEvents); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT count(*) FROM platform_audit_events`).Scan(&snap.PlatformLog)
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func TestAdminSettings_PortalNameIsEditable(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/settings")
	form := settingsForm(acme.Tenant)
	form.Set("name", "  Acme Academy ")
	if p := admin.post("/admin/settings", form); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d (%s)", p.status, p.text(`[data-testid="form-error"]`))
	}
	if got := admin.get("/").text(".site-header .brand"); got != "Acme Academy" {
		t.Errorf("header shows %q", got)
	}
	if got := admin.get("/admin/settings").text(`[data-testid="notice"]`); !strings.Contains(got, "Acme Academy") {
		t.Errorf("notice %q", got)
	}
	t.Run("TheChangeIsInThePortalsAuditLog", func(t *testing.T) {
		text := admin.get("/admin/audit?action=settings").doc.Find(`[data-testid="audit"]`).Text()
		if !strings.Contains(text, "settings.update") || !strings.Contains(text, "boss@acme.test") {
			t.Errorf("audit log: %q", text)
		}
	})
	t.Run("AnEmptyOrOverlongNameIsRefusedAtTheField", func(t *testing.T) {
		before := snapshot(t, s, acme.ID)
		for _, name := range []string{"   ", strings.Repeat("n", 201)} {
			admin.get("/admin/settings")
			form.Set("name", name)
			p := admin.post("/admin/settings", form)
			if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-name"]`) == "" {
				t.Errorf("name %q: status %d, error %q", name, p.status, p.text(`[data-testid="error-name"]`))
			}
		}
		if after := snapshot(t, s, acme.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("bad input changed the portal:\n%+v\n%+v", before, after)
		}
	})
}

func TestAdminSettings_LowContrastColourWarnsButSaves(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	if p := admin.get("/admin/settings"); p.doc.Find(`[data-testid="warning-primary_color"]`).Length() != 0 {
		t.Errorf("the default colour is warned about: %q", p.text(`[data-testid="warning-primary_color"]`))
	}
	form := settingsForm(acme.Tenant)
	form.Set("primary_color", "#777777")
	if p := admin.post("/admin/settings", form); p.status != http.StatusSeeOther {
		t.Fatalf("a low-contrast colour was not saved: %d (%s)", p.status, p.text(`[data-testid="error-primary_color"]`))
	}
	stored, _ := s.main.Tenants.FindTenantByID(context.Background(), acme.ID)
	if stored.Branding.PrimaryColor != "#777777" {
		t.Errorf("stored colour %q", stored.Branding.PrimaryColor)
	}
	p := admin.get("/admin/settings")
	warning := p.text(`[data-testid="warning-primary_color"]`)
	if !strings.Contains(warning, "4.48:1") || !strings.Contains(warning, "AA") {
		t.Errorf("warning %q does not name the ratio", warning)
	}
	if d, _ := p.doc.Find("#f-primary_color").Attr("aria-describedby"); !strings.Contains(d, "f-primary_color-warning") {
		t.Errorf("the warning is not tied to the field: aria-describedby=%q", d)
	}
	if p.doc.Find(`[data-testid="form-error"]`).Length() != 0 {
		t.Error("a warning shows as an error")
	}
}

func TestAdminSettings_SignUpRules(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	visitor := newClient(t, s, "acme.localhost")
	if visitor.get("/register").status != http.StatusOK {
		t.Fatal("acme starts open to registration")
	}
	admin.get("/admin/settings")
	form := settingsForm(acme.Tenant)
	form.Del("self_registration")
	if p := admin.post("/admin/settings", form); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	if p := visitor.get("/register"); p.status == http.StatusOK {
		t.Error("registration still open after turning it off")
	}
	if visitor.get("/").doc.Find(`a[href="/register"]`).Length() != 0 {
		t.Error("the home page still offers registration")
	}

	admin.get("/admin/settings")
	form.Set("self_registration", "on")
	form.Set("allowed_email_domains", "ACME.test, @acme.example")
	if p := admin.post("/admin/settings", form); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	stored, _ := s.main.Tenants.FindTenantByID(context.Background(), acme.ID)
	if !stored.Settings.AllowsEmail("new@acme.example") || stored.Settings.AllowsEmail("new@evil.example") {
		t.Errorf("allowed domains %v", stored.Settings.AllowedEmailDomains)
	}
	if got, _ := admin.get("/admin/settings").doc.Find("#f-allowed_email_domains").Attr("value"); got != "acme.test, acme.example" {
		t.Errorf("the form shows %q", got)
	}
	visitor.get("/register")
	p := visitor.post("/register", url.Values{"name": {"Eve"}, "email": {"eve@evil.example"}, "password": {goodPassword}})
	if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-email"]`) == "" {
		t.Errorf("an address outside the allowed domains: %d", p.status)
	}

	admin.get("/admin/settings")
	form.Set("allowed_email_domains", "not a domain")
	if p := admin.post("/admin/settings", form); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-allowed_email_domains"]`) == "" {
		t.Errorf("a bad domain: %d", p.status)
	}
}

func TestAdminSettings_PreviewSavesNothing(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/settings")
	before := snapshot(t, s, acme.ID)

	form := settingsForm(acme.Tenant)
	form.Set("name", "Acme Preview")
	form.Set("primary_color", "#8B0000")
	form.Set("welcome_text", "Grow with your manager.")
	p := admin.post("/admin/settings/preview", form)
	if p.status != http.StatusOK {
		t.Fatalf("preview: %d (%s)", p.status, p.text(`[data-testid="form-error"]`))
	}

	t.Run("ShowsTheHeaderAsItWouldLook", func(t *testing.T) {
		if got := p.text(".site-header .brand"); got != "Acme Preview" {
			t.Errorf("header brand %q", got)
		}
		if href, _ := p.doc.Find(`link[href^="/brand/"]`).Attr("href"); href != "/brand/8b0000.css" {
			t.Errorf("brand stylesheet %q", href)
		}
		if got := p.text(`[data-testid="preview-name"]`); got != "Acme Preview" {
			t.Errorf("preview name %q", got)
		}
		if got := p.text(`[data-testid="preview-welcome"]`); got != "Grow with your manager." {
			t.Errorf("preview welcome %q", got)
		}
	})
	t.Run("KeepsTheValuesInTheFormToSave", func(t *testing.T) {
		for field, want := range map[string]string{"name": "Acme Preview", "primary_color": "#8b0000"} {
			if got, _ := p.doc.Find("#f-" + field).Attr("value"); got != want {
				t.Errorf("%s = %q, want %q", field, got, want)
			}
		}
		if got := p.text("#f-welcome_text"); got != "Grow with your manager." {
			t.Errorf("welcome text %q", got)
		}
		if action, _ := p.doc.Find(`form:has(#f-name)`).Attr("action"); action != "/admin/settings" {
			t.Errorf("the form saves to %q", action)
		}
	})
	t.Run("ChangesNothing", func(t *testing.T) {
		if after := snapshot(t, s, acme.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("a preview changed the portal:\n%+v\n%+v", before, after)
		}
		home := admin.get("/")
		if got := home.text(".site-header .brand"); got != "Acme" {
			t.Errorf("after a preview the header says %q", got)
		}
		if home.doc.Find(`[data-testid="welcome-text"]`).Length() != 0 {
			t.Error("after a preview the home page shows the welcome text")
		}
	})
	t.Run("BadInputShowsTheFieldsAndChangesNothing", func(t *testing.T) {
		bad := settingsForm(acme.Tenant)
		bad.Set("primary_color", "red")
		p := admin.post("/admin/settings/preview", bad)
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-primary_color"]`) == "" {
			t.Errorf("status %d", p.status)
		}
		if p.doc.Find(`[data-testid="preview"]`).Length() != 0 {
			t.Error("an invalid form is previewed")
		}
		if after := snapshot(t, s, acme.ID); !reflect.DeepEqual(before, after) {
			t.Errorf("a bad preview changed the portal")
		}
	})
	t.Run("SaveThenSaves", func(t *testing.T) {
		if p := admin.post("/admin/settings", form); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d", p.status)
		}
		home := admin.get("/")
		if home.text(".site-header .brand") != "Acme Preview" || home.text(`[data-testid="welcome-text"]`) != "Grow with your manager." {
			t.Errorf("after saving: %q %q", home.text(".site-header .brand"), home.text(`[data-testid="welcome-text"]`))
		}
	})
	t.Run("LearnersMayNotPreview", func(t *testing.T) {
		ana := newClient(t, s, "acme.localhost")
		signIn(ana, "ana@acme.test", goodPassword)
		ana.get("/account")
		if p := ana.post("/admin/settings/preview", form); p.status != http.StatusForbidden {
			t.Errorf("learner preview: %d", p.status)
		}
	})
}

func TestCustomDomain_RequestedByTheAdminVerifiedByTheOperator(t *testing.T) {
	t.Parallel()
	s, acme, globex := twoPortals(t, withAdmin, func(_, globex *fixture.Spec) {
		globex.People = []fixture.Person{{Email: "boss@globex.test", Name: "Globex Boss", Roles: []user.Role{user.Admin}}}
	})
	admin := adminClient(t, s)
	onDomain := newClient(t, s, "learn.acme.example")

	admin.get("/admin/settings")
	if p := admin.post("/admin/settings/domains", url.Values{"domain": {"Learn.Acme.Example"}}); p.status != http.StatusSeeOther {
		t.Fatalf("request: %d (%s)", p.status, p.text(`[data-testid="error-domain"]`))
	}
	settings := admin.get("/admin/settings")
	row := settings.doc.Find(`[data-testid="domain-learn.acme.example"]`)
	if status := strings.TrimSpace(row.Find(`[data-testid="domain-status"]`).Text()); !strings.HasPrefix(status, "Pending") {
		t.Errorf("status %q", status)
	}
	if dns := row.Find(`[data-testid="domain-dns"]`).Text(); !strings.Contains(dns, "CNAME") || !strings.Contains(dns, "acme.localhost") {
		t.Errorf("DNS instruction %q", dns)
	}

	t.Run("APendingDomainDoesNotRoute", func(t *testing.T) {
		if p := onDomain.get("/"); p.status != http.StatusNotFound {
			t.Errorf("pending domain: %d, want 404", p.status)
		}
	})
	t.Run("BadDomainsAreRefusedAtTheField", func(t *testing.T) {
		for _, d := range []string{"globex.localhost", "https://learn.acme.example/", "learn.acme.example", ""} {
			admin.get("/admin/settings")
			p := admin.post("/admin/settings/domains", url.Values{"domain": {d}})
			if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-domain"]`) == "" {
				t.Errorf("%q: status %d", d, p.status)
			}
		}
	})
	t.Run("AnotherPortalCannotTakeIt", func(t *testing.T) {
		g := newClient(t, s, "globex.localhost")
		signIn(g, "boss@globex.test", goodPassword)
		g.get("/admin/settings")
		p := g.post("/admin/settings/domains", url.Values{"domain": {"learn.acme.example"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-domain"]`), "taken") {
			t.Errorf("status %d, %q", p.status, p.text(`[data-testid="error-domain"]`))
		}
		if g.get("/admin/settings").doc.Find(`[data-testid="domains"]`).Length() != 0 {
			t.Error("globex's settings list acme's domain")
		}
	})

	op := operatorClient(t, s)
	tenantPage := "/platform/tenants/" + itoa(acme.ID)
	t.Run("TheOperatorSeesThePendingRequest", func(t *testing.T) {
		p := op.get(tenantPage)
		row := p.doc.Find(`[data-testid="domain-learn.acme.example"]`)
		if !strings.HasPrefix(strings.TrimSpace(row.Find(`[data-testid="domain-status"]`).Text()), "Pending") {
			t.Errorf("operator's page: %q", row.Text())
		}
		if !strings.Contains(row.Text(), "acme.localhost") || row.Find("button").Length() != 1 {
			t.Errorf("no DNS check or verify button: %q", row.Text())
		}
	})
	t.Run("AnotherPortalsPageCannotVerifyIt", func(t *testing.T) {
		op.get("/platform/tenants/" + itoa(globex.ID))
		if p := op.post("/platform/tenants/"+itoa(globex.ID)+"/domains/verify", url.Values{"domain": {"learn.acme.example"}}); p.status != http.StatusNotFound {
			t.Errorf("verify through globex: %d", p.status)
		}
		if p := onDomain.get("/"); p.status != http.StatusNotFound {
			t.Errorf("domain routes: %d", p.status)
		}
	})
	op.get(tenantPage)
	if p := op.post(tenantPage+"/domains/verify", url.Values{"domain": {"learn.acme.example"}}); p.status != http.StatusSeeOther {
		t.Fatalf("verify: %d", p.status)
	}
	if got := op.get(tenantPage).text(`[data-testid="notice"]`); !strings.Contains(got, "learn.acme.example") {
		t.Errorf("notice %q", got)
	}

	t.Run("AVerifiedDomainServesThePortal", func(t *testing.T) {
		p := onDomain.get("/")
		if p.status != http.StatusOK || p.text(`[data-testid="portal-heading"]`) != "Acme" {
			t.Errorf("verified domain: %d %q", p.status, p.text(`[data-testid="portal-heading"]`))
		}
		if got := strings.TrimSpace(admin.get("/admin/settings").doc.Find(`[data-testid="domain-learn.acme.example"] [data-testid="domain-status"]`).Text()); got != "Verified" {
			t.Errorf("settings status %q", got)
		}
	})
	t.Run("RequestAndVerificationAreAudited", func(t *testing.T) {
		text := admin.get("/admin/audit?action=domain").doc.Find(`[data-testid="audit"]`).Text()
		for _, want := range []string{"domain.request", "domain.verify", "boss@acme.test", "platform operator", "learn.acme.example"} {
			if !strings.Contains(text, want) {
				t.Errorf("audit log lacks %q: %q", want, text)
			}
		}
	})
	t.Run("APendingRequestCanBeWithdrawn", func(t *testing.T) {
		admin.get("/admin/settings")
		admin.post("/admin/settings/domains", url.Values{"domain": {"typo.acme.example"}})
		admin.get("/admin/settings")
		if p := admin.post("/admin/settings/domains/withdraw", url.Values{"domain": {"typo.acme.example"}}); p.status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", p.status)
		}
		if admin.get("/admin/settings").doc.Find(`[data-testid="domain-typo.acme.example"]`).Length() != 0 {
			t.Error("the withdrawn domain is still listed")
		}
		if p := admin.post("/admin/settings/domains/withdraw", url.Values{"domain": {"learn.acme.example"}}); p.status != http.StatusNotFound {
			t.Errorf("withdrawing a verified domain: %d, want 404", p.status)
		}
	})
}

// Plans decide the features: a portal on the starter plan cannot ask for
// a custom domain.
func TestCustomDomain_NotOnAPlanWithout(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) { acme.Plan = "starter" })
	admin := adminClient(t, s)
	admin.get("/admin/settings")
	if p := admin.post("/admin/settings/domains", url.Values{"domain": {"learn.acme.example"}}); p.status != http.StatusForbidden {
		t.Errorf("a domain on the starter plan: %d", p.status)
	}
	var n int
	s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM tenant_domains WHERE domain = 'learn.acme.example'`).Scan(&n)
	if n != 0 {
		t.Error("the refused domain was stored")
	}
}
