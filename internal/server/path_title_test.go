package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/user"
)

// A path's title is at most 200 characters, counted as characters (the
// rule of course.CheckPath), not bytes: a 100-character Japanese title
// (300 bytes) is saved; 201 characters are refused beside the field, and
// change nothing.
func TestPathTitle_CountsCharactersNotBytes(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	fixture.Build(t, s.db, fixture.Spec{Slug: "acme",
		People:  []fixture.Person{{Email: "boss@acme.test", Roles: []user.Role{user.Admin}}},
		Courses: []fixture.Course{{}}})
	admin := newClient(t, s, "acme.localhost")
	signIn(admin, "boss@acme.test", fixture.Password)
	admin.get("/admin/paths")
	p := admin.post("/admin/paths", url.Values{"title": {"A path"}, "slug": {"a-path"}, "course": {fixture.ExampleSlug}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.status, p.text(`[data-testid="error-title"]`))
	}
	editor := p.header.Get("Location")

	japanese := strings.Repeat("上司と", 33) + "話"
	if n := len([]rune(japanese)); n != 100 || len(japanese) != 300 {
		t.Fatalf("the title has %d characters and %d bytes", n, len(japanese))
	}
	admin.get(editor)
	if p := admin.post(editor, url.Values{"title": {japanese}, "summary": {"要約"}}); p.status != http.StatusSeeOther {
		t.Fatalf("a 100-character Japanese title: %d %s", p.status, p.text(`[data-testid="error-title"]`))
	}
	if got := admin.get(editor).doc.Find(`input[name="title"]`).AttrOr("value", ""); got != japanese {
		t.Errorf("the saved title is %q", got)
	}

	admin.get(editor)
	p = admin.post(editor, url.Values{"title": {strings.Repeat("話", 201)}})
	if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-title"]`) == "" {
		t.Errorf("201 characters: %d, title error %q", p.status, p.text(`[data-testid="error-title"]`))
	}
	if got := admin.get(editor).doc.Find(`input[name="title"]`).AttrOr("value", ""); got != japanese {
		t.Errorf("a refused title changed the path: %q", got)
	}
}
