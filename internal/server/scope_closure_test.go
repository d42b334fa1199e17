package server_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// grantWords pick out the routes that can create a party or change what
// one may do: people, roles, members, keys, invitations, portals and
// their plans, organisations, statuses and domains.
var grantWords = regexp.MustCompile(`/(users|members|api-keys|invitations|invite|register|profile|portals|accounts|resellers|tenants|status|domains?|roles)(/|$)`)

// grantRoutes says, for every route grantWords picks, why it cannot make
// anyone stronger than the party asking: a case of
// TestScopeClosure_NoPartyGrantsMoreThanItHolds (case:), another test
// (test:), or the reason it grants nothing beyond what its caller holds.
// A new route of this kind fails the test until it is listed here.
var grantRoutes = map[string]string{
	// A portal's people.
	"POST portal /account/profile":                           "case: a learner's profile form cannot give them roles or a status",
	"POST portal /register":                                  "case: registering makes a learner, whatever the form says",
	"POST portal /invitations/accept":                        "case: accepting an invitation gives the invitation's roles, whatever the form says",
	"POST portal /admin/users/invite":                        "admins only (access matrix), and an admin holds every role",
	"POST portal /admin/users/{id}":                          "admins only, who hold every role; test: TestAdmin_RoleChangeEndsThePersonsSessions",
	"POST portal /admin/users/import":                        "admins only, who hold every role; the file is only checked here",
	"POST portal /admin/users/import/confirm":                "admins only, who hold every role; test: TestAdmin_ImportChecksTheCarriedFileAgain",
	"POST portal /admin/users/{id}/erase":                    "removes a person; grants nothing",
	"POST portal /admin/users/{id}/groups":                   "groups carry no permissions",
	"POST portal /admin/users/{id}/password-reset":           "mails the person their own reset link; the admin never sees it",
	"POST portal /admin/users/{id}/groups/{groupID}/remove":  "groups carry no permissions",
	"POST portal /admin/groups/{id}/members":                 "groups carry no permissions",
	"POST portal /admin/groups/{id}/members/{userID}/remove": "groups carry no permissions",
	"POST api /api/v1/users":                                 "case: a users:write key cannot make an admin or an instructor; test: TestScope_AKeyGrantsNoMoreThanItHolds",
	"PATCH api /api/v1/users/{id}":                           "case: a users:write key cannot promote; test: TestScope_AKeyGrantsNoMoreThanItHolds",
	"POST portal /admin/paths/{id}/status":                   "publishes or archives a path; grants nothing",
	"POST portal /sessions/{id}/register":                    "a seat in a live session, for the learner asking",
	"POST api /api/v1/groups/{id}/members":                   "groups carry no permissions",
	"DELETE api /api/v1/groups/{id}/members/{userID}":        "groups carry no permissions",
	// A portal's keys and domains.
	"POST portal /admin/api-keys":                  "admins only, who hold every permission a key can; case: no permission a portal key does not have",
	"POST portal /admin/api-keys/{id}/revoke":      "takes a key away; grants nothing",
	"POST portal /admin/settings/domains":          "test: TestCustomDomains_AResellersBaseDomainIsNotAPortalsToTake (no portal takes a reseller's addresses)",
	"POST portal /admin/settings/domains/withdraw": "gives up a request; grants nothing",
	// Consoles.
	"POST platform /console/api-keys":                "case: an org key holds org permissions only",
	"POST platform /console/api-keys/{id}/revoke":    "takes a key away; grants nothing",
	"POST platform /console/members":                 "invites to the member's own console, whose members are all equal",
	"POST platform /console/members/{id}/remove":     "takes a member away; grants nothing",
	"POST platform /console/invitations/accept":      "joins the console the invitation names, whatever the form says; test: TestConsoleMembers_AnAdminInvitesAColleagueWhoJoinsFromTheMailedLink",
	"POST platform /console/invitations/{id}/cancel": "takes an invitation away; grants nothing",
	"POST platform /console/portals":                 "case: an account's portal gets the account's terms, not the plan and seats it asks for",
	"POST platform /console/portals/{id}":            "case: a reseller cannot lift the operator's suspension; test: TestState_AResellerCannotLiftTheOperatorsSuspension",
	"POST platform /console/portals/{id}/copy":       "copies a course between the org's own portals; grants nothing",
	"POST platform /console/portals/{id}/copy-path":  "copies a path between the org's own portals; grants nothing",
	"POST platform-api /api/v1/portals":              "case: an account's key cannot choose a plan; test: TestProvisioningPortals",
	"PATCH platform-api /api/v1/portals/{id}":        "case: a portals:read key changes nothing; test: TestState_AResellerCannotLiftTheOperatorsSuspension",
	// The operator holds everything there is.
	"POST platform /platform/accounts":                    "operators only, who hold every power",
	"POST platform /platform/accounts/invite":             "operators only, who hold every power",
	"POST platform /platform/accounts/{id}/status":        "operators only, who hold every power",
	"POST platform /platform/resellers":                   "operators only, who hold every power",
	"POST platform /platform/resellers/invite":            "operators only, who hold every power",
	"POST platform /platform/resellers/{id}/domain":       "operators only; test: TestCustomDomains_AResellersBaseDomainIsNotAPortalsToTake",
	"POST platform /platform/resellers/{id}/status":       "operators only, who hold every power",
	"POST platform /platform/tenants":                     "operators only, who hold every power",
	"POST platform /platform/tenants/{id}":                "operators only, who hold every power",
	"POST platform /platform/tenants/{id}/domains/verify": "operators only, who hold every power",
}

// Every route that creates a party or changes its powers is listed with
// why it grants no more than its caller holds, and each test it names
// exists; the cases below prove the ones said to be proved here.
func TestScopeClosure_EveryGrantingRouteIsAccountedFor(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	seen := map[string]bool{}
	for kind, r := range map[string]chi.Router{kindPortal: s.PortalRouter(), kindPlatform: s.PlatformRouter(),
		kindAPI: s.APIRouter(), kindPlatformAPI: s.PlatformAPIRouter(), kindContent: s.ContentRouter()} {
		walk(t, r, func(method, route string) {
			if method == http.MethodGet || method == http.MethodHead || !grantWords.MatchString(route) {
				return
			}
			key := method + " " + kind + " " + route
			seen[key] = true
			if grantRoutes[key] == "" {
				t.Errorf("%s can change who may do what: list it in grantRoutes with a case, a test or the reason it grants nothing", key)
			}
		})
	}
	src := testSources(t)
	for key, why := range grantRoutes {
		if !seen[key] {
			t.Errorf("grantRoutes lists %s, which is no route that grants: remove it", key)
		}
		if strings.HasPrefix(why, "case:") && !strings.Contains(src, "t.Run(\""+key+"\"") {
			t.Errorf("%s says a case proves it, but no case is named after it", key)
		}
		for _, m := range regexp.MustCompile(`test: (Test\w+)`).FindAllStringSubmatch(why, -1) {
			if !strings.Contains(src, "func "+m[1]+"(t *testing.T)") {
				t.Errorf("%s names %s, which does not exist", key, m[1])
			}
		}
	}
}

// testSources is every test file of the repository, to check that a test
// a list names exists.
func testSources(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".data" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			src, err := os.ReadFile(path)
			b.Write(src)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// The cases: each party asks for more than it holds, through the route,
// and gets nothing more.
func TestScopeClosure_NoPartyGrantsMoreThanItHolds(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s := f.s
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	acme := fixture.Build(t, s.db, fixture.Spec{Slug: "initech", Name: "Initech", Plan: "enterprise",
		Settings: tenant.Settings{SelfRegistration: true},
		People:   []fixture.Person{{Email: "lee@initech.test", Name: "Lee"}, {Email: "boss@initech.test", Name: "Boss", Roles: []user.Role{user.Admin}}}})
	rolesOf := func(email string) ([]user.Role, user.Status) {
		t.Helper()
		people, err := s.main.Users.FindUsers(ctx, acme.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range people {
			if u.Email == email {
				return u.Roles, u.Status
			}
		}
		t.Fatalf("no person %s", email)
		return nil, ""
	}
	learnerOnly := func(what, email string) {
		t.Helper()
		if roles, _ := rolesOf(email); !slices.Equal(roles, []user.Role{user.Learner}) {
			t.Errorf("%s: %s holds %v", what, email, roles)
		}
	}
	grab := []string{"admin", "instructor"}

	t.Run("POST portal /account/profile", func(t *testing.T) {
		lee := newClient(t, s, "initech.localhost")
		signIn(lee, "lee@initech.test", goodPassword)
		lee.get("/account")
		lee.post("/account/profile", url.Values{"name": {"Lee"}, "time_zone": {"UTC"}, "roles": grab, "role": grab, "status": {"active"}})
		learnerOnly("the profile form", "lee@initech.test")
	})
	t.Run("POST portal /register", func(t *testing.T) {
		anon := newClient(t, s, "initech.localhost")
		anon.get("/register")
		if p := anon.post("/register", url.Values{"name": {"Reg"}, "email": {"reg@initech.test"}, "password": {goodPassword},
			"roles": grab, "role": grab}); p.status != http.StatusOK {
			t.Fatalf("register: %d %s", p.status, p.text("main"))
		}
		learnerOnly("registration", "reg@initech.test")
	})
	t.Run("POST portal /invitations/accept", func(t *testing.T) {
		if _, err := s.main.Users.Invite(ctx, acme.Tenant, postgres.Invitation{Email: "ivy@initech.test", Name: "Ivy", Roles: []user.Role{user.Learner}}, by); err != nil {
			t.Fatal(err)
		}
		link := mailedLink(t, s, "ivy@initech.test", "/invitations/accept")
		token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/invitations/accept?token="))
		ivy := newClient(t, s, "initech.localhost")
		ivy.get(link)
		if p := ivy.post("/invitations/accept", url.Values{"token": {token}, "name": {"Ivy"}, "password": {goodPassword},
			"roles": grab, "role": grab}); p.status != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", p.status, p.text("main"))
		}
		learnerOnly("the accepted invitation", "ivy@initech.test")
	})
	portalAPI := newClient(t, s, "initech.localhost")
	t.Run("POST api /api/v1/users", func(t *testing.T) {
		_, narrow, err := postgres.NewAPIKeyService(s.db).CreatePortalKey(ctx, acme.ID, "Narrow", []apikey.Permission{apikey.UsersWrite}, by)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := portalAPI.callAPI("POST", "/api/v1/users", narrow, map[string]any{"email": "eve@initech.test", "name": "Eve", "roles": grab}); status != http.StatusForbidden {
			t.Errorf("a users:write key inviting an admin: %d", status)
		}
		if people, _ := s.main.Users.FindUsers(ctx, acme.ID, 100); slices.ContainsFunc(people, func(u user.User) bool { return u.Email == "eve@initech.test" }) {
			t.Error("the refused invitation made a person")
		}
	})
	t.Run("PATCH api /api/v1/users/{id}", func(t *testing.T) {
		_, narrow, err := postgres.NewAPIKeyService(s.db).CreatePortalKey(ctx, acme.ID, "Narrow too", []apikey.Permission{apikey.UsersWrite}, by)
		if err != nil {
			t.Fatal(err)
		}
		lee := fmt.Sprint(acme.Person(t, "lee@initech.test").ID)
		if status, _ := portalAPI.callAPI("PATCH", "/api/v1/users/"+lee, narrow, map[string]any{"roles": grab}); status != http.StatusForbidden {
			t.Errorf("a users:write key promoting a learner: %d", status)
		}
		learnerOnly("the narrow key's attempt", "lee@initech.test")
	})
	t.Run("POST portal /admin/api-keys", func(t *testing.T) {
		boss := newClient(t, s, "initech.localhost")
		signIn(boss, "boss@initech.test", goodPassword)
		boss.get("/admin/api-keys")
		if p := boss.post("/admin/api-keys", url.Values{"name": {"Org"}, "permissions": {"portals:write"}}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("a portal key holding an org permission: %d", p.status)
		}
	})

	rae := consoleClient(t, s, "rae@northwind.test")
	t.Run("POST platform /console/api-keys", func(t *testing.T) {
		rae.get("/console/api-keys")
		if p := rae.post("/console/api-keys", url.Values{"name": {"Wide"}, "permissions": {"users:write", "portals:read"}}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("an org key holding a portal permission: %d", p.status)
		}
	})
	t.Run("POST platform /console/portals", func(t *testing.T) {
		if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(ctx, "initech", "", "ari@initech.test", "Ari", goodPassword, by); err != nil {
			t.Fatal(err)
		}
		ari := consoleClient(t, s, "ari@initech.test")
		ari.get("/console/portals/new")
		p := ari.post("/console/portals", url.Values{"slug": {"initech-two"}, "name": {"Initech Two"}, "admin_email": {"a@initech.test"},
			"admin_name": {"A"}, "plan": {"enterprise"}, "seat_limit": {"100000"}})
		two, err := s.main.Tenants.FindTenantBySlug(ctx, "initech-two")
		if err != nil {
			t.Fatalf("the account's new portal: %d %s: %v", p.status, p.text("main"), err)
		}
		if two.SeatLimit == 100000 {
			t.Errorf("an account chose its portal's seats: %s, %d seats", two.Plan, two.SeatLimit)
		}
	})
	t.Run("POST platform /console/portals/{id}", func(t *testing.T) {
		c, err := s.main.Tenants.FindTenantBySlug(ctx, "contoso")
		if err != nil {
			t.Fatal(err)
		}
		if err := c.ChangeStatus(tenant.Suspended, tenant.ByOperator); err != nil {
			t.Fatal(err)
		}
		if _, err := s.main.Tenants.UpdateTenant(ctx, c, by); err != nil {
			t.Fatal(err)
		}
		portal := "/console/portals/" + fmt.Sprint(c.ID)
		rae.get(portal)
		rae.post(portal, url.Values{"seat_limit": {"100"}, "plan": {"standard"}, "status": {"active"}})
		if after, _ := s.main.Tenants.FindTenantBySlug(ctx, "contoso"); after.Status != tenant.Suspended {
			t.Errorf("the reseller lifted the operator's suspension: %s", after.Status)
		}
		c.ChangeStatus(tenant.Active, tenant.ByOperator)
		if _, err := s.main.Tenants.UpdateTenant(ctx, c, by); err != nil {
			t.Fatal(err)
		}
	})
	platformAPI := newClient(t, s, "localhost")
	t.Run("POST platform-api /api/v1/portals", func(t *testing.T) {
		_, key, err := postgres.NewAPIKeyService(s.db).CreateOrgKey(ctx, postgres.Org{AccountID: &acme.AccountID}, consoleMemberID(t, s, "ari@initech.test"),
			"Write", []apikey.Permission{apikey.PortalsWrite}, by)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := platformAPI.callAPI("POST", "/api/v1/portals", key, map[string]any{"slug": "initech-three", "name": "Three",
			"admin_email": "a@initech.test", "plan": "enterprise", "seat_limit": 100000}); status != http.StatusUnprocessableEntity {
			t.Errorf("an account's key choosing its portal's plan: %d", status)
		}
		if _, err := s.main.Tenants.FindTenantBySlug(ctx, "initech-three"); err == nil {
			t.Error("the refused portal was made")
		}
	})
	memberID := consoleMemberID(t, s, "rae@northwind.test")
	t.Run("PATCH platform-api /api/v1/portals/{id}", func(t *testing.T) {
		_, read, err := postgres.NewAPIKeyService(s.db).CreateOrgKey(ctx, postgres.Org{ResellerID: &f.reseller.ID}, memberID,
			"Read", []apikey.Permission{apikey.PortalsRead}, by)
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/portals/" + fmt.Sprint(f.contoso.ID)
		if status, _ := platformAPI.callAPI("PATCH", path, read, map[string]any{"seat_limit": 100000, "plan": "enterprise"}); status != http.StatusForbidden {
			t.Errorf("a portals:read key raising seats: %d", status)
		}
		if c, _ := s.main.Tenants.FindTenantBySlug(ctx, "contoso"); c.SeatLimit == 100000 {
			t.Error("the seats were raised")
		}
	})
}

func consoleMemberID(t *testing.T, s *testServer, email string) int64 {
	t.Helper()
	var id int64
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT id FROM console_members WHERE email = $1`, email).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
