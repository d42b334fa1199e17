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
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/user"
)

// A learner on a path registers for the live session that is its step;
// the instructor marks them present; the learner's path shows the step
// complete, and the path with it.
func TestJourney_ALiveSessionCompletesAPathStep(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	const slug = "no-surprises"
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := fixture.By
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"}, {Email: "ines@acme.test", Name: "Ines Instructor", Roles: []user.Role{user.Instructor}}}})
	lee, ines := acme.Person(t, "lee@acme.test"), acme.Person(t, "ines@acme.test")
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.InstallLibrary(ctx, srv.Main.DB, files, courses.FS, acme.ID, app.LibraryInstall{Courses: []string{slug}, Publish: true}, by, t.Logf); err != nil {
		t.Fatal(err)
	}
	rec, err := postgres.NewCourseService(srv.Main.DB).FindCourseBySlug(ctx, acme.ID, slug)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	session, err := postgres.NewLiveSessionService(srv.Main.DB).CreateSession(ctx, acme.ID, postgres.SessionPlan{CourseID: rec.ID, Instructors: []int64{ines.ID},
		Details: livesession.Details{Title: "No surprises, live", Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Paris", Capacity: 8,
			MeetingURL: "https://meet.example/no-surprises"}}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewPathService(srv.Main.DB).CreatePath(ctx, acme.ID, course.Path{Slug: "live-practice", Title: "Live practice",
		Steps: []course.PathStep{{Session: session.ID, Unlock: course.Free}}}, "", true, by); err != nil {
		t.Fatal(err)
	}
	portal := srv.PortalURL("acme")
	sessionPath := "/sessions/" + strconv.FormatInt(session.ID, 10)

	learner := browsertest.NewBrowser(t)
	signIn(learner, portal+"/login", "lee@acme.test")
	learner.Visit(portal + "/paths/live-practice")
	afterReload(t, learner, chromedp.Click(chromedp.CSS(`[data-testid="start-path"]`)))
	afterReload(t, learner, chromedp.Click(chromedp.CSS(`[data-testid="path-steps"] a[href="`+sessionPath+`"]`)))
	afterReload(t, learner, chromedp.Click(chromedp.CSS(`[data-testid="register"]`)))
	if got := learner.Text(`[data-testid="my-place"]`); got != "You are registered." {
		t.Fatalf("after registering: %q", got)
	}
	learner.CheckAccessibility()
	learner.Screenshot("session-registered")

	instructor := browsertest.NewBrowser(t)
	signIn(instructor, portal+"/login", "ines@acme.test")
	instructor.Visit(portal + "/admin/sessions/" + strconv.FormatInt(session.ID, 10))
	form := `[data-testid="attendance-` + strconv.FormatInt(lee.ID, 10) + `"]`
	instructor.CheckAccessibility()
	instructor.Do(chromedp.Click(chromedp.CSS(form + ` input[value="present"]`)))
	instructor.Do(typeText(chromedp.CSS(form+` input[name="note"]`), "Asked good questions"))
	afterReload(t, instructor, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	if got := instructor.Text(`[data-testid="notice"]`); !strings.Contains(got, "Attendance saved") {
		t.Errorf("after marking: %q", got)
	}
	instructor.Screenshot("session-attendance")

	learner.Visit(portal + "/paths/live-practice")
	if got := learner.Text(`[data-testid="path-steps"]`); !strings.Contains(got, "complete") {
		t.Errorf("the step: %q", got)
	}
	if got := learner.Text(`[data-testid="path-complete"]`); !strings.Contains(got, "You completed this path") {
		t.Errorf("the path: %q", got)
	}
	learner.CheckAccessibility()
	learner.Screenshot("session-path-complete")
}
