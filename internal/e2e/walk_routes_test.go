package e2e

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// The route walk's list of pages comes from the routers themselves
// (chi.Walk, so a new page is walked or fails the walk) and from the
// access matrix (internal/server/testdata/access_matrix.txt), which says
// for every route which party gets through: a role walks the GET routes
// whose cell is "ok" for its column.

// matrixFile is the access matrix, from this package's directory.
const matrixFile = "../server/testdata/access_matrix.txt"

// walkRoute is one GET route of one host's router, as the matrix names it.
type walkRoute struct {
	kind, pattern string // kind: the matrix's host (portal, api, platform, platform-api, content)
}

func (r walkRoute) key() string { return "GET " + r.kind + " " + r.pattern }

// accessMatrix is the matrix file: the parties of its header and each
// row's cells, by "METHOD HOST ROUTE".
type accessMatrix struct {
	parties []string
	rows    map[string][]string
}

// parseMatrix reads the matrix file's table (see its header comment).
func parseMatrix(text string) (accessMatrix, error) {
	m := accessMatrix{rows: map[string][]string{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if m.parties == nil {
			if len(fields) < 4 || fields[0] != "METHOD" {
				return accessMatrix{}, fmt.Errorf("the matrix's first row must be its header, METHOD HOST ROUTE and the parties")
			}
			m.parties = fields[3:]
			continue
		}
		if len(fields) != 3+len(m.parties) {
			return accessMatrix{}, fmt.Errorf("%q has %d cells, the header %d parties", line, len(fields)-3, len(m.parties))
		}
		m.rows[strings.Join(fields[:3], " ")] = fields[3:]
	}
	if m.parties == nil {
		return accessMatrix{}, fmt.Errorf("the matrix has no header")
	}
	return m, sc.Err()
}

func readMatrix(t *testing.T) accessMatrix {
	t.Helper()
	text, err := os.ReadFile(matrixFile)
	if err != nil {
		t.Fatal(err)
	}
	m, err := parseMatrix(string(text))
	if err != nil {
		t.Fatalf("%s: %v", matrixFile, err)
	}
	return m
}

// reachable lists the routes, among routes, whose cell for party is "ok";
// a route the matrix has no row for is an error (the matrix's own test
// fails on it too).
func (m accessMatrix) reachable(party string, routes []walkRoute) ([]walkRoute, error) {
	col := slices.Index(m.parties, party)
	if col < 0 {
		return nil, fmt.Errorf("the matrix has no party %q", party)
	}
	var out []walkRoute
	for _, r := range routes {
		cells, ok := m.rows[r.key()]
		if !ok {
			return nil, fmt.Errorf("the matrix has no row for %s", r.key())
		}
		if cells[col] == "ok" {
			out = append(out, r)
		}
	}
	return out, nil
}

// getRoutes lists a router's GET routes, in order, as kind's.
func getRoutes(kind string, r chi.Router) ([]walkRoute, error) {
	var out []walkRoute
	err := chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if method == http.MethodGet {
			out = append(out, walkRoute{kind: kind, pattern: route})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b walkRoute) int { return strings.Compare(a.pattern, b.pattern) })
	return out, err
}

// routeParamRE matches a parameter with the segment before it
// ("users/{id}"), which says what kind of object it names.
var routeParamRE = regexp.MustCompile(`[a-z0-9-]+/\{[a-zA-Z]+\}`)

// routeParams fill routes with real objects: by host kind and
// "segment/{param}", and, where a route needs several paths (every lesson
// of a course) or parameters that go together, whole paths by route key.
type routeParams struct {
	byKind map[string]map[string]string
	paths  map[string][]string
}

// expand returns the paths to visit for a route; missing names the first
// parameter the fixture has no object for.
func (p routeParams) expand(r walkRoute) (paths []string, missing string) {
	if ps, ok := p.paths[r.key()]; ok {
		return ps, ""
	}
	path := r.pattern
	if path != "/" {
		path = strings.TrimSuffix(path, "/")
	}
	for _, seg := range routeParamRE.FindAllString(path, -1) {
		v, ok := p.byKind[r.kind][seg]
		if !ok {
			return nil, seg
		}
		path = strings.Replace(path, seg, seg[:strings.Index(seg, "{")]+v, 1)
	}
	if strings.ContainsAny(path, "{*") {
		return nil, path
	}
	return []string{path}, ""
}

// The walk's own parts, without a browser.
func TestRouteWalk_Derivation(t *testing.T) {
	t.Parallel()
	t.Run("ReachableRoutesAreTheOkCellsOfTheRolesColumn", func(t *testing.T) {
		m, err := parseMatrix(`# a comment
METHOD HOST   ROUTE          anon  learner admin
GET    portal /              ok    ok      ok
GET    portal /admin/        login 403     ok
GET    portal /courses/{slug} login ok     ok
POST   portal /logout        ok    ok      ok
`)
		if err != nil {
			t.Fatal(err)
		}
		r := chi.NewRouter()
		h := http.NotFoundHandler().ServeHTTP
		r.Get("/", h)
		r.Post("/logout", h)
		r.Route("/admin", func(r chi.Router) { r.Get("/", h) })
		r.Get("/courses/{slug}", h)
		routes, err := getRoutes("portal", r)
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(routes); got != "[{portal /} {portal /admin/} {portal /courses/{slug}}]" {
			t.Fatalf("GET routes: %s", got)
		}
		for party, want := range map[string]string{
			"anon":    "[{portal /}]",
			"learner": "[{portal /} {portal /courses/{slug}}]",
			"admin":   "[{portal /} {portal /admin/} {portal /courses/{slug}}]",
		} {
			got, err := m.reachable(party, routes)
			if err != nil || fmt.Sprint(got) != want {
				t.Errorf("%s reaches %v (%v), want %s", party, got, err, want)
			}
		}
		if _, err := m.reachable("operator", routes); err == nil {
			t.Error("a party the matrix does not have is not an error")
		}
		r.Get("/new", h)
		routes, _ = getRoutes("portal", r)
		if _, err := m.reachable("anon", routes); err == nil || !strings.Contains(err.Error(), "GET portal /new") {
			t.Errorf("a route with no row: %v", err)
		}
	})
	t.Run("AMatrixRowWithTooFewCellsIsRefused", func(t *testing.T) {
		if _, err := parseMatrix("METHOD HOST ROUTE anon learner\nGET portal / ok\n"); err == nil {
			t.Error("no error")
		}
		if _, err := parseMatrix("GET portal / ok\n"); err == nil {
			t.Error("no error for a matrix without its header")
		}
	})
	t.Run("ParametersAreFilledByHostAndSegment", func(t *testing.T) {
		p := routeParams{
			byKind: map[string]map[string]string{"portal": {"courses/{slug}": "intro", "lessons/{key}": "l1", "users/{id}": "7"}},
			paths:  map[string][]string{"GET portal /paths/{slug}": {"/paths/a", "/paths/b"}},
		}
		for _, c := range []struct {
			route   walkRoute
			want    []string
			missing string
		}{
			{route: walkRoute{"portal", "/courses/{slug}/lessons/{key}"}, want: []string{"/courses/intro/lessons/l1"}},
			{route: walkRoute{"portal", "/admin/"}, want: []string{"/admin"}},
			{route: walkRoute{"portal", "/"}, want: []string{"/"}},
			{route: walkRoute{"portal", "/paths/{slug}"}, want: []string{"/paths/a", "/paths/b"}},
			{route: walkRoute{"platform", "/users/{id}"}, missing: "users/{id}"},
			{route: walkRoute{"portal", "/static/*"}, missing: "/static/*"},
		} {
			got, missing := p.expand(c.route)
			if !slices.Equal(got, c.want) || missing != c.missing {
				t.Errorf("%s: %v, missing %q; want %v, missing %q", c.route.key(), got, missing, c.want, c.missing)
			}
		}
	})
	t.Run("TheMatrixFileNamesEveryRoleTheWalkTakes", func(t *testing.T) {
		m := readMatrix(t)
		for _, r := range walkRoles {
			if !slices.Contains(m.parties, r.column) {
				t.Errorf("role %s: the matrix has no column %q", r.name, r.column)
			}
		}
	})
}
