package server_test

import (
	"bufio"
	"bytes"
	"context"
	"github.com/upward-lms/upward/internal/server"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// evilNexts are return addresses that would take a person who has just
// signed in to another site, or run a script, if followed as given.
var evilNexts = []string{
	"//evil.example", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "%2F%2Fevil.example",
	"\\/\\/evil.example", "/\t/evil.example", "/\n/evil.example", "/\r\n/evil.example", " //evil.example",
	"///evil.example", "http://globex.localhost/", "//globex.localhost/", "/\\/globex.localhost", "data:text/html,hi",
}

// staysOn reports whether a browser on base would stay on its host when
// it follows loc: it drops tabs and newlines, trims spaces and reads a
// backslash as a slash before resolving.
func staysOn(base, loc string) bool {
	loc = strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(strings.TrimSpace(loc))
	if !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") {
		return false
	}
	b, _ := url.Parse(base)
	u, err := b.Parse(loc)
	return err == nil && u.Host == b.Host && u.Scheme == b.Scheme
}

// A return address (next=) only ever leads to a page of the same site:
// after signing in on a portal or the platform, and in the sign-in form's
// hidden field.
func TestSignInReturnAddress_StaysOnTheSameSite(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	if _, err := postgres.NewOperatorService(s.db).CreateOperator(context.Background(), "op@upward.test", "Olu", goodPassword, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, c *client, what string, p page, next string) {
		t.Helper()
		if hidden, ok := p.doc.Find(`input[name="next"]`).Attr("value"); ok && !staysOn(c.base, hidden) {
			t.Errorf("%s next=%q: the form carries %q", what, next, hidden)
		}
		if loc := p.header.Get("Location"); p.status/100 == 3 && !staysOn(c.base, loc) {
			t.Errorf("%s next=%q: redirected to %q", what, next, loc)
		}
	}
	for _, site := range []struct{ host, form, email string }{{"acme.localhost", "/login", "ana@acme.test"}, {"localhost", "/platform/login", "op@upward.test"}} {
		t.Run(site.host, func(t *testing.T) {
			visitor := newClient(t, s, site.host)
			for _, next := range evilNexts {
				check(t, visitor, "GET "+site.form, visitor.get(site.form+"?next="+url.QueryEscape(next)), next)
			}
			// Signing in: each sign-in counts against the throttle (five an
			// account a minute), so a few of the worst.
			for _, next := range []string{"/\t/evil.example", "/\\evil.example", "//evil.example", "https://evil.example/"} {
				c := newClient(t, s, site.host)
				c.get(site.form)
				p := c.post(site.form, url.Values{"email": {site.email}, "password": {goodPassword}, "next": {next}})
				if p.status != http.StatusSeeOther {
					t.Fatalf("sign-in: %d", p.status)
				}
				check(t, c, "POST "+site.form, p, next)
			}
		})
	}
	t.Run("SignedInOnThePortal", func(t *testing.T) {
		c := newClient(t, s, "acme.localhost")
		signIn(c, "ana@acme.test", goodPassword)
		for _, next := range evilNexts {
			check(t, c, "GET /login signed in", c.get("/login?next="+url.QueryEscape(next)), next)
		}
		if p := c.get("/login?next=" + url.QueryEscape("/courses?page=2")); p.header.Get("Location") != "/courses?page=2" {
			t.Errorf("a good return address was lost: %q", p.header.Get("Location"))
		}
	})
}

// uniform is how a page answers, without what differs between any two
// requests: the CSRF token, and the address typed.
func uniform(p page, addresses ...string) string {
	html, _ := p.doc.Html()
	html = regexp.MustCompile(`name="csrf_token" value="[^"]*"`).ReplaceAllString(html, "")
	for _, a := range addresses {
		html = strings.ReplaceAll(html, a, "ADDRESS")
	}
	return strconv.Itoa(p.status) + " " + html
}

// A form that takes an e-mail address answers a known and an unknown one
// alike, in status, page and time: it must not tell who has an account.
// argon2id runs for unknown addresses too. What takes the time is the
// work, so the test compares the CPU time each answer costs the process
// (medians of a few tries, within a factor of 2; a missing hash is a
// factor of 10 or more): unlike the clock, it does not grow when other
// processes keep the machine busy. The forgotten-password form hashes
// nothing; a known address costs it a token and a mail, so it answers no
// sooner than forgotAnswerTime whoever asks, and that floor is what is
// checked there (its CPU also counts the mail the job queue sends).
func TestKnownAndUnknownAddressesAreAnsweredAlike(t *testing.T) {
	// Serial: it sets the process-wide password hash cost to the standard
	// one, and no other test may spend CPU in this process meanwhile.
	s, _, _ := twoPortalsOn(t, newServer(t, func(c *config.Config) { c.PasswordHashCost = config.HashCostStandard }))
	by := postgres.AuditActor{Label: "test"}
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(context.Background(), "acme", "", "cm@acme.test", "Cam", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewOperatorService(s.db).CreateOperator(context.Background(), "op@upward.test", "Olu", goodPassword, by); err != nil {
		t.Fatal(err)
	}
	const tries = 5
	for _, form := range []struct {
		name, host, show, path string
		known                  string
		values                 func(email string) url.Values
		floor                  time.Duration
	}{
		{"PortalSignIn", "acme.localhost", "/login", "/login", "ana@acme.test",
			func(e string) url.Values { return url.Values{"email": {e}, "password": {"not the password at all"}} }, 0},
		{"ForgottenPassword", "acme.localhost", "/password/forgot", "/password/forgot", "ana@acme.test",
			func(e string) url.Values { return url.Values{"email": {e}} }, server.ForgotAnswerTime},
		{"Registration", "acme.localhost", "/register", "/register", "ana@acme.test",
			func(e string) url.Values {
				return url.Values{"name": {"Someone"}, "email": {e}, "password": {goodPassword}}
			}, 0},
		{"ConsoleSignIn", "localhost", "/console/login", "/console/login", "cm@acme.test",
			func(e string) url.Values { return url.Values{"email": {e}, "password": {"not the password at all"}} }, 0},
		{"OperatorSignIn", "localhost", "/platform/login", "/platform/login", "op@upward.test",
			func(e string) url.Values { return url.Values{"email": {e}, "password": {"not the password at all"}} }, 0},
	} {
		t.Run(form.name, func(t *testing.T) {
			c := newClient(t, s, form.host)
			c.get(form.show)
			if form.floor > 0 {
				var answers []string
				for _, email := range []string{form.known, "nobody@acme.test"} {
					start := time.Now()
					answers = append(answers, uniform(c.post(form.path, form.values(email)), email))
					if took := time.Since(start); took < form.floor {
						t.Errorf("%s answered in %s, before the floor of %s", email, took, form.floor)
					}
				}
				if answers[0] != answers[1] {
					t.Errorf("the answers differ:\nknown   %.300s\nunknown %.300s", answers[0], answers[1])
				}
				return
			}
			var knownTimes, unknownTimes []time.Duration
			for i := range tries {
				unknown := "nobody" + strconv.Itoa(i) + "@acme.test"
				// A collection before each answer, so that none pays for
				// garbage an earlier one (or an earlier test) left.
				runtime.GC()
				start := cpuTime(t)
				k := c.post(form.path, form.values(form.known))
				knownTimes = append(knownTimes, cpuTime(t)-start)
				runtime.GC()
				start = cpuTime(t)
				u := c.post(form.path, form.values(unknown))
				unknownTimes = append(unknownTimes, cpuTime(t)-start)
				if i == 0 {
					if uk, uu := uniform(k, form.known), uniform(u, unknown); uk != uu {
						t.Errorf("the answers differ:\nknown   %.300s\nunknown %.300s", uk, uu)
					}
				}
			}
			known, unknown := median(knownTimes), median(unknownTimes)
			if ratio := float64(unknown) / float64(known); ratio < 0.5 || ratio > 2 {
				t.Errorf("known address answered with %s of CPU, unknown with %s (median of %d): the time tells", known, unknown, tries)
			}
		})
	}
}

// cpuTime is the CPU time the test process has used so far.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func median(ds []time.Duration) time.Duration {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// Bodies are capped: a form's at 1 MB, an upload's above the largest
// file kind, the API's at 64 KB. Over the cap is 413 with a page (or a
// problem) that says so, and nothing changes. A length announced over the
// cap is refused before a byte of the body is read.
func TestBodiesOverTheCapAreRefused(t *testing.T) {
	t.Parallel()
	f := furnish(t)
	s := f.s
	c := f.clients(t)
	db := watchRows(t, s)
	before := db.settled()
	cookie := func(cl *client) string {
		u, _ := url.Parse(cl.base)
		return "upward_session=" + sessionCookie(cl.hc.Jar.Cookies(u))
	}
	huge := "name=" + strings.Repeat("a", 2<<20)
	c.admin.get("/account")
	cases := []struct {
		name, path, contentType string
		body                    io.Reader
		length                  int64 // -1: unknown, sent chunked
	}{
		{"AFormWithItsLength", "/account/profile", "application/x-www-form-urlencoded", strings.NewReader(huge), int64(len(huge))},
		{"AFormSentChunked", "/account/profile", "application/x-www-form-urlencoded", strings.NewReader(huge), -1},
		// 600 MB announced; the server must answer without waiting for it.
		{"AnUploadOverTheCap", "/admin/settings/logo", "multipart/form-data; boundary=x", strings.NewReader("--x\r\n"), 600 << 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, c.admin.base+tc.path, tc.body)
			req.ContentLength = tc.length
			req.Header.Set("Content-Type", tc.contentType)
			req.Header.Set("X-CSRF-Token", c.admin.csrf)
			req.Header.Set("Cookie", cookie(c.admin))
			// A raw transport: the test client would wait to send all 600 MB.
			res, err := sendEarly(c.admin, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(res.body, "larger than this form accepts") {
				t.Errorf("status %d, want 413 saying why", res.StatusCode)
			}
			if after := db.rows(); len(after.changed(before)) > 0 {
				t.Errorf("changed rows of %v", after.changed(before))
			}
		})
	}
	t.Run("AnAPIBodyOverTheCap", func(t *testing.T) {
		body := `{"name":"` + strings.Repeat("a", 100<<10) + `"}`
		res := serve(s, http.MethodPost, "acme.localhost", "/api/v1/groups", body, "Authorization", "Bearer "+f.portalKey, "Content-Type", "application/json")
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(b, []byte("larger")) {
			t.Errorf("status %d %s, want 413 saying why", res.StatusCode, b)
		}
		if after := db.rows(); len(slices.DeleteFunc(after.changed(before), func(t string) bool { return t == "portal_api_keys" })) > 0 {
			t.Errorf("changed rows of %v", after.changed(before))
		}
	})
}

type earlyResponse struct {
	*http.Response
	body string
}

// sendEarly writes the request's headers and as much of its body as the
// server takes, and returns the server's answer, which may come before
// the body is all sent.
func sendEarly(c *client, req *http.Request) (earlyResponse, error) {
	u, _ := url.Parse(c.base)
	conn, err := net.Dial("tcp", "127.0.0.1:"+u.Port())
	if err != nil {
		return earlyResponse{}, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	go func() {
		if req.ContentLength > 10<<20 {
			// Announce the length; send only what the reader has.
			req.Body = io.NopCloser(io.MultiReader(req.Body, &endless{}))
		}
		req.Write(conn)
	}()
	res, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return earlyResponse{}, err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return earlyResponse{Response: res, body: string(b)}, nil
}

// endless is a body that never ends (the server must not wait for it).
type endless struct{}

func (*endless) Read(p []byte) (int, error) {
	time.Sleep(10 * time.Millisecond)
	clear(p)
	return len(p), nil
}

// A client that sends its headers slowly (slowloris) is cut off at the
// server's ReadHeaderTimeout, and a page that runs too long is ended at
// the request timeout with 504.
func TestSlowClientsAndSlowPagesAreCutOff(t *testing.T) {
	// Serial: it times how soon the server cuts a client off.
	s := newServer(t, func(c *config.Config) {
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.RequestTimeout = 300 * time.Millisecond
	})
	t.Run("SlowHeaders", func(t *testing.T) {
		conn, err := net.Dial("tcp", s.main.Addr())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		start := time.Now()
		if _, err := conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n")); err != nil {
			t.Fatal(err)
		}
		cut := make(chan time.Duration, 1)
		go func() {
			io.Copy(io.Discard, conn) // returns when the server closes
			cut <- time.Since(start)
		}()
		for i := 0; ; i++ {
			select {
			case d := <-cut:
				if d > 2*time.Second {
					t.Errorf("cut off after %s", d)
				}
				return
			case <-time.After(100 * time.Millisecond):
			}
			if _, err := conn.Write([]byte("X-Slow-" + strconv.Itoa(i) + ": 1\r\n")); err != nil {
				return // cut off
			}
			if time.Since(start) > 5*time.Second {
				t.Fatal("a client sending a header line every 100 ms was never cut off")
			}
		}
	})
	t.Run("SlowPage", func(t *testing.T) {
		fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme"})
		s.PortalRouter().Get("/hardening/slow", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done() // as a query would end, with the context
		})
		start := time.Now()
		res := serve(s, http.MethodGet, "acme.localhost", "/hardening/slow", "")
		if res.StatusCode != http.StatusGatewayTimeout {
			t.Errorf("status %d, want the timeout's", res.StatusCode)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("ended after %s", d)
		}
	})
}
