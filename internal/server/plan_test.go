package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// A learner's action plan gathers their checklists and writing drafts;
// a draft shared with their manager shows on the team page with its
// self-check; nobody else's plan shows.
func TestMyPlan_ChecklistsAndDrafts(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	acme, _ := teamPortals(t, s)
	ctx := context.Background()
	learn := postgres.NewLearningService(s.db)
	rec := acme.Courses[fixture.ExampleSlug]
	rita, sam := acme.People["rita@acme.test"], acme.People["sam@acme.test"]
	for _, u := range []int64{rita.ID, sam.ID} {
		if _, err := learn.Enrol(ctx, acme.ID, u, rec.ID, learning.SelfEnrolled); err != nil {
			t.Fatal(err)
		}
	}
	rc := newClient(t, s, "acme.localhost")
	signIn(rc, "rita@acme.test", goodPassword)
	if got := rc.get("/learn/plan").text(`[data-testid="plan-empty"]`); got == "" {
		t.Error("no empty state before anything is planned")
	}
	lc, err := learn.FindLearnerCourse(ctx, acme.ID, rita.ID, rec.Slug)
	if err != nil {
		t.Fatal(err)
	}
	l2, l3 := lc.Content.Modules[1].Lessons[0], lc.Content.Modules[1].Lessons[1]
	writing := l3.Blocks[1].Key
	// The draft, posted as the lesson's form does, shared with Mona.
	rc.get("/courses/" + rec.Slug + "/lessons/" + l3.Key)
	draft := url.Values{"text": {"Thanks for today. We agreed the supplier review comes first and I will share the plan by Thursday."},
		"rating0": {"yes"}, "rating1": {"partly"}, "rating2": {"not_yet"}, "share": {"on"}}
	if p := rc.post("/courses/"+rec.Slug+"/lessons/"+l3.Key+"/writing/"+writing, draft); p.status != http.StatusSeeOther {
		t.Fatalf("save the draft: %d", p.status)
	}
	var checklist string
	for _, b := range l2.Blocks {
		if b.Checklist != nil {
			checklist = b.Key
		}
	}
	if err := learn.SaveChecklist(ctx, acme.ID, lc, l2.Key, checklist, []postgres.ChecklistItemState{{Done: true}, {}}, false); err != nil {
		t.Fatal(err)
	}
	lcSam, _ := learn.FindLearnerCourse(ctx, acme.ID, sam.ID, rec.Slug)
	if err := learn.SaveWriting(ctx, acme.ID, lcSam, l3.Key, writing, learning.Draft{Text: "Sam's own secret draft about something else entirely."}, false); err != nil {
		t.Fatal(err)
	}

	plan := rc.get("/learn/plan")
	text := plan.text(`[data-testid="my-plan"]`)
	for _, want := range []string{"Writing practice", "Write your follow-up note", "Thanks for today.", "checked against the model",
		"shared with your manager", "Action plan", "1 of 2 steps done"} {
		if !strings.Contains(text, want) {
			t.Errorf("the plan lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Sam's own") {
		t.Error("another learner's draft is in the plan")
	}
	if href, _ := plan.doc.Find(`[data-testid="my-plan"] a`).First().Attr("href"); !strings.Contains(href, "#block-") {
		t.Errorf("a plan links to %q, not to its block", href)
	}
	team := newClient(t, s, "acme.localhost")
	signIn(team, "mona@acme.test", goodPassword)
	shared := team.get("/team").text(`[data-testid="shared"]`)
	for _, want := range []string{"Write your follow-up note", "the supplier review", "It names the next step and when. · Partly"} {
		if !strings.Contains(shared, want) {
			t.Errorf("the team page lacks %q:\n%s", want, shared)
		}
	}
	// Mona comments on the shared draft; Rita reads it under her draft.
	team.get("/team")
	form := url.Values{"enrolment": {itoa(lc.Enrolment.ID)}, "block": {writing}, "comment": {"Good start: put the date first."}}
	if p := team.post("/team/"+itoa(rita.ID)+"/comments", form); p.status != http.StatusSeeOther {
		t.Fatalf("comment on the draft: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if got := rc.get("/courses/" + rec.Slug + "/lessons/" + l3.Key).text(`[data-testid="draft-comments"]`); !strings.Contains(got, "Good start: put the date first.") {
		t.Errorf("the draft's comments: %q", got)
	}
	// Leaving the course takes its plans off the page.
	if err := learn.Unenrol(ctx, acme.ID, rita.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	if rc.get("/learn/plan").text(`[data-testid="plan-empty"]`) == "" {
		t.Error("a course left still shows in the plan")
	}
}
