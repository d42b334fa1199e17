package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// Two server processes on one database serve one person's session in
// turn: sign-in on one, pages and a form on the other, and back. Nothing
// of a session lives in a process (sessions, CSRF secrets and jobs are in
// PostgreSQL), so app servers can sit behind a load balancer.
func TestTwoServersServeOneSessionInTurn(t *testing.T) {
	t.Parallel()
	cfg := fixture.Config(t) // one database and DATA_DIR for both
	a, b := fixture.Start(t, cfg, nil), fixture.Start(t, cfg, nil)
	fixture.Build(t, a.DB, fixture.Spec{Slug: "acme", Name: "Acme", People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee"}}})
	const password = fixture.Password
	// One browser: one cookie jar for acme.localhost, whichever server
	// answers (cookies do not depend on the port).
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		}}}
	base := func(m interface{ Addr() string }) string {
		_, port, _ := net.SplitHostPort(m.Addr())
		return "http://acme.localhost:" + port
	}
	csrfRE := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	get := func(m interface{ Addr() string }, path string) (int, string) {
		t.Helper()
		res, err := hc.Get(base(m) + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body)
	}
	post := func(m interface{ Addr() string }, path, csrf string, form url.Values) int {
		t.Helper()
		form.Set("csrf_token", csrf)
		res, err := hc.PostForm(base(m)+path, form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}

	_, page := get(a, "/login")
	csrf := csrfRE.FindStringSubmatch(page)
	if csrf == nil {
		t.Fatal("no CSRF token on the sign-in page")
	}
	if code := post(b, "/login", csrf[1], url.Values{"email": {"lee@acme.test"}, "password": {password}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in on the second server with the first's form: %d", code)
	}
	code, page := get(a, "/account")
	if code != http.StatusOK || !strings.Contains(page, "lee@acme.test") {
		t.Fatalf("the account page on the first server: %d", code)
	}
	csrf = csrfRE.FindStringSubmatch(page)
	if code := post(b, "/account/profile", csrf[1], url.Values{"name": {"Lee Renamed"}, "time_zone": {"Europe/London"}}); code != http.StatusSeeOther {
		t.Fatalf("a form of the first server posted to the second: %d", code)
	}
	if _, page := get(a, "/account"); !strings.Contains(page, "Lee Renamed") {
		t.Error("the first server does not see what the second saved")
	}
	if code := post(a, "/logout", csrfRE.FindStringSubmatch(page)[1], url.Values{}); code != http.StatusSeeOther {
		t.Fatalf("sign out on the first: %d", code)
	}
	if code, _ := get(b, "/account"); code != http.StatusSeeOther {
		t.Errorf("after signing out on the first server, the second still serves the session: %d", code)
	}
}

// Sign-in throttling and the API's rate limit hold across servers: the
// counts are in PostgreSQL, so an account gets five attempts a minute
// however many servers it spreads them over, and an API key its limit.
func TestTwoServersShareTheRateLimits(t *testing.T) {
	t.Parallel()
	cfg := fixture.Config(t)
	cfg.APIRateLimit = 4
	a, b := fixture.Start(t, cfg, nil), fixture.Start(t, cfg, nil)
	acme := fixture.Build(t, a.DB, fixture.Spec{Slug: "acme", Name: "Acme", Plan: "enterprise", People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee"}}})
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		}}}
	url := func(m interface{ Addr() string }, path string) string {
		_, port, _ := net.SplitHostPort(m.Addr())
		return "http://acme.localhost:" + port + path
	}
	csrfRE := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	signIn := func(m interface{ Addr() string }) int {
		t.Helper()
		// A fresh browser each time: the limit is the account's, not the session's.
		jar, _ := cookiejar.New(nil)
		c := *hc
		c.Jar = jar
		res, err := c.Get(url(m, "/login"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		token := csrfRE.FindStringSubmatch(string(body))
		if token == nil {
			t.Fatal("no CSRF token on the sign-in page")
		}
		res, err = c.PostForm(url(m, "/login"), map[string][]string{"email": {"lee@acme.test"}, "password": {"not the password at all"}, "csrf_token": {token[1]}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i, m := range []interface{ Addr() string }{a, b, a, b, a} {
		if got := signIn(m); got != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d, want 401", i+1, got)
		}
	}
	if got := signIn(b); got != http.StatusTooManyRequests {
		t.Errorf("the sixth attempt, on the other server: %d, want 429", got)
	}

	_, token, err := postgres.NewAPIKeyService(a.DB).CreatePortalKey(context.Background(), acme.ID, "Sync", []apikey.Permission{apikey.UsersRead}, fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	call := func(m interface{ Addr() string }) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, url(m, "/api/v1/users"), nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i, m := range []interface{ Addr() string }{a, b, a, b} {
		if got := call(m); got != http.StatusOK {
			t.Fatalf("API call %d: %d", i+1, got)
		}
	}
	if got := call(a); got != http.StatusTooManyRequests {
		t.Errorf("the fifth API call in the minute: %d, want 429", got)
	}
}
