package server_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	pngenc "image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/certpdf/certpdftest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// withCertificates gives Ana (acme) and Gus (globex) a certificate each,
// and globex an admin.
func withCertificates(acme, globex *fixture.Spec) {
	acme.Courses = append(acme.Courses, fixture.Course{Slug: "feedback", Title: "Giving feedback that lands"})
	acme.Progress = append(acme.Progress, fixture.Progress{Who: anaOfAcme.Email, Course: "feedback", Step: fixture.Passed})
	globex.People = append(globex.People, fixture.Person{Email: "gus@globex.test", Name: "Gus"},
		fixture.Person{Email: "boss@globex.test", Name: "Globex Boss", Roles: []user.Role{user.Admin}})
	globex.Courses = append(globex.Courses, fixture.Course{Slug: "feedback", Title: "Giving feedback that lands"})
	globex.Progress = append(globex.Progress, fixture.Progress{Who: "gus@globex.test", Course: "feedback", Step: fixture.Passed})
}

func signaturePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 300, 100))
	for x := 20; x < 280; x++ {
		img.Set(x, 50+(x%20)-10, color.NRGBA{0x10, 0x20, 0x60, 0xff})
	}
	var buf bytes.Buffer
	if err := pngenc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// certificateLink is the signed-in learner's first certificate's page.
func certificateLink(t *testing.T, c *client) string {
	t.Helper()
	link, ok := c.get("/learn").doc.Find(`[data-testid="certificates"] a`).Attr("href")
	if !ok {
		t.Fatal("the dashboard shows no certificate")
	}
	return link
}

func TestCertificateDesign_OnlyAdminsMayChangeIt(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "ian@acme.test", Name: "Ian", Roles: []user.Role{user.Instructor}})
	})
	for _, who := range []string{anaOfAcme.Email, "ian@acme.test"} {
		c := newClient(t, s, "acme.localhost")
		if p := signIn(c, who, goodPassword); p.status != http.StatusSeeOther {
			t.Fatalf("%s: sign-in %d", who, p.status)
		}
		if p := c.get("/admin/settings/certificates"); p.status != http.StatusForbidden {
			t.Errorf("%s sees the design page: %d", who, p.status)
		}
		if p := c.uploadForm("/admin/settings/certificates", url.Values{"layout": {"modern"}, "intent": {"save"}}, "signature", "", nil); p.status != http.StatusForbidden {
			t.Errorf("%s saves a design: %d", who, p.status)
		}
	}
	anon := newClient(t, s, "acme.localhost")
	anon.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if p := anon.get("/admin/settings/certificates"); p.status != http.StatusSeeOther && p.status != http.StatusFound {
		t.Errorf("a visitor: %d, want a redirect to sign in", p.status)
	}
	d, err := postgres.NewTenantService(s.db).FindCertificateDesign(context.Background(), acme.Tenant.ID)
	if err != nil || d != certificate.Default() {
		t.Errorf("after refusals the design is %+v (%v)", d, err)
	}
}

func TestCertificateDesign(t *testing.T) {
	t.Parallel()
	s, acme, globex := twoPortals(t, withAdmin, withCertificates)
	ctx := context.Background()
	admin := adminClient(t, s)
	design := func(id int64) certificate.Design {
		t.Helper()
		d, err := postgres.NewTenantService(s.db).FindCertificateDesign(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}

	p := admin.get("/admin/settings/certificates")
	if p.status != http.StatusOK || p.doc.Find(`[data-testid="preview"] [data-layout="classic"]`).Length() != 1 {
		t.Fatalf("the page: %d, preview %d", p.status, p.doc.Find(`[data-testid="preview"] [data-layout]`).Length())
	}
	if _, checked := p.doc.Find(`#f-layout-classic`).Attr("checked"); !checked {
		t.Error("the stored layout is not the one chosen")
	}

	t.Run("BadInputNamesTheFieldAndChangesNothing", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			fields url.Values
			file   []byte
			field  string
		}{
			{"UnknownLayout", url.Values{"layout": {"baroque"}}, nil, "layout"},
			{"NoLayout", url.Values{}, nil, "layout"},
			{"NamedColour", url.Values{"layout": {"modern"}, "accent_color": {"red"}}, nil, "accent_color"},
			{"CSSInTheColour", url.Values{"layout": {"modern"}, "accent_color": {"#8b1e3f;background:url(x)"}}, nil, "accent_color"},
			{"TitleWithoutName", url.Values{"layout": {"modern"}, "signer_title": {"Head of Learning"}}, nil, "signer_name"},
			{"LongName", url.Values{"layout": {"modern"}, "signer_name": {strings.Repeat("x", 101)}}, nil, "signer_name"},
			{"SignatureWithoutSigner", url.Values{"layout": {"modern"}}, signaturePNG(t), "signer_name"},
			{"ScriptAsSignature", url.Values{"layout": {"modern"}, "signer_name": {"Grace"}},
				[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "signature"},
			{"GIFSignature", url.Values{"layout": {"modern"}, "signer_name": {"Grace"}}, []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), "signature"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.fields.Set("intent", "save")
				p := admin.uploadForm("/admin/settings/certificates", tc.fields, "signature", "signature.png", tc.file)
				if p.status != http.StatusUnprocessableEntity {
					t.Errorf("status %d, want 422", p.status)
				}
				if p.text(`[data-testid="error-`+tc.field+`"]`) == "" {
					t.Errorf("no message at %s; the page says %q", tc.field, p.text(".error-summary"))
				}
				// The form keeps what was typed.
				if v, _ := p.doc.Find(`#f-accent_color`).Attr("value"); v != tc.fields.Get("accent_color") {
					t.Errorf("accent colour shown as %q", v)
				}
				if d := design(acme.Tenant.ID); d != certificate.Default() {
					t.Errorf("the design changed: %+v", d)
				}
			})
		}
	})

	t.Run("PreviewShowsTheFormsDesignAndSavesNothing", func(t *testing.T) {
		p := admin.uploadForm("/admin/settings/certificates", url.Values{"layout": {"minimal"}, "accent_color": {"#2A7D4F"},
			"signer_name": {"Grace Hopper"}, "intent": {"preview"}}, "signature", "signature.png", signaturePNG(t))
		if p.status != http.StatusOK {
			t.Fatalf("status %d: %s", p.status, p.text(".error-summary"))
		}
		sample := p.doc.Find(`[data-testid="preview"] [data-testid="certificate"]`)
		if layout, _ := sample.Attr("data-layout"); layout != "minimal" {
			t.Errorf("preview layout %q", layout)
		}
		if href, _ := p.doc.Find(`[data-testid="preview"] link[rel="stylesheet"]`).Attr("href"); href != "/accent/2a7d4f.css" {
			t.Errorf("accent stylesheet %q", href)
		}
		if src, _ := sample.Find(`[data-testid="signature-image"]`).Attr("src"); !strings.HasPrefix(src, "data:image/png;base64,") {
			t.Errorf("signature in the preview: %.40q", src)
		}
		if d := design(acme.Tenant.ID); d != certificate.Default() {
			t.Errorf("the preview saved: %+v", d)
		}
	})

	// The admin saves a design with a signature.
	admin.get("/admin/settings/certificates")
	p = admin.uploadForm("/admin/settings/certificates", url.Values{"layout": {"modern"}, "accent_color": {"#8B1E3F"},
		"signer_name": {"Grace Hopper"}, "signer_title": {"Head of Learning"}, "show_logo": {"on"}, "intent": {"save"}},
		"signature", "signature.png", signaturePNG(t))
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, p.text(".error-summary"))
	}
	saved := design(acme.Tenant.ID)
	if saved.Layout != certificate.Modern || saved.AccentColor != "#8b1e3f" || saved.SignerName != "Grace Hopper" ||
		saved.SignerTitle != "Head of Learning" || !strings.HasPrefix(saved.SignatureFile, "signature-") {
		t.Fatalf("saved %+v", saved)
	}
	if got := admin.get("/admin/settings/certificates").text(`[data-testid="notice"]`); !strings.Contains(got, "saved") {
		t.Errorf("notice %q", got)
	}

	ana := newClient(t, s, "acme.localhost")
	signIn(ana, anaOfAcme.Email, goodPassword)
	link := certificateLink(t, ana)

	t.Run("TheCertificatePageFollowsIt", func(t *testing.T) {
		p := ana.get(link)
		cert := p.doc.Find(`[data-testid="certificate"]`)
		if layout, _ := cert.Attr("data-layout"); layout != "modern" {
			t.Errorf("layout %q", layout)
		}
		if href, _ := p.doc.Find(`link[href^="/accent/"]`).Attr("href"); href != "/accent/8b1e3f.css" {
			t.Errorf("accent stylesheet %q", href)
		}
		if p.text(`[data-testid="signer-name"]`) != "Grace Hopper" || p.text(`[data-testid="signer-title"]`) != "Head of Learning" {
			t.Errorf("signer %q, %q", p.text(`[data-testid="signer-name"]`), p.text(`[data-testid="signer-title"]`))
		}
		src, _ := cert.Find(`[data-testid="signature-image"]`).Attr("src")
		res, body := ana.raw(src)
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
			t.Errorf("signature %s: %d %q", src, res.StatusCode, res.Header.Get("Content-Type"))
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
			t.Errorf("signature served without a sandbox CSP: %q", csp)
		}
		res, body = ana.raw("/accent/8b1e3f.css")
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "--accent:#8b1e3f") {
			t.Errorf("accent stylesheet: %d %s", res.StatusCode, body)
		}
		if res, _ := ana.raw("/accent/red.css"); res.StatusCode != http.StatusNotFound {
			t.Errorf("a bad accent: %d", res.StatusCode)
		}
		if res, _ := ana.raw("/certificate-signature/signature-1-0123456789abcdef.png"); res.StatusCode != http.StatusNotFound {
			t.Errorf("a signature the portal does not use: %d", res.StatusCode)
		}
	})

	t.Run("ThePDFFollowsIt", func(t *testing.T) {
		res, body := ana.raw(link + "/pdf")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("PDF: %d", res.StatusCode)
		}
		text := certpdftest.Text(t, body)
		for _, want := range []string{"CERTIFICATE OF COMPLETION", "Grace Hopper", "Head of Learning", "Ana"} {
			if !strings.Contains(text, want) {
				t.Errorf("the PDF lacks %q:\n%s", want, text)
			}
		}
	})

	t.Run("AnotherPortalNeverUsesOrReadsIt", func(t *testing.T) {
		if d := design(globex.Tenant.ID); d != certificate.Default() {
			t.Errorf("globex's design: %+v", d)
		}
		gus := newClient(t, s, "globex.localhost")
		signIn(gus, "gus@globex.test", goodPassword)
		p := gus.get(certificateLink(t, gus))
		if layout, _ := p.doc.Find(`[data-testid="certificate"]`).Attr("data-layout"); layout != "classic" {
			t.Errorf("globex's certificate is %q", layout)
		}
		if p.doc.Find(`[data-testid="certificate-signature"]`).Length() != 0 {
			t.Error("globex's certificate is signed")
		}
		if res, _ := gus.raw("/certificate-signature/" + saved.SignatureFile); res.StatusCode != http.StatusNotFound {
			t.Errorf("acme's signature on globex: %d", res.StatusCode)
		}
		boss := newClient(t, s, "globex.localhost")
		signIn(boss, "boss@globex.test", goodPassword)
		p = boss.get("/admin/settings/certificates")
		if v, _ := p.doc.Find(`#f-signer_name`).Attr("value"); v != "" || strings.Contains(p.doc.Text(), "Grace Hopper") {
			t.Errorf("globex's admin sees acme's signer %q", v)
		}
	})

	t.Run("RemovingTheSignature", func(t *testing.T) {
		admin.get("/admin/settings/certificates")
		p := admin.uploadForm("/admin/settings/certificates", url.Values{"layout": {"classic"}, "remove_signature": {"on"},
			"intent": {"save"}}, "signature", "", nil)
		if p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.status, p.text(".error-summary"))
		}
		if d := design(acme.Tenant.ID); d.SignatureFile != "" || d.Layout != certificate.Classic {
			t.Errorf("after removing: %+v", d)
		}
		if res, _ := ana.raw("/certificate-signature/" + saved.SignatureFile); res.StatusCode != http.StatusNotFound {
			t.Errorf("the old signature is still served: %d", res.StatusCode)
		}
	})
}

// A form without files (no multipart) is read as choosing no signature.
func TestCertificateDesign_AFormWithoutFiles(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/settings/certificates")
	if p := admin.post("/admin/settings/certificates", url.Values{"layout": {"minimal"}, "intent": {"save"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, p.text(".error-summary"))
	}
	if d, err := postgres.NewTenantService(s.db).FindCertificateDesign(context.Background(), acme.Tenant.ID); err != nil || d.Layout != certificate.Minimal {
		t.Errorf("saved %+v, %v", d, err)
	}
}
