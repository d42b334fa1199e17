package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// A path's self-assessment: rated when the learner starts, again once the
// path is complete, then the change.
func TestPath_SelfAssessmentBeforeAndAfter(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, withAdmin)
	ctx := context.Background()
	first := acme.Courses[fixture.ExampleSlug]
	paths := postgres.NewPathService(s.db)
	_, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: "grow", Title: "Grow", Summary: "One course.",
		Steps:          []course.PathStep{{Course: first.Slug, Unlock: course.Free}},
		SelfAssessment: &course.SelfAssessment{Intro: "Be honest.", Items: []string{"I ask for feedback.", "I bring options.", "I send updates."}}},
		"", true, postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	if ana.get("/paths/grow").doc.Find(`[data-testid="self-assessment"]`).Length() != 0 {
		t.Error("the self-assessment shows before the path is started")
	}
	ana.post("/paths/grow/start", nil)
	pg := ana.get("/paths/grow")
	if got := pg.text(`#self-title`); got != "Before you start: where are you now?" {
		t.Fatalf("title %q", got)
	}
	rate := func(phase string, ratings ...string) page {
		form := url.Values{"phase": {phase}, "items": {"3"}}
		for i, r := range ratings {
			if r != "" {
				form.Set("item"+itoa(int64(i)), r)
			}
		}
		return ana.post("/paths/grow/self-assessment", form)
	}
	if p := rate("start", "2", "", "3"); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), "Rate statement 2 from 1 to 5") {
		t.Errorf("a statement unrated: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	if p := rate("start", "2", "9", "3"); p.status != http.StatusUnprocessableEntity {
		t.Errorf("off the scale: %d", p.status)
	}
	if p := rate("start", "2", "1", "3"); p.status != http.StatusSeeOther {
		t.Fatalf("start: %d", p.status)
	}
	if ana.get("/paths/grow").doc.Find(`[data-testid="self-assessment"]`).Length() != 0 {
		t.Error("still asked to rate while the path is under way")
	}
	if p := rate("end", "4", "3", "3"); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), "once you have completed the path") {
		t.Errorf("the end before completing: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	ana.post("/paths/grow/steps/1/start", nil)
	if err := fixture.TakeExample(ctx, postgres.NewLearningService(s.db), acme.ID, acme.People["ana@acme.test"].ID, first.Slug, learning.Answers{{0}, {1}}); err != nil {
		t.Fatal(err)
	}
	pg = ana.get("/paths/grow")
	if got := pg.text(`#self-title`); got != "You have finished: rate yourself again" || !strings.Contains(pg.text(`[data-testid="self-assessment"]`), "At the start: 2 (Rarely)") {
		t.Fatalf("end form: %q %q", got, pg.text(`[data-testid="self-assessment"]`))
	}
	if p := rate("end", "4", "1", "2"); p.status != http.StatusSeeOther {
		t.Fatalf("end: %d", p.status)
	}
	table := ana.get("/paths/grow").text(`[data-testid="self-change"]`)
	for _, want := range []string{"I ask for feedback.", "up 2", "no change", "down 1"} {
		if !strings.Contains(table, want) {
			t.Errorf("the change lacks %q: %s", want, table)
		}
	}
	// The ratings are the learner's: in the export of their data.
	boss := adminClient(t, s)
	_, body := boss.raw("/admin/users/" + itoa(acme.People["ana@acme.test"].ID) + "/export")
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range zr.File {
		if f.Name == "self_assessments.csv" {
			found = true
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			if !strings.Contains(string(b), "grow,start,2 1 3") || !strings.Contains(string(b), "grow,end,4 1 2") {
				t.Errorf("self_assessments.csv:\n%s", b)
			}
		}
	}
	if !found {
		t.Error("the export has no self_assessments.csv")
	}
	// Another portal's learner cannot rate this path.
	bo := newClient(t, s, "globex.localhost")
	if p := bo.post("/paths/grow/self-assessment", url.Values{"phase": {"start"}}); p.status == http.StatusSeeOther {
		t.Error("another portal's visitor rated the path")
	}
}

func TestAdmin_EditsAPathsSelfAssessment(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, withAdmin)
	ctx := context.Background()
	paths := postgres.NewPathService(s.db)
	rec, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: "grow", Title: "Grow",
		Steps: []course.PathStep{{Course: fixture.ExampleSlug, Unlock: course.Free}}}, "", false, postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	boss := adminClient(t, s)
	at := "/admin/paths/" + itoa(rec.ID)
	save := func(items string) page {
		boss.get(at) // the form, and its CSRF token
		return boss.post(at, url.Values{"title": {"Grow"}, "self_items": {items}, "self_intro": {"Be honest."}})
	}
	if p := save("Only one\n\nand two"); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-self_items"]`)+p.text(".field-error"), "3 to 12 statements") {
		t.Errorf("two statements: %d %q", p.status, p.doc.Find(".field-error").Text())
	}
	if p := save("I ask for feedback.\nI bring options.\n  \nI send updates.\n"); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d", p.status)
	}
	got, _ := paths.FindPathByID(ctx, acme.ID, rec.ID)
	if got.SelfAssessment == nil || len(got.SelfAssessment.Items) != 3 || got.SelfAssessment.Intro != "Be honest." {
		t.Fatalf("stored %+v", got.SelfAssessment)
	}
	if v := boss.get(at).doc.Find(`textarea[name="self_items"]`).Text(); !strings.Contains(v, "I bring options.\nI send updates.") {
		t.Errorf("the editor shows %q", v)
	}
	if p := save(""); p.status != http.StatusSeeOther {
		t.Fatalf("remove: %d", p.status)
	}
	if got, _ := paths.FindPathByID(ctx, acme.ID, rec.ID); got.SelfAssessment != nil {
		t.Error("an emptied self-assessment was kept")
	}
}
