package server_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// goodPassword is every fixture person's password.
const goodPassword = fixture.Password

// The people most tests share: Ana, a learner of acme (twoPortals makes
// her), and Boss, acme's administrator (withAdmin), whom adminClient signs
// in.
var (
	anaOfAcme  = fixture.Person{Email: "ana@acme.test", Name: "Ana"}
	bossOfAcme = fixture.Person{Email: "boss@acme.test", Name: "Acme Boss", Roles: []user.Role{user.Admin}}
)

// portalsSpec adds to what twoPortals' portals hold before they are built.
type portalsSpec func(acme, globex *fixture.Spec)

// withAdmin gives acme its administrator, Boss.
func withAdmin(acme, _ *fixture.Spec) { acme.People = append(acme.People, bossOfAcme) }

// withExample puts the example course into acme, published.
func withExample(acme, _ *fixture.Spec) { acme.Courses = append(acme.Courses, fixture.Course{}) }

// twoPortals makes acme (self-registration open) and globex, with one
// learner in acme, on a new server; more adds to them.
func twoPortals(t *testing.T, more ...portalsSpec) (*testServer, fixture.Portal, fixture.Portal) {
	t.Helper()
	return twoPortalsOn(t, newServer(t, nil), more...)
}

// twoPortalsOn makes twoPortals' portals on s.
func twoPortalsOn(t *testing.T, s *testServer, more ...portalsSpec) (*testServer, fixture.Portal, fixture.Portal) {
	t.Helper()
	acme := fixture.Spec{Slug: "acme", Name: "Acme", Settings: tenant.Settings{SelfRegistration: true}, People: []fixture.Person{anaOfAcme}}
	globex := fixture.Spec{Slug: "globex", Name: "Globex"}
	for _, m := range more {
		m(&acme, &globex)
	}
	return s, fixture.Build(t, s.db, acme), fixture.Build(t, s.db, globex)
}

func signIn(c *client, email, password string) page {
	c.t.Helper()
	c.get("/login")
	return c.post("/login", url.Values{"email": {email}, "password": {password}})
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)

	t.Run("OnItsOwnPortal", func(t *testing.T) {
		c := newClient(t, s, "acme.localhost")
		if p := signIn(c, "ANA@acme.test", goodPassword); p.status != http.StatusSeeOther {
			t.Fatalf("sign-in: status %d, want 303", p.status)
		}
		if got := c.get("/account").text(`[data-testid="account-email"]`); got != "ana@acme.test" {
			t.Errorf("account page shows %q", got)
		}
	})
	t.Run("NotOnAnotherPortalWithTheSameCredentials", func(t *testing.T) {
		c := newClient(t, s, "globex.localhost")
		p := signIn(c, "ana@acme.test", goodPassword)
		if p.status != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", p.status)
		}
	})
	t.Run("ASessionOfOnePortalIsWorthlessOnAnother", func(t *testing.T) {
		acme := newClient(t, s, "acme.localhost")
		signIn(acme, "ana@acme.test", goodPassword)
		globex := newClient(t, s, "globex.localhost")
		u, _ := url.Parse(acme.base)
		g, _ := url.Parse(globex.base)
		globex.hc.Jar.SetCookies(g, acme.hc.Jar.Cookies(u)) // a stolen or replayed cookie
		if p := globex.get("/account"); p.status != http.StatusSeeOther {
			t.Errorf("acme's session on globex: status %d, want a redirect to sign in", p.status)
		}
	})
	t.Run("WrongPasswordAndUnknownAddressGetTheSameAnswer", func(t *testing.T) {
		c := newClient(t, s, "acme.localhost")
		wrong := signIn(c, "ana@acme.test", "not the password at all")
		unknown := signIn(c, "nobody@acme.test", "not the password at all")
		if wrong.status != unknown.status || wrong.text(`[data-testid="form-error"]`) != unknown.text(`[data-testid="form-error"]`) {
			t.Errorf("answers differ: %d %q / %d %q", wrong.status, wrong.text(`[data-testid="form-error"]`), unknown.status, unknown.text(`[data-testid="form-error"]`))
		}
	})
	t.Run("RenewsTheSessionToken", func(t *testing.T) {
		c := newClient(t, s, "acme.localhost")
		c.get("/login")
		u, _ := url.Parse(c.base)
		before := sessionCookie(c.hc.Jar.Cookies(u))
		c.post("/login", url.Values{"email": {"ana@acme.test"}, "password": {goodPassword}})
		after := sessionCookie(c.hc.Jar.Cookies(u))
		if before == "" || after == "" || before == after {
			t.Errorf("session token before %q, after %q: want a new one", before, after)
		}
	})
	t.Run("SignOutDestroysTheSession", func(t *testing.T) {
		c := newClient(t, s, "acme.localhost")
		signIn(c, "ana@acme.test", goodPassword)
		c.get("/account")
		u, _ := url.Parse(c.base)
		token := sessionCookie(c.hc.Jar.Cookies(u))
		if p := c.post("/logout", nil); p.status != http.StatusSeeOther {
			t.Fatalf("logout: %d", p.status)
		}
		var n int
		owner := ownerConn(t, s)
		if err := owner.QueryRow(context.Background(), "SELECT count(*) FROM sessions WHERE token = $1", token).Scan(&n); err != nil || n != 0 {
			t.Errorf("session row still there after sign-out (%d, %v)", n, err)
		}
		if p := c.get("/account"); p.status != http.StatusSeeOther {
			t.Errorf("account after sign-out: %d, want redirect", p.status)
		}
	})
	t.Run("SignOutEverywhereEndsOtherSessions", func(t *testing.T) {
		laptop := newClient(t, s, "acme.localhost")
		phone := newClient(t, s, "acme.localhost")
		signIn(laptop, "ana@acme.test", goodPassword)
		signIn(phone, "ana@acme.test", goodPassword)
		laptop.get("/account")
		laptop.post("/account/sign-out-everywhere", nil)
		if p := phone.get("/account"); p.status != http.StatusSeeOther {
			t.Errorf("phone still signed in: %d", p.status)
		}
	})
}

func sessionCookie(cs []*http.Cookie) string {
	for _, c := range cs {
		if c.Name == "upward_session" {
			return c.Value
		}
	}
	return ""
}

func ownerConn(t *testing.T, s *testServer) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.main.Config.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	c.get("/login")
	for name, token := range map[string]string{"Missing": "", "Wrong": "forged-token"} {
		t.Run(name+"TokenIsRefused", func(t *testing.T) {
			p := c.post("/login", url.Values{"email": {"ana@acme.test"}, "password": {goodPassword}, "csrf_token": {token}})
			if p.status != http.StatusForbidden || !strings.Contains(p.doc.Text(), "Reload the page") {
				t.Errorf("status %d, want 403 asking to reload", p.status)
			}
		})
	}
	t.Run("ValidTokenIsAccepted", func(t *testing.T) {
		c.get("/login")
		if p := c.post("/login", url.Values{"email": {"ana@acme.test"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
			t.Errorf("status %d, want 303", p.status)
		}
	})
}

func TestSignIn_SixthWrongPasswordInAMinuteIsThrottled(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	c.get("/login")
	for i := 1; i <= 5; i++ {
		if p := c.post("/login", url.Values{"email": {"ana@acme.test"}, "password": {"wrong password " + string(rune('0'+i))}}); p.status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i, p.status)
		}
	}
	p := c.post("/login", url.Values{"email": {"ana@acme.test"}, "password": {goodPassword}})
	if p.status != http.StatusTooManyRequests {
		t.Fatalf("6th attempt: status %d, want 429", p.status)
	}
	if p.header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
	t.Run("OtherAccountsAreNotLockedOut", func(t *testing.T) {
		other := newClient(t, s, "acme.localhost")
		other.get("/login")
		if p := other.post("/login", url.Values{"email": {"someone@acme.test"}, "password": {"whatever it is"}}); p.status == http.StatusTooManyRequests {
			t.Error("another account was throttled too")
		}
	})
}

func TestRegister_BadInputChangesNothing(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	owner := ownerConn(t, s)
	count := func() (n int) {
		owner.QueryRow(context.Background(), `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE slug = 'acme'), false)`).Scan(new(string))
		owner.QueryRow(context.Background(), "SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM user_tokens) + (SELECT count(*) FROM audit_events) + (SELECT count(*) FROM mail_outbox)").Scan(&n)
		return n
	}
	before := count()
	cases := []struct {
		name, field string
		form        url.Values
	}{
		{"MalformedEmail", "email", url.Values{"name": {"Bo"}, "email": {"bo@"}, "password": {goodPassword}}},
		{"NameOf300Characters", "name", url.Values{"name": {strings.Repeat("n", 300)}, "email": {"bo@acme.test"}, "password": {goodPassword}}},
		{"ShortPassword", "password", url.Values{"name": {"Bo"}, "email": {"bo@acme.test"}, "password": {"short"}}},
		{"CommonPassword", "password", url.Values{"name": {"Bo"}, "email": {"bo@acme.test"}, "password": {"1234567890"}}},
	}
	c := newClient(t, s, "acme.localhost")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.get("/register")
			p := c.post("/register", tc.form)
			if p.status != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", p.status)
			}
			if p.text(`[data-testid="error-`+tc.field+`"]`) == "" {
				t.Errorf("no message at the %s field", tc.field)
			}
			if got, _ := p.doc.Find(`input[name="email"]`).Attr("value"); tc.field != "email" && got != tc.form.Get("email") {
				t.Errorf("the form lost the typed address: %q", got)
			}
			if after := count(); after != before {
				t.Errorf("rows changed: %d -> %d", before, after)
			}
		})
	}
}

// mailedLink finds the newest mail to addr in the outbox and returns the
// path and query of the link in it that starts with prefix.
// storedMailTo is the stored mail to addr, oldest first, whichever portal
// (or the platform) sent it.
func storedMailTo(t *testing.T, s *testServer, addr string) []postgres.OutboxMessage {
	t.Helper()
	msgs, err := s.db.FindOutboxMessages(context.Background(), 5000)
	if err != nil {
		t.Fatal(err)
	}
	var out []postgres.OutboxMessage
	for _, m := range slices.Backward(msgs) {
		if m.To == addr {
			out = append(out, m)
		}
	}
	return out
}

func mailedLink(t *testing.T, s *testServer, addr, prefix string) string {
	t.Helper()
	msgs, err := s.db.FindOutboxMessages(context.Background(), 50)
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`https?://[^/\s]+(` + regexp.QuoteMeta(prefix) + `[^\s"<]*)`)
	for _, m := range msgs {
		if m.To == addr {
			if match := re.FindStringSubmatch(m.Text); match != nil {
				return match[1]
			}
		}
	}
	t.Fatalf("no mail to %s with a %s link", addr, prefix)
	return ""
}

func TestRegisterVerifyAndSignIn(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	c.get("/register")
	if p := c.post("/register", url.Values{"name": {"Bo Lind"}, "email": {"bo@acme.test"}, "password": {goodPassword}}); p.status != http.StatusOK {
		t.Fatalf("register: %d", p.status)
	}
	if p := signIn(c, "bo@acme.test", goodPassword); p.status != http.StatusForbidden {
		t.Errorf("sign-in before verifying: %d, want 403", p.status)
	}
	link := mailedLink(t, s, "bo@acme.test", "/verify-email")
	if p := c.get(link); p.status != http.StatusSeeOther {
		t.Fatalf("verify: %d", p.status)
	}
	t.Run("TheLinkWorksOnce", func(t *testing.T) {
		if p := c.get(link); p.status != http.StatusGone {
			t.Errorf("second use: %d, want 410", p.status)
		}
	})
	if p := signIn(c, "bo@acme.test", goodPassword); p.status != http.StatusSeeOther {
		t.Errorf("sign-in after verifying: %d", p.status)
	}
	t.Run("RegisteringAnExistingAddressLooksTheSame", func(t *testing.T) {
		c := newClient(t, s, "acme.localhost")
		c.get("/register")
		p := c.post("/register", url.Values{"name": {"Imposter"}, "email": {"ANA@acme.test"}, "password": {goodPassword}})
		if p.status != http.StatusOK || !strings.Contains(p.text(`[data-testid="message-title"]`), "Check your inbox") {
			t.Errorf("duplicate registration answered differently: %d", p.status)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	c.get("/password/forgot")
	c.post("/password/forgot", url.Values{"email": {"ana@acme.test"}})
	link := mailedLink(t, s, "ana@acme.test", "/password/reset")
	token := strings.TrimPrefix(link, "/password/reset?token=")

	c.get(link)
	if p := c.post("/password/reset", url.Values{"token": {token}, "password": {"a brand new password"}}); p.status != http.StatusSeeOther {
		t.Fatalf("reset: %d", p.status)
	}
	if p := signIn(c, "ana@acme.test", "a brand new password"); p.status != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: %d", p.status)
	}
	t.Run("TheTokenWorksOnce", func(t *testing.T) {
		c.get(link)
		p := c.post("/password/reset", url.Values{"token": {token}, "password": {"yet another password"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="form-error"]`) == "" {
			t.Errorf("second use: %d, want 422 with a message", p.status)
		}
	})
	t.Run("AnExpiredTokenIsRefused", func(t *testing.T) {
		c.post("/password/forgot", url.Values{"email": {"ana@acme.test"}})
		link := mailedLink(t, s, "ana@acme.test", "/password/reset")
		owner := ownerConn(t, s)
		// Even the tables' owner sees a tenant's rows only with the tenant set.
		if _, err := owner.Exec(context.Background(), `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE slug = 'acme'), false)`); err != nil {
			t.Fatal(err)
		}
		tag, err := owner.Exec(context.Background(), "UPDATE user_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
		if err != nil || tag.RowsAffected() != 1 {
			t.Fatalf("expiring the token: %v, %d rows", err, tag.RowsAffected())
		}
		c.get(link)
		p := c.post("/password/reset", url.Values{"token": {strings.TrimPrefix(link, "/password/reset?token=")}, "password": {"yet another password"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("expired token: %d, want 422", p.status)
		}
	})
	t.Run("UnknownAddressLooksTheSame", func(t *testing.T) {
		c.get("/password/forgot")
		known := c.post("/password/forgot", url.Values{"email": {"ana@acme.test"}})
		unknown := c.post("/password/forgot", url.Values{"email": {"ghost@acme.test"}})
		if known.status != unknown.status || known.text("h1") != unknown.text("h1") {
			t.Error("the answer tells whether the address has an account")
		}
	})
}

func TestTenantRowsAreInvisibleOutsideATenantTransaction(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t)
	ctx := context.Background()
	var outside, inside int
	s.db.InTx(ctx, func(tx *postgres.Tx) error { return tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&outside) })
	s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error { return tx.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&inside) })
	if outside != 0 || inside != 1 {
		t.Errorf("users seen: %d outside a tenant, %d inside acme; want 0 and 1", outside, inside)
	}
}

func TestChangeEmail(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	signIn(c, "ana@acme.test", goodPassword)
	c.get("/account")
	t.Run("WrongPasswordIsAFieldError", func(t *testing.T) {
		p := c.post("/account/email", url.Values{"email": {"ana.new@acme.test"}, "email_password": {"not my password"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-email_password"]`) == "" {
			t.Errorf("status %d", p.status)
		}
	})
	if p := c.post("/account/email", url.Values{"email": {"ana.new@acme.test"}, "email_password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("request: %d", p.status)
	}
	if got := c.get("/account").text(`[data-testid="account-email"]`); got != "ana@acme.test" {
		t.Errorf("the address changed before confirmation: %q", got)
	}
	link := mailedLink(t, s, "ana.new@acme.test", "/account/email/confirm")
	if p := c.get(link); p.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d", p.status)
	}
	if got := c.get("/account").text(`[data-testid="account-email"]`); got != "ana.new@acme.test" {
		t.Errorf("address after confirming: %q", got)
	}
	if p := signIn(newClient(t, s, "acme.localhost"), "ana@acme.test", goodPassword); p.status != http.StatusUnauthorized {
		t.Errorf("the old address still signs in: %d", p.status)
	}
}

func TestProfile_TimeZone(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	signIn(c, "ana@acme.test", goodPassword)
	c.get("/account")
	p := c.post("/account/profile", url.Values{"name": {"Ana"}, "time_zone": {"Nowhere/Land"}})
	if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-time_zone"]`) == "" {
		t.Errorf("bad zone: %d", p.status)
	}
	if p := c.post("/account/profile", url.Values{"name": {"Ana Costa"}, "time_zone": {"America/Sao_Paulo"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	if v, _ := c.get("/account").doc.Find(`input[name="time_zone"]`).Attr("value"); v != "America/Sao_Paulo" {
		t.Errorf("time zone after saving: %q", v)
	}
}

// A session ends after eight hours without a request, however long it has
// been in use; requests a few minutes apart do not write it back each time.
func TestSession_EndsAfterEightIdleHours(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	start := time.Now()
	clock := start
	s.db.Now = func() time.Time { return clock }
	t.Cleanup(func() { s.db.Now = time.Now })
	c := newClient(t, s, "acme.localhost")
	signIn(c, "ana@acme.test", goodPassword)
	stored := func() []byte {
		t.Helper()
		var data []byte
		if err := s.db.Pool.QueryRow(context.Background(), `SELECT data FROM sessions ORDER BY expiry DESC LIMIT 1`).Scan(&data); err != nil {
			t.Fatal(err)
		}
		return data
	}
	c.get("/account")
	written := stored()
	clock = start.Add(4 * time.Minute)
	if p := c.get("/account"); p.status != http.StatusOK {
		t.Fatalf("4 minutes on: %d", p.status)
	}
	if !bytes.Equal(stored(), written) {
		t.Error("a request 4 minutes after the last wrote the session back")
	}
	for _, at := range []time.Duration{7 * time.Hour, 14 * time.Hour} {
		clock = start.Add(at)
		if p := c.get("/account"); p.status != http.StatusOK {
			t.Fatalf("%s on, 7 hours after the last request: %d", at, p.status)
		}
	}
	clock = start.Add(14*time.Hour + 8*time.Hour + time.Minute)
	if p := c.get("/account"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/login") {
		t.Errorf("8 idle hours on: %d %s, want the sign-in page", p.status, p.header.Get("Location"))
	}
}
