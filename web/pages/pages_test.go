package pages_test

import (
	"context"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"github.com/upward-lms/upward/web/pages"
)

func render(t *testing.T, c templ.Component) *goquery.Document {
	t.Helper()
	var sb strings.Builder
	if err := c.Render(context.Background(), &sb); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestHome_EscapesPortalNames(t *testing.T) {
	t.Parallel()
	doc := render(t, pages.Home(pages.HomeView{Portals: []pages.PortalCard{
		{Name: `<script>alert(1)</script>`, URL: "http://x.localhost/"},
	}}))
	if doc.Find("script").Length() != 0 {
		t.Error("a portal name became markup")
	}
	if got := doc.Find(`[data-testid="portal-count"]`).Text(); got != "One portal runs on this platform." {
		t.Errorf("count = %q", got)
	}
}

func TestError_ShowsTheReferenceOnlyWhenGiven(t *testing.T) {
	t.Parallel()
	doc := render(t, pages.Error(pages.ErrorView{Status: 404, Title: "Page not found", Message: "Gone."}))
	if doc.Find(`[data-testid="request-id"]`).Length() != 0 {
		t.Error("404 page shows a request reference")
	}
	doc = render(t, pages.Error(pages.ErrorView{Status: 500, Title: "Oops", RequestID: "abc-1"}))
	if got := doc.Find(`[data-testid="request-id"]`).Text(); got != "abc-1" {
		t.Errorf("reference = %q, want abc-1", got)
	}
}
