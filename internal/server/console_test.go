package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// A reseller creates a client portal with library courses; the client's
// admin is invited, and the reseller's usage counts the portal's learner.
// The reseller sees only its own clients; an account admin only the
// account's portals.
func TestConsole_AResellerProvisionsAClientPortal(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	resellers := postgres.NewResellerService(s.db)
	if _, err := resellers.EnsureReseller(ctx, "northwind", "Northwind Partners"); err != nil {
		t.Fatal(err)
	}
	other, err := resellers.EnsureReseller(ctx, "southwind", "Southwind")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "rival-client", Name: "Rival Client", ResellerID: &other.ID}, by); err != nil {
		t.Fatal(err)
	}
	console := postgres.NewConsoleService(s.db)
	if _, err := console.CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	rae := newClient(t, s, "localhost")
	rae.get("/console/login")
	if p := rae.post("/console/login", url.Values{"email": {"rae@northwind.test"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("console sign-in: %d", p.status)
	}
	form := rae.get("/console/portals/new")
	var library string
	form.doc.Find(`input[name^="course_"]`).EachWithBreak(func(_ int, sel *goquery.Selection) bool { library, _ = sel.Attr("name"); return false })
	if library == "" {
		t.Fatal("no library course to preinstall")
	}
	bad := rae.post("/console/portals", url.Values{"name": {"Contoso"}, "slug": {"Not A Slug"}, "plan": {"standard"}, "audience": {"customers"}})
	if bad.status != http.StatusUnprocessableEntity || bad.text(`[data-testid="error-slug"]`) == "" || bad.text(`[data-testid="error-admin_email"]`) == "" {
		t.Errorf("a bad portal: %d", bad.status)
	}
	rae.get("/console/portals/new")
	p := rae.post("/console/portals", url.Values{"name": {"Contoso"}, "slug": {"contoso"}, "plan": {"starter"}, "seat_limit": {"30"},
		"audience": {"customers"}, "primary_color": {"#2d6a4f"}, "admin_email": {"chris@contoso.test"}, "admin_name": {"Chris"}, library: {"on"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	contoso, err := s.main.Tenants.FindTenantBySlug(ctx, "contoso")
	if err != nil || contoso.SeatLimit != 30 || contoso.Plan != "starter" || contoso.ResellerID == nil || contoso.Audience != "customers" {
		t.Fatalf("the client portal: %+v %v", contoso, err)
	}
	catalog, err := postgres.NewLearningService(s.db).FindCatalog(ctx, contoso.ID, 0, postgres.CatalogQuery{})
	if err != nil || len(catalog) != 1 || "course_"+catalog[0].Slug != library {
		t.Errorf("the preinstalled catalog: %+v %v", catalog, err)
	}
	if invited := len(storedMailTo(t, s, "chris@contoso.test")); invited != 1 {
		t.Errorf("%d invitations to the client's admin", invited)
	}

	home := rae.get("/console")
	rows := home.doc.Find(`[data-testid="console-portals"] tbody tr`)
	if rows.Length() != 1 || strings.Contains(home.doc.Text(), "Rival Client") {
		t.Errorf("the reseller sees %d portals: %q", rows.Length(), rows.Text())
	}
	// A learner of the client enrols: the usage counts them.
	lee, err := s.main.Users.EnsureUser(ctx, contoso, postgres.NewUser{Email: "lee@contoso.test", Name: "Lee", Password: goodPassword, Roles: []user.Role{user.Learner}}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewLearningService(s.db).Enrol(ctx, contoso.ID, lee.ID, catalog[0].ID, "self"); err != nil {
		t.Fatal(err)
	}
	if got := rae.get("/console").text(`[data-testid="seats-used"]`); got != "1 / 30" {
		t.Errorf("seats used %q, want 1 / 30", got)
	}
	res, body := rae.raw("/console/usage.csv")
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "contoso,Contoso,starter,active,30,1,") || strings.Contains(string(body), "lee@contoso.test") {
		t.Errorf("usage CSV: %d %q", res.StatusCode, body)
	}

	// An account admin creates a portal for partners in their own account.
	demo := fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company"})
	if _, err := console.CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	ari := newClient(t, s, "localhost")
	ari.get("/console/login")
	ari.post("/console/login", url.Values{"email": {"ari@demo.test"}, "password": {goodPassword}})
	ari.get("/console/portals/new")
	if p := ari.post("/console/portals", url.Values{"name": {"Demo Partners"}, "slug": {"demo-partners"}, "audience": {"partners"},
		"admin_email": {"pat@demo.test"}, "admin_name": {"Pat"}}); p.status != http.StatusSeeOther {
		t.Fatalf("account portal: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	partners, _ := s.main.Tenants.FindTenantBySlug(ctx, "demo-partners")
	if partners.AccountID != demo.AccountID || partners.Audience != "partners" {
		t.Errorf("the partners portal belongs to account %d, want %d", partners.AccountID, demo.AccountID)
	}
	if got := ari.get("/console").doc.Find(`[data-testid="console-portals"] tbody tr`).Length(); got != 2 {
		t.Errorf("the account sees %d portals, want its 2", got)
	}
	if p := newClient(t, s, "localhost").get("/console"); p.status != http.StatusSeeOther {
		t.Errorf("the console without signing in: %d", p.status)
	}
}

func TestConsole_AnAccountCopiesACourseAndAResellerChangesSeats(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	demo := fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company", Courses: []fixture.Course{{}}})
	// A second portal of demo's account: a Spec cannot say whose account.
	partners, _ := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "demo-partners", Name: "Demo Partners", AccountID: demo.AccountID}, by)
	stranger := fixture.Build(t, s.db, fixture.Spec{Slug: "stranger", Name: "Stranger"})
	rec := demo.Courses[fixture.ExampleSlug]
	console := postgres.NewConsoleService(s.db)
	console.CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari", goodPassword, by)
	ari := newClient(t, s, "localhost")
	ari.get("/console/login")
	ari.post("/console/login", url.Values{"email": {"ari@demo.test"}, "password": {goodPassword}})
	page := "/console/portals/" + fmt.Sprint(demo.ID)
	ari.get(page)
	if p := ari.post(page+"/copy", url.Values{"course": {fmt.Sprint(rec.ID)}, "target": {fmt.Sprint(stranger.ID)}}); p.status != http.StatusNotFound {
		t.Errorf("copying into another account's portal: %d", p.status)
	}
	if p := ari.get("/console/portals/" + fmt.Sprint(stranger.ID)); p.status != http.StatusNotFound {
		t.Errorf("another account's portal: %d", p.status)
	}
	ari.get(page)
	if p := ari.post(page+"/copy", url.Values{"course": {fmt.Sprint(rec.ID)}, "target": {fmt.Sprint(partners.ID)}}); p.status != http.StatusSeeOther {
		t.Fatalf("copy: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	copied, err := postgresCourses(s).FindCourseBySlug(ctx, partners.ID, rec.Slug)
	if err != nil || copied.Status != "draft" || len(copied.Draft.Modules) != len(rec.Draft.Modules) {
		t.Errorf("the copy: %+v %v", copied.Status, err)
	}
	if p := ari.post(page, url.Values{"seat_limit": {"5"}, "plan": {"starter"}, "status": {"active"}}); p.status != http.StatusForbidden {
		t.Errorf("an account changing its own seats: %d", p.status)
	}

	resellers := postgres.NewResellerService(s.db)
	nw, _ := resellers.EnsureReseller(ctx, "northwind", "Northwind")
	client, _ := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "contoso", Name: "Contoso", ResellerID: &nw.ID}, by)
	console.CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae", goodPassword, by)
	rae := newClient(t, s, "localhost")
	rae.get("/console/login")
	rae.post("/console/login", url.Values{"email": {"rae@northwind.test"}, "password": {goodPassword}})
	cp := "/console/portals/" + fmt.Sprint(client.ID)
	rae.get(cp)
	if p := rae.post(cp, url.Values{"seat_limit": {"many"}, "plan": {"starter"}, "status": {"active"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("bad seats: %d", p.status)
	}
	rae.get(cp)
	if p := rae.post(cp, url.Values{"seat_limit": {"40"}, "plan": {"enterprise"}, "status": {"suspended"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	after, _ := s.main.Tenants.FindTenantBySlug(ctx, "contoso")
	if after.SeatLimit != 40 || after.Plan != "enterprise" || after.Status != tenant.Suspended {
		t.Errorf("the client after the change: %+v", after)
	}
	if p := rae.get("/console/portals/" + fmt.Sprint(demo.ID)); p.status != http.StatusNotFound {
		t.Errorf("a portal that is not the reseller's client: %d", p.status)
	}
}

// White label: a reseller's client portal says it is powered by the
// reseller; a portal of its own says Upward.
func TestWhiteLabel_AClientPortalNamesItsReseller(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	nw, _ := postgres.NewResellerService(s.db).EnsureReseller(ctx, "northwind", "Northwind Learning")
	s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "contoso", Name: "Contoso", ResellerID: &nw.ID}, by)
	fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme"})
	if got := newClient(t, s, "contoso.localhost").get("/login").text("footer"); !strings.Contains(got, "powered by Northwind Learning") || strings.Contains(got, "Upward") {
		t.Errorf("the client's footer: %q", got)
	}
	if got := newClient(t, s, "acme.localhost").get("/login").text("footer"); !strings.Contains(got, "powered by Upward") {
		t.Errorf("an own portal's footer: %q", got)
	}
}

// An account copies a path to another of its portals: the path arrives as
// a draft with the course it lacked; copying it again is a conflict that
// changes nothing, and a path with an unpublished course is not copied.
func TestConsole_AnAccountCopiesAPathWithItsCourses(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	demo := fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company",
		Courses: []fixture.Course{{}, {Slug: "unfinished", Title: "Unfinished", Draft: true}},
		Paths:   []fixture.Path{{Slug: "first-steps", Title: "First steps", Courses: []string{fixture.ExampleSlug}}}})
	// A second portal of demo's account: a Spec cannot say whose account.
	partners, _ := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "demo-partners", Name: "Demo Partners", AccountID: demo.AccountID}, by)
	stranger := fixture.Build(t, s.db, fixture.Spec{Slug: "stranger", Name: "Stranger"})
	rec, draft, path := demo.Courses[fixture.ExampleSlug], demo.Courses["unfinished"], demo.Paths["first-steps"]
	paths := postgres.NewPathService(s.db)
	// A path with a step that opens after the one before: not a Spec's.
	unpublished, err := paths.CreatePath(ctx, demo.ID, course.Path{Slug: "later", Title: "Later", Summary: "Soon.",
		Steps: []course.PathStep{{Course: rec.Slug, Unlock: course.Free}, {Course: draft.Slug, Unlock: course.AfterPrevious}}}, "", false, by)
	if err != nil {
		t.Fatal(err)
	}
	postgres.NewConsoleService(s.db).CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari", goodPassword, by)
	ari := newClient(t, s, "localhost")
	ari.get("/console/login")
	ari.post("/console/login", url.Values{"email": {"ari@demo.test"}, "password": {goodPassword}})
	portalPage := "/console/portals/" + fmt.Sprint(demo.ID)
	copyPath := func(pathID, target int64) page {
		ari.get(portalPage)
		return ari.post(portalPage+"/copy-path", url.Values{"path": {fmt.Sprint(pathID)}, "target": {fmt.Sprint(target)}})
	}
	if p := copyPath(path.ID, stranger.ID); p.status != http.StatusNotFound {
		t.Errorf("into another account's portal: %d", p.status)
	}
	if p := copyPath(unpublished.ID, partners.ID); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), "Unfinished") {
		t.Errorf("a path with an unpublished course: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	if cs, _ := postgresCourses(s).FindCourses(ctx, partners.ID); len(cs) != 0 {
		t.Fatalf("a refused copy left %d courses", len(cs))
	}
	if p := copyPath(path.ID, partners.ID); p.status != http.StatusSeeOther {
		t.Fatalf("copy: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if notice := ari.get(portalPage).text(`[role="status"]`); !strings.Contains(notice, "First steps") || !strings.Contains(notice, rec.Title) {
		t.Errorf("notice %q", notice)
	}
	copied, err := paths.FindPathBySlug(ctx, partners.ID, "first-steps")
	if err != nil || copied.Status != "draft" || len(copied.Steps) != 1 || copied.Steps[0].CourseSlug != rec.Slug || copied.Steps[0].CourseStatus != "draft" {
		t.Errorf("the copied path: %+v %v", copied, err)
	}
	if p := copyPath(path.ID, partners.ID); p.status != http.StatusConflict {
		t.Errorf("copying again: %d", p.status)
	}
	if cs, _ := postgresCourses(s).FindCourses(ctx, partners.ID); len(cs) != 1 {
		t.Errorf("%d courses after copying twice, want 1", len(cs))
	}
}
