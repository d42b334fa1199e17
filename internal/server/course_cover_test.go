package server_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	pngenc "image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// photo is a PNG of w×h pixels, red above the middle and blue below.
func photo(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		c := color.RGBA{200, 0, 0, 255}
		if y >= h/2 {
			c = color.RGBA{0, 0, 200, 255}
		}
		for x := 0; x < w; x++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := pngenc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestCourseCover_UploadCropsIntoTheDraftThenPublishes(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, withExample)
	admin := adminClient(t, s)
	rec := acme.Courses[fixture.ExampleSlug]
	coverPath := "/admin/courses/" + itoa(rec.ID) + "/cover"

	page := admin.get(coverPath)
	if page.status != http.StatusOK || page.doc.Find(".hero-cover svg.cover-art").Length() != 1 {
		t.Fatalf("before: %d, drawn cover shown: %d", page.status, page.doc.Find(".hero-cover svg.cover-art").Length())
	}
	rev, _ := page.doc.Find(`input[name="revision"]`).First().Attr("value")

	t.Run("BadInputNamesTheFieldAndChangesNothing", func(t *testing.T) {
		for _, c := range []struct {
			name, focus string
			data        []byte
			want        string
		}{
			{"not a picture", "centre", []byte("<html>no</html>"), "Picture: the file is not a PNG, JPEG or WebP picture"},
			{"too small", "centre", photo(t, 320, 200), "Picture: the picture is 320×200 pixels; a cover needs at least 640×360"},
			{"unknown focus", "upside-down", photo(t, 800, 600), "Part to keep:"},
		} {
			admin.get(coverPath)
			p := admin.uploadForm(coverPath, url.Values{"focus": {c.focus}, "revision": {rev}}, "picture", "p.png", c.data)
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), c.want) {
				t.Errorf("%s: %d %q", c.name, p.status, p.text(`[data-testid="form-error"]`))
			}
		}
		if d, _ := postgres.NewCourseService(s.db).FindCourseByID(t.Context(), acme.ID, rec.ID); d.Draft.Cover != "" || d.DraftRevision != rec.DraftRevision {
			t.Errorf("a refused upload changed the draft: cover %q, revision %d", d.Draft.Cover, d.DraftRevision)
		}
	})

	admin.get(coverPath)
	if p := admin.uploadForm(coverPath, url.Values{"focus": {"top"}, "revision": {rev}}, "picture", "team.png", photo(t, 1000, 1000)); p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d %q\n%s", p.status, p.text(`[data-testid="form-error"]`), s.logs.String())
	}
	after := admin.get(coverPath)
	src, _ := after.doc.Find(".hero-cover img").Attr("src")
	if !strings.HasPrefix(src, "/files/f-") || !strings.Contains(after.text(`[data-testid="notice"]`), "publish the course") {
		t.Fatalf("after: img %q, notice %q", src, after.text(`[data-testid="notice"]`))
	}
	res, body := admin.raw(src)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("the cover file: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	img, err := jpeg.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 720 {
		t.Errorf("cover size %v", b)
	}
	if r, _, b, _ := img.At(640, 100).RGBA(); r>>8 < 150 || b>>8 > 60 {
		t.Errorf("the top was to be kept; the cover is r=%d b=%d", r>>8, b>>8)
	}

	// Learners see it once the course is published.
	if cat := admin.get("/courses"); cat.doc.Find(`.card-cover img[src="`+src+`"]`).Length() != 0 {
		t.Error("the draft's cover reached the catalog before publishing")
	}
	admin.get("/admin/courses/" + itoa(rec.ID))
	if p := admin.post("/admin/courses/"+itoa(rec.ID)+"/publish", url.Values{"note": {"New cover"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if cat := admin.get("/courses"); cat.doc.Find(`.card-cover img[src="`+src+`"]`).Length() != 1 {
		t.Error("the published cover is not in the catalog")
	}

	// Removing it goes back to the drawn cover.
	page = admin.get(coverPath)
	rev, _ = page.doc.Find(`input[name="revision"]`).First().Attr("value")
	if p := admin.post(coverPath+"/remove", url.Values{"revision": {rev}}); p.status != http.StatusSeeOther {
		t.Fatalf("remove: %d", p.status)
	}
	if admin.get(coverPath).doc.Find(".hero-cover svg.cover-art").Length() != 1 {
		t.Error("after removing, the drawn cover is not shown")
	}
}

func TestCourseCover_AnotherPortalsCourseIsNotFound(t *testing.T) {
	t.Parallel()
	s, _, globex := twoPortals(t, withAdmin, func(_, g *fixture.Spec) { g.Courses = append(g.Courses, fixture.Course{}) })
	admin := adminClient(t, s)
	path := "/admin/courses/" + itoa(globex.Courses[fixture.ExampleSlug].ID) + "/cover"
	if p := admin.get(path); p.status != http.StatusNotFound {
		t.Errorf("get: %d", p.status)
	}
	admin.get("/admin/courses")
	if p := admin.uploadForm(path, url.Values{"focus": {"centre"}}, "picture", "p.png", photo(t, 800, 600)); p.status != http.StatusNotFound {
		t.Errorf("upload: %d", p.status)
	}
}
