package e2e

import (
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// A reseller brands itself in its console, with a logo; its client's
// portal then says it is powered by the reseller, with the logo. The
// branding page and the operators' resellers page pass the accessibility
// check.
func TestJourney_AResellerBrandsItsClientsPortals(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := fixture.By
	nw, err := postgres.NewResellerService(srv.Main.DB).EnsureReseller(ctx, "northwind", "Northwind")
	if err != nil {
		t.Fatal(err)
	}
	// A reseller's client portal, which a fixture.Spec does not make.
	if _, err := srv.Main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "contoso", Name: "Contoso", ResellerID: &nw.ID}, by); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewConsoleService(srv.Main.DB).CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae Reseller", fixture.Password, by); err != nil {
		t.Fatal(err)
	}
	var png bytes.Buffer
	pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 90, 30)))
	logo := filepath.Join(t.TempDir(), "northwind.png")
	if err := os.WriteFile(logo, png.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	b := browsertest.NewBrowser(t)
	consoleSignIn(t, b, srv.URL, "rae@northwind.test")
	afterReload(t, b, chromedp.Click(chromedp.CSS(`nav a[href="/console/branding"]`)))
	b.Do(chromedp.SetValue(chromedp.CSS("#f-name"), "Northwind Learning"),
		typeText(chromedp.CSS("#f-support_email"), "help@northwind.test"),
		chromedp.SetUploadFiles(chromedp.CSS("#f-logo"), []string{logo}))
	b.CheckAccessibility()
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action="/console/branding"] button[type="submit"]`)))
	if got := b.Text(`[data-testid="notice"]`); !strings.HasPrefix(got, "Branding saved") {
		t.Fatalf("after saving: %q", got)
	}
	b.CheckAccessibility()
	b.Screenshot("reseller-branding")

	visitor := browsertest.NewBrowser(t)
	visitor.Visit(srv.PortalURL("contoso") + "/login")
	if got := visitor.Text("footer"); !strings.Contains(got, "powered by") || !strings.Contains(got, "Northwind Learning") || strings.Contains(got, "Upward") {
		t.Errorf("the client's footer: %q", got)
	}
	loaded := browsertest.Run(visitor, chromedp.Evaluate[bool](`(() => { const i = document.querySelector("footer img"); return !!i && i.complete && i.naturalWidth === 90 })()`))
	if !loaded {
		t.Error("the client's footer does not show the reseller's logo")
	}

	op := browsertest.NewBrowser(t)
	if _, err := postgres.NewOperatorService(srv.Main.DB).CreateOperator(ctx, "op@upward.test", "Olu", fixture.Password, by); err != nil {
		t.Fatal(err)
	}
	signIn(op, srv.URL+"/platform/login", "op@upward.test")
	op.Visit(srv.URL + "/platform/resellers")
	op.Do(typeText(chromedp.CSS("#f-domain-"+itoa(nw.ID)), "localhost"))
	afterReload(t, op, chromedp.Click(chromedp.CSS(`form[action$="/domain"] button`)))
	if got := op.Text(`[data-testid="error-domain"]`); got == "" {
		t.Error("a domain under the platform's is not refused at its field")
	}
	op.CheckAccessibility()
}
