package e2e

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/user"
)

// The learner's home answers "what next" (the exact lesson to carry on
// with, what is due, the sessions they hold a place in, what is done);
// the player folds its outline on a phone; the phone header's menu opens
// and closes; and the pages stay readable in dark mode.
func TestJourney_LearnerHomePlayerAndPhoneMenu(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	db := srv.Main.DB
	due := time.Now().AddDate(0, 0, 5)
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{
			{Email: "lee@acme.test", Name: "Lee Learner"},
			{Email: "ines@acme.test", Name: "Ines Instructor", Roles: []user.Role{user.Instructor, user.Learner}},
		},
		Courses:  []fixture.Course{{}},
		Progress: []fixture.Progress{{Who: "lee@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed}},
	})
	const library = "communicating-up"
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.InstallLibrary(ctx, db, files, courses.FS, acme.ID, app.LibraryInstall{Courses: []string{library}, Publish: true}, fixture.By, t.Logf); err != nil {
		t.Fatal(err)
	}
	rec, err := postgres.NewCourseService(db).FindCourseBySlug(ctx, acme.ID, library)
	if err != nil {
		t.Fatal(err)
	}
	lee, ines := acme.Person(t, "lee@acme.test"), acme.Person(t, "ines@acme.test")
	if _, _, err := postgres.NewLearningService(db).AssignCourse(ctx, acme.ID, lee.ID, rec.ID, &due, fixture.By); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	sessions := postgres.NewLiveSessionService(db)
	session, err := sessions.CreateSession(ctx, acme.ID, postgres.SessionPlan{CourseID: rec.ID, Instructors: []int64{ines.ID},
		Details: livesession.Details{Title: "Updates that land, live", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 8,
			MeetingURL: "https://meet.example/updates"}}, fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Register(ctx, acme.ID, session.ID, lee.ID); err != nil {
		t.Fatal(err)
	}
	portal := srv.PortalURL("acme")
	first := rec.Draft.Modules[0].Lessons[0]
	second := rec.Draft.Modules[0].Lessons[1]

	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "lee@acme.test")
	b.Visit(portal + "/")
	if got := b.Text(`[data-testid="next-course"]`); got != rec.Title {
		t.Errorf("continue card: %q, want the assigned course %q", got, rec.Title)
	}
	if got := b.Text(`[data-testid="next-lesson"]`); !strings.Contains(got, first.Title) {
		t.Errorf("continue card names %q, want the first lesson %q", got, first.Title)
	}
	if got := b.Text(`[data-testid="next"]`); !strings.Contains(got, "Due ") {
		t.Errorf("continue card has no due date: %q", got)
	}
	if got := b.Text(`[data-testid="home-sessions"]`); !strings.Contains(got, "Updates that land, live") {
		t.Errorf("home's sessions: %q", got)
	}
	if got := b.Text(`[data-testid="home-completed"]`); !strings.Contains(got, "Your First One-on-One") {
		t.Errorf("home's completed: %q", got)
	}
	if got := browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('[data-testid="next"] [data-testid="ring"]').getAttribute("aria-label")`)); got != rec.Title+" progress: 0%" {
		t.Errorf("progress ring says %q", got)
	}

	// The course: started from the home, the player opens at the first lesson.
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="next-resume"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="lesson-body"]`)))
	if got := b.Text(`[data-testid="lesson-title"]`); got != first.Title {
		t.Fatalf("resumed at %q, want %q", got, first.Title)
	}
	b.CheckAccessibility()
	visible := func(sel string) bool {
		return browsertest.Run(b, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); return !!e && e.checkVisibility({contentVisibilityAuto: true}); })()`))
	}
	if !visible(".player-outline") || visible(`[data-testid="outline-fold"]`) {
		t.Error("at 1280 px the outline should be beside the lesson, not folded")
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="next"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="lesson-body"]`)))
	if got := b.Text(`[data-testid="lesson-title"]`); got != second.Title {
		t.Errorf("Next went to %q, want %q", got, second.Title)
	}
	if got := b.Text(`.lesson-kicker`); !strings.HasPrefix(strings.ToLower(got), "lesson 2 of ") {
		t.Errorf("kicker %q", got)
	}

	// On a phone the outline folds above the lesson and opens on demand.
	b.Do(chromedp.EmulateViewport(390, 844))
	if visible(".player-outline") || !visible(`[data-testid="outline-fold"]`) || visible(`[data-testid="outline-fold"] .syllabus`) {
		t.Errorf("at 390 px the outline should be folded above the lesson: sidebar %v, fold %v, folded outline %v",
			visible(".player-outline"), visible(`[data-testid="outline-fold"]`), visible(`[data-testid="outline-fold"] .syllabus`))
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="outline-fold"] summary`)))
	if !visible(`[data-testid="outline-fold"] .syllabus`) {
		t.Error("opening the fold shows no outline")
	}
	b.Screenshot("player-phone-outline-open")

	// The phone header: the navigation hides behind Menu, which says so.
	if visible("#site-nav") {
		t.Error("at 390 px the navigation should be folded behind Menu")
	}
	expanded := func() string {
		return browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('[data-testid="menu-button"]').getAttribute("aria-expanded")`))
	}
	if expanded() != "false" {
		t.Errorf("Menu's aria-expanded before: %q", expanded())
	}
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="menu-button"]`)))
	if !visible("#site-nav") || expanded() != "true" {
		t.Errorf("after Menu: nav shown %v, aria-expanded %q", visible("#site-nav"), expanded())
	}
	b.CheckAccessibility()
	b.Screenshot("phone-menu-open")
	b.Do(chromedp.Focus(chromedp.CSS(`#site-nav a`)), chromedp.KeyEvent("\x1b"))
	if visible("#site-nav") || expanded() != "false" {
		t.Error("Escape did not close the menu")
	}
	if focused := browsertest.Run(b, chromedp.Evaluate[string](`document.activeElement.dataset.testid || ""`)); focused != "menu-button" {
		t.Errorf("after Escape the focus is on %q, want the Menu button", focused)
	}
	b.Do(chromedp.EmulateViewport(1280, 900))

	// Dark mode: the same pages, every text readable on what is painted.
	b.ColorScheme("dark")
	for _, path := range []string{"/", "/courses", "/courses/" + library, "/courses/" + library + "/lessons/" + second.Key, "/learn"} {
		b.Visit(portal + path)
	}
	if bg := browsertest.Run(b, chromedp.Evaluate[string](`getComputedStyle(document.body).backgroundColor`)); bg != "rgb(20, 24, 29)" {
		t.Errorf("dark mode's page colour: %s", bg)
	}
	b.Visit(portal + "/")
	b.Screenshot("home-dark")
}
