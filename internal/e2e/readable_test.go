package e2e

import (
	"context"

	"github.com/chromedp/chromedp"
	"path/filepath"
	"testing"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/user"
)

// The pages whose buttons read as links (a notification's title, the
// discussion's Helpful, Delete, Pin and Hide, Leave this course, Remove
// from a group) are drawn readable, checked on the colours the browser
// really paints; and a library lesson with a wide example block, like
// every page visited, fits a phone's screen.
func TestPages_ButtonsThatReadAsLinksAreReadableAndLessonsFitAPhone(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	db := srv.Main.DB
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{
			{Email: "lee@acme.test", Name: "Lee Learner"},
			{Email: "ada@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin, user.Learner}},
		},
		Groups:   []fixture.Group{{Name: "Finance team", Members: []string{"lee@acme.test"}}},
		Courses:  []fixture.Course{{}},
		Progress: []fixture.Progress{{Who: "lee@acme.test", Course: fixture.ExampleSlug}, {Who: "ada@acme.test", Course: fixture.ExampleSlug}},
	})
	lee, ada := acme.Person(t, "lee@acme.test"), acme.Person(t, "ada@acme.test")
	rec := acme.Courses[fixture.ExampleSlug]
	lesson := rec.Draft.Modules[0].Lessons[0].Key
	if err := postgres.NewNotificationService(db).Notify(ctx, acme.ID, notify.Note{UserID: lee.ID, Kind: notify.Mention,
		Title: "Ada mentioned you", URL: "/courses/" + rec.Slug + "/lessons/" + lesson}); err != nil {
		t.Fatal(err)
	}
	talk := postgres.NewDiscussionService(db)
	thread := postgres.ThreadRef{CourseID: rec.ID, Lesson: lesson}
	for _, who := range []int64{lee.ID, ada.ID} {
		if _, err := talk.CreatePost(ctx, acme.ID, postgres.Viewer{UserID: who}, thread, 0, "How do you open a weekly update?"); err != nil {
			t.Fatal(err)
		}
	}
	const wide = "communicating-up" // its lesson 03 shows an example in a preformatted block
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.InstallLibrary(ctx, db, files, courses.FS, acme.ID, app.LibraryInstall{Courses: []string{wide}, Publish: true}, fixture.By, t.Logf); err != nil {
		t.Fatal(err)
	}

	portal := srv.PortalURL("acme")
	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "lee@acme.test")
	// The home says what next: the course Lee is enrolled in.
	b.Visit(portal + "/")
	if got := b.Text(`[data-testid="next-course"]`); got == "" {
		t.Error("the home offers no course to carry on with")
	}
	b.Screenshot("home-signed-in")
	b.Do(chromedp.EmulateViewport(390, 844))
	b.Screenshot("home-signed-in-phone")
	b.Do(chromedp.EmulateViewport(1280, 900))
	b.Visit(portal + "/courses/" + wide)
	b.Do(chromedp.Click(chromedp.CSS(`form[action$="/enrol"] button`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="lesson-body"]`)))
	for _, path := range []string{"/notifications", "/courses/" + rec.Slug, "/courses/" + rec.Slug + "/lessons/" + lesson,
		"/courses/" + wide + "/lessons/03-lead-with-the-point"} {
		b.Visit(portal + path)
		if path == "/courses/"+wide+"/lessons/03-lead-with-the-point" {
			if b.Text(`[data-testid="lesson-body"] pre`) == "" {
				t.Fatal("the lesson shows no preformatted example: is it still the wide one?")
			}
			b.Do(chromedp.EmulateViewport(390, 844))
			b.Screenshot("lesson-with-example-phone")
			b.Do(chromedp.EmulateViewport(1280, 900))
		}
	}

	admin := browsertest.NewBrowser(t)
	signIn(admin, portal+"/login", "ada@acme.test")
	for _, path := range []string{"/courses/" + rec.Slug + "/lessons/" + lesson, "/admin/users/" + itoa(lee.ID)} {
		admin.Visit(portal + path)
	}
}
