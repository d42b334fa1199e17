package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/user"
)

// The pages of three portals, requested at once by their administrators
// and learners, through a server whose pool has two connections: every
// connection serves each portal in turn, and no page shows a word of
// another portal's (make test runs this under the race detector).
func TestParallel_PagesOfThreePortalsOnTwoConnectionsStayApart(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(c *config.Config) { c.DBMaxConns = 2 })
	if got := s.db.Pool.Config().MaxConns; got != 2 {
		t.Fatalf("the server's pool has %d connections, want 2", got)
	}
	type portal struct {
		marker         string
		admin, learner *client
		pages          map[string]string // path: what the page must show
	}
	var portals []*portal
	for _, marker := range []string{"Acme", "Globex", "Initech"} {
		slug := strings.ToLower(marker)
		email := func(local string) string { return local + "@" + slug + ".test" }
		person := func(local string, role user.Role) fixture.Person {
			return fixture.Person{Email: email(local), Name: marker + " " + local, Roles: []user.Role{role}}
		}
		ten := fixture.Build(t, s.db, fixture.Spec{Slug: slug, Name: marker,
			People:   []fixture.Person{person("Boss", user.Admin), person("Ana", user.Learner), person("Bo", user.Learner)},
			Groups:   []fixture.Group{{Name: marker + " Team", Members: []string{email("Ana"), email("Bo")}}},
			Courses:  []fixture.Course{{Slug: fixture.ExampleSlug, Title: marker + " Course"}},
			Progress: []fixture.Progress{{Who: email("Ana"), Course: fixture.ExampleSlug}, {Who: email("Bo"), Course: fixture.ExampleSlug}},
		})
		rec := ten.Courses[fixture.ExampleSlug]
		p := &portal{marker: marker, admin: newClient(t, s, slug+".localhost"), learner: newClient(t, s, slug+".localhost"),
			pages: map[string]string{
				"admin /admin/users":  marker + " Ana",
				"admin /admin/groups": marker + " Team",
				fmt.Sprintf("admin /admin/reports/courses/%d", rec.ID): marker + " Bo",
				"learner /courses": marker + " Course",
				"learner /learn":   marker + " Course",
			}}
		if got := signIn(p.admin, "boss@"+slug+".test", goodPassword).status; got != http.StatusSeeOther {
			t.Fatalf("%s admin sign-in: %d", slug, got)
		}
		if got := signIn(p.learner, "ana@"+slug+".test", goodPassword).status; got != http.StatusSeeOther {
			t.Fatalf("%s learner sign-in: %d", slug, got)
		}
		portals = append(portals, p)
	}

	type request struct {
		p          *portal
		who, path  string
		mustShow   string
		otherNames []string
	}
	var requests []request
	for _, p := range portals {
		var others []string
		for _, o := range portals {
			if o != p {
				others = append(others, o.marker)
			}
		}
		for page, show := range p.pages {
			who, path, _ := strings.Cut(page, " ")
			requests = append(requests, request{p: p, who: who, path: path, mustShow: show, otherNames: others})
		}
	}
	const goroutines, perGoroutine = 6, 30
	var served atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				r := requests[(g*7+i)%len(requests)]
				// The clients' HTTP clients and cookie jars are safe to
				// share; their CSRF field is not, and GETs need none.
				c := r.p.admin
				if r.who == "learner" {
					c = r.p.learner
				}
				res, err := c.hc.Get(c.base + r.path)
				if err != nil {
					t.Errorf("%s %s: %v", r.who, r.path, err)
					return
				}
				doc, err := goquery.NewDocumentFromReader(res.Body)
				res.Body.Close()
				if err != nil {
					t.Errorf("%s %s: %v", r.who, r.path, err)
					return
				}
				text := doc.Text()
				if res.StatusCode != http.StatusOK || !strings.Contains(text, r.mustShow) {
					t.Errorf("%s's %s %s: status %d, showing %q: %v", r.p.marker, r.who, r.path, res.StatusCode, r.mustShow, strings.Contains(text, r.mustShow))
				}
				for _, other := range r.otherNames {
					if strings.Contains(text, other) {
						t.Errorf("%s's %s %s shows %q", r.p.marker, r.who, r.path, other)
					}
				}
				served.Add(1)
			}
		})
	}
	wg.Wait()
	if n := served.Load(); n != goroutines*perGoroutine {
		t.Errorf("served %d pages of %d", n, goroutines*perGoroutine)
	}
	t.Logf("%d pages of %d portals at once on a pool of 2 connections", served.Load(), len(portals))
}
