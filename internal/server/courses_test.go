package server_test

import (
	"bytes"
	"context"
	"image"
	pngenc "image/png"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

func postgresCourses(s *testServer) *postgres.CourseService { return postgres.NewCourseService(s.db) }

func TestAuthoring_CreateFillReorderPublish(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	p := admin.post("/admin/courses", url.Values{"title": {"Leading Up"}, "slug": {"leading-up"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	coursePath := p.header.Get("Location")
	revision := func(pg page) string { v, _ := pg.doc.Find(`input[name="revision"]`).First().Attr("value"); return v }
	editor := admin.get(coursePath)
	moduleForm, _ := editor.doc.Find(`form[action$="/lessons"]`).First().Attr("action")

	p = admin.post(moduleForm, url.Values{"title": {"Why it matters"}, "revision": {revision(editor)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("add lesson: %d", p.status)
	}
	lessonPath := p.header.Get("Location")

	addBlock := func(kind string, form url.Values) {
		t.Helper()
		pg := admin.get(lessonPath + "?add=" + kind)
		form.Set("kind", kind)
		form.Set("revision", revision(pg))
		r := admin.post(lessonPath+"/blocks", form)
		if r.status != http.StatusSeeOther {
			t.Fatalf("add %s block: %d %s", kind, r.status, r.text(`[data-testid="form-error"]`))
		}
	}
	addBlock("text", url.Values{"content": {"Your manager has **goals** of their own."}})
	addBlock("callout", url.Values{"style": {"takeaway"}, "text": {"Learn what your manager is measured on."}})
	addBlock("reflection", url.Values{"prompt": {"What does your manager worry about most?"}})

	t.Run("AFormShowsEachProblemAtItsField", func(t *testing.T) {
		pg := admin.get(lessonPath + "?add=checklist")
		r := admin.post(lessonPath+"/blocks", url.Values{"kind": {"checklist"}, "revision": {revision(pg)}, "title": {"Steps"}, "items": {"Book a one-on-one | soon"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.text(`[data-testid="error-items"]`), "number of days") {
			t.Errorf("status %d, items error %q", r.status, r.text(`[data-testid="error-items"]`))
		}
		pg = admin.get(lessonPath + "?add=image")
		r = admin.post(lessonPath+"/blocks", url.Values{"kind": {"image"}, "revision": {revision(pg)}, "src": {"f-00000000000000000000000000000000.png"}})
		if r.status != http.StatusUnprocessableEntity || r.text(`[data-testid="error-alt"]`) == "" {
			t.Errorf("image without alt: %d", r.status)
		}
	})

	t.Run("ABrokenBlockShowsItsProblemsAndSavesNothing", func(t *testing.T) {
		pg := admin.get(lessonPath + "?add=quiz")
		r := admin.post(lessonPath+"/blocks", url.Values{"kind": {"quiz"}, "key": {""}, "revision": {revision(pg)},
			"content": {"questions:\n  - type: single\n    prompt: Q\n    options: [{text: a}, {text: b}]\n"}})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.text(`[data-testid="form-error"]`), "exactly one correct option") {
			t.Errorf("status %d, errors %q", r.status, r.text(`[data-testid="form-error"]`))
		}
		if n := admin.get(lessonPath).doc.Find(`[data-testid="blocks"] li`).Length(); n != 3 {
			t.Errorf("%d blocks, want 3", n)
		}
	})

	// Move the reflection to the top with its Up buttons.
	{
		pg := admin.get(lessonPath)
		last := pg.doc.Find(`[data-testid="blocks"] li`).Last()
		action, _ := last.Find(`form.move`).First().Attr("action")
		r := admin.post(action, url.Values{"to": {"0"}, "revision": {revision(pg)}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("move: %d", r.status)
		}
	}
	kinds := func() string {
		var ks []string
		admin.get(lessonPath).doc.Find(`[data-testid="blocks"] [data-testid="block"]`).Each(func(_ int, b *goquery.Selection) {
			k, _ := b.Attr("data-kind")
			ks = append(ks, k)
		})
		return strings.Join(ks, ",")
	}
	if got := kinds(); got != "reflection,text,callout" {
		t.Fatalf("order after moving: %s", got)
	}

	pg := admin.get(coursePath)
	if pg.doc.Find(`[data-testid="changes"] li`).Length() == 0 {
		t.Error("no unpublished changes shown before publishing")
	}
	if r := admin.post(coursePath+"/publish", url.Values{"note": {"First version"}}); r.status != http.StatusSeeOther {
		t.Fatalf("publish: %d %s", r.status, r.text(`[data-testid="form-error"]`))
	}
	if admin.get(coursePath).doc.Find(`[data-testid="no-changes"]`).Length() != 1 {
		t.Error("changes still shown right after publishing")
	}

	t.Run("ALaterEditStaysInTheDraftUntilPublished", func(t *testing.T) {
		addBlock("text", url.Values{"content": {"A second thought."}})
		courses, err := coursesOf(s, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		v1, err := courses.version(1)
		if err != nil {
			t.Fatal(err)
		}
		if v1 != 3 || courses.draftBlocks != 4 {
			t.Errorf("version 1 has %d blocks, the draft %d; want 3 and 4", v1, courses.draftBlocks)
		}
	})
}

type courseState struct {
	draftBlocks int
	version     func(int) (int, error)
}

func coursesOf(s *testServer, tenantID int64) (courseState, error) {
	svc := postgresCourses(s)
	rec, err := svc.FindCourseBySlug(context.Background(), tenantID, "leading-up")
	if err != nil {
		return courseState{}, err
	}
	return courseState{
		draftBlocks: len(rec.Draft.Modules[0].Lessons[0].Blocks),
		version: func(v int) (int, error) {
			c, err := svc.FindVersion(context.Background(), tenantID, rec.ID, v)
			if err != nil {
				return 0, err
			}
			return len(c.Modules[0].Lessons[0].Blocks), nil
		},
	}, nil
}

func TestAuthoring_Details(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	coursePath := admin.post("/admin/courses", url.Values{"title": {"Leading Up"}, "slug": {"leading-up"}}).header.Get("Location")
	pg := admin.get(coursePath)
	rev, _ := pg.doc.Find(`input[name="revision"]`).First().Attr("value")
	bad := admin.post(coursePath+"/details", url.Values{"revision": {rev}, "title": {""}, "level": {"expert"}, "language": {"en"}, "estimated_minutes": {"soon"}})
	if bad.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad details: %d", bad.status)
	}
	for _, f := range []string{"title", "level", "estimated_minutes"} {
		if bad.text(`[data-testid="error-`+f+`"]`) == "" {
			t.Errorf("no message at %s", f)
		}
	}
	good := admin.post(coursePath+"/details", url.Values{"revision": {rev}, "title": {"Leading Up, Well"}, "summary": {"Work with your manager."},
		"level": {"intermediate"}, "language": {"en"}, "estimated_minutes": {"45"}, "tags": {"managing up, feedback"}})
	if good.status != http.StatusSeeOther {
		t.Fatalf("good details: %d %s", good.status, good.text(`[data-testid="form-error"]`))
	}
	if h := admin.get(coursePath).text(`[data-testid="course-heading"]`); h != "Leading Up, Well" {
		t.Errorf("heading %q", h)
	}
}

func TestAuthoring_UploadAndUseAnImage(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	coursePath := admin.post("/admin/courses", url.Values{"title": {"Pictures"}, "slug": {"pictures"}}).header.Get("Location")
	admin.get(coursePath)

	var png bytes.Buffer
	pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 16, 16)))
	t.Run("ADisguisedPageIsRefused", func(t *testing.T) {
		p := admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {"image"}}, "file", "x.png", []byte("<html><script>alert(1)</script></html>"))
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("status %d", p.status)
		}
	})
	admin.get(coursePath)
	p := admin.uploadForm(coursePath+"/uploads", url.Values{"kind": {"image"}}, "file", "team.png", png.Bytes())
	if p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	notice := admin.get(coursePath).text(`[data-testid="notice"]`)
	name := notice[strings.Index(notice, "src: ")+5:]
	if !strings.HasPrefix(name, "f-") {
		t.Fatalf("notice %q names no file", notice)
	}

	editor := admin.get(coursePath)
	lessonForm, _ := editor.doc.Find(`form[action$="/lessons"]`).First().Attr("action")
	rev, _ := editor.doc.Find(`input[name="revision"]`).First().Attr("value")
	lessonPath := admin.post(lessonForm, url.Values{"title": {"Faces"}, "revision": {rev}}).header.Get("Location")
	save := func(src string) page {
		pg := admin.get(lessonPath + "?add=image")
		rev, _ := pg.doc.Find(`input[name="revision"]`).First().Attr("value")
		return admin.post(lessonPath+"/blocks", url.Values{"kind": {"image"}, "revision": {rev}, "src": {src}, "alt": {"The team around a table."}})
	}
	if p := save("f-ffffffffffffffffffffffffffffffff.png"); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a file never uploaded: %d", p.status)
	}
	if p := save(name); p.status != http.StatusSeeOther {
		t.Fatalf("save image block: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	src, _ := admin.get(lessonPath).doc.Find(`[data-testid="blocks"] img`).Attr("src")
	res, body := admin.raw(src)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") || len(body) == 0 {
		t.Errorf("serving %s: %d %q %q", src, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Security-Policy"))
	}
}

func TestAuthoring_ExportImportDuplicateArchive(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin, func(_, globex *fixture.Spec) {
		globex.People = []fixture.Person{{Email: "boss@globex.test", Name: "Globex Boss", Roles: []user.Role{user.Admin}}}
	})
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	coursePath := admin.post("/admin/courses", url.Values{"title": {"Portable"}, "slug": {"portable"}}).header.Get("Location")
	editor := admin.get(coursePath)
	lessonForm, _ := editor.doc.Find(`form[action$="/lessons"]`).First().Attr("action")
	rev, _ := editor.doc.Find(`input[name="revision"]`).First().Attr("value")
	lessonPath := admin.post(lessonForm, url.Values{"title": {"Only lesson"}, "revision": {rev}}).header.Get("Location")
	pg := admin.get(lessonPath + "?add=text")
	rev, _ = pg.doc.Find(`input[name="revision"]`).First().Attr("value")
	admin.post(lessonPath+"/blocks", url.Values{"kind": {"text"}, "revision": {rev}, "content": {"Hello."}})

	res, zipped := admin.raw(coursePath + "/export")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}

	globex := newClient(t, s, "globex.localhost")
	signIn(globex, "boss@globex.test", goodPassword)
	globex.get("/admin/courses")
	t.Run("ANonZipIsRefused", func(t *testing.T) {
		if p := globex.uploadForm("/admin/courses/import", nil, "zip", "x.zip", []byte("not a zip")); p.status != http.StatusUnprocessableEntity {
			t.Errorf("status %d", p.status)
		}
	})
	globex.get("/admin/courses")
	p := globex.uploadForm("/admin/courses/import", nil, "zip", "portable.zip", zipped)
	if p.status != http.StatusSeeOther {
		t.Fatalf("import: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	imported := globex.get(p.header.Get("Location"))
	if imported.text(`[data-testid="course-heading"]`) != "Portable" {
		t.Errorf("imported heading %q", imported.text(`[data-testid="course-heading"]`))
	}

	admin.get(coursePath)
	dup := admin.post(coursePath+"/duplicate", nil)
	if dup.status != http.StatusSeeOther || admin.get(dup.header.Get("Location")).text(`[data-testid="course-heading"]`) != "Copy of Portable" {
		t.Errorf("duplicate: %d", dup.status)
	}
	admin.get(coursePath)
	if p := admin.post(coursePath+"/archive", url.Values{"archived": {"yes"}}); p.status != http.StatusSeeOther {
		t.Fatalf("archive: %d", p.status)
	}
	if !strings.Contains(admin.get(coursePath).doc.Find(".muted").First().Text(), "archived") {
		t.Error("the course does not show as archived")
	}
}

func TestAuthoring_MoveBlockToAnotherLessonRenameAndSearch(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) { acme.Courses = []fixture.Course{{Draft: true}} })
	admin := adminClient(t, s)
	ctx := context.Background()
	svc := postgresCourses(s)
	rec := acme.Courses[fixture.ExampleSlug]
	coursePath := "/admin/courses/" + itoa(rec.ID)
	first, second := rec.Draft.Modules[0].Lessons[0], rec.Draft.Modules[1].Lessons[0]
	lessonPath := coursePath + "/lessons/" + first.Key

	pg := admin.get(lessonPath)
	rev, _ := pg.doc.Find(`input[name="revision"]`).First().Attr("value")
	callout := first.Blocks[1].Key
	p := admin.post(lessonPath+"/blocks/"+callout+"/move", url.Values{"revision": {rev}, "to": {"999999"}, "lesson": {second.Key}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("move to another lesson: %d", p.status)
	}
	after, _ := svc.FindCourseByID(ctx, acme.ID, rec.ID)
	l1, l2 := after.Draft.Modules[0].Lessons[0], after.Draft.Modules[1].Lessons[0]
	if len(l1.Blocks) != len(first.Blocks)-1 || l2.Blocks[len(l2.Blocks)-1].Key != callout {
		t.Errorf("the callout did not move to the end of the other lesson")
	}

	pg = admin.get(coursePath)
	rev, _ = pg.doc.Find(`input[name="revision"]`).First().Attr("value")
	if p := admin.post(coursePath+"/modules/"+after.Draft.Modules[0].Key, url.Values{"revision": {rev}, "title": {"Getting ready"}}); p.status != http.StatusSeeOther {
		t.Fatalf("rename module: %d", p.status)
	}
	if !strings.Contains(admin.get(coursePath).doc.Find("h3").First().Text(), "Getting ready") {
		t.Error("module not renamed")
	}

	if n := admin.get("/admin/courses?q=one-on-one").doc.Find(`[data-testid="courses"] tbody tr`).Length(); n != 1 {
		t.Errorf("search for a match: %d rows", n)
	}
	if admin.get("/admin/courses?q=zebra").doc.Find(`[data-testid="no-results"]`).Length() != 1 {
		t.Error("search without a match says nothing")
	}
}

func TestAuthoring_QuizForm(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	coursePath := admin.post("/admin/courses", url.Values{"title": {"Quizzes"}, "slug": {"quizzes"}}).header.Get("Location")
	editor := admin.get(coursePath)
	lessonForm, _ := editor.doc.Find(`form[action$="/lessons"]`).First().Attr("action")
	rev, _ := editor.doc.Find(`input[name="revision"]`).First().Attr("value")
	lessonPath := admin.post(lessonForm, url.Values{"title": {"Check"}, "revision": {rev}}).header.Get("Location")

	form := func(correct string) url.Values {
		pg := admin.get(lessonPath + "?add=quiz")
		if pg.doc.Find(`input[name="q0_o1_text"]`).Length() != 1 || pg.doc.Find(`textarea[name="content"]`).Length() != 0 {
			t.Fatal("the quiz form has no answer fields, or is YAML")
		}
		rev, _ := pg.doc.Find(`input[name="revision"]`).First().Attr("value")
		f := url.Values{"kind": {"quiz"}, "revision": {rev}, "pass_mark": {"80"}, "attempts": {"2"},
			"q0_type": {"scenario"}, "q0_scenario": {"Jo's manager cancels their one-on-one twice."}, "q0_prompt": {"What should Jo do?"},
			"q0_explanation": {"Ask for a shorter slot."},
			"q0_o0_text":     {"Propose a shorter, fixed slot."}, "q0_o0_feedback": {"Yes: it keeps the habit."},
			"q0_o1_text": {"Stop asking."}, "q0_o1_feedback": {"Silence loses the channel."},
			"q1_type": {"scenario"}, "q1_prompt": {""}, "q1_o0_text": {""}, "q1_o1_text": {""}}
		if correct != "" {
			f.Set(correct, "on")
		}
		return f
	}
	bad := admin.post(lessonPath+"/blocks", form(""))
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.text(`[data-testid="error-q0"]`), "exactly one correct") {
		t.Errorf("no right answer: %d %q", bad.status, bad.text(`[data-testid="error-q0"]`))
	}
	if got, _ := bad.doc.Find(`input[name="q0_prompt"]`).Attr("value"); got != "What should Jo do?" {
		t.Errorf("the form lost the question: %q", got)
	}
	if p := admin.post(lessonPath+"/blocks", form("q0_o0_correct")); p.status != http.StatusSeeOther {
		t.Fatalf("save quiz: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	c, _ := coursesOfSlug(s, "quizzes")
	q := c.Modules[0].Lessons[0].Blocks[0].Quiz
	if q == nil || q.PassMark != 80 || len(q.Questions) != 1 || !q.Questions[0].Options[0].Correct || q.Questions[0].Options[1].Correct {
		t.Errorf("stored quiz %+v", q)
	}
}

func coursesOfSlug(s *testServer, slug string) (course.Course, error) {
	acme, _ := s.main.Tenants.FindTenantBySlug(context.Background(), "acme")
	rec, err := postgresCourses(s).FindCourseBySlug(context.Background(), acme.ID, slug)
	return rec.Draft, err
}

// Publishing a course with an empty lesson names the lesson, as its
// author sees it, not the draft's internal path.
func TestAuthoring_PublishingNamesTheLessonAtFault(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/courses")
	coursePath := admin.post("/admin/courses", url.Values{"title": {"Leading Up"}, "slug": {"leading-up"}}).header.Get("Location")
	editor := admin.get(coursePath)
	addLesson, _ := editor.doc.Find(`form[action$="/lessons"]`).First().Attr("action")
	if p := admin.post(addLesson, url.Values{"title": {"Prepare the agenda"}, "revision": {revisionOf(editor)}}); p.status != http.StatusSeeOther {
		t.Fatalf("add a lesson at %q: %d", addLesson, p.status)
	}
	admin.get(coursePath)
	r := admin.post(coursePath+"/publish", url.Values{"note": {"First"}})
	msg := r.text(`[data-testid="form-error"]`)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(msg, "Module 1 “") || !strings.Contains(msg, ", lesson 1 “Prepare the agenda”") ||
		strings.Contains(msg, "modules[") || !strings.Contains(msg, "a lesson needs at least one block") {
		t.Errorf("publishing an empty lesson: %d %q", r.status, msg)
	}
}

// A deleted block can be put back from the lesson's page, at its place
// and with its key (answers are kept by key); the offer goes once used.
func TestAuthoring_ADeletedBlockCanBePutBack(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, withExample)
	rec := acme.Courses[fixture.ExampleSlug]
	admin := adminClient(t, s)
	lesson := rec.Draft.Modules[0].Lessons[0]
	lessonPath := "/admin/courses/" + strconv.FormatInt(rec.ID, 10) + "/lessons/" + lesson.Key
	keys := func(p page) []string {
		var out []string
		p.doc.Find(`[data-testid="blocks"] li[data-key]`).Each(func(_ int, b *goquery.Selection) {
			k, _ := b.Attr("data-key")
			out = append(out, k)
		})
		return out
	}
	before := admin.get(lessonPath)
	if before.doc.Find(`[data-testid="undo"]`).Length() != 0 {
		t.Error("an undo is offered before anything is deleted")
	}
	second := lesson.Blocks[1].Key
	del, _ := before.doc.Find(`form[action$="/blocks/` + second + `/delete"]`).Attr("action")
	if p := admin.post(del, url.Values{"revision": {revisionOf(before)}}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.status)
	}
	after := admin.get(lessonPath)
	if !strings.Contains(after.text(`[data-testid="undo"]`), "Undo") || slices.Contains(keys(after), second) {
		t.Fatalf("after deleting: undo %q, blocks %v", after.text(`[data-testid="undo"]`), keys(after))
	}
	undo, _ := after.doc.Find(`[data-testid="undo"]`).Attr("action")
	if p := admin.post(undo, nil); p.status != http.StatusSeeOther {
		t.Fatalf("undo: %d", p.status)
	}
	back := admin.get(lessonPath)
	if got := keys(back); len(got) != len(lesson.Blocks) || got[1] != second {
		t.Errorf("after putting it back: %v", got)
	}
	if back.doc.Find(`[data-testid="undo"]`).Length() != 0 {
		t.Error("the undo is still offered once used")
	}
	if p := admin.post(undo, nil); p.status != http.StatusSeeOther || len(keys(admin.get(lessonPath))) != len(lesson.Blocks) {
		t.Errorf("a second undo: %d", p.status)
	}
}
