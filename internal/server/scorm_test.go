package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

// enterprise moves a portal to the plan that includes SCORM.
func enterprise(t *testing.T, s *testServer, slug string) {
	t.Helper()
	if _, err := s.db.Pool.Exec(context.Background(), `UPDATE tenants SET plan = 'enterprise' WHERE slug = $1`, slug); err != nil {
		t.Fatal(err)
	}
}

// scormCourse imports a fixture package through the admin's form,
// publishes it and returns the course.
func scormCourse(t *testing.T, s *testServer, admin *client, fixture string) postgres.CourseRecord {
	t.Helper()
	admin.get("/admin/courses")
	p := admin.uploadForm("/admin/courses/import-scorm", nil, "package", fixture+".zip", scormtest.Zip(t, scormtest.Fixture(t, fixture)))
	if p.status != http.StatusSeeOther {
		t.Fatalf("import %s: %d %s", fixture, p.status, p.text(`[data-testid="form-error"]`))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(p.header.Get("Location"), "/admin/courses/"), 10, 64)
	acme, _ := s.main.Tenants.FindTenantBySlug(context.Background(), "acme")
	rec, err := postgresCourses(s).FindCourseByID(context.Background(), acme.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := postgresCourses(s).Publish(context.Background(), acme.ID, rec.ID, "", postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	rec, _ = postgresCourses(s).FindCourseByID(context.Background(), acme.ID, id)
	return rec
}

// launchOf opens the lesson and returns the content host's launch page
// address of its SCO.
func launchOf(t *testing.T, c *client, courseSlug, lessonKey string) string {
	t.Helper()
	p := c.get("/courses/" + courseSlug + "/lessons/" + lessonKey)
	src, ok := p.doc.Find(`iframe[data-testid="sco-frame"]`).Attr("src")
	if p.status != http.StatusOK || !ok {
		t.Fatalf("lesson %s: %d, no SCO frame", lessonKey, p.status)
	}
	return src
}

// enrolledLaunch signs the learner in on acme, enrols them in the SCORM
// course and returns their client and the launch address of its first SCO.
func enrolledLaunch(t *testing.T, s *testServer, email string, rec postgres.CourseRecord) (*client, string) {
	t.Helper()
	c := newClient(t, s, "acme.localhost")
	signIn(c, email, goodPassword)
	c.get("/courses/" + rec.Slug)
	if p := c.post("/courses/"+rec.Slug+"/enrol", nil); p.status != http.StatusSeeOther {
		t.Fatalf("enrol: %d", p.status)
	}
	return c, launchOf(t, c, rec.Slug, rec.Draft.Modules[0].Lessons[0].Key)
}

// contentGet fetches a URL of the content host (cookies are not sent: it
// is another host).
func contentGet(t *testing.T, s *testServer, rawURL string) (*http.Response, []byte) {
	t.Helper()
	u, _ := url.Parse(rawURL)
	c := newClient(t, s, u.Hostname())
	return c.raw(u.RequestURI())
}

// commit posts a flattened CMI commit as scorm-again does.
func commit(t *testing.T, s *testServer, launchURL string, data map[string]any) (int, map[string]any) {
	t.Helper()
	u, _ := url.Parse(strings.TrimSuffix(launchURL, "/launch") + "/commit")
	c := newClient(t, s, u.Hostname())
	b, _ := json.Marshal(data)
	req, _ := http.NewRequest(http.MethodPost, c.base+u.RequestURI(), strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestSCORM_ImportLaunchCommitAndResume(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "lee@acme.test", Name: "Lee Learner"})
	})
	ctx := context.Background()
	admin := adminClient(t, s)
	t.Run("ThePlanMustIncludeSCORM", func(t *testing.T) {
		admin.get("/admin/courses")
		p := admin.uploadForm("/admin/courses/import-scorm", nil, "package", "sco12.zip", scormtest.Zip(t, scormtest.Fixture(t, "sco12")))
		if p.status != http.StatusForbidden || !strings.Contains(p.text(`[data-testid="form-error"]`), "plan") {
			t.Errorf("status %d: %q", p.status, p.text(`[data-testid="form-error"]`))
		}
	})
	enterprise(t, s, "acme")
	rec := scormCourse(t, s, admin, "sco12")
	if !rec.Draft.FromSCORM() || len(rec.Draft.Modules[0].Lessons) != 1 || rec.Draft.Title != "Upward test: SCORM 1.2" {
		t.Fatalf("the course: %+v", rec.Draft)
	}
	lesson := rec.Draft.Modules[0].Lessons[0]
	lee, launch := enrolledLaunch(t, s, "lee@acme.test", rec)
	if !strings.HasPrefix(launch, "http://content.localhost:") {
		t.Fatalf("launch %q is not on the content host", launch)
	}

	t.Run("TheLaunchPageCarriesTheRuntimeAndOnlyThePortalMayFrameIt", func(t *testing.T) {
		res, body := contentGet(t, s, launch)
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "scorm12.") || !strings.Contains(string(body), `"cmi.core.student_name":"Lee Learner"`) {
			t.Fatalf("launch: %d\n%s", res.StatusCode, body)
		}
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors http://acme.localhost:") || res.Header.Get("Set-Cookie") != "" {
			t.Errorf("CSP %q, cookie %q", csp, res.Header.Get("Set-Cookie"))
		}
		file, body := contentGet(t, s, strings.TrimSuffix(launch, "/launch")+"/files/sco12.js")
		if file.StatusCode != http.StatusOK || file.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(file.Header.Get("Content-Security-Policy"), "frame-ancestors 'self' http://acme.localhost:") || len(body) == 0 {
			t.Errorf("a package file: %d %v", file.StatusCode, file.Header)
		}
		if res, _ := contentGet(t, s, strings.TrimSuffix(launch, "/launch")+"/files/../../../etc/passwd"); res.StatusCode != http.StatusNotFound {
			t.Errorf("a path out of the package: %d", res.StatusCode)
		}
		if res, _ := contentGet(t, s, strings.Replace(launch, "/scorm/", "/scorm/x", 1)); res.StatusCode != http.StatusNotFound {
			t.Errorf("a forged token: %d", res.StatusCode)
		}
		// The content host is nothing but packages: no portal, no session.
		u, _ := url.Parse(launch)
		for _, p := range []string{"/admin", "/courses", "/login", "/api/v1/users", "/console"} {
			if res, _ := contentGet(t, s, "http://"+u.Host+p); res.StatusCode != http.StatusNotFound || res.Header.Get("Set-Cookie") != "" {
				t.Errorf("%s on the content host: %d %q", p, res.StatusCode, res.Header.Get("Set-Cookie"))
			}
		}
	})

	suspend := scormtest.SuspendData12()
	t.Run("ACommitIsStoredAndResumed", func(t *testing.T) {
		status, res := commit(t, s, launch, map[string]any{"cmi.core.lesson_location": "page-2", "cmi.suspend_data": suspend,
			"cmi.core.lesson_status": "incomplete", "cmi.core.exit": "suspend", "cmi.core.session_time": "00:01:00"})
		if status != http.StatusOK || res["result"] != true {
			t.Fatalf("commit: %d %v", status, res)
		}
		again := launchOf(t, lee, rec.Slug, lesson.Key)
		_, body := contentGet(t, s, again)
		var got struct{ CMI map[string]string }
		start := strings.Index(string(body), `{"version"`)
		json.Unmarshal([]byte(string(body)[start:strings.Index(string(body)[start:], "</script>")+start]), &got)
		if got.CMI["cmi.suspend_data"] != suspend || got.CMI["cmi.core.lesson_location"] != "page-2" || got.CMI["cmi.core.entry"] != "resume" {
			t.Errorf("resumed with %v", got.CMI)
		}
	})
	t.Run("TooMuchSuspendDataIsRefusedWithTheStandardCodeAndChangesNothing", func(t *testing.T) {
		status, res := commit(t, s, launch, map[string]any{"cmi.suspend_data": strings.Repeat("x", 4097), "cmi.core.lesson_location": "page-3"})
		if status != http.StatusOK || res["result"] != false || res["errorCode"] != float64(405) {
			t.Errorf("commit: %d %v", status, res)
		}
		var loc, data string
		s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT location, suspend_data FROM scorm_attempts`).Scan(&loc, &data)
		})
		if loc != "page-2" || data != suspend {
			t.Errorf("stored %q and %d characters", loc, len(data))
		}
	})
	t.Run("PassingCompletesTheLessonAndTheCourseWithRecords", func(t *testing.T) {
		status, _ := commit(t, s, launch, map[string]any{"cmi.core.score.raw": "80", "cmi.core.score.min": "0", "cmi.core.score.max": "100",
			"cmi.core.lesson_status": "completed", "cmi.core.session_time": "00:05:00"})
		if status != http.StatusOK {
			t.Fatal(status)
		}
		var lessonStatus string
		var raw float64
		var enrolment string
		var verbs []string
		s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			tx.QueryRow(ctx, `SELECT lesson_status, score_raw FROM scorm_attempts`).Scan(&lessonStatus, &raw)
			tx.QueryRow(ctx, `SELECT status FROM enrolments`).Scan(&enrolment)
			rows, _ := tx.Query(ctx, `SELECT verb FROM statements WHERE object_type = 'sco' ORDER BY id`)
			for rows.Next() {
				var v string
				rows.Scan(&v)
				verbs = append(verbs, v[strings.LastIndexByte(v, '/')+1:])
			}
			return nil
		})
		if lessonStatus != "passed" || raw != 80 || enrolment != string(learning.Completed) {
			t.Errorf("attempt %s %v, enrolment %s", lessonStatus, raw, enrolment)
		}
		if strings.Join(verbs, ",") != "attempted,completed,passed" {
			t.Errorf("records %v", verbs)
		}
		// The attempt is over: the next launch starts a new one, clean.
		_, body := contentGet(t, s, launchOf(t, lee, rec.Slug, lesson.Key))
		if strings.Contains(string(body), "page-2") || !strings.Contains(string(body), `"cmi.core.entry":"ab-initio"`) {
			t.Errorf("a new attempt resumes the old one")
		}
	})
	t.Run("ANewVersionOfThePackageKeepsTheRecords", func(t *testing.T) {
		path := "/admin/courses/" + strconv.FormatInt(rec.ID, 10)
		admin.get(path)
		if p := admin.uploadForm(path+"/scorm", nil, "package", "sco12.zip", scormtest.Zip(t, scormtest.Fixture(t, "sco12"))); p.status != http.StatusSeeOther {
			t.Fatalf("new version: %d %s", p.status, p.text(`[data-testid="form-error"]`))
		}
		if _, err := postgresCourses(s).Publish(ctx, acme.ID, rec.ID, "", postgres.AuditActor{Label: "test"}); err != nil {
			t.Fatal(err)
		}
		var versions, attempts int
		var complete bool
		s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			tx.QueryRow(ctx, `SELECT count(*) FROM scorm_packages WHERE course_id = $1`, rec.ID).Scan(&versions)
			tx.QueryRow(ctx, `SELECT count(*) FROM scorm_attempts WHERE block_key = $1`, lesson.Blocks[0].Key).Scan(&attempts)
			return tx.QueryRow(ctx, `SELECT completed_at IS NOT NULL FROM lesson_progress WHERE lesson_key = $1`, lesson.Key).Scan(&complete)
		})
		if versions != 2 || attempts != 1 || !complete {
			t.Errorf("%d package versions, %d attempts kept, lesson complete %v", versions, attempts, complete)
		}
	})
}

// Hostile packages are refused with a message naming the problem, and
// leave no course, no package row and no files.
func TestSCORM_HostilePackagesAreRefusedAndLeaveNothing(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) { acme.Plan = "enterprise" })
	ctx := context.Background()
	admin := adminClient(t, s)
	for _, h := range scormtest.Hostiles(t) {
		t.Run(h.Name, func(t *testing.T) {
			admin.get("/admin/courses")
			p := admin.uploadForm("/admin/courses/import-scorm", nil, "package", "hostile.zip", h.Zip)
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), "not imported") {
				t.Errorf("status %d: %q", p.status, p.text(`[data-testid="form-error"]`))
			}
		})
	}
	var courses, packages int
	s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM courses), (SELECT count(*) FROM scorm_packages)`).Scan(&courses, &packages)
	})
	if courses != 0 || packages != 0 {
		t.Errorf("%d courses, %d packages left", courses, packages)
	}
	var files []string
	filepath.WalkDir(filepath.Join(s.main.Config.DataDir, "scorm"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, p)
		}
		return nil
	})
	if len(files) > 0 {
		t.Errorf("files left: %v", files)
	}
}
