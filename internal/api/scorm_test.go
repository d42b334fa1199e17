package api_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

func TestImportingSCORMPackages(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{Courses: []fixture.Course{{Slug: "globex-course", Title: "Globex Course"}}})
	ctx := context.Background()
	key := e.key(e.acme.Tenant, apikey.CoursesWrite, apikey.CoursesRead)
	if r := e.call(t, "acme", "POST", "/api/v1/courses/scorm", key, scormtest.Zip(t, scormtest.Fixture(t, "sco12")), "Content-Type", "application/zip"); r.status != http.StatusForbidden {
		t.Errorf("on a plan without SCORM: %d", r.status)
	}
	if _, err := e.db.Pool.Exec(ctx, `UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, e.acme.ID); err != nil {
		t.Fatal(err)
	}
	zip := scormtest.Zip(t, scormtest.Fixture(t, "sco12"))
	post := func(query string, body []byte, headers ...string) response {
		return e.call(t, "acme", "POST", "/api/v1/courses/scorm"+query, key, body, append([]string{"Content-Type", "application/zip"}, headers...)...)
	}
	var first struct {
		CourseID int64 `json:"course_id"`
		Status   string
		Package  struct {
			Version      int
			SCORMVersion string `json:"scorm_version"`
			Items        int
		}
	}
	t.Run("APackageBecomesACourse", func(t *testing.T) {
		r := post("?publish=true", zip)
		r.decode(t, &first)
		if r.status != http.StatusCreated || first.Status != "published" || first.Package.Version != 1 || first.Package.SCORMVersion != "1.2" || first.Package.Items != 1 {
			t.Fatalf("status %d: %s", r.status, r.body)
		}
		if got := e.call(t, "acme", "GET", r.header.Get("Location"), key, nil); got.status != http.StatusOK {
			t.Errorf("the course: %d", got.status)
		}
	})
	t.Run("ANewVersionOfTheSameCourse", func(t *testing.T) {
		r := post("?course_id="+strconv.FormatInt(first.CourseID, 10), zip)
		var again struct {
			CourseID int64 `json:"course_id"`
			Package  struct{ Version int }
		}
		r.decode(t, &again)
		if r.status != http.StatusCreated || again.CourseID != first.CourseID || again.Package.Version != 2 {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
	t.Run("AHostilePackageIsAFieldErrorThatKeepsNothing", func(t *testing.T) {
		var before int
		count := func() (n int) {
			e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
				return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM courses) + (SELECT count(*) FROM scorm_packages)`).Scan(&n)
			})
			return n
		}
		before = count()
		for _, h := range scormtest.Hostiles(t) {
			r := post("", h.Zip)
			var p struct{ Errors []struct{ Detail string } }
			r.decode(t, &p)
			if r.status != http.StatusUnprocessableEntity || !slices.Equal(r.fieldsAtFault(t), []string{"package"}) || !strings.Contains(p.Errors[0].Detail, h.Refusal) {
				t.Errorf("%s: status %d: %s", h.Name, r.status, r.body)
			}
		}
		if after := count(); after != before {
			t.Errorf("%d rows before, %d after", before, after)
		}
	})
	t.Run("ARetryWithTheSameIdempotencyKeyImportsOnce", func(t *testing.T) {
		big := scormtest.Package(t, scormtest.Entry{Name: "media/pad.bin", Body: []byte(strings.Repeat("x", 300<<10)), Store: true})
		first := post("", big, "Idempotency-Key", "import-once")
		again := post("", big, "Idempotency-Key", "import-once")
		if first.status != http.StatusCreated || again.status != first.status || again.header.Get("Idempotent-Replayed") != "true" || string(again.body) != string(first.body) {
			t.Errorf("first %d, again %d %q", first.status, again.status, again.header.Get("Idempotent-Replayed"))
		}
	})
	t.Run("TheBodyMustBeAZip", func(t *testing.T) {
		r := e.call(t, "acme", "POST", "/api/v1/courses/scorm", key, map[string]any{"zip": "no"})
		if r.status != http.StatusUnsupportedMediaType {
			t.Errorf("status %d", r.status)
		}
	})
	t.Run("AnotherPortalsCourseIsNotFound", func(t *testing.T) {
		gc := e.globex.Courses["globex-course"]
		r := post("?course_id="+strconv.FormatInt(gc.ID, 10), zip)
		if r.status != http.StatusUnprocessableEntity || !slices.Equal(r.fieldsAtFault(t), []string{"course_id"}) || strings.Contains(string(r.body), "Globex") {
			t.Errorf("status %d: %s", r.status, r.body)
		}
	})
}
