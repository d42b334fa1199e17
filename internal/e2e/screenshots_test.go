package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/user"
)

// The gallery (make screenshots): the main pages of each role, at a
// desktop's width (1280 px) and a phone's (390 px), into SCREENSHOTS_DIR
// as <role>-<page>-<width>.png. Each page is checked on the way, like
// every page a journey visits (contrast, axe, fits a phone).
func TestScreenshots_Gallery(t *testing.T) {
	dir := os.Getenv("SCREENSHOTS_DIR")
	if dir == "" {
		t.Skip("make screenshots sets SCREENSHOTS_DIR")
	}
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	db := srv.Main.DB
	due := time.Now().AddDate(0, 0, 10)
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{
			{Email: "mo@acme.test", Name: "Mo Manager"},
			{Email: "lee@acme.test", Name: "Lee Learner", Manager: "mo@acme.test"},
			{Email: "ivy@acme.test", Name: "Ivy Instructor", Roles: []user.Role{user.Instructor, user.Learner}},
			{Email: "ada@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin, user.Learner}},
		},
		Groups:  []fixture.Group{{Name: "Customer support", Members: []string{"lee@acme.test"}}},
		Courses: []fixture.Course{{}},
		Progress: []fixture.Progress{{Who: "lee@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed},
			{Who: "mo@acme.test", Course: fixture.ExampleSlug, Due: &due}},
	})
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	const library = "communicating-up"
	if err := app.InstallLibrary(ctx, db, files, courses.FS, acme.ID, app.LibraryInstall{Courses: []string{library}, Publish: true}, fixture.By, t.Logf); err != nil {
		t.Fatal(err)
	}
	lee := acme.Person(t, "lee@acme.test")
	if err := postgres.NewNotificationService(db).Notify(ctx, acme.ID, notify.Note{UserID: lee.ID, Kind: notify.Mention,
		Title: "Mo mentioned you in Communicating Up", URL: "/courses/" + library}); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewOperatorService(db).CreateOperator(ctx, "op@upward.test", "Olu Operator", fixture.Password, fixture.By); err != nil {
		t.Fatal(err)
	}
	rec := acme.Courses[fixture.ExampleSlug]
	portal := srv.PortalURL("acme")
	editor := "/admin/courses/" + itoa(rec.ID)
	// Ordering, branching and writing practice, and a path's self-assessment.
	coursesSvc := postgres.NewCourseService(db)
	practice, err := coursesSvc.ImportCourse(ctx, acme.ID, practiceCourse(t), "", fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := coursesSvc.Publish(ctx, acme.ID, practice.ID, "", fixture.By); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewLearningService(db).Enrol(ctx, acme.ID, lee.ID, practice.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	paths := postgres.NewPathService(db)
	grow, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: "grow", Title: "Leading Up as a New Manager", Summary: "Five courses for new managers.",
		Steps: []course.PathStep{{Course: practice.Slug, Unlock: course.Free}, {Course: fixture.ExampleSlug, Unlock: course.AfterPrevious}},
		SelfAssessment: &course.SelfAssessment{Intro: "Rate each statement as things stand today.", Items: []string{
			"My team knows what my own manager expects of us this quarter.", "My reports bring me problems early, with options.",
			"I coach my reports to solve problems instead of solving them myself."}}}, "", true, fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	if err := paths.StartPath(ctx, acme.ID, lee.ID, grow.ID); err != nil {
		t.Fatal(err)
	}
	practiceLessons := practice.Draft.Lessons()
	// Lee has planned and drafted something, for their action plan.
	learnSvc := postgres.NewLearningService(db)
	plc, err := learnSvc.FindLearnerCourse(ctx, acme.ID, lee.ID, practice.Slug)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range practiceLessons {
		for _, b := range l.Blocks {
			switch {
			case b.Writing != nil:
				err = learnSvc.SaveWriting(ctx, acme.ID, plc, l.Key, b.Key, learning.Draft{Text: "Thanks for the time today. We agreed that the supplier review comes first, that I send an update on Fridays, and that I share the plan by Thursday.",
					Ratings: []string{"yes", "partly", "yes"}}, true)
			case b.Checklist != nil:
				err = learnSvc.SaveChecklist(ctx, acme.ID, plc, l.Key, b.Key, []postgres.ChecklistItemState{{Done: true}, {Due: time.Now().AddDate(0, 0, 7).Format(time.DateOnly)}}, false)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	practiceEditor := "/admin/courses/" + itoa(practice.ID) + "/lessons/"
	var practiceQuiz string
	for _, b := range practiceLessons[1].Blocks {
		if b.Quiz != nil {
			practiceQuiz = b.Key
		}
	}

	// SCREENSHOTS_ONLY=learner-home,admin takes only the pages whose
	// <role>-<page> starts with one of these.
	only := strings.FieldsFunc(os.Getenv("SCREENSHOTS_ONLY"), func(r rune) bool { return r == ',' })
	shoot := func(b *browsertest.Browser, role, name, url string) {
		t.Helper()
		if len(only) > 0 && !slices.ContainsFunc(only, func(p string) bool { return strings.HasPrefix(role+"-"+name, p) }) {
			return
		}
		b.Visit(url)
		b.ScreenshotTo(filepath.Join(dir, role+"-"+name+"-1280.png"))
		b.Do(chromedp.EmulateViewport(390, 844))
		b.ScreenshotTo(filepath.Join(dir, role+"-"+name+"-390.png"))
		b.Do(chromedp.EmulateViewport(1280, 900))
	}

	learner := browsertest.NewBrowser(t)
	signIn(learner, portal+"/login", "lee@acme.test")
	learner.Visit(portal + "/courses/" + library)
	learner.Do(chromedp.Click(chromedp.CSS(`form[action$="/enrol"] button`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="lesson-body"]`)))
	for _, p := range []struct{ name, path string }{
		{"home", "/"}, {"my-learning", "/learn"}, {"catalog", "/courses"}, {"course", "/courses/" + library},
		{"lesson", "/courses/" + library + "/lessons/03-lead-with-the-point"}, {"quiz", "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key},
		{"notifications", "/notifications"}, {"account", "/account"},
		{"practice-quiz", "/courses/" + practice.Slug + "/lessons/" + practiceLessons[1].Key},
		{"practice-writing", "/courses/" + practice.Slug + "/lessons/" + practiceLessons[2].Key},
		{"path-self-assessment", "/paths/grow"}, {"plan", "/learn/plan"},
		{"library-practice", "/courses/" + library + "/lessons/06-five-line-weekly-update"},
	} {
		shoot(learner, "learner", p.name, portal+p.path)
	}

	// The learner's home in dark mode (the device's colour scheme).
	learner.ColorScheme("dark")
	shoot(learner, "learner", "home-dark", portal+"/")
	learner.ColorScheme("light")

	manager := browsertest.NewBrowser(t)
	signIn(manager, portal+"/login", "mo@acme.test")
	shoot(manager, "manager", "home", portal+"/")
	shoot(manager, "manager", "team", portal+"/team")

	admin := browsertest.NewBrowser(t)
	signIn(admin, portal+"/login", "ada@acme.test")
	for _, p := range []struct{ name, path string }{
		{"admin", "/admin"}, {"people", "/admin/users"}, {"person", "/admin/users/" + itoa(lee.ID)}, {"courses", "/admin/courses"},
		{"course-editor", editor}, {"lesson-editor", editor + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key},
		{"course-learners", editor + "/learners"}, {"reports", "/admin/reports"}, {"settings", "/admin/settings"},
		{"cover", editor + "/cover"}, {"certificate-design", "/admin/settings/certificates"},
		{"quiz-kinds-editor", practiceEditor + practiceLessons[1].Key + "?edit=" + practiceQuiz + "#edit-" + practiceQuiz},
		{"writing-editor", practiceEditor + practiceLessons[2].Key + "?add=writing"},
	} {
		shoot(admin, "admin", p.name, portal+p.path)
	}

	op := browsertest.NewBrowser(t)
	signIn(op, srv.URL+"/platform/login", "op@upward.test")
	shoot(op, "operator", "portals", srv.URL+"/platform")
	shoot(op, "operator", "portal", srv.URL+"/platform/tenants/"+itoa(acme.ID))
	t.Logf("screenshots in %s", dir)
}
