package e2e

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// signIn signs a portal's person (every fixture person has
// fixture.Password) or a platform operator in at url.
func signIn(b *browsertest.Browser, url, email string) {
	b.Visit(url)
	b.Do(
		typeText(chromedp.CSS("#f-email"), email),
		typeText(chromedp.CSS("#f-password"), fixture.Password),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="signed-in-as"]`)),
	)
}

// An administrator and a platform operator go through their pages; each is
// checked for accessibility on the way.
func TestJourney_AdministrationPagesAreAccessible(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{{Email: "admin@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin, user.Learner}}},
		Groups:  []fixture.Group{{Name: "Finance team"}},
		Courses: []fixture.Course{{Draft: true}},
	})
	if _, err := postgres.NewOperatorService(srv.Main.DB).CreateOperator(ctx, "op@upward.test", "Olu Operator", fixture.Password, fixture.By); err != nil {
		t.Fatal(err)
	}
	rec := acme.Courses[fixture.ExampleSlug]
	// A pending custom domain shows on the settings page and the operator's.
	if _, err := srv.Main.Tenants.RequestDomain(ctx, acme.ID, "learn.acme.example", "localhost", fixture.By); err != nil {
		t.Fatal(err)
	}
	coursePath := "/admin/courses/" + itoa(rec.ID)
	lessonPath := coursePath + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key

	b := browsertest.NewBrowser(t)
	portal := srv.PortalURL("acme")
	signIn(b, portal+"/login", "admin@acme.test")
	// The settings page is visited, and checked, below.
	for _, path := range []string{"/", "/account", "/admin", "/admin/users", "/admin/groups", "/admin/audit",
		"/admin/courses", coursePath, lessonPath, lessonPath + "?add=quiz"} {
		b.Visit(portal + path)
	}
	b.Screenshot("lesson-editor")

	// A block deleted by mistake is put back from the same page.
	b.Visit(portal + lessonPath)
	blocks := browsertest.Run(b, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="blocks"] li[data-key]').length`))
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="blocks"] > li:first-child details.block-menu summary`)),
		chromedp.Click(chromedp.CSS(`form[action$="/delete"] button`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="undo"] button`)))
	b.CheckAccessibility()
	b.Screenshot("lesson-editor-undo")
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="undo"] button`)), chromedp.WaitNotPresent(chromedp.CSS(`[data-testid="undo"]`)))
	// The page comes back after the undo; under load it may still be
	// arriving when the toast has gone.
	after := 0
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		after = browsertest.Run(b, chromedp.Evaluate[int](`document.readyState === "complete" ? document.querySelectorAll('[data-testid="blocks"] li[data-key]').length : -1`))
		if after == blocks {
			break
		}
	}
	if after != blocks {
		t.Errorf("%d blocks after undoing a delete, want %d", after, blocks)
	}

	// The settings preview: the header in the new colour and name, and the
	// home page's greeting, before anything is saved.
	b.Visit(portal + "/admin/settings")
	b.Do(
		chromedp.SetValue(chromedp.CSS("#f-name"), "Acme Academy"),
		chromedp.SetValue(chromedp.CSS("#f-primary_color"), "#7a1f5c"),
		chromedp.SetValue(chromedp.CSS("#f-welcome_text"), "Learn to work well with your manager."),
		chromedp.Click(chromedp.CSS(`[data-testid="preview-button"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="preview"]`)),
	)
	b.CheckAccessibility()
	if got := b.Text(".site-header .brand"); got != "Acme Academy" {
		t.Errorf("preview header %q", got)
	}
	b.Screenshot("settings-preview")

	op := browsertest.NewBrowser(t)
	signIn(op, srv.URL+"/platform/login", "op@upward.test")
	for _, path := range []string{"/platform", "/platform/tenants/new", "/platform/resellers", "/platform/tenants/" + itoa(acme.ID)} {
		op.Visit(srv.URL + path)
	}
	op.Screenshot("platform-tenants")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
