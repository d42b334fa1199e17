package e2e

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// An author drags a block to a new place and publishes; the published
// version has the new order, and a later edit stays out of it until the
// next publication.
func TestJourney_AuthorDragsABlockAndPublishes(t *testing.T) {
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	acme, err := srv.Main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "acme", Name: "Acme Learning"}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Main.Users.EnsureUser(ctx, acme, postgres.NewUser{Email: "ian@acme.test", Name: "Ian Instructor", Password: password, Roles: []user.Role{user.Instructor}}, by); err != nil {
		t.Fatal(err)
	}
	example, _ := library.Load(os.DirFS("../library/testdata/good"), "example")
	courses := postgres.NewCourseService(srv.Main.DB)
	rec, err := courses.ImportCourse(ctx, acme.ID, example, "", by)
	if err != nil {
		t.Fatal(err)
	}
	portal := srv.PortalURL("acme")
	coursePath := portal + "/admin/courses/" + itoa(rec.ID)
	lessonPath := coursePath + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key

	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "ian@acme.test")
	b.Visit(lessonPath)
	order := func() string {
		return browsertest.Run(b, chromedp.Evaluate[string](
			`[...document.querySelectorAll('[data-testid="blocks"] .kind')].map(e => e.textContent).join(",")`))
	}
	if got := order(); got != "text,quiz,checklist" {
		t.Fatalf("order before: %s", got)
	}
	afterReload(t, b, chromedp.DragAndDrop(chromedp.CSS(`[data-testid="blocks"] li:nth-child(3) .drag-handle`),
		chromedp.CSS(`[data-testid="blocks"] li:nth-child(1) .drag-handle`)))
	if got := order(); got != "checklist,text,quiz" {
		t.Fatalf("order after dragging the checklist to the top: %s", got)
	}
	b.CheckAccessibility()

	b.Visit(coursePath)
	b.Do(
		chromedp.SendKeys(chromedp.CSS("#f-note"), "Action plan first"),
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

	// A second edit, with the keyboard-friendly Down button.
	b.Visit(lessonPath)
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="blocks"] li:nth-child(1) form.move button`)))
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
// script that reloads), and waits until the new page has loaded.
func afterReload(t *testing.T, b *browsertest.Browser, action chromedp.Action[chromedp.Void]) {
	t.Helper()
	browsertest.Run(b, chromedp.Evaluate[bool](`window.__oldPage = true`))
	b.Do(action)
	deadline := time.Now().Add(10 * time.Second)
	for browsertest.Run(b, chromedp.Evaluate[bool](`window.__oldPage === true || document.readyState !== "complete"`)) {
		if time.Now().After(deadline) {
			t.Fatal("the page did not reload")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Lessons are dragged from one module to another on the course page.
func TestJourney_AuthorDragsALessonToAnotherModule(t *testing.T) {
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	acme, _ := srv.Main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "acme", Name: "Acme Learning"}, by)
	srv.Main.Users.EnsureUser(ctx, acme, postgres.NewUser{Email: "ian@acme.test", Name: "Ian Instructor", Password: password, Roles: []user.Role{user.Instructor}}, by)
	example, _ := library.Load(os.DirFS("../library/testdata/good"), "example")
	courses := postgres.NewCourseService(srv.Main.DB)
	rec, err := courses.ImportCourse(ctx, acme.ID, example, "", by)
	if err != nil {
		t.Fatal(err)
	}
	portal := srv.PortalURL("acme")
	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "ian@acme.test")
	b.Visit(portal + "/admin/courses/" + itoa(rec.ID))
	afterReload(t, b, chromedp.DragAndDrop(
		chromedp.CSS(`[data-testid="modules"] section:nth-child(2) .outline-lessons li:nth-child(1) .drag-handle`),
		chromedp.CSS(`[data-testid="modules"] section:nth-child(1) .outline-lessons li:nth-child(1) .drag-handle`)))
	after, err := courses.FindCourseByID(ctx, acme.ID, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n1, n2 := len(after.Draft.Modules[0].Lessons), len(after.Draft.Modules[1].Lessons); n1 != 2 || n2 != 0 {
		t.Errorf("lessons per module after the drag: %d and %d, want 2 and 0", n1, n2)
	}
	b.CheckAccessibility()
}
