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

	"github.com/upward-lms/upward/internal/fixture"
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
