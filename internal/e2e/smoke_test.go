package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
)

func TestSmoke_HomePage(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "demo", Name: "Demo Company", Listed: true})
	b := browsertest.NewBrowser(t)
	b.Visit(srv.URL + "/")

	if got := b.Text(`[data-testid="home-heading"]`); got != "Grow the relationship that shapes your work" {
		t.Errorf("heading = %q", got)
	}
	if got := b.Text(`[data-testid="portals"] a`); got != "Demo Company" {
		t.Errorf("first portal = %q, want the one in the database", got)
	}
	t.Logf("screenshot: %s", b.Screenshot("home"))

	t.Run("FitsA320PixelScreen", func(t *testing.T) {
		b.Do(chromedp.EmulateViewport(320, 640))
		b.Visit(srv.URL + "/")
		if w := browsertest.Run(b, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 320 {
			t.Errorf("page is %dpx wide on a 320px screen: it scrolls sideways", w)
		}
		b.Screenshot("home-320")
		b.Do(chromedp.EmulateViewport(1280, 900))
	})

	t.Run("NotFoundPage", func(t *testing.T) {
		b.Visit(srv.URL + "/no-such-page")
		if got := b.Text(`[data-testid="error-page"] h1`); got != "Page not found" {
			t.Errorf("404 heading = %q", got)
		}
		b.Screenshot("not-found")
	})
}
