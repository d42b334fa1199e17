package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// ian writes courses and paths.
var ian = fixture.Person{Email: "ian@acme.test", Name: "Ian Instructor", Roles: []user.Role{user.Instructor}}

// An author drags a block to a new place and publishes; the published
// version has the new order, and a later edit stays out of it until the
// next publication.
func TestJourney_AuthorDragsABlockAndPublishes(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{ian},
		Courses: []fixture.Course{{Draft: true}}})
	rec := acme.Courses[fixture.ExampleSlug]
	courses := postgres.NewCourseService(srv.Main.DB)
	portal := srv.PortalURL("acme")
	coursePath := portal + "/admin/courses/" + itoa(rec.ID)
	lessonPath := coursePath + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key

	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "ian@acme.test")
	b.Visit(lessonPath)
	order := func() string {
		return browsertest.Run(b, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-testid="blocks"] > li .kind')].map(e => e.textContent).join(",")`))
	}
	if got := order(); got != "text,quiz,checklist" {
		t.Fatalf("order before: %s", got)
	}
	// The lesson editor saves a drop in place, without a reload. Its
	// blocks show whole, as learners see them: a tall window holds both
	// ends of the drag.
	clearStatus(b)
	b.Do(chromedp.EmulateViewport(1280, 2000))
	defer b.Do(chromedp.EmulateViewport(1280, 900))
	b.Do(chromedp.DragAndDrop(chromedp.CSS(`[data-testid="blocks"] > li:nth-child(3) .drag-handle`),
		chromedp.CSS(`[data-testid="blocks"] > li:nth-child(1) .drag-handle`)))
	waitSaved(t, b)
	if got := order(); got != "checklist,text,quiz" {
		t.Fatalf("order after dragging the checklist to the top: %s", got)
	}
	b.CheckAccessibility()

	b.Visit(coursePath)
	b.Do(
		typeText(chromedp.CSS("#f-note"), "Action plan first"),
		chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="no-changes"]`)),
	)
	kinds := func(version int) string {
		c, err := courses.FindVersion(ctx, acme.ID, rec.ID, version)
		if err != nil {
			t.Fatal(err)
		}
		var ks []string
		for _, blk := range c.Modules[1].Lessons[0].Blocks {
			ks = append(ks, string(blk.Kind))
		}
		return strings.Join(ks, ",")
	}
	if got := kinds(1); got != "checklist,text,quiz" {
		t.Errorf("published order: %s", got)
	}

	// A second edit, with the Move down button of the block's menu.
	b.Visit(lessonPath)
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="blocks"] > li:nth-child(1) details.block-menu summary`)))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="blocks"] > li:nth-child(1) form.move button`)))
	if got := order(); got != "text,checklist,quiz" {
		t.Fatalf("order after Down: %s", got)
	}
	if got := kinds(1); got != "checklist,text,quiz" {
		t.Errorf("the unpublished edit reached the published version: %s", got)
	}
	b.Visit(coursePath)
	if got := b.Text(`[data-testid="changes"]`); !strings.Contains(got, "moved") {
		t.Errorf("changes shown: %q", got)
	}
}

// afterReload runs an action that leads to a new page (a form post, or a
// script that reloads), and waits until the new page has loaded: as long
// as the server may take to answer (browsertest gives it 30 seconds, as
// journeys run beside other packages).
func afterReload(t *testing.T, b *browsertest.Browser, action chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Run(b, chromedp.Evaluate[bool](`window.__oldPage = true`))
	// Under load the page may leave while the click or a look at it is
	// still being answered: that is the reload arriving, not a failure.
	if err := b.TryDo(action); err != nil && !browsertest.Navigated(err) {
		t.Fatalf("browser: %v", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		old, err := browsertest.TryRun(b, chromedp.Evaluate[bool](`window.__oldPage === true || document.readyState !== "complete"`))
		if err != nil && !browsertest.Navigated(err) {
			t.Fatalf("browser: %v", err)
		}
		if err == nil && !old {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the page did not reload")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Lessons are dragged from one module to another on the course page.
func TestJourney_AuthorDragsALessonToAnotherModule(t *testing.T) {
	browsertest.Long(t)
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{ian},
		Courses: []fixture.Course{{Draft: true}}})
	rec := acme.Courses[fixture.ExampleSlug]
	portal := srv.PortalURL("acme")
	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "ian@acme.test")
	b.Visit(portal + "/admin/courses/" + itoa(rec.ID))
	afterReload(t, b, chromedp.DragAndDrop(
		chromedp.CSS(`[data-testid="modules"] section:nth-child(2) .outline-lessons li:nth-child(1) .drag-handle`),
		chromedp.CSS(`[data-testid="modules"] section:nth-child(1) .outline-lessons li:nth-child(1) .drag-handle`)))
	after, err := postgres.NewCourseService(srv.Main.DB).FindCourseByID(ctx, acme.ID, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n1, n2 := len(after.Draft.Modules[0].Lessons), len(after.Draft.Modules[1].Lessons); n1 != 2 || n2 != 0 {
		t.Errorf("lessons per module after the drag: %d and %d, want 2 and 0", n1, n2)
	}
	b.CheckAccessibility()
}

// The whole authoring promise, in the browser: an administrator creates a
// course, writes two lessons with three kinds of blocks, drags a block to a
// new place and publishes; a learner sees the new order. A second edit
// stays out of the learner's view until it is published, and even then the
// learner keeps the version they started until they restart.
func TestJourney_AdminBuildsACourseAndALearnerSeesOnlyWhatIsPublished(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	srv := browsertest.StartServer(t)
	fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "ada@acme.test", Roles: []user.Role{user.Admin}}, {Email: "lee@acme.test"}}})
	portal := srv.PortalURL("acme")

	admin := browsertest.NewBrowser(t)
	signIn(admin, portal+"/login", "ada@acme.test")
	admin.Visit(portal + "/admin/courses")
	admin.Do(typeText(chromedp.CSS("#f-title"), "Working With Your Manager"),
		typeText(chromedp.CSS("#f-slug"), "working-with-your-manager"))
	afterReload(t, admin, chromedp.Click(chromedp.CSS(`form[method="post"][action="/admin/courses"] button`)))
	coursePath := browsertest.Run(admin, chromedp.Evaluate[string](`location.pathname`))
	admin.CheckAccessibility() // the new course's page, where the first lesson is added

	// addLesson adds a lesson on the course's page, which is open.
	addLesson := func(title string) (lessonPath string) {
		admin.Do(typeText(chromedp.CSS(`input[id^="new-lesson-"]`), title))
		afterReload(t, admin, chromedp.Click(chromedp.CSS(`form[action$="/lessons"] button`)))
		return browsertest.Run(admin, chromedp.Evaluate[string](`location.pathname`))
	}
	addBlock := func(kind string, fields map[string]string) {
		admin.Do(chromedp.SetValue(chromedp.CSS("#f-add"), kind))
		afterReload(t, admin, chromedp.Click(chromedp.CSS(`form[method="get"] button`)))
		for id, text := range fields {
			admin.Do(typeText(chromedp.CSS("#"+id), text))
		}
		afterReload(t, admin, chromedp.Click(chromedp.CSS(`#block-form .button-row button[type="submit"]`)))
		if msg := browsertest.Run(admin, chromedp.Evaluate[string](`document.querySelector('[data-testid="form-error"]')?.textContent ?? ""`)); msg != "" {
			t.Fatalf("saving the %s block: %s", kind, msg)
		}
	}
	editorOrder := func() string {
		return browsertest.Run(admin, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-testid="blocks"] > li .kind')].map(e => e.textContent).join(",")`))
	}

	first := addLesson("Know what your manager is measured on")
	addBlock("text", map[string]string{"f-content": "Your manager answers to someone too."})
	addBlock("callout", map[string]string{"f-text": "Ask what success looks like this quarter."})
	addBlock("reflection", map[string]string{"f-prompt": "Which of your manager's goals does your work move?"})
	if got := editorOrder(); got != "text,callout,reflection" {
		t.Fatalf("blocks after adding: %s", got)
	}
	clearStatus(admin)
	admin.Do(chromedp.DragAndDrop(chromedp.CSS(`[data-testid="blocks"] > li:nth-child(3) .drag-handle`),
		chromedp.CSS(`[data-testid="blocks"] > li:nth-child(1) .drag-handle`)))
	waitSaved(t, admin)
	if got := editorOrder(); got != "reflection,text,callout" {
		t.Fatalf("blocks after dragging the reflection to the top: %s", got)
	}
	admin.Visit(portal + coursePath)
	addLesson("Write a five-line weekly update")
	addBlock("checklist", map[string]string{"f-title": "This week", "f-items": "Draft your first update"})

	publish := func(note string) {
		admin.Visit(portal + coursePath)
		admin.Do(typeText(chromedp.CSS("#f-note"), note))
		afterReload(t, admin, chromedp.Click(chromedp.CSS(`form[action$="/publish"] button`)))
		if admin.Text(`[data-testid="no-changes"]`) == "" {
			t.Fatal("publishing left changes unpublished")
		}
	}
	publish("First version")

	learner := browsertest.NewBrowser(t)
	signIn(learner, portal+"/login", "lee@acme.test")
	learner.Visit(portal + "/courses")
	afterReload(t, learner, chromedp.Click(chromedp.CSS(`[data-testid="catalog"] a`)))
	afterReload(t, learner, chromedp.Click(chromedp.CSS(`[data-testid="enrol"]`)))
	lessonURL := browsertest.Run(learner, chromedp.Evaluate[string](`location.href`))
	// readOrder reads the blocks of the lesson on the learner's screen;
	// learnerOrder opens the lesson again (and checks it) first, to read
	// what the learner sees now. Enrolling has just opened the lesson: the
	// first reading needs no second visit.
	readOrder := func() string {
		return browsertest.Run(learner, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-testid="lesson-body"] [data-testid="block"]')].map(e => e.dataset.kind).join(",")`))
	}
	learnerOrder := func() string {
		learner.Visit(lessonURL)
		return readOrder()
	}
	if got := readOrder(); got != "reflection,text,callout" {
		t.Fatalf("the learner sees %s, want the published order reflection,text,callout", got)
	}
	learner.Screenshot("learner-lesson")

	// A second edit, with the keyboard's Down button.
	admin.Visit(portal + first)
	admin.Do(chromedp.Click(chromedp.CSS(`[data-testid="blocks"] > li:nth-child(1) details.block-menu summary`)))
	afterReload(t, admin, chromedp.Click(chromedp.CSS(`[data-testid="blocks"] > li:nth-child(1) form.move button`)))
	if got := editorOrder(); got != "text,reflection,callout" {
		t.Fatalf("blocks after Down: %s", got)
	}
	if got := learnerOrder(); got != "reflection,text,callout" {
		t.Errorf("an unpublished edit reached the learner: %s", got)
	}

	publish("Context before the question")
	if got := learnerOrder(); got != "reflection,text,callout" {
		t.Errorf("the learner's version changed under them: %s", got)
	}
	learner.Visit(portal + "/courses/working-with-your-manager")
	afterReload(t, learner, chromedp.Click(chromedp.CSS(`[data-testid="newer-version"] button`)))
	if got := learnerOrder(); got != "text,reflection,callout" {
		t.Errorf("after restarting on the new version the learner sees %s", got)
	}
}

// An author builds a learning path and reorders its steps by dragging.
func TestJourney_AuthorDragsAPathStepIntoPlace(t *testing.T) {
	browsertest.Long(t)
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{ian},
		Courses: []fixture.Course{{Slug: "alpha", Title: "Alpha", Draft: true}, {Slug: "beta", Title: "Beta", Draft: true}}})
	portal := srv.PortalURL("acme")
	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "ian@acme.test")
	b.Visit(portal + "/admin/paths")
	b.Do(typeText(chromedp.CSS("#f-title"), "Alpha then Beta"), typeText(chromedp.CSS("#f-slug"), "alpha-beta"),
		chromedp.SetValue(chromedp.CSS("#f-course"), "alpha"))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action="/admin/paths"] button`)))
	b.Do(chromedp.SetValue(chromedp.CSS("#f-course"), "beta"))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action$="/steps"] button`)))
	order := func() string {
		return browsertest.Run(b, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-testid="step-title"]')].map(e => e.textContent).join(",")`))
	}
	if got := order(); got != "Alpha,Beta" {
		t.Fatalf("steps %s", got)
	}
	afterReload(t, b, chromedp.DragAndDrop(chromedp.CSS(`[data-testid="steps"] li:nth-child(2) .drag-handle`),
		chromedp.CSS(`[data-testid="steps"] li:nth-child(1) .drag-handle`)))
	if got := order(); got != "Beta,Alpha" {
		t.Errorf("steps after the drag: %s", got)
	}
	b.CheckAccessibility()
	p, err := postgres.NewPathService(srv.Main.DB).FindPathBySlug(ctx, acme.ID, "alpha-beta")
	if err != nil || p.Steps[0].CourseSlug != "beta" || p.Steps[0].Unlock != "free" {
		t.Errorf("stored steps %+v %v", p.Steps, err)
	}
}
