package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// The web hardening checks walk every route of every router (chi.Walk), so
// that a new route is checked without anyone remembering to add it.

// furnished is a platform whose acme portal has one of everything a route
// can name, all its own: the routes are walked with real parameters.
type furnished struct {
	s            *testServer
	acme, globex tenant.Tenant
	// params fill a route's {parameters}, by the path segment before each:
	// of the portal and its API; platformParams of the platform host.
	params, platformParams map[string]string
	// portalKey is an API key of acme with every permission; orgKey an
	// account key of acme's account.
	portalKey, orgKey string
}

func furnish(t *testing.T) *furnished {
	t.Helper()
	s, acme, globex := twoPortals(t, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "boss@acme.test", Name: "Acme Boss", Roles: []user.Role{user.Admin, user.Instructor}})
		acme.Groups = []fixture.Group{{Name: "Acme Team", Members: []string{"ana@acme.test"}}}
		acme.Courses = []fixture.Course{{}}
		acme.Paths = []fixture.Path{{Slug: "acme-path", Title: "Acme Path", Courses: []string{fixture.ExampleSlug}}}
		acme.Progress = []fixture.Progress{{Who: "ana@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed}}
	})
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	boss, ana := acme.Person(t, "boss@acme.test"), acme.Person(t, "ana@acme.test")
	group, rec, path := acme.Groups["Acme Team"], acme.Courses[fixture.ExampleSlug], acme.Paths["acme-path"]
	must(s.main.Tenants.SetLogo(ctx, acme.ID, "logo-acme.png", by))

	courses := postgres.NewCourseService(s.db)
	learn := postgres.NewLearningService(s.db)
	lc, err := learn.FindLearnerCourse(ctx, acme.ID, ana.ID, rec.Slug)
	must(err)
	blockOf := func(module int, kind course.Kind) string {
		for _, b := range lc.Content.Modules[module].Lessons[0].Blocks {
			if b.Kind == kind {
				return b.Key
			}
		}
		return ""
	}
	lesson := lc.Content.Modules[0].Lessons[0]
	certs, err := learn.FindCertificates(ctx, acme.ID, ana.ID)
	if err != nil || len(certs) != 1 {
		t.Fatalf("certificates: %v %v", certs, err)
	}
	file := "f-0123456789abcdef0123456789abcdef.png"
	must(courses.RecordUpload(ctx, acme.ID, file, by))
	hook, _, err := postgres.NewWebhookService(s.db, true).CreateEndpoint(ctx, acme.ID,
		webhook.Endpoint{URL: "http://127.0.0.1:9/acme-hook", Events: []string{webhook.UserCreated}}, by)
	must(err)
	keys := postgres.NewAPIKeyService(s.db)
	key, portalKey, err := keys.CreatePortalKey(ctx, acme.ID, "Everything", apikey.PortalPermissions, by)
	must(err)
	notes := postgres.NewNotificationService(s.db)
	must(notes.Notify(ctx, acme.ID, notify.Note{UserID: ana.ID, Kind: notify.Mention, Title: "A mention"}))
	anaNotes, _, err := notes.FindNotifications(ctx, acme.ID, ana.ID, 0, 1)
	must(err)
	live := postgres.NewLiveSessionService(s.db)
	start := time.Now().Add(72 * time.Hour)
	session, err := live.CreateSession(ctx, acme.ID, postgres.SessionPlan{CourseID: rec.ID, Instructors: []int64{boss.ID},
		Details: livesession.Details{Title: "Acme Session", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 5, Room: "Room 1"}}, by)
	must(err)
	_, err = live.Register(ctx, acme.ID, session.ID, ana.ID)
	must(err)
	feed, err := live.NewCalendarFeed(ctx, acme.ID, ana.ID)
	must(err)
	post, err := postgres.NewDiscussionService(s.db).CreatePost(ctx, acme.ID, postgres.Viewer{UserID: ana.ID}, postgres.ThreadRef{CourseID: rec.ID, Lesson: lesson.Key}, 0, "A post")
	must(err)

	// The platform's side: a console member of acme's account, with an
	// account key and webhook; an operator; a reseller.
	console := postgres.NewConsoleService(s.db)
	member, err := console.CreateConsoleMember(ctx, "acme", "", "cm@acme.test", "Cam", goodPassword, by)
	must(err)
	orgKey, orgToken, err := keys.CreateOrgKey(ctx, member.Org, member.ID, "Provisioning", apikey.OrgPermissions, by)
	must(err)
	orgHook, _, err := postgres.NewOrgWebhookService(s.db, true).CreateEndpoint(ctx, member.Org,
		webhook.Endpoint{URL: "http://127.0.0.1:9/org-hook", Events: []string{webhook.UserCreated}}, by)
	must(err)
	_, err = postgres.NewOperatorService(s.db).CreateOperator(ctx, "op@upward.test", "Olu", goodPassword, by)
	must(err)
	reseller, err := postgres.NewResellerService(s.db).CreateReseller(ctx, "resell", "Resell", by)
	must(err)
	invitation, err := console.InviteConsoleMember(ctx, member.Org, postgres.ConsoleInvite{Email: "new@acme.test", Name: "New"}, by)
	must(err)
	// A certificate design with a signature (its name, for the route).
	signature := "signature-" + strconv.FormatInt(acme.ID, 10) + "-0123456789abcdef.png"
	_, err = postgres.NewTenantService(s.db).SaveCertificateDesign(ctx, acme.ID, certificate.Design{Layout: certificate.Modern,
		ShowLogo: true, SignatureFile: signature, SignerName: "Acme Signer"}, by)
	must(err)
	mails, err := s.db.FindOutboxMessages(ctx, 1)
	if err != nil || len(mails) == 0 {
		t.Fatalf("outbox: %v %v", mails, err)
	}

	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	return &furnished{s: s, acme: acme.Tenant, globex: globex.Tenant, portalKey: portalKey, orgKey: orgToken,
		params: map[string]string{
			"users/{id}": id(ana.ID), "learners/{id}": id(ana.ID), "groups/{id}": id(group.ID), "groups/{groupID}": id(group.ID),
			"members/{userID}": id(ana.ID), "logo/{name}": "logo-acme.png", "certificate-signature/{name}": signature, "courses/{id}": id(rec.ID), "courses/{slug}": rec.Slug,
			"paths/{slug}": path.Slug, "paths/{id}": id(path.ID), "steps/{course}": rec.Slug, "steps/{step}": "1",
			"certificates/{code}": certs[0].Code, "quizzes/{block}": blockOf(1, course.KindQuiz), "reflections/{block}": blockOf(0, course.KindReflection),
			"writing/{block}":    lc.Content.Modules[1].Lessons[1].Blocks[1].Key,
			"checklists/{block}": blockOf(1, course.KindChecklist), "modules/{key}": lc.Content.Modules[0].Key, "lessons/{key}": lesson.Key,
			"blocks/{block}": lesson.Blocks[0].Key, "files/{name}": file, "webhooks/{id}": id(hook.ID), "api-keys/{id}": key.ID,
			"notifications/{id}": id(anaNotes[0].ID), "sessions/{id}": id(session.ID), "calendar/{token}": feed,
			"posts/{id}": id(post.PostID), "discussions/{id}": id(post.PostID), "team/{id}": id(ana.ID),
			// The API's own.
			"courses/{courseID}": id(rec.ID), "enrolments/{id}": id(lc.Enrolment.ID),
		},
		platformParams: map[string]string{
			"verify/{code}": certs[0].Code, "tenants/{id}": id(acme.ID), "resellers/{id}": id(reseller.ID), "accounts/{id}": id(acme.AccountID), "mailbox/{id}": id(mails[0].ID),
			"portals/{id}": id(acme.ID), "invitations/{id}": id(invitation.ID), "members/{id}": id(member.ID), "branding/{name}": "logo-acme.png",
			"api-keys/{id}": orgKey.ID, "webhooks/{id}": id(orgHook.ID),
		},
	}
}

// everyHost are the parameters every host's routes share.
var everyHost = map[string]string{"brand/{color}": "1d4ed8", "scorm/{token}": "not-a-launch-token"}

// fill puts the parameters into a route (see fillRoute), and a file name
// into its wildcard; missing names a parameter with no value (the caller
// reports it: add the value to furnish).
func fill(route string, params map[string]string) (path, missing string) {
	path, missing = fillRoute(route, func(p string) (string, bool) {
		if v, ok := params[p]; ok {
			return v, true
		}
		v, ok := everyHost[p]
		return v, ok
	})
	return strings.ReplaceAll(path, "*", "any/file.txt"), missing
}

// rowState is what the database holds, table by table: the number of rows
// and a digest of their contents, over every tenant.
type rowState map[string]string

// notApp are the tables a request may change without changing the
// application's data: scs's sessions (a page with a form creates one for
// its CSRF token; a signed-in request notes its time now and then), the
// rate limits' counts (every API request and sign-in attempt is one) and
// River's own bookkeeping, which runs on its own clock.
func notApp(table string) bool {
	return table == "sessions" || table == "rate_counters" || table == "schema_migrations" || strings.HasPrefix(table, "river_")
}

// rowWatch reads every app table as the tables' owner, once per tenant
// (row level security shows the owner one tenant's rows at a time). A read
// is skipped when no transaction has written anything since the last one:
// PostgreSQL gives a transaction an ID only when it writes.
type rowWatch struct {
	t     *testing.T
	conn  *pgx.Conn
	query string
	xmax  string
	last  rowState
}

func watchRows(t *testing.T, s *testServer) *rowWatch {
	t.Helper()
	ctx := context.Background()
	w := &rowWatch{t: t, conn: ownerConn(t, s)}
	rs, err := w.conn.Query(ctx, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	all, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var q strings.Builder
	tables := 0
	for _, table := range all {
		if notApp(table) {
			continue
		}
		tables++
		if q.Len() > 0 {
			q.WriteString(" UNION ALL ")
		}
		q.WriteString(`SELECT '` + table + `', count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM "` + table + `" t`)
	}
	if tables < 20 {
		t.Fatalf("only %d app tables of %v", tables, all)
	}
	w.query = q.String()
	return w
}

// rows returns the tables' state now.
func (w *rowWatch) rows() rowState {
	t := w.t
	t.Helper()
	ctx := context.Background()
	var xmax string
	if err := w.conn.QueryRow(ctx, `SELECT pg_snapshot_xmax(pg_current_snapshot())::text`).Scan(&xmax); err != nil {
		t.Fatal(err)
	}
	if xmax == w.xmax {
		return w.last
	}
	rs, err := w.conn.Query(ctx, `SELECT id::text FROM tenants ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	tenants, err := pgx.CollectRows(rs, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	state := rowState{}
	for _, tenantID := range append([]string{""}, tenants...) {
		if _, err := w.conn.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, tenantID); err != nil {
			t.Fatal(err)
		}
		rs, err := w.conn.Query(ctx, w.query)
		if err != nil {
			t.Fatal(err)
		}
		for rs.Next() {
			var table, digest string
			if err := rs.Scan(&table, &digest); err != nil {
				t.Fatal(err)
			}
			state[table] += tenantID + "=" + digest + " "
		}
		if err := rs.Err(); err != nil {
			t.Fatal(err)
		}
	}
	w.xmax, w.last = xmax, state
	return state
}

// settled waits for background work (mail being sent) to finish changing
// rows, then returns them.
func (w *rowWatch) settled() rowState {
	w.t.Helper()
	last := w.rows()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		now := w.rows()
		if len(now.changed(last)) == 0 {
			return now
		}
		last = now
	}
	w.t.Fatal("the database does not settle")
	return nil
}

// changed lists the tables whose rows differ.
func (after rowState) changed(before rowState) []string {
	var out []string
	for table, d := range after {
		if before[table] != d {
			out = append(out, table)
		}
	}
	for table := range before {
		if _, ok := after[table]; !ok {
			out = append(out, table)
		}
	}
	slices.Sort(out)
	return out
}

// answer is what the header checks need of a response.
type answer struct {
	what     string // method, path, who: for the message
	header   http.Header
	signedIn bool
	// packageFile: a SCORM package's own file on the content host, which
	// may run its inline scripts (see contentCSP).
	packageFile bool
}

// checkSecureHeaders holds a response to what secureHeaders sets.
func checkSecureHeaders(t *testing.T, a answer, production bool) {
	t.Helper()
	h := a.header
	csp := directives(h.Get("Content-Security-Policy"))
	script, ok := csp["script-src"]
	if !ok {
		script = csp["default-src"]
	}
	switch {
	case len(csp) == 0:
		t.Errorf("%s: no Content-Security-Policy", a.what)
	case !a.packageFile && (slices.Contains(script, "'unsafe-inline'") || slices.Contains(script, "'unsafe-eval'") || len(script) == 0):
		t.Errorf("%s: scripts not held to our origin: %q", a.what, h.Get("Content-Security-Policy"))
	case len(csp["frame-ancestors"]) == 0:
		t.Errorf("%s: no frame-ancestors", a.what)
	}
	// X-Frame-Options for browsers without CSP 2, except where the page
	// is meant to be framed (a SCORM launch, by the portal): then
	// frame-ancestors alone says by whom.
	if xfo := h.Get("X-Frame-Options"); xfo != "DENY" && !(xfo == "" && !slices.Equal(csp["frame-ancestors"], []string{"'none'"})) {
		t.Errorf("%s: X-Frame-Options %q with frame-ancestors %v", a.what, xfo, csp["frame-ancestors"])
	}
	if h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%s: no nosniff", a.what)
	}
	if rp := h.Get("Referrer-Policy"); rp != "strict-origin-when-cross-origin" && rp != "no-referrer" && rp != "same-origin" {
		t.Errorf("%s: Referrer-Policy %q", a.what, rp)
	}
	if hsts := h.Get("Strict-Transport-Security"); production != strings.Contains(hsts, "max-age=63072000") {
		t.Errorf("%s: Strict-Transport-Security %q in production=%v", a.what, hsts, production)
	}
	// What a signed-in person is shown is nobody else's: not for a shared
	// cache, nor for the back button after signing out. A file named by its
	// content (immutable) is the same for everyone who may see it.
	if cc := h.Get("Cache-Control"); a.signedIn && !strings.Contains(cc, "no-store") && !strings.Contains(cc, "immutable") {
		t.Errorf("%s: signed in, Cache-Control %q", a.what, cc)
	}
}

func directives(csp string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(csp, ";") {
		if f := strings.Fields(d); len(f) > 0 {
			out[f[0]] = f[1:]
		}
	}
	return out
}

// serve sends one request straight to the server's handler, as if to host.
func serve(s *testServer, method, host, path string, body string, header ...string) *http.Response {
	req := httptest.NewRequest(method, "http://"+host+path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Result()
}

// signedInClients are the people the walks send requests as.
type signedInClients struct {
	admin, learner, visitor *client // on acme
	platform                *client // an operator who is also a console member of acme's account
}

func (f *furnished) clients(t *testing.T) signedInClients {
	t.Helper()
	c := signedInClients{admin: newClient(t, f.s, "acme.localhost"), learner: newClient(t, f.s, "acme.localhost"),
		visitor: newClient(t, f.s, "acme.localhost"), platform: consoleClient(t, f.s, "cm@acme.test")}
	if p := signIn(c.admin, "boss@acme.test", goodPassword); p.status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", p.status)
	}
	if p := signIn(c.learner, "ana@acme.test", goodPassword); p.status != http.StatusSeeOther {
		t.Fatalf("learner sign-in: %d", p.status)
	}
	c.platform.get("/platform/login")
	if p := c.platform.post("/platform/login", url.Values{"email": {"op@upward.test"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("operator sign-in: %d", p.status)
	}
	return c
}

// getWrites are the writes GETs make by design, by route, each questioned:
// a GET that writes is a bug unless it has a reason here.
var getWrites = map[string][]string{
	// Exporting a person's data is audited: the portal must be able to say
	// who took a copy of someone's personal data, and when (GDPR art. 5(2)).
	"GET /admin/users/{id}/export": {"audit_events"},
}

// No GET changes a row: every GET route of every router, requested by
// each kind of person with real parameters, leaves every app table as it
// was. Every answer carries the security headers.
func TestEveryGETChangesNoRowAndCarriesTheSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := furnish(t)
	s := f.s
	c := f.clients(t)
	db := watchRows(t, s)
	before := db.settled()
	routes := 0
	check := func(what, route string, status int, h http.Header, signedIn bool, allowed ...string) {
		t.Helper()
		routes++
		start := time.Now()
		checkSecureHeaders(t, answer{what: what, header: h, signedIn: signedIn}, false)
		if status >= 500 {
			t.Errorf("%s: status %d", what, status)
		}
		after := db.rows()
		allowed = append(allowed, getWrites[route]...)
		if changed := slices.DeleteFunc(after.changed(before), func(table string) bool { return slices.Contains(allowed, table) }); len(changed) > 0 {
			t.Errorf("%s changed rows of %v", what, changed)
		}
		before = after
		if d := time.Since(start); d > time.Second {
			t.Logf("%s took %s", what, d)
		}
	}
	pages := func(who string, cl *client, router chi.Router, params map[string]string, signedIn bool) {
		walk(t, router, func(method, route string) {
			if method != http.MethodGet {
				return
			}
			path, missing := fill(route, params)
			if missing != "" {
				t.Errorf("GET %s: no value for %s; add one to furnish", route, missing)
				return
			}
			p := cl.get(path)
			check(who+" GET "+path, "GET "+route, p.status, p.header, signedIn)
		})
	}
	pages("admin", c.admin, s.PortalRouter(), f.params, true)
	pages("learner", c.learner, s.PortalRouter(), f.params, true)
	pages("visitor", c.visitor, s.PortalRouter(), f.params, false)
	pages("operator and console member", c.platform, s.PlatformRouter(), f.platformParams, true)

	keyed := func(host, key string, router chi.Router, params map[string]string) {
		walk(t, router, func(method, route string) {
			if method != http.MethodGet {
				return
			}
			path, missing := fill(route, params)
			if missing != "" {
				t.Errorf("GET %s: no value for %s; add one to furnish", route, missing)
				return
			}
			res := serve(s, http.MethodGet, host, path, "", "Authorization", "Bearer "+key)
			// The reference is public: it may be cached.
			public := strings.HasSuffix(path, "/openapi.json") || strings.HasSuffix(path, "/docs")
			// A key's last use is noted (at most once per
			// apikey.LastUsedGranularity), so that an admin can tell a key
			// in use from a forgotten one before revoking it.
			check("API GET "+host+path, "API GET "+route, res.StatusCode, res.Header, !public, "portal_api_keys", "org_api_keys")
			if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
				t.Errorf("API GET %s: %d with a key of every permission", path, res.StatusCode)
			}
		})
	}
	keyed("acme.localhost", f.portalKey, s.APIRouter(), f.params)
	keyed("localhost", f.orgKey, s.PlatformAPIRouter(), f.platformParams)

	// Every host's own routes and the content host's: probes, assets, a
	// launch with a bad token.
	walk(t, s.Router(), func(method, route string) {
		if method != http.MethodGet || route == "/*" {
			return
		}
		path, _ := fill(route, nil)
		if route == "/static/*" {
			path = s.staticURL(t)
		}
		res := serve(s, method, "acme.localhost", path, "")
		check("GET "+path, "GET "+route, res.StatusCode, res.Header, false)
	})
	walk(t, s.ContentRouter(), func(method, route string) {
		path, _ := fill(route, nil)
		res := serve(s, method, "content.localhost", path, "")
		check(method+" content "+path, method+" "+route, res.StatusCode, res.Header, false)
	})
	if routes < 250 {
		t.Errorf("walked only %d routes", routes)
	}
}

// Every unsafe route of the pages (portal, console, platform), sent by a
// signed-in person without the CSRF token, with a wrong one, or with the
// right one from another site, is refused with 403 and changes nothing.
// The API takes keys, never the session's cookie.
func TestEveryUnsafeRouteRefusesAForgedRequest(t *testing.T) {
	t.Parallel()
	f := furnish(t)
	s := f.s
	c := f.clients(t)
	db := watchRows(t, s)
	before := db.settled()
	routes := 0
	forge := func(who string, cl *client, router chi.Router, params map[string]string) {
		walk(t, router, func(method, route string) {
			if method == http.MethodGet || method == http.MethodHead {
				return
			}
			path, missing := fill(route, params)
			if missing != "" {
				t.Errorf("%s %s: no value for %s; add one to furnish", method, route, missing)
				return
			}
			routes++
			// A form that would do something: every field any route reads.
			form := url.Values{"name": {"Forged"}, "email": {"forged@evil.example"}, "status": {"deactivated"}, "roles": {"admin"}, "title": {"Forged"}, "body": {"Forged"}}
			for _, forgery := range []struct {
				name, token string
				header      []string
			}{
				{"without a token", "", nil},
				{"with a wrong token", "forged-token", nil},
				{"from another site", cl.csrf, []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"}},
			} {
				form.Set("csrf_token", forgery.token)
				req, _ := http.NewRequest(method, cl.base+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				for i := 0; i+1 < len(forgery.header); i += 2 {
					req.Header.Set(forgery.header[i], forgery.header[i+1])
				}
				p := cl.do(req)
				what := who + " " + method + " " + path + " " + forgery.name
				if p.status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", what, p.status)
				}
				checkSecureHeaders(t, answer{what: what, header: p.header, signedIn: true}, false)
			}
			if after := db.rows(); len(after.changed(before)) > 0 {
				t.Errorf("%s %s %s: forged requests changed rows of %v", who, method, path, after.changed(before))
				before = after
			}
		})
	}
	forge("admin", c.admin, s.PortalRouter(), f.params)
	forge("operator and console member", c.platform, s.PlatformRouter(), f.platformParams)
	if routes < 100 {
		t.Errorf("walked only %d unsafe routes", routes)
	}

	t.Run("TheAPIRefusesTheSessionCookie", func(t *testing.T) {
		walk(t, s.APIRouter(), func(method, route string) {
			path, missing := fill(route, f.params)
			if missing != "" {
				t.Errorf("%s %s: no value for %s; add one to furnish", method, route, missing)
				return
			}
			if strings.HasSuffix(path, "/openapi.json") || strings.HasSuffix(path, "/docs") {
				return // public
			}
			// The admin's browser, with the session cookie and the CSRF
			// token: a page of evil.example could make it send this.
			req, _ := http.NewRequest(method, c.admin.base+path, strings.NewReader(`{"name":"Forged","email":"forged@evil.example"}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", c.admin.csrf)
			res, err := c.admin.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with the session cookie only: %d, want 401", method, path, res.StatusCode)
			}
			checkSecureHeaders(t, answer{what: method + " " + path, header: res.Header, signedIn: true}, false)
		})
		if after := db.rows(); len(after.changed(before)) > 0 {
			t.Errorf("cookie-only API requests changed rows of %v", after.changed(before))
		}
	})
}
