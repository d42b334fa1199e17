package server_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
)

// lies are files whose name or first bytes claim a type their content is not.
var lies = []struct {
	name, filename string
	data           []byte
}{
	{"HTMLNamedPNG", "logo.png", []byte("<!doctype html><html><script>window.__xss=1</script></html>")},
	{"SVGWithScript", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="window.__xss=1"><script>window.__xss=1</script></svg>`)},
	{"SVGWithXMLDeclNamedPNG", "logo.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>window.__xss=1</script></svg>`)},
	{"PNGSignatureThenHTML", "logo.png", append([]byte("\x89PNG\r\n\x1a\n"), "<html><script>window.__xss=1</script></html>"...)},
	{"GIFHeaderThenHTML", "logo.gif", append([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00"), "<html><script>window.__xss=1</script></html>"...)},
	{"ZipThatIsNot", "logo.png", []byte("PK\x03\x04 not really a zip")},
	{"Empty", "logo.png", nil},
}

// dataFiles counts the files under the server's data directory.
func dataFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func gifBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 3, 3), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestUploads_FilesThatLieAboutTheirTypeAreRefused(t *testing.T) {
	t.Parallel()
	var dataDir string
	s := newServer(t, func(c *config.Config) { dataDir = c.DataDir })
	ctx := context.Background()
	acme := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme", Plan: "enterprise", People: []fixture.Person{bossOfAcme}})
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	coursePath := admin.post("/admin/courses", url.Values{"title": {"Uploads"}, "slug": {"uploads"}}).header.Get("Location")
	refused := func(t *testing.T, what string, p page, errSel string) {
		t.Helper()
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422", what, p.status)
		}
		if p.text(errSel) == "" {
			t.Errorf("%s: no message at %s", what, errSel)
		}
		if bad := activeContent(p.doc); len(bad) > 0 {
			t.Errorf("%s: the refusing page carries %v", what, bad)
		}
	}
	before := dataFiles(t, dataDir)
	uploadsBefore := countRows(t, s, acme.ID, "course_files")

	for _, lie := range lies {
		t.Run(lie.name, func(t *testing.T) {
			admin.get("/admin/settings")
			refused(t, "portal logo", admin.upload("/admin/settings/logo", "logo", lie.filename, lie.data), `[data-testid="error-logo"]`)
			for _, kind := range []string{"image", "media"} {
				admin.get(coursePath)
				refused(t, kind+" upload", admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {kind}}, "file", lie.filename, lie.data), `[data-testid="form-error"]`)
			}
			admin.get("/admin/courses")
			refused(t, "course import", admin.uploadForm("/admin/courses/import", nil, "zip", strings.TrimSuffix(lie.filename, filepath.Ext(lie.filename))+".zip", lie.data), `[data-testid="form-error"], [data-testid^="error-"]`)
			admin.get("/admin/courses")
			refused(t, "SCORM import", admin.uploadForm("/admin/courses/import-scorm", nil, "package", "package.zip", lie.data), `[data-testid="form-error"], [data-testid^="error-"]`)
			admin.get("/admin/users/import")
			refused(t, "CSV user import", admin.upload("/admin/users/import", "file", "people.csv", lie.data), `[data-testid="error-file"], [data-testid="form-error"]`)
		})
	}
	t.Run("NothingWasStored", func(t *testing.T) {
		if n := dataFiles(t, dataDir); n != before {
			t.Errorf("%d files in the data directory, want %d", n, before)
		}
		if n := countRows(t, s, acme.ID, "course_files"); n != uploadsBefore {
			t.Errorf("%d uploads recorded, want %d", n, uploadsBefore)
		}
		if got, _ := s.main.Tenants.FindTenantBySlug(ctx, "acme"); got.Branding.LogoFile != "" {
			t.Errorf("the portal has a logo %q", got.Branding.LogoFile)
		}
	})

	t.Run("AFileOfAnyTypeIsServedAsAnAttachment", func(t *testing.T) {
		// An SVG is no image here (it can carry script); as a plain file for
		// learners to download it is taken, and never shown by the browser.
		admin.get(coursePath)
		svg := lies[1]
		if p := admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {"file"}}, "file", "diagram.svg", svg.data); p.status != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", p.status, p.text(`[data-testid="form-error"]`))
		}
		notice := admin.get(coursePath).text(`[data-testid="notice"]`)
		name := notice[strings.Index(notice, "src: ")+5:]
		res, _ := admin.raw("/files/" + name)
		h := res.Header
		if res.StatusCode != http.StatusOK || h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
			h.Get("Content-Type") != "application/octet-stream" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("an uploaded SVG served as %d, type %q, disposition %q, CSP %q, nosniff %q", res.StatusCode, h.Get("Content-Type"),
				h.Get("Content-Disposition"), h.Get("Content-Security-Policy"), h.Get("X-Content-Type-Options"))
		}
	})

	t.Run("ARealGIFIsTakenAndServedInert", func(t *testing.T) {
		admin.get("/admin/settings")
		if p := admin.upload("/admin/settings/logo", "logo", "logo.png", gifBytes(t)); p.status != http.StatusSeeOther {
			t.Fatalf("logo: %d %s", p.status, p.text(`[data-testid="error-logo"]`))
		}
		src, _ := admin.get("/admin/settings").doc.Find(`[data-testid="logo-preview"]`).Attr("src")
		res, _ := admin.raw(src)
		h := res.Header
		if res.StatusCode != http.StatusOK || h.Get("Content-Type") != "image/gif" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("the logo served as %d, type %q, CSP %q", res.StatusCode, h.Get("Content-Type"), h.Get("Content-Security-Policy"))
		}
		admin.get(coursePath)
		if p := admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {"image"}}, "file", "anim.gif", gifBytes(t)); p.status != http.StatusSeeOther {
			t.Errorf("a real GIF image refused: %d %s", p.status, p.text(`[data-testid="form-error"]`))
		}
	})
}

// countRows counts a tenant table's rows as the database owner sees them.
func countRows(t *testing.T, s *testServer, tenantID int64, table string) int {
	t.Helper()
	var n int
	if err := ownerConn(t, s).QueryRow(context.Background(), `SELECT count(*) FROM `+table+` WHERE tenant_id = $1`, tenantID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
