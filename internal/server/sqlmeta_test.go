package server_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/fixture"
)

// sqlMeta are search texts made of what SQL and LIKE read as syntax.
var sqlMeta = []string{`'`, `"`, `\`, `%`, `_`, `;--`, `' OR '1'='1`, `$1`, "\x00", `%%`, `\%`, `[a-z]`, `*`, `(`, `)`, `&`, `|`, `!`, `:*`, `<->`,
	`'; DROP TABLE users; --`, `Zoë`, `名前`, `‮`, strings.Repeat("%_", 300)}

// TestSearch_SQLMetacharactersAreText searches and filters every list with
// SQL and LIKE syntax: no error, and the people whose names hold these
// characters are found by them, exactly.
func TestSearch_SQLMetacharactersAreText(t *testing.T) {
	t.Parallel()
	people := map[string]string{ // search text → the one name it must find
		`%`:   "Pat 100% Sure",
		`_`:   "Sam Under_score",
		`'`:   "Niamh O'Brien",
		`\`:   `Bo Back\slash`,
		`"`:   `Lee "Quoted" Ray`,
		`;--`: "Semi;--Colon",
		`$1`:  "Dee $1 Dollar",
		`Zoë`: "Zoë Ångström",
	}
	s, _, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		for _, name := range people {
			email := strings.ToLower(strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
					return r
				}
				return -1
			}, name)) + "@acme.test"
			acme.People = append(acme.People, fixture.Person{Email: email, Name: name})
		}
	}, withAdmin)
	admin := adminClient(t, s)
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)

	t.Run("PeopleSearchFindsExactlyTheNameWithTheCharacter", func(t *testing.T) {
		for q, want := range people {
			p := admin.get("/admin/users?q=" + url.QueryEscape(q))
			var names []string
			p.doc.Find(`[data-testid="users"] tbody tr td:first-child`).Each(func(_ int, td *goquery.Selection) { names = append(names, strings.TrimSpace(td.Text())) })
			if p.status != http.StatusOK || !slices.Equal(names, []string{want}) {
				t.Errorf("search %q: %d %v, want only %q", q, p.status, names, want)
			}
		}
	})

	get := func(c *client, path string) int {
		t.Helper()
		res, _ := c.raw(path)
		return res.StatusCode
	}
	token := func() string {
		admin.get("/admin/api-keys")
		p := admin.post("/admin/api-keys", url.Values{"name": {"Search"}, "permissions": {"users:read", "users:write", "groups:read", "groups:write"}})
		v, _ := p.doc.Find(`[data-testid="new-key-token"]`).Attr("value")
		return v
	}()
	for _, q := range sqlMeta {
		e := url.QueryEscape(q)
		for _, c := range []struct {
			who  *client
			path string
			ok   []int // 422: a filter field that refuses the text
		}{
			{admin, "/admin/users?q=" + e, nil},
			{admin, "/admin/users?q=" + e + "&role=" + e + "&status=" + e, []int{422}},
			{admin, "/admin/courses?q=" + e, nil},
			{admin, "/admin/audit?actor=" + e, []int{422}}, // a name of at most 200 characters
			{admin, "/admin/audit?action=" + e, []int{422}},
			{admin, "/admin/audit?from=" + e + "&to=" + e, []int{422}},
			{admin, "/admin/audit.csv?actor=" + e, []int{422}},
			{admin, "/admin/reports/?group=" + e + "&from=" + e, []int{422}},
			{admin, "/admin/discussions?status=" + e, nil},
			{ana, "/courses?q=" + e, nil},
			{ana, "/courses?tag=" + e + "&level=" + e, nil},
			{ana, "/notifications?before=" + e, nil},
		} {
			if code := get(c.who, c.path); code != http.StatusOK && !slices.Contains(c.ok, code) {
				t.Errorf("%s: %d", c.path, code)
			}
		}
		for _, path := range []string{"/api/v1/users?email=" + e, "/api/v1/users?cursor=" + e, "/api/v1/users?limit=" + e, "/api/v1/groups?cursor=" + e} {
			if code, _ := admin.callAPI(http.MethodGet, path, token, nil); code != http.StatusOK && code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Errorf("%s: %d", path, code)
			}
		}
	}
	t.Run("APIBodiesWithNULAreRefusedNotFailed", func(t *testing.T) {
		for _, c := range []struct {
			path string
			body map[string]any
		}{
			{"/api/v1/groups", map[string]any{"name": "Cohort\x00 one", "kind": "cohort"}},
			{"/api/v1/users", map[string]any{"name": "Nul\x00 Name", "email": "nul@acme.test", "roles": []string{"learner"}}},
		} {
			if code, body := admin.callAPI(http.MethodPost, c.path, token, c.body); code != http.StatusUnprocessableEntity && code != http.StatusBadRequest {
				t.Errorf("%s: %d %v", c.path, code, body)
			}
		}
	})
	t.Run("CatalogSearchTakesTheTextAsWords", func(t *testing.T) {
		for _, q := range []string{`%`, `_`, `' OR '1'='1`, `*`, `:*`} {
			p := ana.get("/courses?q=" + url.QueryEscape(q))
			if n := p.doc.Find(`[data-testid="catalog"] a`).Length(); n != 0 {
				t.Errorf("catalog search %q matches %d courses", q, n)
			}
		}
	})
}
