package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestLearner_FindsStartsAndReadsACourse(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample)
	rec := acme.Courses[fixture.ExampleSlug]
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)

	catalog := ana.get("/courses")
	link, ok := catalog.doc.Find(`[data-testid="catalog"] a`).First().Attr("href")
	if !ok || link != "/courses/"+rec.Slug {
		t.Fatalf("catalog link %q", link)
	}
	page := ana.get(link)
	if page.doc.Find(`[data-testid="syllabus"] a`).Length() != 0 {
		t.Error("lessons are links before the learner starts")
	}
	first := rec.Draft.Modules[0].Lessons[0]
	if p := ana.get(link + "/lessons/" + first.Key); p.status != http.StatusSeeOther || p.header.Get("Location") != link {
		t.Errorf("a lesson before starting: %d to %q, want the course page", p.status, p.header.Get("Location"))
	}

	start := ana.post(link+"/enrol", nil)
	if start.status != http.StatusSeeOther || start.header.Get("Location") != link+"/lessons/"+first.Key {
		t.Fatalf("start: %d to %q", start.status, start.header.Get("Location"))
	}
	lesson := ana.get(start.header.Get("Location"))
	if got := lesson.text(`[data-testid="lesson-title"]`); got != first.Title {
		t.Errorf("lesson title %q, want %q", got, first.Title)
	}
	if n := lesson.doc.Find(`[data-testid="lesson-body"] [data-testid="block"]`).Length(); n != len(first.Blocks) {
		t.Errorf("%d blocks shown, want %d", n, len(first.Blocks))
	}
	if cur := lesson.doc.Find(`[aria-current="page"]`).FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.TrimSpace(s.Text()) == first.Title
	}); cur.Length() != 1 {
		t.Error("the outline does not mark the current lesson")
	}
	next, _ := lesson.doc.Find(`[data-testid="next"]`).Attr("href")
	if want := link + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key; next != want {
		t.Errorf("next %q, want %q", next, want)
	}
	if p := ana.get(link + "/lessons/no-such-lesson"); p.status != http.StatusNotFound {
		t.Errorf("unknown lesson: %d", p.status)
	}

	// Starting again is harmless: the learner is sent to the course page.
	if again := ana.post(link+"/enrol", nil); again.status != http.StatusSeeOther || again.header.Get("Location") != link {
		t.Errorf("second start: %d to %q", again.status, again.header.Get("Location"))
	}
	if catalog := ana.get("/courses"); catalog.doc.Find(`[data-testid="enrolled"]`).Length() != 1 {
		t.Error("the catalog does not mark the course as enrolled")
	}
}

func TestLearner_KeepsTheirVersionUntilTheyRestart(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample)
	ctx := context.Background()
	rec := acme.Courses[fixture.ExampleSlug]
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	link := "/courses/" + rec.Slug
	ana.get(link)
	ana.post(link+"/enrol", nil)

	courses := postgresCourses(s)
	if _, err := courses.EditDraft(ctx, acme.ID, rec.ID, 0, postgres.AuditActor{Label: "test"}, func(c *course.Course) error {
		c.Modules[0].Lessons[0].Title = "Renamed in version two"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	lessonTitle := func() string {
		return ana.get(link + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key).text(`[data-testid="lesson-title"]`)
	}
	if got := lessonTitle(); got != rec.Draft.Modules[0].Lessons[0].Title {
		t.Errorf("an unpublished edit reached the learner: %q", got)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	if got := lessonTitle(); got == "Renamed in version two" {
		t.Error("the new version replaced the learner's without a restart")
	}
	page := ana.get(link)
	if page.doc.Find(`[data-testid="newer-version"]`).Length() != 1 {
		t.Fatal("the course page does not offer the new version")
	}
	if p := ana.post(link+"/restart", url.Values{"attempt": {"x"}}); p.status != http.StatusBadRequest {
		t.Errorf("restart with a broken attempt: %d", p.status)
	}
	ana.get(link)
	if p := ana.post(link+"/restart", url.Values{"attempt": {"1"}}); p.status != http.StatusSeeOther {
		t.Fatalf("restart: %d", p.status)
	}
	if got := lessonTitle(); got != "Renamed in version two" {
		t.Errorf("after restarting the learner sees %q", got)
	}
	if ana.get(link).doc.Find(`[data-testid="newer-version"]`).Length() != 0 {
		t.Error("still offered a newer version after taking it")
	}
}

func TestLearner_DraftsAndOtherPortalsCoursesAreNotFound(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, func(acme, globex *fixture.Spec) {
		acme.Courses = []fixture.Course{{Slug: "draft-only", Draft: true}}
		globex.Courses = []fixture.Course{{}}
	})
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	for _, path := range []string{"/courses/draft-only", "/courses/example"} {
		if p := ana.get(path); p.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, p.status)
		}
	}
	if p := ana.get("/courses"); p.doc.Find(`[data-testid="empty-catalog"]`).Length() != 1 {
		t.Error("the catalog is not empty")
	}
}

func TestLearner_SeesPublishedPathsWithWhatOpensEachStep(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.Courses = append(acme.Courses, fixture.Course{Slug: "second-course", Title: "The Second Course", Draft: true})
	})
	ctx := context.Background()
	first, second := acme.Courses[fixture.ExampleSlug], acme.Courses["second-course"]
	// Paths whose second step opens after the first: a Spec's steps are free.
	paths := postgres.NewPathService(s.db)
	steps := []course.PathStep{{Course: first.Slug, Unlock: course.Free}, {Course: second.Slug, Unlock: course.AfterPrevious}}
	if _, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: "essentials", Title: "Essentials", Summary: "The core.", Steps: steps}, "", true, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: "unfinished", Title: "Unfinished", Steps: steps}, "", false, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	catalog := ana.get("/courses")
	if got := catalog.doc.Find(`[data-testid="paths"] a`).Length(); got != 1 {
		t.Fatalf("%d paths in the catalog, want the published one", got)
	}
	page := ana.get("/paths/essentials")
	items := page.doc.Find(`[data-testid="path-steps"] > li`)
	if items.Length() != 2 {
		t.Fatalf("%d steps shown", items.Length())
	}
	if got := items.Eq(1).Text(); !strings.Contains(got, "Opens when you complete "+first.Draft.Title) || !strings.Contains(got, "not available") {
		t.Errorf("second step says %q; want what opens it, and that its course is not published", got)
	}
	if href, _ := items.Eq(0).Find("a").Attr("href"); href != "/courses/"+first.Slug {
		t.Errorf("first step links to %q", href)
	}
	if p := ana.get("/paths/unfinished"); p.status != http.StatusNotFound {
		t.Errorf("a draft path: %d, want 404", p.status)
	}
}

func TestCatalog_SearchesTheTextAndFiltersByLevelAndTopic(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withExample) // "Your First One-on-One", beginner, tags managing up and one-on-ones
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	found := func(query string) int {
		return ana.get("/courses?" + query).doc.Find(`[data-testid="catalog"] > li`).Length()
	}
	for query, want := range map[string]int{
		"q=meeting":                1, // in the summary, stemmed
		"q=prepare+manager":        1,
		"q=budget":                 0,
		"q=%27%3B+DROP+TABLE+x%3B": 0, // metacharacters are only text
		"q=one-on-ones":            1, // a tag
		"level=beginner":           1,
		"level=advanced":           0,
		"tag=one-on-ones":          1,
		"tag=finance":              0,
		"q=meeting&level=beginner": 1,
		"q=meeting&level=advanced": 0,
	} {
		if got := found(query); got != want {
			t.Errorf("?%s: %d courses, want %d", query, got, want)
		}
	}
	if ana.get("/courses?q=budget").doc.Find(`[data-testid="no-results"]`).Length() != 1 {
		t.Error("no message when nothing matches")
	}
}
