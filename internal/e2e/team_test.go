package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// shotsAt saves the page at a desktop's width and a phone's, into
// TEAM_SCREENSHOTS (default: the browser artifacts), as name-1280.png and
// name-390.png.
func shotsAt(t *testing.T, b *browsertest.Browser, name string) {
	t.Helper()
	dir := os.Getenv("TEAM_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Dir(b.Screenshot(name))
	}
	b.Do(chromedp.EmulateViewport(1280, 900))
	b.ScreenshotTo(filepath.Join(dir, name+"-1280.png"))
	b.Do(chromedp.EmulateViewport(390, 844))
	b.ScreenshotTo(filepath.Join(dir, name+"-390.png"))
	b.Do(chromedp.EmulateViewport(1280, 900))
}

// A manager opens My team, assigns a course to a report with a due date
// and nudges them about it; the report signs in and finds the course
// assigned and the nudge among their notifications. The administration
// home's dashboard is looked at on the way.
func TestJourney_ManagerAssignsAndNudges(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	overdue := time.Now().AddDate(0, 0, -3)
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{
			{Email: "admin@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}},
			{Email: "mona@acme.test", Name: "Mona Manager"},
			{Email: "rita@acme.test", Name: "Rita Report", Manager: "mona@acme.test"},
			{Email: "sam@acme.test", Name: "Sam Second", Manager: "mona@acme.test"},
			{Email: "olly@acme.test", Name: "Olly Overdue", Manager: "mona@acme.test"},
		},
		Courses: []fixture.Course{{}, {Slug: "feedback", Title: "Giving Feedback That Lands"}},
		Progress: []fixture.Progress{
			{Who: "sam@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed},
			{Who: "olly@acme.test", Course: "feedback", Due: &overdue},
		}})
	rita, sam := acme.Person(t, "rita@acme.test"), acme.Person(t, "sam@acme.test")
	feedback := acme.Courses["feedback"]

	// Sam shares his action plan; Mona has already commented on it.
	learn := srv.Main.Services.Learning
	lc, err := learn.FindLearnerCourse(ctx, acme.ID, sam.ID, fixture.ExampleSlug)
	if err != nil {
		t.Fatal(err)
	}
	var planLesson string
	for _, l := range lc.Content.Lessons() {
		for _, blk := range l.Blocks {
			if blk.Kind != course.KindChecklist {
				continue
			}
			planLesson = "/courses/" + fixture.ExampleSlug + "/lessons/" + l.Key
			items := make([]postgres.ChecklistItemState, len(blk.Checklist.Items))
			items[0] = postgres.ChecklistItemState{Done: true}
			if err := learn.SaveChecklist(ctx, acme.ID, lc, l.Key, blk.Key, items, true); err != nil {
				t.Fatal(err)
			}
			if _, err := learn.CommentOnPlan(ctx, acme.ID, acme.Person(t, "mona@acme.test").ID, sam.ID, lc.Enrolment.ID, blk.Key,
				"Good start. Let's look at the weekly update together on Friday.", postgres.AuditActor{Label: "test"}); err != nil {
				t.Fatal(err)
			}
		}
	}

	b := browsertest.NewBrowser(t)
	portal := srv.PortalURL("acme")
	signIn(b, portal+"/login", "mona@acme.test")
	b.Visit(portal + "/team")
	shotsAt(t, b, "team")

	member := "#member-" + itoa(rita.ID)
	due := time.Now().AddDate(0, 0, 14).Format(time.DateOnly)
	b.Do(chromedp.Click(chromedp.CSS(member + " .team-assign summary")))
	b.Do(
		chromedp.SetValue(chromedp.CSS("#assign-course-"+itoa(rita.ID)), itoa(feedback.ID)),
		chromedp.SetValue(chromedp.CSS("#assign-due-"+itoa(rita.ID)), due),
	)
	afterReload(t, b, chromedp.Click(chromedp.CSS(member+` [data-testid="assign-form"] button[type="submit"]`)))
	b.CheckAccessibility()
	if got := b.Text(`[data-testid="notice"]`); !strings.Contains(got, "Assigned") {
		t.Fatalf("after assigning: %q", got)
	}
	if got := b.Text(member + " .team-courses"); !strings.Contains(got, feedback.Draft.Title) {
		t.Errorf("Rita's courses: %q", got)
	}
	afterReload(t, b, chromedp.Click(chromedp.CSS(member+` [data-testid="nudge"]`)))
	b.CheckAccessibility()
	if got := b.Text(`[data-testid="notice"]`); !strings.Contains(got, "Nudged Rita Report") {
		t.Fatalf("after nudging: %q", got)
	}
	if got := b.Text(member + ` [data-testid="nudged-today"]`); got != "Nudged today" {
		t.Errorf("the nudged course says %q", got)
	}
	shotsAt(t, b, "team-after")

	r := browsertest.NewBrowser(t)
	signIn(r, portal+"/login", "rita@acme.test")
	r.Visit(portal + "/learn")
	if got := r.Text(`[data-testid="assigned"]`); !strings.Contains(got, feedback.Draft.Title) {
		t.Errorf("Rita's assigned courses: %q", got)
	}
	r.Visit(portal + "/notifications")
	if got := r.Text("main"); !strings.Contains(got, "Mona Manager reminds you of "+feedback.Draft.Title) || !strings.Contains(got, "Assigned to you: "+feedback.Draft.Title) {
		t.Errorf("Rita's notifications: %q", got)
	}

	// Sam reads Mona's comment on his learning page.
	sb := browsertest.NewBrowser(t)
	signIn(sb, portal+"/login", "sam@acme.test")
	sb.Visit(portal + "/learn")
	if got := sb.Text(`[data-testid="my-plan-comments"]`); !strings.Contains(got, "weekly update together") {
		t.Errorf("Sam's comments: %q", got)
	}
	shotsAt(t, sb, "learn-comments")
	// And in the lesson, under the plan.
	sb.Visit(portal + planLesson)
	if got := sb.Text(`[data-testid="plan-comments"]`); !strings.Contains(got, "weekly update together") || !strings.Contains(got, "Mona Manager") {
		t.Errorf("Sam's lesson, under his plan: %q", got)
	}
	shotsAt(t, sb, "lesson-plan-comments")

	a := browsertest.NewBrowser(t)
	signIn(a, portal+"/login", "admin@acme.test")
	a.Visit(portal + "/admin/")
	shotsAt(t, a, "admin-home")
}
