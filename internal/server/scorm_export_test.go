package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// An author downloads the published version of a course as a SCORM 1.2
// and a SCORM 2004 package, with its files; a course never published is
// refused with the reason; learners and other portals get nothing.
func TestAuthoring_SCORMExport(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, withExample, func(_, globex *fixture.Spec) {
		globex.People = []fixture.Person{{Email: "boss@globex.test", Name: "Globex Boss", Roles: []user.Role{user.Admin}}}
	})
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	courses := postgresCourses(s)
	admin := adminClient(t, s)

	t.Run("ADraftIsRefused", func(t *testing.T) {
		admin.get("/admin/courses")
		coursePath := admin.post("/admin/courses", url.Values{"title": {"Unfinished"}, "slug": {"unfinished"}}).header.Get("Location")
		if pg := admin.get(coursePath); pg.doc.Find(`[data-testid="export-scorm12"]`).Length() != 0 ||
			!strings.Contains(pg.text(`[data-testid="scorm-note"]`), "Publish the course") {
			t.Error("the page of an unpublished course offers a SCORM export or does not say why not")
		}
		p := admin.get(coursePath + "/export/scorm12")
		if p.status != http.StatusConflict || !strings.Contains(p.doc.Text(), "has not been published yet") {
			t.Errorf("status %d, want 409 saying the course is not published", p.status)
		}
	})

	rec := acme.Courses[fixture.ExampleSlug]
	coursePath := "/admin/courses/" + itoa(rec.ID)
	admin.get(coursePath)
	var png bytes.Buffer
	pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {"image"}}, "file", "team.png", png.Bytes())
	notice := admin.get(coursePath).text(`[data-testid="notice"]`)
	stored := notice[strings.Index(notice, "src: ")+5:]
	r, err := courses.EditDraft(ctx, acme.ID, rec.ID, rec.DraftRevision, by, func(c *course.Course) error {
		l := &c.Modules[0].Lessons[0]
		l.Blocks = append(l.Blocks, course.Block{Key: "team-photo", Kind: course.KindImage, Image: &course.Image{Src: stored, Alt: "The team"}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", by); err != nil {
		t.Fatal(err)
	}
	publishedTitle := r.Draft.Title
	// An unpublished change is not exported.
	if _, err := courses.EditDraft(ctx, acme.ID, rec.ID, r.DraftRevision, by, func(c *course.Course) error {
		c.Title = "Draft title nobody should see"
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ target, version string }{{"scorm12", "<schemaversion>1.2</schemaversion>"}, {"scorm2004", "<schemaversion>2004 4th Edition</schemaversion>"}} {
		t.Run("DownloadsThePublishedVersion/"+tc.target, func(t *testing.T) {
			href, _ := admin.get(coursePath).doc.Find(`[data-testid="export-` + tc.target + `"]`).Attr("href")
			if href != coursePath+"/export/"+tc.target {
				t.Fatalf("the course page links %q", href)
			}
			res, body := admin.raw(href)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
				t.Fatalf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
			}
			if got, want := res.Header.Get("Content-Disposition"), `attachment; filename="`+rec.Slug+"-"+tc.target+`.zip"`; got != want {
				t.Errorf("Content-Disposition = %q, want %q", got, want)
			}
			files := map[string]string{}
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range zr.File {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				files[f.Name] = string(b)
			}
			if !strings.Contains(files["imsmanifest.xml"], tc.version) {
				t.Errorf("manifest is not of the edition: %.300s", files["imsmanifest.xml"])
			}
			if files["files/"+stored] != png.String() {
				t.Error("the uploaded image is not in the package as stored")
			}
			if !strings.Contains(files["index.html"], publishedTitle) || strings.Contains(files["index.html"], "Draft title nobody should see") {
				t.Error("the package is not of the published version")
			}
		})
	}

	t.Run("LearnersAreRefused", func(t *testing.T) {
		ana := newClient(t, s, "acme.localhost")
		signIn(ana, "ana@acme.test", goodPassword)
		if p := ana.get(coursePath + "/export/scorm2004"); p.status != http.StatusForbidden {
			t.Errorf("learner: %d, want 403", p.status)
		}
	})

	t.Run("AnotherPortalGets404", func(t *testing.T) {
		globex := newClient(t, s, "globex.localhost")
		signIn(globex, "boss@globex.test", goodPassword)
		for _, target := range []string{"scorm12", "scorm2004"} {
			if p := globex.get(coursePath + "/export/" + target); p.status != http.StatusNotFound {
				t.Errorf("%s from globex: %d, want 404", target, p.status)
			}
		}
	})
}
