package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/certpdf/certpdftest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/user"
)

// drawn is a PNG of w by h: a rounded mark in c on a transparent ground,
// like a logo or a signature.
func drawn(t *testing.T, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		y := h/2 + int(float64(h/4)*float64((x%40)-20)/20)
		for d := -2; d <= 2; d++ {
			img.Set(x, y+d, c)
		}
		if x < h {
			for yy := h / 4; yy < 3*h/4; yy++ {
				img.Set(x, yy, c)
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Each certificate layout, as a learner sees it at a desk and on a phone,
// and printed: one landscape page, A4 or Letter, without the site's
// header and footer. The design page is looked at too. Screenshots go to
// CERTIFICATE_SHOTS (a folder) when it is set.
func TestJourney_CertificateLayouts(t *testing.T) {
	// make check: each layout is drawn and printed to PDF by the browser
	// (two minutes of make test's wall time on 2 cores); the server's
	// tests check the same pages and PDFs follow the design.
	browsertest.Long(t)
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	db := srv.Main.DB
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"},
			{Email: "ada@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}}},
		Courses:  []fixture.Course{{Slug: "feedback", Title: "Giving feedback that lands"}},
		Progress: []fixture.Progress{{Who: "lee@acme.test", Course: "feedback", Step: fixture.Passed}},
	})
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	tenants := postgres.NewTenantService(db)
	if err := files.Put("logo-acme-e2e.png", drawn(t, 180, 60, color.NRGBA{0x1f, 0x5f, 0xa8, 0xff})); err != nil {
		t.Fatal(err)
	}
	if err := tenants.SetLogo(ctx, acme.ID, "logo-acme-e2e.png", fixture.By); err != nil {
		t.Fatal(err)
	}
	signature, err := certificate.CheckSignature(drawn(t, 320, 100, color.NRGBA{0x1a, 0x23, 0x5a, 0xff}))
	if err != nil {
		t.Fatal(err)
	}
	sigFile := "signature-" + itoa(acme.ID) + "-00112233aabbccdd.png"
	if err := files.Put(sigFile, signature); err != nil {
		t.Fatal(err)
	}
	dir := os.Getenv("CERTIFICATE_SHOTS")
	shot := func(b *browsertest.Browser, name string) {
		t.Helper()
		if dir != "" {
			b.ScreenshotTo(filepath.Join(dir, name+".png"))
		}
	}
	portal := srv.PortalURL("acme")

	lee := browsertest.NewBrowser(t)
	signIn(lee, portal+"/login", "lee@acme.test")
	lee.Visit(portal + "/learn")
	link := browsertest.Run(lee, chromedp.AttributeValue(chromedp.CSS(`[data-testid="certificates"] a`), "href")).Value

	for _, layout := range []certificate.Layout{certificate.Classic, certificate.Modern, certificate.Minimal} {
		t.Run(string(layout), func(t *testing.T) {
			if _, err := tenants.SaveCertificateDesign(ctx, acme.ID, certificate.Design{Layout: layout, AccentColor: "#8b1e3f", ShowLogo: true,
				SignatureFile: sigFile, SignerName: "Grace Hopper", SignerTitle: "Head of Learning"}, fixture.By); err != nil {
				t.Fatal(err)
			}
			lee.Visit(portal + link) // axe, rendered contrast, 390 px
			if got := browsertest.Run(lee, chromedp.AttributeValue(chromedp.CSS(`[data-testid="certificate"]`), "data-layout")).Value; got != string(layout) {
				t.Errorf("layout %q", got)
			}
			if !browsertest.Run(lee, chromedp.Evaluate[bool](`document.querySelector('[data-testid="signature-image"]').naturalWidth > 0 &&
				document.querySelector('[data-testid="certificate-logo"]').naturalWidth > 0`)) {
				t.Error("the signature or the logo did not load")
			}
			shot(lee, "certificate-"+string(layout)+"-1280")
			lee.Do(chromedp.EmulateViewport(390, 844))
			lee.CheckFitsPhone()
			shot(lee, "certificate-"+string(layout)+"-390")
			lee.Do(chromedp.EmulateViewport(1280, 900))

			for _, paper := range []struct {
				name string
				w, h float64 // inches, portrait
			}{{"a4", 8.27, 11.69}, {"letter", 8.5, 11}} {
				pdf := browsertest.Run(lee, chromedp.Action[[]byte](func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
					r, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{Landscape: ptr(true), PrintBackground: ptr(true),
						PaperWidth: paper.w, PaperHeight: paper.h})
					if err != nil {
						return nil, err
					}
					return r.Data, nil
				}))
				text := certpdftest.Text(t, pdf)
				if pages := strings.Count(text, "\f"); pages != 1 {
					t.Errorf("%s: printed on %d pages", paper.name, pages)
				}
				for _, want := range []string{"Lee Learner", "Grace Hopper", "Giving feedback that lands"} {
					if !strings.Contains(text, want) {
						t.Errorf("%s: the print lacks %q", paper.name, want)
					}
				}
				for _, chrome := range []string{"Sign out", "Skip to main content", "Download as PDF", "powered by"} {
					if strings.Contains(text, chrome) {
						t.Errorf("%s: the print shows the site's %q", paper.name, chrome)
					}
				}
				if dir != "" {
					img := certpdftest.Render(t, pdf, 60)
					f, err := os.Create(filepath.Join(dir, "print-"+string(layout)+"-"+paper.name+".png"))
					if err != nil {
						t.Fatal(err)
					}
					png.Encode(f, img)
					f.Close()
				}
			}
		})
	}

	ada := browsertest.NewBrowser(t)
	signIn(ada, portal+"/login", "ada@acme.test")
	ada.Visit(portal + "/admin/settings/certificates")
	shot(ada, "design-page-1280")
	ada.Do(chromedp.EmulateViewport(390, 844))
	ada.CheckFitsPhone()
	shot(ada, "design-page-390")
	ada.Do(chromedp.EmulateViewport(1280, 900))
	// Bad input, in the browser: the message is at the field.
	ada.Do(chromedp.SetValue(chromedp.CSS("#f-accent_color"), "crimson"))
	afterReload(t, ada, chromedp.Click(chromedp.CSS(`[data-testid="save"]`)))
	ada.CheckAccessibility()
	if got := ada.Text(`[data-testid="error-accent_color"]`); !strings.Contains(got, "six hex digits") {
		t.Errorf("accent error %q", got)
	}
	shot(ada, "design-page-error-1280")
}
func ptr[T any](v T) *T { return &v }
