package server_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"image"
	pngenc "image/png"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scim"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// updateMatrix rewrites the expected access matrix from what the server
// answers, for a human to review in the diff.
var updateMatrix = flag.Bool("update-matrix", false, "rewrite testdata/access_matrix.txt from the observed statuses")

// matrixStatuses logs every answer's status, for reviewing a class.
var matrixStatuses = flag.Bool("matrix-statuses", false, "log the status of every request of TestAccessMatrix")

const matrixFile = "testdata/access_matrix.txt"

// The access matrix: every route of every router (chi.Walk, so a new
// route cannot be missed), asked by every party, each answer's class
// compared with testdata/access_matrix.txt. Bodies given to parties with
// no business in acme (and every refused body) are searched for acme's
// marker strings; a refused request must change nothing.
func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	runMatrix(t, matrixHalf{rows: 0})
}

// The matrix is asked in three parts, each on a fixture of its own, side
// by side: every other route as the parties of the world as it is (here
// and in TestAccessMatrix), and the suspended columns (each of their
// passes suspends acme and its organisations). A request is a chain of
// round trips; three shorter chains end sooner on a busy machine.
func TestAccessMatrix_OtherRoutes(t *testing.T) {
	t.Parallel()
	runMatrix(t, matrixHalf{rows: 1})
}

func TestAccessMatrix_Suspended(t *testing.T) {
	t.Parallel()
	runMatrix(t, matrixHalf{suspended: true})
}

// matrixHalf says which part of the matrix a test asks: every other row
// (rows 0 or 1) of the first pass, or every row of the suspended passes.
type matrixHalf struct {
	rows      int
	suspended bool
}

// matrixFileMu orders the parts' rewrites of the matrix file.
var matrixFileMu sync.Mutex

// markersSeen fails when, once both halves of the first pass have run,
// some marker was never shown to a party entitled to it: the leak check
// would be blind to it.
func markersSeen(t *testing.T, seen map[string]bool, markers []string) {
	markerMu.Lock()
	defer markerMu.Unlock()
	for m := range seen {
		markerSeen[m] = true
	}
	markerHalves++
	if markerHalves < 2 {
		return
	}
	for _, m := range markers {
		if !markerSeen[m] {
			t.Errorf("no party was ever shown the marker %q: it proves nothing", m)
		}
	}
}

var (
	markerMu     sync.Mutex
	markerSeen   = map[string]bool{}
	markerHalves int
)

// runMatrix asks every route of its part as the parties of its passes,
// and compares their cells with the matrix file.
func runMatrix(t *testing.T, part matrixHalf) {
	suspended := part.suspended
	start := time.Now()
	f := newMatrixFixture(t)
	t.Logf("fixture: %v", time.Since(start))
	passes := f.passes[:1]
	if suspended {
		passes = f.passes[1:]
	}
	mine := func(p *party) bool {
		return slices.ContainsFunc(passes, func(ps matrixPass) bool { return ps.name == p.pass })
	}

	all := f.walk(t)
	var rows []matrixRow
	for i, row := range all {
		if suspended || i%2 == part.rows {
			rows = append(rows, row)
		}
	}
	t.Logf("%d routes × %d parties", len(rows), len(f.parties))

	expected, header, err := readMatrix(matrixFile)
	if err != nil && !*updateMatrix {
		t.Fatalf("read the matrix: %v (run with -update-matrix to write it)", err)
	}
	names := make([]string, len(f.parties))
	for i, p := range f.parties {
		names[i] = p.name
	}
	if !*updateMatrix && !slices.Equal(header, names) {
		t.Fatalf("the matrix's parties are %v, the test's %v: run with -update-matrix and review", header, names)
	}

	// Cells of the other half's parties come from the file, for the
	// "no more than" rule below.
	observed := map[string][]string{}
	for _, row := range rows {
		observed[row.key()] = slices.Clone(expected[row.key()])
		if len(observed[row.key()]) != len(f.parties) {
			observed[row.key()] = make([]string, len(f.parties))
		}
	}
	// Each pass puts the world in a state and asks the routes as the
	// parties of that state; the first is the world as it is.
	for _, pass := range passes {
		if pass.enter != nil {
			pass.enter()
		}
		for _, row := range rows {
			cells := observed[row.key()]
			name := row.key()
			if pass.name != "" {
				name = pass.name + "/" + name
			}
			t.Run(name, func(t *testing.T) {
				want, known := expected[row.key()]
				if !known && !*updateMatrix && !suspended {
					t.Errorf("no row in %s for %s: add one (or run with -update-matrix and review it)", matrixFile, row.key())
				}
				for i, p := range f.parties {
					if p.pass != pass.name {
						continue
					}
					cells[i] = f.ask(t, row, p)
					if known && !*updateMatrix && want[i] != cells[i] {
						t.Errorf("%s: got %s, the matrix says %s", p.name, cells[i], want[i])
					}
				}
			})
		}
	}
	for i, p := range f.parties {
		ref := slices.IndexFunc(f.parties, func(q *party) bool { return q.name == p.noMoreThan })
		if p.noMoreThan == "" || ref < 0 || !mine(p) {
			continue
		}
		for _, row := range rows {
			if cells := observed[row.key()]; cells[i] == "ok" && cells[ref] != "ok" {
				t.Errorf("%s: %s gets through where %s gets %s", row.key(), p.name, p.noMoreThan, cells[ref])
			}
		}
	}
	if !suspended {
		markersSeen(t, f.seen, f.markers)
		if !*updateMatrix && part.rows == 0 {
			for key := range expected {
				if !slices.ContainsFunc(all, func(r matrixRow) bool { return r.key() == key }) {
					t.Errorf("%s names %s, which no router has any more: remove its row", matrixFile, key)
				}
			}
		}
	}
	if *updateMatrix {
		// The file as the other half may just have written it, with
		// this half's columns replaced.
		matrixFileMu.Lock()
		defer matrixFileMu.Unlock()
		current, _, _ := readMatrix(matrixFile)
		merged := map[string][]string{}
		for _, row := range all {
			cells := make([]string, len(f.parties))
			if c := current[row.key()]; len(c) == len(f.parties) {
				copy(cells, c)
			}
			if own, ok := observed[row.key()]; ok {
				for i, p := range f.parties {
					if mine(p) {
						cells[i] = own[i]
					}
				}
			}
			merged[row.key()] = cells
		}
		if err := writeMatrix(matrixFile, names, f.parties, all, merged); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: review the diff", matrixFile)
	}
	t.Logf("whole test: %v", time.Since(start))
}

// Host kinds: which router serves a route, and so which host it is asked on.
const (
	kindTop         = "top" // the top router, on every host
	kindPortal      = "portal"
	kindPlatform    = "platform"
	kindAPI         = "api"
	kindPlatformAPI = "platform-api"
	kindContent     = "content"
	kindSCIM        = "scim"
)

type matrixRow struct {
	method, kind, pattern string
}

func (r matrixRow) key() string { return r.method + " " + r.kind + " " + r.pattern }

// party is one column: who asks, with what credentials.
type party struct {
	name string
	// about says who the party is, for the matrix file's header.
	about string
	// login, when set, is the party's signed-in session (a session cookie
	// and its CSRF token); every request sends a copy of it, on whatever
	// host, as a stolen or transplanted cookie would be.
	login *login
	// bearer is an API key sent as a bearer token.
	bearer string
	// otherHost asks portal and API routes on globex's host instead of
	// acme's, with acme's IDs in the path.
	otherHost bool
	// keysOnly: the party is only asked on API routes (a key means
	// nothing to a page).
	keysOnly bool
	// outsider: the party has no business in acme's people or content,
	// so no body it gets may hold a marker, whatever its status.
	outsider bool
	// own are markers that name the party itself (its own name on a
	// page is no leak).
	own []string
	// freshSession: every request uses a new copy of the session, since
	// the server ends a session used on the wrong portal.
	freshSession bool
	// session is the copy of login's session in use.
	session string
	// pass names the state of the world the party is asked in (see
	// matrixPass): the suspended parties are asked while their portal or
	// reseller is suspended.
	pass string
	// noMoreThan names the party this one may get no more than: a
	// party in a state gets nothing an anonymous visitor (or a stranger's
	// key) does not.
	noMoreThan string
}

// matrixPass is a state of the world: enter puts it in place, then every
// route is asked as the parties of that pass.
type matrixPass struct {
	name  string
	enter func()
}

// login is a signed-in session that can be copied (cheaply, in the
// session table) and signed in again when a route ends it everywhere.
type login struct {
	master, csrf string
	signIn       func() (master, csrf string)
}

type matrixFixture struct {
	s       *testServer
	db      *pgx.Conn
	addr    string
	port    string
	hc      *http.Client
	parties []*party
	// params fills URL parameters by host kind and "segment/{param}".
	params map[string]map[string]string
	// fresh makes new objects for routes that consume theirs (delete,
	// revoke, remove), so that every party finds one to act on; it
	// returns parameter overrides.
	fresh map[string]func() map[string]string
	// fixed are parameter overrides for one route.
	fixed map[string]map[string]string
	// files fills a route's trailing wildcard.
	files map[string]string
	// exempt routes hand their data to whoever holds the URL's secret
	// (a capability): the leak check does not apply to outsiders there.
	exempt  map[string]string
	markers []string
	// seen are the markers some party entitled to them was shown: a
	// marker nobody is ever shown would make the leak check blind.
	seen map[string]bool
	ip   int
	// passes are the states the parties are asked in, in order.
	passes []matrixPass
}

// walk lists every route of every router.
func (f *matrixFixture) walk(t *testing.T) []matrixRow {
	t.Helper()
	var rows []matrixRow
	add := func(kind string, r chi.Router) {
		walk(t, r, func(method, route string) {
			if kind == kindTop && route == "/*" {
				// The top router's catch-all hands the request to the
				// host's router, walked below.
				return
			}
			rows = append(rows, matrixRow{method: method, kind: kind, pattern: route})
		})
	}
	add(kindTop, f.s.Router())
	add(kindPortal, f.s.PortalRouter())
	add(kindPlatform, f.s.PlatformRouter())
	add(kindAPI, f.s.APIRouter())
	add(kindPlatformAPI, f.s.PlatformAPIRouter())
	add(kindContent, f.s.ContentRouter())
	add(kindSCIM, f.s.SCIMRouter())
	return rows
}

// path fills a route's parameters with acme's objects.
func (f *matrixFixture) path(t *testing.T, row matrixRow, overrides map[string]string) string {
	t.Helper()
	pattern := row.pattern
	if strings.HasSuffix(pattern, "/*") {
		file, ok := f.files[row.key()]
		if !ok {
			t.Fatalf("no file for the wildcard of %s; add one to the fixture's files", row.key())
		}
		pattern = strings.TrimSuffix(pattern, "*") + file
	}
	p, missing := fillRoute(pattern, func(seg string) (string, bool) {
		if v, ok := overrides[seg]; ok {
			return v, true
		}
		v, ok := f.params[row.kind][seg]
		return v, ok
	})
	if missing != "" {
		t.Fatalf("%s: no object for %q; add one to the fixture's params", row.key(), missing)
	}
	if strings.Contains(p, "{") {
		t.Fatalf("%s: a parameter is left in %q", row.key(), p)
	}
	return p
}

// ask sends the row's request as the party and returns the answer's class.
func (f *matrixFixture) ask(t *testing.T, row matrixRow, p *party) string {
	t.Helper()
	apiRoute := row.kind == kindAPI || row.kind == kindPlatformAPI || row.kind == kindSCIM
	if p.keysOnly && !apiRoute {
		return "-"
	}
	overrides := f.fixed[row.key()]
	if mk := f.fresh[row.key()]; mk != nil {
		overrides = mk()
	}
	path := f.path(t, row, overrides)

	host := "localhost"
	switch row.kind {
	case kindPortal, kindAPI, kindSCIM:
		host = "acme.localhost"
		if p.otherHost {
			host = "globex.localhost"
		}
	case kindContent:
		host = "content.localhost"
	}

	var body io.Reader
	contentType := ""
	unsafe := row.method != http.MethodGet && row.method != http.MethodHead
	if unsafe && row.method != http.MethodDelete {
		// Harmless and invalid: whoever gets past authorisation is
		// told the input is wrong, and nothing is destroyed. The
		// address differs each time, so that sign-in throttles keyed
		// by it stay out of the way.
		f.ip++
		if apiRoute || row.kind == kindContent {
			body, contentType = strings.NewReader(`{"matrix": `), "application/json"
		} else {
			body, contentType = strings.NewReader(url.Values{"email": {fmt.Sprintf("probe-%d@matrix.test", f.ip)}}.Encode()), "application/x-www-form-urlencoded"
		}
	}
	req, err := http.NewRequest(row.method, "http://"+host+":"+f.port+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	// Every request comes from an address of its own (the server trusts
	// the loopback proxy), so no throttle keyed by address trips.
	f.ip++
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", f.ip>>16&255, f.ip>>8&255, f.ip&255))
	if p.login != nil {
		if p.session == "" || p.freshSession {
			p.session = f.copySession(t, p.login.master)
		}
		req.Header.Set("Cookie", "upward_session="+p.session)
		req.Header.Set("X-CSRF-Token", p.login.csrf)
	}
	if p.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+p.bearer)
	}

	before := f.changes(t)
	res, err := f.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	class := classOf(row.pattern, res.StatusCode, res.Header.Get("Location"))

	// A session the server renewed or ended is copied afresh next time;
	// "sign out everywhere" needs a new sign-in.
	for _, c := range res.Cookies() {
		if c.Name == "upward_session" {
			p.session = ""
		}
	}
	if p.login != nil && class == "ok" && strings.HasSuffix(row.pattern, "/sign-out-everywhere") {
		p.login.master, p.login.csrf = p.login.signIn()
		p.session = ""
	}

	if *matrixStatuses {
		t.Logf("%s %s: %d %s", row.key(), p.name, res.StatusCode, res.Header.Get("Location"))
	}
	if strings.HasPrefix(class, "5") {
		t.Errorf("%s: status %d\n%s", p.name, res.StatusCode, firstLines(string(b), 5))
	}
	refused := class != "ok" && class != "-"
	if !refused && !p.outsider {
		for _, m := range f.markers {
			if strings.Contains(string(b), m) {
				f.seen[m] = true
			}
		}
	}
	if refused || (p.outsider && f.exempt[row.key()] == "") {
		for _, m := range f.markers {
			if strings.Contains(string(b), m) && !slices.Contains(p.own, m) {
				t.Errorf("%s (%s): the body holds acme's %q", p.name, class, m)
			}
		}
	}
	if refused {
		if f.changes(t) != before {
			if changed := f.changedSince(t, before); !f.mayChange(row, changed) {
				t.Errorf("%s (%s): the refused request changed %s", p.name, class, changed)
			}
		}
	}
	return class
}

// refusalsThatWrite are what a refused request may still write, by route:
// a failed sign-in is audited.
var refusalsThatWrite = map[string]string{
	"POST portal /login":            "INSERT audit_events",
	"POST platform /console/login":  "INSERT platform_audit_events",
	"POST platform /platform/login": "INSERT platform_audit_events",
}

func (f *matrixFixture) mayChange(row matrixRow, changed string) bool {
	return refusalsThatWrite[row.key()] == changed
}

// classOf sorts a status into the matrix's classes.
func classOf(pattern string, status int, location string) string {
	switch {
	case status == http.StatusUnauthorized:
		return "login"
	case status >= 300 && status < 400:
		u, _ := url.Parse(location)
		if u == nil || (u.Path != "/login" && u.Path != "/console/login" && u.Path != "/platform/login") {
			return "ok"
		}
		// Signing out ends on the sign-in page: that is success. A
		// gate sending the party to sign in first says where to come
		// back to.
		signsOut := strings.HasSuffix(pattern, "/logout") || strings.HasSuffix(pattern, "/sign-out-everywhere")
		if signsOut && u.Query().Get("next") == "" {
			return "ok"
		}
		return "login"
	case status < 300:
		return "ok"
	case status == http.StatusBadRequest, status == http.StatusConflict, status == http.StatusGone, status == http.StatusRequestEntityTooLarge,
		status == http.StatusUnsupportedMediaType, status == http.StatusUnprocessableEntity:
		return "ok"
	}
	return strconv.Itoa(status)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, "\n")
}

// copySession copies a session row under a new token: a second browser
// with the same sign-in, without paying for another password check.
func (f *matrixFixture) copySession(t *testing.T, token string) string {
	t.Helper()
	b := make([]byte, 32)
	rand.Read(b)
	fresh := base64.RawURLEncoding.EncodeToString(b)
	tag, err := f.db.Exec(context.Background(), `INSERT INTO sessions (token, data, expiry) SELECT $2, data, expiry FROM sessions WHERE token = $1`, token, fresh)
	if err != nil || tag.RowsAffected() != 1 {
		t.Fatalf("copy a session: %v (%d rows)", err, tag.RowsAffected())
	}
	return fresh
}

// watchChanges installs, in the test's own database, a trigger on every
// table that notes each row inserted, updated or deleted (when the
// transaction commits: a rolled-back attempt changed nothing). A refused
// request must add no note. Left out: sessions (a refusal may end one),
// River's tables, and what background workers write on their own after
// an earlier request: webhook deliveries, the mail outbox (mail is sent
// for a change, which is itself noted), a notification's mailed_at, an
// endpoint's failure count; and a key's last_used_at, which moves on
// every authenticated request, refused or not.
func (f *matrixFixture) watchChanges(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	sql := `CREATE UNLOGGED TABLE matrix_changes (id bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL);
		CREATE FUNCTION matrix_note() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
		BEGIN INSERT INTO matrix_changes (tbl, op) VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$;`
	ignored := map[string]string{
		"api_keys": "last_used_at", "portal_api_keys": "last_used_at", "org_api_keys": "last_used_at",
		"webhook_endpoints":     "consecutive_failures', 'failing_since', 'updated_at",
		"org_webhook_endpoints": "consecutive_failures', 'failing_since', 'updated_at",
		"notifications":         "mailed_at",
	}
	// Sessions and rate counts are bookkeeping every request may touch.
	rows, err := f.db.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT IN
		('sessions', 'rate_counters', 'webhook_deliveries', 'org_webhook_deliveries', 'mail_outbox', 'schema_migrations', 'matrix_changes') AND tablename NOT LIKE 'river%'`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		cols, noisy := ignored[tb]
		switch {
		case !noisy:
			sql += fmt.Sprintf(`CREATE TRIGGER matrix_note AFTER INSERT OR UPDATE OR DELETE ON %s FOR EACH ROW EXECUTE FUNCTION matrix_note();`, tb)
		default:
			sql += fmt.Sprintf(`CREATE TRIGGER matrix_note AFTER INSERT OR DELETE ON %[1]s FOR EACH ROW EXECUTE FUNCTION matrix_note();
				CREATE TRIGGER matrix_note_update AFTER UPDATE ON %[1]s FOR EACH ROW
				WHEN ((to_jsonb(OLD) - ARRAY['%[2]s']) IS DISTINCT FROM (to_jsonb(NEW) - ARRAY['%[2]s'])) EXECUTE FUNCTION matrix_note();`, tb, cols)
		}
	}
	if _, err := f.db.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
	if len(tables) < 40 {
		t.Fatalf("watching only %d tables", len(tables))
	}
}

// changes counts the notes so far.
func (f *matrixFixture) changes(t *testing.T) int64 {
	t.Helper()
	var n int64
	if err := f.db.QueryRow(context.Background(), `SELECT count(*) FROM matrix_changes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// changedSince says which tables changed after the first n notes.
func (f *matrixFixture) changedSince(t *testing.T, n int64) string {
	t.Helper()
	var s string
	if err := f.db.QueryRow(context.Background(), `SELECT string_agg(DISTINCT op || ' ' || tbl, ', ') FROM
		(SELECT tbl, op FROM matrix_changes ORDER BY id OFFSET $1) c`, n).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// readMatrix reads the expected classes by row key, and the parties'
// names from the header line.
func readMatrix(name string) (map[string][]string, []string, error) {
	file, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	rows := map[string][]string{}
	var header []string
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if header == nil {
			if len(fields) < 4 || fields[0] != "METHOD" {
				return nil, nil, fmt.Errorf("the first line that is not a comment must be the header, METHOD HOST ROUTE and the parties")
			}
			header = fields[3:]
			continue
		}
		if len(fields) != 3+len(header) {
			return nil, nil, fmt.Errorf("%q has %d cells, the header %d parties", line, len(fields)-3, len(header))
		}
		key := strings.Join(fields[:3], " ")
		if _, dup := rows[key]; dup {
			return nil, nil, fmt.Errorf("%s has two rows", key)
		}
		rows[key] = fields[3:]
	}
	return rows, header, sc.Err()
}

func writeMatrix(name string, names []string, parties []*party, rows []matrixRow, observed map[string][]string) error {
	var b bytes.Buffer
	b.WriteString(matrixHeader)
	b.WriteString("#\n# Parties:\n")
	for _, p := range parties {
		fmt.Fprintf(&b, "#   %-20s %s\n", p.name, p.about)
	}
	b.WriteString("\n")
	sorted := slices.Clone(rows)
	order := map[string]int{kindTop: 0, kindPortal: 1, kindAPI: 2, kindPlatform: 3, kindPlatformAPI: 4, kindContent: 5, kindSCIM: 6}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, c := sorted[i], sorted[j]
		if a.kind != c.kind {
			return order[a.kind] < order[c.kind]
		}
		if a.pattern != c.pattern {
			return a.pattern < c.pattern
		}
		return a.method < c.method
	})
	width := [3]int{len("METHOD"), len("HOST"), len("ROUTE")}
	for _, r := range sorted {
		width[0], width[1], width[2] = max(width[0], len(r.method)), max(width[1], len(r.kind)), max(width[2], len(r.pattern))
	}
	cellWidth := make([]int, len(names))
	for i, n := range names {
		cellWidth[i] = max(len(n), 5)
	}
	line := func(method, kind, pattern string, cells []string) {
		fmt.Fprintf(&b, "%-*s %-*s %-*s", width[0], method, width[1], kind, width[2], pattern)
		for i, c := range cells {
			if c == "" {
				// Not asked yet: a new route whose other parts have not
				// written their cells. A placeholder keeps the file
				// readable for them (an empty cell would shift the row).
				c = "?"
			}
			fmt.Fprintf(&b, " %-*s", cellWidth[i], c)
		}
		b.Truncate(len(bytes.TrimRight(b.Bytes(), " ")))
		b.WriteString("\n")
	}
	line("METHOD", "HOST", "ROUTE", names)
	for _, r := range sorted {
		line(r.method, r.kind, r.pattern, observed[r.key()])
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

const matrixHeader = `# Upward's access matrix: what every party gets from every route.
#
# TestAccessMatrix (internal/server/access_matrix_test.go) walks every
# router with chi.Walk (the top router, the portal's, the platform's, the
# portal API's, the provisioning API's and the SCORM content host's), asks
# each route as each party below, with every URL parameter filled with a
# real object of acme (the portal under test), and compares the class of
# each answer with this table. It fails when a route has no row, when a
# row names a route that is gone, and when any cell differs.
#
# Unsafe requests carry a valid CSRF token (session parties) and a
# harmless, invalid body, so "ok" on a POST means "got past
# authorisation", not "changed something". A refused answer must change
# nothing and, like every answer to a party with no business in acme,
# must hold none of acme's marker strings (people, courses, posts...).
# Routes whose URL carries a secret (a certificate's verification code, a
# calendar feed's token, a SCORM launch token) and the development
# mailbox give their data to whoever holds the URL: the test lists them.
# Session parties send their session cookie to every host, as a stolen
# cookie would be sent.
#
# The state columns (from "deactivated" on) are parties who hold the
# credentials they had before their state changed: a session from before
# a deactivation or a downgrade, an unaccepted invitation's page. The
# "@suspended-by-operator" parties are asked in a second pass, with acme,
# northwind (its reseller) and globex's account suspended by the operator;
# the "@suspended-by-reseller" ones in a third, with acme suspended by
# northwind. None may get what anon (or, for keys, x-org) does not.
#
# To change it: fix the code, run
#   go test ./internal/server -run TestAccessMatrix -update-matrix
# which rewrites this file from the server's answers, and review the diff
# cell by cell: every cell must be what a serious LMS should do (add -v
# -matrix-statuses to see each answer's exact status).
#
# Classes:
#   ok     2xx; a redirect anywhere but to a sign-in page; 400, 409, 410,
#          413, 415 or 422 (past authorisation, the input refused: 410
#          is a link's token, missing here, being refused)
#   login  401, or a redirect to a sign-in page
#   403    forbidden
#   404    not found: the object is not the party's to know of
#   405    method not allowed
#   -      not asked: an API key means nothing to a page
#
# Hosts (where a route is asked):
#   top           the top router (probes, static files), on the platform host
#   portal        acme.localhost (the globex parties use globex.localhost)
#   api           /api/v1 on acme.localhost (the portal API, portal keys)
#   platform      localhost: the console and the operators' pages
#   platform-api  /api/v1 on localhost (provisioning, account and reseller keys)
#   content       content.localhost: SCORM packages, by launch token
`

// newMatrixFixture builds acme with one of everything, marked, and the
// parties.
func newMatrixFixture(t *testing.T) *matrixFixture {
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	s := newServer(t, func(c *config.Config) { c.TrustedProxies = []netip.Prefix{loopback} })
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	fatal := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	owner := ownerConn(t, s)
	resellers := postgres.NewResellerService(s.db)
	northwind, err := resellers.EnsureReseller(ctx, "northwind", "Northwind Partners")
	fatal(err)
	southwind, err := resellers.EnsureReseller(ctx, "southwind", "Southwind")
	fatal(err)
	// Courses: the marked one everyone learns in, and spares for routes
	// that use theirs up. Every feature, so that no refusal is the plan's.
	const markedSlug, leaveSlug, restartSlug, editedSlug = "matrix-1", "matrix-2", "matrix-3", "matrix-4"
	enrolled := []string{"quill.markerson@acme.test", "manager@acme.test", "feeder@acme.test", "exa@acme.test"}
	var progress []fixture.Progress
	for _, who := range enrolled {
		for _, c := range []string{markedSlug, leaveSlug, restartSlug} {
			progress = append(progress, fixture.Progress{Who: who, Course: c})
		}
	}
	built := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme", Plan: "enterprise", Settings: tenant.Settings{SelfRegistration: true},
		People: []fixture.Person{
			{Email: "manager@acme.test", Name: "Mo Manager"},
			{Email: "quill.markerson@acme.test", Name: "Quill Markerson", Manager: "manager@acme.test"},
			{Email: "teacher@acme.test", Name: "Tess Teacher", Roles: []user.Role{user.Instructor}},
			{Email: "boss@acme.test", Name: "Acme Boss", Roles: []user.Role{user.Admin}},
			{Email: "feeder@acme.test", Name: "Fay Feeder"},
			// People put in a state (deactivated, downgraded) for the
			// matrix's state columns, and the suspended portal's people.
			{Email: "dee@acme.test", Name: "Dee Deactivated"},
			{Email: "demi@acme.test", Name: "Demi Downgraded", Roles: []user.Role{user.Admin}},
			{Email: "sue@acme.test", Name: "Sue Suspended", Roles: []user.Role{user.Admin}},
			{Email: "lou@acme.test", Name: "Lou Suspended"},
			// A manager whose only report gets another manager after
			// they signed in (the ex-manager column).
			{Email: "exa@acme.test", Name: "Exa Exmanager"},
			{Email: "rhea@acme.test", Name: "Rhea Reassigned", Manager: "exa@acme.test"},
		},
		Groups: []fixture.Group{{Name: "Acme Marker Group", Members: []string{"quill.markerson@acme.test"}}},
		Courses: []fixture.Course{{Slug: markedSlug, Title: "Acme Marker Course"}, {Slug: leaveSlug, Title: "Acme Marker Course To Leave"},
			{Slug: restartSlug, Title: "Acme Marker Course To Restart"}, {Slug: editedSlug, Title: "Acme Marker Course To Edit"}},
		Paths:    []fixture.Path{{Slug: "acme-marker-path", Title: "Acme Marker Path", Courses: []string{markedSlug}}},
		Progress: progress,
	})
	globex := fixture.Build(t, s.db, fixture.Spec{Slug: "globex", Name: "Globex", Plan: "enterprise",
		People: []fixture.Person{{Email: "boss@globex.test", Name: "Globex Boss", Roles: []user.Role{user.Admin}}}}).Tenant
	// acme is northwind's client. A Spec cannot say so, and no service
	// moves a portal to a reseller: its row and its account's say it
	// here, as CreateTenant with the reseller would have written them.
	_, err = owner.Exec(ctx, `WITH t AS (UPDATE tenants SET reseller_id = $1 WHERE id = $2 RETURNING account_id)
		UPDATE accounts SET reseller_id = $1 WHERE id = (SELECT account_id FROM t)`, northwind.ID, built.ID)
	fatal(err)
	acme, err := s.main.Tenants.FindTenantBySlug(ctx, "acme")
	fatal(err)
	// The owner's connection reads acme's tables (row-level security
	// applies to it too).
	_, err = owner.Exec(ctx, `SELECT set_config('app.tenant_id', $1, false)`, itoa(acme.ID))
	fatal(err)
	learner, manager := built.Person(t, "quill.markerson@acme.test"), built.Person(t, "manager@acme.test")
	instructor, feeder := built.Person(t, "teacher@acme.test"), built.Person(t, "feeder@acme.test")
	courses := postgres.NewCourseService(s.db)
	learn := postgres.NewLearningService(s.db)
	spare := len(built.Courses)
	// importCourse makes a spare course for a route that removes its own.
	importCourse := func(title string) postgres.CourseRecord {
		t.Helper()
		c := fixture.ExampleCourse(t)
		spare++
		c.Title, c.Slug = title, fmt.Sprintf("matrix-%d", spare)
		rec, err := courses.ImportCourse(ctx, acme.ID, c, "", by)
		fatal(err)
		_, err = courses.Publish(ctx, acme.ID, rec.ID, "", by)
		fatal(err)
		rec, err = courses.FindCourseByID(ctx, acme.ID, rec.ID)
		fatal(err)
		return rec
	}
	marked, leave, restart, edited := built.Courses[markedSlug], built.Courses[leaveSlug], built.Courses[restartSlug], built.Courses[editedSlug]
	lc, err := learn.FindLearnerCourse(ctx, acme.ID, learner.ID, marked.Slug)
	fatal(err)
	blockOf := func(module int, kind course.Kind) string {
		for _, b := range lc.Content.Modules[module].Lessons[0].Blocks {
			if b.Kind == kind {
				return b.Key
			}
		}
		t.Fatalf("no %s block in module %d", kind, module)
		return ""
	}
	firstLesson := lc.Content.Modules[0].Lessons[0].Key
	writingBlock := lc.Content.Modules[1].Lessons[1].Blocks[1].Key
	fatal(learn.SaveReflection(ctx, acme.ID, lc, firstLesson, blockOf(0, course.KindReflection), "Acme Marker Reflection", false))
	_, err = learn.SubmitQuiz(ctx, acme.ID, lc, lc.Content.Modules[1].Lessons[0].Key, blockOf(1, course.KindQuiz), 1, learning.Answers{{0}, {1}})
	fatal(err)
	certs, err := learn.FindCertificates(ctx, acme.ID, learner.ID)
	fatal(err)
	if len(certs) != 1 {
		t.Fatalf("%d certificates", len(certs))
	}

	paths := postgres.NewPathService(s.db)
	newPath := func(slug string) postgres.PathRecord {
		t.Helper()
		p, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: slug, Title: "Acme Marker Path",
			Steps: []course.PathStep{{Course: marked.Slug, Unlock: course.Free}}}, "", true, by)
		fatal(err)
		return p
	}
	path := built.Paths["acme-marker-path"]
	// The path is started for everyone who may take it, so that starting
	// one of its steps does not depend on another row asked first (the
	// rows are asked in parts, side by side).
	for _, who := range []string{"quill.markerson@acme.test", "manager@acme.test", "teacher@acme.test", "boss@acme.test", "exa@acme.test"} {
		fatal(paths.StartPath(ctx, acme.ID, built.Person(t, who).ID, path.ID))
	}
	groups := postgres.NewGroupService(s.db)
	group := built.Groups["Acme Marker Group"]

	hooks := postgres.NewWebhookService(s.db, true)
	newHook := func() int64 {
		t.Helper()
		h, _, err := hooks.CreateEndpoint(ctx, acme.ID, webhook.Endpoint{URL: "http://127.0.0.1:9/acme-marker-hook", Events: []string{webhook.UserCreated}}, by)
		fatal(err)
		return h.ID
	}
	hook := newHook()
	keys := postgres.NewAPIKeyService(s.db)
	newPortalKey := func(tn tenant.Tenant, perms ...apikey.Permission) (string, string) {
		t.Helper()
		k, token, err := keys.CreatePortalKey(ctx, tn.ID, tn.Name+" Marker Key", perms, by)
		fatal(err)
		return k.ID, token
	}
	spareKey, _ := newPortalKey(acme, apikey.UsersRead)

	notes := postgres.NewNotificationService(s.db)
	fatal(notes.Notify(ctx, acme.ID, notify.Note{UserID: learner.ID, Kind: notify.Mention, Title: "Acme Marker Notification"}))
	learnerNotes, _, err := notes.FindNotifications(ctx, acme.ID, learner.ID, 0, 1)
	fatal(err)

	live := postgres.NewLiveSessionService(s.db)
	newSession := func() int64 {
		t.Helper()
		at := time.Now().Add(72 * time.Hour)
		ls, err := live.CreateSession(ctx, acme.ID, postgres.SessionPlan{CourseID: marked.ID, Instructors: []int64{instructor.ID},
			Details: livesession.Details{Title: "Acme Marker Session", Start: at, End: at.Add(time.Hour), TimeZone: "UTC", Capacity: 5, Room: "Room 1"}}, by)
		fatal(err)
		_, err = live.Register(ctx, acme.ID, ls.ID, learner.ID)
		fatal(err)
		return ls.ID
	}
	session := newSession()
	spareSession := newSession()
	_, err = live.Register(ctx, acme.ID, session, feeder.ID)
	fatal(err)
	feed, err := live.NewCalendarFeed(ctx, acme.ID, feeder.ID)
	fatal(err)

	talk := postgres.NewDiscussionService(s.db)
	newPost := func() string {
		t.Helper()
		p, err := talk.CreatePost(ctx, acme.ID, postgres.Viewer{UserID: learner.ID}, postgres.ThreadRef{CourseID: marked.ID, Lesson: firstLesson}, 0, "Acme Marker Post")
		fatal(err)
		return strconv.FormatInt(p.PostID, 10)
	}
	post := newPost()
	postID, _ := strconv.ParseInt(post, 10, 64)
	_, err = talk.ReportPost(ctx, acme.ID, postgres.Viewer{UserID: manager.ID}, postID, "Off topic")
	fatal(err)

	var enrolment int64
	fatal(owner.QueryRow(ctx, `SELECT id FROM enrolments WHERE user_id = $1 AND course_id = $2`, learner.ID, marked.ID).Scan(&enrolment))

	// Files, a logo and a SCORM course go through the pages, as an
	// administrator makes them.
	admin := newClient(t, s, "acme.localhost")
	if p := signIn(admin, "boss@acme.test", goodPassword); p.status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", p.status)
	}
	var png bytes.Buffer
	pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 16, 16)))
	coursePath := "/admin/courses/" + itoa(marked.ID)
	admin.get(coursePath)
	if p := admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {"image"}}, "file", "team.png", png.Bytes()); p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d", p.status)
	}
	notice := admin.get(coursePath).text(`[data-testid="notice"]`)
	file := notice[strings.Index(notice, "src: ")+5:]
	admin.get("/admin/settings")
	if p := admin.upload("/admin/settings/logo", "logo", "logo.png", png.Bytes()); p.status != http.StatusSeeOther {
		t.Fatalf("logo: %d", p.status)
	}
	logoSrc, _ := admin.get("/").doc.Find(".brand-logo").Attr("src")
	logo := strings.TrimPrefix(logoSrc, "/logo/")
	admin.get("/admin/settings/certificates")
	if p := admin.uploadForm("/admin/settings/certificates", url.Values{"layout": {"modern"}, "signer_name": {"Acme Marker Signer"}, "intent": {"save"}},
		"signature", "signature.png", png.Bytes()); p.status != http.StatusSeeOther {
		t.Fatalf("certificate design: %d", p.status)
	}
	certDesign, err := postgres.NewTenantService(s.db).FindCertificateDesign(ctx, acme.ID)
	fatal(err)
	scorm := scormCourse(t, s, admin, "sco12")
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "quill.markerson@acme.test", goodPassword)
	ana.get("/courses/" + scorm.Slug)
	if p := ana.post("/courses/"+scorm.Slug+"/enrol", nil); p.status != http.StatusSeeOther {
		t.Fatalf("enrol in the SCORM course: %d", p.status)
	}
	launch, err := url.Parse(launchOf(t, ana, scorm.Slug, scorm.Draft.Modules[0].Lessons[0].Key))
	fatal(err)
	launchToken := strings.Split(launch.Path, "/")[2]

	// The console: northwind resells acme; southwind is another client's
	// reseller.
	consoleService := postgres.NewConsoleService(s.db)
	_, err = consoleService.CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae", goodPassword, by)
	fatal(err)
	_, err = consoleService.CreateConsoleMember(ctx, "", "southwind", "sol@southwind.test", "Sol", goodPassword, by)
	fatal(err)
	rae := consoleClient(t, s, "rae@northwind.test")
	rae.get("/console/branding")
	if p := rae.uploadForm("/console/branding", url.Values{"name": {"Northwind Learning"}, "support_email": {"help@northwind.test"}},
		"logo", "northwind.png", pngLogo(t, 120, 40)); p.status != http.StatusSeeOther {
		t.Fatalf("reseller branding: %d", p.status)
	}
	brandingSrc, _ := rae.get("/console/branding").doc.Find(`[data-testid="logo-preview"]`).Attr("src")
	northwindOrg := postgres.Org{ResellerID: &northwind.ID}
	southwindOrg := postgres.Org{ResellerID: &southwind.ID}
	var raeID int64
	fatal(owner.QueryRow(ctx, `SELECT id FROM console_members WHERE email = 'rae@northwind.test'`).Scan(&raeID))
	newOrgKey := func(org postgres.Org, perms ...apikey.Permission) (string, string) {
		t.Helper()
		var member int64
		fatal(owner.QueryRow(ctx, `SELECT id FROM console_members WHERE reseller_id = $1 ORDER BY id LIMIT 1`, *org.ResellerID).Scan(&member))
		k, token, err := keys.CreateOrgKey(ctx, org, member, "Matrix key", perms, by)
		fatal(err)
		return k.ID, token
	}
	orgHooks := postgres.NewOrgWebhookService(s.db, true)
	newOrgHook := func() string {
		t.Helper()
		h, _, err := orgHooks.CreateEndpoint(ctx, northwindOrg, webhook.Endpoint{URL: "http://127.0.0.1:9/northwind-hook", Events: []string{webhook.PortalCreated}}, by)
		fatal(err)
		return itoa(h.ID)
	}
	members := 0
	newMember := func() string {
		t.Helper()
		members++
		// Rae's password hash, copied: a colleague to remove needs no
		// password of their own, and hashing one costs 64 MiB.
		var m int64
		fatal(owner.QueryRow(ctx, `INSERT INTO console_members (email, name, password_hash, reseller_id)
			SELECT $1, 'Colleague', password_hash, reseller_id FROM console_members WHERE id = $2 RETURNING id`,
			fmt.Sprintf("colleague-%d@northwind.test", members), raeID).Scan(&m))
		return itoa(m)
	}
	newInvitation := func() string {
		t.Helper()
		members++
		inv, err := consoleService.InviteConsoleMember(ctx, northwindOrg, postgres.ConsoleInvite{Email: fmt.Sprintf("invitee-%d@northwind.test", members),
			Inviter: "Rae", ConsoleURL: "http://localhost"}, by)
		fatal(err)
		return itoa(inv.ID)
	}
	orgKey, _ := newOrgKey(northwindOrg, apikey.PortalsRead)
	invitation := newInvitation()
	mails, err := s.db.FindOutboxMessages(ctx, 1)
	fatal(err)
	if len(mails) == 0 {
		t.Fatal("no mail for the dev mailbox's page")
	}
	mailID := mails[0].ID

	f := &matrixFixture{s: s, db: owner, markers: []string{"Quill Markerson", "quill.markerson@acme.test", "Acme Marker Course",
		"Acme Marker Path", "Acme Marker Group", "Acme Marker Post", "Acme Marker Reflection", "Acme Marker Session",
		"Acme Marker Notification", "acme-marker-hook", "Acme Marker Key"}, seen: map[string]bool{}}
	f.addr = s.main.Addr()
	_, f.port, _ = net.SplitHostPort(f.addr)
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, f.addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	f.hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	id := itoa
	f.params = map[string]map[string]string{
		kindTop: {"brand/{color}": "2d6a4f", "accent/{color}": "8b1e3f"},
		kindPortal: {
			"users/{id}": id(learner.ID), "learners/{id}": id(learner.ID), "groups/{id}": id(group.ID), "groups/{groupID}": id(group.ID),
			"members/{userID}": id(learner.ID), "logo/{name}": logo, "certificate-signature/{name}": certDesign.SignatureFile, "courses/{id}": id(marked.ID), "courses/{slug}": marked.Slug,
			"paths/{slug}": path.Slug, "paths/{id}": id(path.ID), "steps/{course}": marked.Slug, "steps/{step}": "1",
			"certificates/{code}": certs[0].Code, "quizzes/{block}": blockOf(1, course.KindQuiz),
			"reflections/{block}": blockOf(0, course.KindReflection), "checklists/{block}": blockOf(1, course.KindChecklist),
			"writing/{block}": writingBlock,
			"modules/{key}":   marked.Draft.Modules[0].Key, "lessons/{key}": firstLesson, "blocks/{block}": marked.Draft.Modules[0].Lessons[0].Blocks[0].Key,
			"files/{name}": file, "webhooks/{id}": id(hook), "api-keys/{id}": spareKey, "notifications/{id}": id(learnerNotes[0].ID),
			"sessions/{id}": id(session), "calendar/{token}": feed, "posts/{id}": post, "discussions/{id}": post,
			"team/{id}": id(learner.ID),
		},
		kindAPI: {
			"users/{id}": id(learner.ID), "courses/{courseID}": id(marked.ID), "courses/{id}": id(marked.ID), "groups/{id}": id(group.ID),
			"members/{userID}": id(learner.ID), "enrolments/{id}": id(enrolment),
		},
		kindPlatform: {
			"verify/{code}": certs[0].Code, "portals/{id}": id(acme.ID), "api-keys/{id}": orgKey, "members/{id}": id(raeID),
			"invitations/{id}": invitation, "webhooks/{id}": newOrgHook(), "branding/{name}": strings.TrimPrefix(brandingSrc, "/console/branding/"),
			"tenants/{id}": id(acme.ID), "resellers/{id}": id(northwind.ID), "accounts/{id}": id(acme.AccountID), "mailbox/{id}": id(mailID),
		},
		kindPlatformAPI: {"portals/{id}": id(acme.ID)},
		kindSCIM:        {"Users/{id}": id(learner.ID), "Groups/{id}": id(group.ID)},
		kindContent:     {"scorm/{token}": launchToken},
	}
	f.files = map[string]string{
		"GET top /static/*":                  strings.TrimPrefix(s.staticURL(t), "/static/"),
		"HEAD top /static/*":                 strings.TrimPrefix(s.staticURL(t), "/static/"),
		"GET content /scorm/{token}/files/*": "sco12.js",
	}
	// Routes that use up their object get a new one for every request.
	editedParams := map[string]string{"courses/{id}": id(edited.ID), "modules/{key}": edited.Draft.Modules[0].Key,
		"lessons/{key}": edited.Draft.Modules[0].Lessons[0].Key, "blocks/{block}": edited.Draft.Modules[0].Lessons[0].Blocks[0].Key}
	f.fixed = map[string]map[string]string{
		"POST portal /courses/{slug}/unenrol":     {"courses/{slug}": leave.Slug},
		"POST portal /courses/{slug}/restart":     {"courses/{slug}": restart.Slug},
		"POST portal /admin/sessions/{id}/cancel": {"sessions/{id}": id(spareSession)},
		// The quiz and the checklist are in the second lesson.
		"POST portal /courses/{slug}/lessons/{key}/quizzes/{block}":    {"lessons/{key}": lc.Content.Modules[1].Lessons[0].Key},
		"POST portal /courses/{slug}/lessons/{key}/checklists/{block}": {"lessons/{key}": lc.Content.Modules[1].Lessons[0].Key},
		"POST portal /courses/{slug}/lessons/{key}/writing/{block}":    {"lessons/{key}": lc.Content.Modules[1].Lessons[1].Key},
	}
	for _, r := range []string{"/{id}/details", "/{id}/uploads", "/{id}/scorm", "/{id}/duplicate", "/{id}/enrolment", "/{id}/assign",
		"/{id}/modules", "/{id}/modules/{key}", "/{id}/modules/{key}/lessons", "/{id}/modules/{key}/move", "/{id}/publish",
		"/{id}/rollback", "/{id}/lessons/{key}", "/{id}/lessons/{key}/move", "/{id}/lessons/{key}/blocks", "/{id}/lessons/{key}/blocks/{block}/move"} {
		f.fixed["POST portal /admin/courses"+r] = editedParams
	}
	freshCourse := func() map[string]string {
		c := importCourse("Acme Marker Course To Remove")
		return map[string]string{"courses/{id}": id(c.ID), "lessons/{key}": c.Draft.Modules[0].Lessons[0].Key,
			"blocks/{block}": c.Draft.Modules[0].Lessons[0].Blocks[0].Key}
	}
	rejoin := func() map[string]string {
		fatal(groups.AddGroupMember(ctx, acme.ID, group.ID, learner.ID, by))
		return nil
	}
	f.fresh = map[string]func() map[string]string{
		"POST portal /admin/courses/{id}/archive":                             freshCourse,
		"POST portal /admin/courses/{id}/lessons/{key}/blocks/{block}/delete": freshCourse,
		"POST portal /admin/paths/{id}/steps/{course}/delete": func() map[string]string {
			spare++
			return map[string]string{"paths/{id}": id(newPath(fmt.Sprintf("acme-spare-path-%d", spare)).ID)}
		},
		"POST portal /admin/users/{id}/groups/{groupID}/remove":  rejoin,
		"POST portal /admin/groups/{id}/members/{userID}/remove": rejoin,
		"DELETE api /api/v1/groups/{id}/members/{userID}":        rejoin,
		"POST portal /admin/api-keys/{id}/revoke": func() map[string]string {
			k, _ := newPortalKey(acme, apikey.UsersRead)
			return map[string]string{"api-keys/{id}": k}
		},
		"POST portal /admin/webhooks/{id}/delete": func() map[string]string { return map[string]string{"webhooks/{id}": id(newHook())} },
		// A group the provider made, for the purpose.
		"DELETE scim /scim/v2/Groups/{id}": func() map[string]string {
			spare++
			g, err := groups.CreateSCIMGroup(ctx, acme.ID, scim.Team{DisplayName: fmt.Sprintf("Acme SCIM Spare %d", spare)}, by)
			fatal(err)
			return map[string]string{"Groups/{id}": id(g.ID)}
		},
		// A person provisioned for the purpose: a DELETE deactivates.
		"DELETE scim /scim/v2/Users/{id}": func() map[string]string {
			spare++
			u, err := s.main.Users.EnsureUser(ctx, acme, postgres.NewUser{Email: fmt.Sprintf("scim-spare-%d@acme.test", spare), Name: "Acme Spare",
				Password: fixture.Password, Roles: []user.Role{user.Learner}}, by)
			fatal(err)
			return map[string]string{"Users/{id}": id(u.ID)}
		},
		"POST portal /posts/{id}/delete": func() map[string]string { return map[string]string{"posts/{id}": newPost()} },
		"POST portal /posts/{id}/hide":   func() map[string]string { return map[string]string{"posts/{id}": newPost()} },
		"DELETE api /api/v1/enrolments/{id}": func() map[string]string {
			_, err := learn.Enrol(ctx, acme.ID, learner.ID, leave.ID, learning.SelfEnrolled)
			fatal(err)
			var e int64
			fatal(owner.QueryRow(ctx, `SELECT id FROM enrolments WHERE user_id = $1 AND course_id = $2`, learner.ID, leave.ID).Scan(&e))
			return map[string]string{"enrolments/{id}": id(e)}
		},
		"POST platform /console/api-keys/{id}/revoke": func() map[string]string {
			k, _ := newOrgKey(northwindOrg, apikey.PortalsRead)
			return map[string]string{"api-keys/{id}": k}
		},
		"POST platform /console/members/{id}/remove":     func() map[string]string { return map[string]string{"members/{id}": newMember()} },
		"POST platform /console/invitations/{id}/cancel": func() map[string]string { return map[string]string{"invitations/{id}": newInvitation()} },
		"POST platform /console/webhooks/{id}/delete":    func() map[string]string { return map[string]string{"webhooks/{id}": newOrgHook()} },
	}
	f.exempt = map[string]string{
		"GET platform /verify/{code}":               "a certificate's code is what a third party checks it by: it shows holder and course",
		"GET portal /calendar/{token}/sessions.ics": "a calendar feed's secret token is its key",
		"GET content /scorm/{token}/launch":         "a launch token is the learner's key to their attempt",
		"GET content /scorm/{token}/files/*":        "a launch token is the learner's key to their attempt",
		"POST content /scorm/{token}/commit":        "a launch token is the learner's key to their attempt",
		"GET platform /dev/mailbox":                 "development only: the outgoing mail, for whoever runs the server",
		"GET platform /dev/mailbox/{id}":            "development only: the outgoing mail, for whoever runs the server",
	}

	// The parties.
	portalLogin := func(host, email string) *login {
		l := &login{}
		l.signIn = func() (string, string) {
			c := newClient(t, s, host)
			if p := signIn(c, email, goodPassword); p.status != http.StatusSeeOther {
				t.Fatalf("sign-in of %s: %d", email, p.status)
			}
			c.get("/account")
			return jarSession(c), c.csrf
		}
		l.master, l.csrf = l.signIn()
		return l
	}
	pageLogin := func(c *client, page string) *login {
		c.get(page)
		l := &login{master: jarSession(c), csrf: c.csrf}
		l.signIn = func() (string, string) { t.Fatalf("%s was signed out everywhere", page); return "", "" }
		return l
	}
	anon := newClient(t, s, "acme.localhost")
	globexBoss := portalLogin("globex.localhost", "boss@globex.test")
	f.parties = []*party{
		{name: "anon", about: "nobody signed in (a session holding only a CSRF token)", login: pageLogin(anon, "/login"), outsider: true},
		{name: "learner", about: "acme learner, owner of the marked data (enrolled, a reflection, a certificate, posts)",
			login: portalLogin("acme.localhost", "quill.markerson@acme.test"), own: []string{"Quill Markerson", "quill.markerson@acme.test"}},
		{name: "manager", about: "acme learner who is the learner's line manager", login: portalLogin("acme.localhost", "manager@acme.test")},
		{name: "instructor", about: "acme instructor, teaching the marked live session", login: portalLogin("acme.localhost", "teacher@acme.test")},
		{name: "admin", about: "acme administrator", login: portalLogin("acme.localhost", "boss@acme.test")},
		{name: "x-session", about: "globex administrator's session cookie sent to acme's host", login: globexBoss, freshSession: true, outsider: true},
		{name: "x-admin", about: "globex administrator on globex's host, with acme's IDs", login: globexBoss, otherHost: true, outsider: true},
		{name: "console", about: "console member of northwind, the reseller of acme", login: pageLogin(rae, "/console"), outsider: true},
		{name: "x-reseller", about: "console member of southwind, a reseller that does not own acme", login: pageLogin(consoleClient(t, s, "sol@southwind.test"), "/console"), outsider: true},
		{name: "operator", about: "platform operator", login: pageLogin(operatorClient(t, s), "/platform"), outsider: true},
	}
	for _, perm := range apikey.PortalPermissions {
		_, token := newPortalKey(acme, perm)
		f.parties = append(f.parties, &party{name: "key:" + string(perm), about: "acme portal key holding " + string(perm) + " only", bearer: token, keysOnly: true})
	}
	_, globexKey := newPortalKey(globex, apikey.PortalPermissions...)
	_, readKey := newOrgKey(northwindOrg, apikey.PortalsRead)
	_, writeKey := newOrgKey(northwindOrg, apikey.PortalsWrite)
	_, southwindKey := newOrgKey(southwindOrg, apikey.OrgPermissions...)
	f.parties = append(f.parties,
		&party{name: "x-key", about: "globex portal key with every permission, on acme's host", bearer: globexKey, keysOnly: true, outsider: true},
		&party{name: "x-key-own", about: "globex portal key with every permission, on globex's host with acme's IDs", bearer: globexKey, keysOnly: true, otherHost: true, outsider: true},
		&party{name: "org:portals:read", about: "northwind (acme's reseller) key holding portals:read", bearer: readKey, keysOnly: true, outsider: true},
		&party{name: "org:portals:write", about: "northwind key holding portals:write", bearer: writeKey, keysOnly: true, outsider: true},
		&party{name: "x-org", about: "southwind (not acme's reseller) key with both permissions", bearer: southwindKey, keysOnly: true, outsider: true},
	)

	// The states. People first: each signed in while they could, then
	// deactivated or downgraded; the session they hold must be worth no
	// more than none. An invitation not yet accepted opens no door.
	deactivated := portalLogin("acme.localhost", "dee@acme.test")
	downgraded := portalLogin("acme.localhost", "demi@acme.test")
	exManager := portalLogin("acme.localhost", "exa@acme.test")
	users := s.main.Users
	dee, demi := built.Person(t, "dee@acme.test"), built.Person(t, "demi@acme.test")
	_, err = users.UpdateUser(ctx, acme.ID, dee.ID, postgres.UserUpdate{Name: dee.Name, Roles: []user.Role{user.Learner}, Status: user.Deactivated}, by)
	fatal(err)
	_, err = users.UpdateUser(ctx, acme.ID, demi.ID, postgres.UserUpdate{Name: demi.Name, Roles: []user.Role{user.Learner}, Status: user.Active}, by)
	fatal(err)
	rhea := built.Person(t, "rhea@acme.test")
	_, err = users.UpdateUser(ctx, acme.ID, rhea.ID, postgres.UserUpdate{Name: rhea.Name, Roles: rhea.Roles, Status: user.Active, ManagerID: &manager.ID}, by)
	fatal(err)
	_, err = users.Invite(ctx, acme, postgres.Invitation{Email: "ivy@acme.test", Name: "Ivy Invited", Roles: []user.Role{user.Learner}}, by)
	fatal(err)
	var invitationMail string
	fatal(owner.QueryRow(ctx, `SELECT text_body FROM mail_outbox WHERE to_address = 'ivy@acme.test'`).Scan(&invitationMail))
	link := regexp.MustCompile(`/invitations/accept\?token=[A-Za-z0-9_-]+`).FindString(invitationMail)
	if link == "" {
		t.Fatalf("no invitation link in %q", invitationMail)
	}
	f.parties = append(f.parties,
		&party{name: "deactivated", about: "acme learner deactivated after signing in, with that session", login: deactivated, outsider: true, noMoreThan: "anon"},
		&party{name: "downgraded", about: "acme administrator made a learner after signing in, with that session", login: downgraded, outsider: true, noMoreThan: "anon"},
		&party{name: "invited", about: "invited to acme, not yet accepted: a session from opening the invitation link", login: pageLogin(newClient(t, s, "acme.localhost"), link), outsider: true, noMoreThan: "anon"},
		&party{name: "ex-manager", about: "acme learner whose only report got another manager after they signed in, with that session", login: exManager, noMoreThan: "manager"},
	)

	// Then organisations, in two more passes: acme suspended by the
	// operator (and northwind, its reseller, and globex's account); then
	// acme suspended by northwind. The suspended parties signed in, and
	// got their keys, while all was active.
	_, err = consoleService.CreateConsoleMember(ctx, "", "northwind", "ros@northwind.test", "Ros", goodPassword, by)
	fatal(err)
	_, err = consoleService.CreateConsoleMember(ctx, "globex", "", "gia@globex.test", "Gia", goodPassword, by)
	fatal(err)
	sue, lou := portalLogin("acme.localhost", "sue@acme.test"), portalLogin("acme.localhost", "lou@acme.test")
	ros, gia := pageLogin(consoleClient(t, s, "ros@northwind.test"), "/console"), pageLogin(consoleClient(t, s, "gia@globex.test"), "/console")
	_, fullKey := newPortalKey(acme, apikey.PortalPermissions...)
	_, fullOrgKey := newOrgKey(northwindOrg, apikey.OrgPermissions...)
	const (
		byOperator = "suspended-by-operator"
		byReseller = "suspended-by-reseller"
	)
	for _, pass := range []struct{ name, who string }{{byOperator, "the operator"}, {byReseller, "northwind"}} {
		f.parties = append(f.parties,
			&party{name: "admin@" + pass.name, about: "acme administrator, acme suspended by " + pass.who, login: sue, pass: pass.name, outsider: true, noMoreThan: "anon"},
			&party{name: "learner@" + pass.name, about: "acme learner, acme suspended by " + pass.who, login: lou, pass: pass.name, outsider: true, noMoreThan: "anon"},
			&party{name: "key@" + pass.name, about: "acme portal key with every permission, acme suspended by " + pass.who,
				bearer: fullKey, keysOnly: true, pass: pass.name, outsider: true, noMoreThan: "x-org"},
		)
	}
	f.parties = append(f.parties,
		&party{name: "console@" + byOperator, about: "console member of northwind, northwind suspended by the operator", login: ros, pass: byOperator, outsider: true, noMoreThan: "anon"},
		&party{name: "org-key@" + byOperator, about: "northwind key with every permission, northwind suspended by the operator",
			bearer: fullOrgKey, keysOnly: true, pass: byOperator, outsider: true, noMoreThan: "x-org"},
		&party{name: "account@" + byOperator, about: "console member of globex's account, the account suspended by the operator", login: gia, pass: byOperator, outsider: true, noMoreThan: "anon"},
	)
	accounts := postgres.NewAccountService(s.db)
	setAcme := func(status tenant.Status, who tenant.Authority) {
		t.Helper()
		tn, err := s.main.Tenants.FindTenantBySlug(ctx, "acme")
		fatal(err)
		fatal(tn.ChangeStatus(status, who))
		_, err = s.main.Tenants.UpdateTenant(ctx, tn, by)
		fatal(err)
	}
	f.passes = []matrixPass{
		{name: ""},
		{name: byOperator, enter: func() {
			setAcme(tenant.Suspended, tenant.ByOperator)
			_, err := resellers.SetResellerStatus(ctx, northwind.ID, "suspended", by)
			fatal(err)
			_, err = accounts.SetAccountStatus(ctx, globex.AccountID, "suspended", by)
			fatal(err)
		}},
		{name: byReseller, enter: func() {
			_, err := resellers.SetResellerStatus(ctx, northwind.ID, "active", by)
			fatal(err)
			_, err = accounts.SetAccountStatus(ctx, globex.AccountID, "active", by)
			fatal(err)
			setAcme(tenant.Active, tenant.ByOperator)
			setAcme(tenant.Suspended, tenant.ByReseller)
		}},
	}
	f.watchChanges(t)
	return f
}
