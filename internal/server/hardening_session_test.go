package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// formSession opens a form page as a browser would and returns the
// session cookie it set and the form's CSRF token, for requests sent
// straight to the handler (a production server's cookie is Secure, which
// the test client keeps off plain HTTP).
func formSession(t *testing.T, s *testServer, host, path string) (cookie *http.Cookie, token string) {
	t.Helper()
	res := serve(s, http.MethodGet, host, path, "")
	for _, c := range res.Cookies() {
		if c.Name == "upward_session" || c.Name == "__Host-upward_session" {
			cookie = c
		}
	}
	token, _ = document(t, res).Find(`input[name="csrf_token"]`).Attr("value")
	if cookie == nil || token == "" {
		t.Fatalf("GET %s%s: no session cookie or CSRF token", host, path)
	}
	return cookie, token
}

// Every kind of error answer carries the security headers too, in
// development and (with HSTS) in production: 404s of each host, 405, a
// panic's 500, 413, CSRF and cross-site 403s, the API's problems, both
// rate limits' 429s.
func TestSecurityHeaders_OnEveryErrorAnswer(t *testing.T) {
	// Serial: its production server sets the process-wide password hash cost to the standard one.
	for _, env := range []string{config.EnvDev, config.EnvProd} {
		t.Run(env, func(t *testing.T) {
			s := newServer(t, func(c *config.Config) { c.Env = env; c.APIRateLimit = 1 })
			ctx := context.Background()
			acme := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme"})
			_, key, err := postgres.NewAPIKeyService(s.db).CreatePortalKey(ctx, acme.ID, "Users", []apikey.Permission{apikey.UsersRead}, postgres.AuditActor{Label: "test"})
			if err != nil {
				t.Fatal(err)
			}
			s.Router().Get("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
			cookie, token := formSession(t, s, "acme.localhost", "/login")
			// In production the session cookie is a __Host- one: only this
			// host sets it, so a sibling host (the content host) cannot.
			if prod := env == config.EnvProd; prod != (cookie.Name == "__Host-upward_session") ||
				prod && (!cookie.Secure || cookie.Path != "/" || cookie.Domain != "") {
				t.Errorf("%s: the session cookie is %s, Secure %v, Path %q, Domain %q", env, cookie.Name, cookie.Secure, cookie.Path, cookie.Domain)
			}
			withSession := []string{"Cookie", cookie.Name + "=" + cookie.Value, "Content-Type", "application/x-www-form-urlencoded"}
			bearer := []string{"Authorization", "Bearer " + key}

			cases := []struct {
				name, method, host, path, body string
				header                         []string
				want                           int
			}{
				{"PortalNotFound", "GET", "acme.localhost", "/no-such-page", "", nil, 404},
				{"PlatformNotFound", "GET", "localhost", "/no-such-page", "", nil, 404},
				{"NoPortalAtThisHost", "GET", "nowhere.localhost", "/", "", nil, 404},
				{"APINotFound", "GET", "acme.localhost", "/api/v1/nothing", "", bearer, 404},
				{"ContentHostNotFound", "GET", "content.localhost", "/nothing", "", nil, 404},
				{"BadLaunchToken", "GET", "content.localhost", "/scorm/forged/launch", "", nil, 404},
				{"MethodNotAllowed", "GET", "acme.localhost", "/logout", "", nil, 405},
				{"APIMethodNotAllowed", "DELETE", "acme.localhost", "/api/v1/openapi.json", "", nil, 405},
				{"Panic", "GET", "localhost", "/boom", "", nil, 500},
				{"TooLarge", "POST", "acme.localhost", "/login", "email=" + strings.Repeat("a", 2<<20), withSession, 413},
				{"CSRFTokenMissing", "POST", "acme.localhost", "/login", "email=ana%40acme.test", withSession, 403},
				{"CrossSite", "POST", "acme.localhost", "/login", "csrf_token=" + token, append([]string{"Sec-Fetch-Site", "cross-site"}, withSession...), 403},
				{"APIWithoutKey", "GET", "acme.localhost", "/api/v1/users", "", nil, 401},
				{"APIKeyOfTheWrongPermission", "GET", "acme.localhost", "/api/v1/groups", "", bearer, 403},
				// The limit is 1 a minute: the request above used it.
				{"APIRateLimited", "GET", "acme.localhost", "/api/v1/users", "", bearer, 429},
			}
			for i := range 6 {
				cases = append(cases, struct {
					name, method, host, path, body string
					header                         []string
					want                           int
				}{"SignInThrottled" + strconv.Itoa(i), "POST", "acme.localhost", "/login", "email=ana%40acme.test&password=wrong+password&csrf_token=" + token, withSession, []int{401, 401, 401, 401, 401, 429}[i]})
			}
			for _, tc := range cases {
				res := serve(s, tc.method, tc.host, tc.path, tc.body, tc.header...)
				if res.StatusCode != tc.want {
					t.Errorf("%s: status %d, want %d", tc.name, res.StatusCode, tc.want)
				}
				checkSecureHeaders(t, answer{what: tc.name, header: res.Header}, env == config.EnvProd)
			}
		})
	}
}

// The session cookie is for our scripts-free server only (HttpOnly), is
// not sent with another site's forms (SameSite=Lax), travels over HTTPS
// only in production (Secure), and belongs to the host that set it (no
// Domain: a portal's cookie never reaches another portal or the content
// host).
func TestSessionCookie_Flags(t *testing.T) {
	// Serial: its production server sets the process-wide password hash cost to the standard one.
	for _, env := range []string{config.EnvDev, config.EnvProd} {
		t.Run(env, func(t *testing.T) {
			s := newServer(t, func(c *config.Config) { c.Env = env })
			fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme"})
			for _, at := range []struct{ host, path string }{{"acme.localhost", "/login"}, {"localhost", "/console/login"}, {"localhost", "/platform/login"}} {
				c, _ := formSession(t, s, at.host, at.path)
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != (env == config.EnvProd) {
					t.Errorf("%s%s: cookie HttpOnly=%v SameSite=%v Path=%q Domain=%q Secure=%v", at.host, at.path, c.HttpOnly, c.SameSite, c.Path, c.Domain, c.Secure)
				}
				if c.MaxAge != 0 && c.MaxAge > int((24*time.Hour).Seconds()) {
					t.Errorf("%s%s: cookie lives %d s, longer than the session", at.host, at.path, c.MaxAge)
				}
			}
		})
	}
}

// The session token changes at every sign-in (portal: TestSignIn), so a
// token planted or seen before is worthless after, and when a person's
// privileges change: their other sessions end, and their own, if they
// changed their own roles, goes on with a new token.
func TestSession_RenewedAtSignInAndPrivilegeChange(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	by := postgres.AuditActor{Label: "test"}
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(context.Background(), "acme", "", "cm@acme.test", "Cam", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewOperatorService(s.db).CreateOperator(context.Background(), "op@upward.test", "Olu", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	token := func(c *client) string {
		u, _ := url.Parse(c.base)
		return sessionCookie(c.hc.Jar.Cookies(u))
	}
	for _, signin := range []struct{ name, path, email string }{
		{"ConsoleSignIn", "/console/login", "cm@acme.test"},
		{"OperatorSignIn", "/platform/login", "op@upward.test"},
	} {
		t.Run(signin.name, func(t *testing.T) {
			c := newClient(t, s, "localhost")
			c.get(signin.path)
			before := token(c)
			if p := c.post(signin.path, url.Values{"email": {signin.email}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", p.status)
			}
			if after := token(c); before == "" || after == "" || after == before {
				t.Errorf("token before %q, after %q: want a new one", before, after)
			}
		})
	}

	boss, ana := acme.Person(t, "boss@acme.test"), acme.Person(t, "ana@acme.test")
	admin := adminClient(t, s)
	learner := newClient(t, s, "acme.localhost")
	signIn(learner, "ana@acme.test", goodPassword)
	t.Run("ARoleChangeEndsThePersonsSessions", func(t *testing.T) {
		admin.get("/admin/users/" + strconv.FormatInt(ana.ID, 10))
		p := admin.post("/admin/users/"+strconv.FormatInt(ana.ID, 10), url.Values{"name": {"Ana"}, "roles": {"learner", "instructor"}, "status": {"active"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("role change: %d", p.status)
		}
		if p := learner.get("/account"); p.status != http.StatusSeeOther {
			t.Errorf("Ana's session after her roles changed: %d, want the sign-in page", p.status)
		}
	})
	t.Run("ChangingOnesOwnRolesRenewsTheToken", func(t *testing.T) {
		admin.get("/admin/users/" + strconv.FormatInt(boss.ID, 10))
		before := token(admin)
		p := admin.post("/admin/users/"+strconv.FormatInt(boss.ID, 10), url.Values{"name": {"Boss"}, "roles": {"admin", "instructor"}, "status": {"active"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("role change: %d", p.status)
		}
		if after := token(admin); after == before {
			t.Error("the token did not change with the roles")
		}
		if p := admin.get("/admin"); p.status != http.StatusOK {
			t.Errorf("after changing own roles: %d, want still signed in", p.status)
		}
	})
}

// However busy, a session ends 24 hours after its sign-in: requests every
// few hours keep it from going idle, not alive for ever. The server's
// clock moves, as in TestSession_EndsAfterEightIdleHours.
func TestSession_EndsTwentyFourHoursAfterSignInHoweverBusy(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	if _, err := postgres.NewOperatorService(s.db).CreateOperator(context.Background(), "op@upward.test", "Olu", goodPassword, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	clock := start
	s.db.Now = func() time.Time { return clock }
	t.Cleanup(func() { s.db.Now = time.Now })
	for _, who := range []struct {
		name, host, signIn, email, page, signInPage string
	}{
		{"PortalUser", "acme.localhost", "/login", "ana@acme.test", "/account", "/login"},
		{"Operator", "localhost", "/platform/login", "op@upward.test", "/platform", "/platform/login"},
	} {
		t.Run(who.name, func(t *testing.T) {
			clock = start
			c := newClient(t, s, who.host)
			c.get(who.signIn)
			if p := c.post(who.signIn, url.Values{"email": {who.email}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", p.status)
			}
			for at := time.Duration(0); at <= 23*time.Hour+50*time.Minute; at += 230 * time.Minute {
				clock = start.Add(at)
				if p := c.get(who.page); p.status != http.StatusOK {
					t.Fatalf("%s after sign-in, a request every 4 hours: %d", at, p.status)
				}
			}
			clock = start.Add(24*time.Hour + time.Minute)
			if p := c.get(who.page); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), who.signInPage) {
				t.Errorf("24 hours after sign-in: %d %s, want the sign-in page", p.status, p.header.Get("Location"))
			}
		})
	}
}
