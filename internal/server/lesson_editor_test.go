package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	pngenc "image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
)

// script posts a form as the lesson editor's script does (autosave, a
// move, a live preview) and returns the status and the body.
func (c *client) script(path string, form url.Values) (int, []byte) {
	c.t.Helper()
	form.Set("csrf_token", c.csrf)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Requested-With", "fetch")
	return c.send(req)
}

// scriptUpload posts a file as the editor's script does on a drop.
func (c *client) scriptUpload(path, kind, filename string, data []byte) (int, []byte) {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", c.csrf)
	mw.WriteField("kind", kind)
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Requested-With", "fetch")
	return c.send(req)
}

func (c *client) send(req *http.Request) (int, []byte) {
	c.t.Helper()
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	return res.StatusCode, b.Bytes()
}

// editAnswer is the editor's JSON answer, as its script reads it.
type editAnswer struct {
	Key      string            `json:"key"`
	Revision int               `json:"revision"`
	SavedAt  string            `json:"saved_at"`
	Error    string            `json:"error"`
	Fields   map[string]string `json:"fields"`
}

func decodeAnswer(t *testing.T, body []byte) editAnswer {
	t.Helper()
	var a editAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("not JSON: %v: %s", err, body)
	}
	return a
}

// lessonEditorFixture is acme's example course (a draft) open in the
// editor of its first lesson, with the administrator signed in.
type lessonEditorFixture struct {
	s          *testServer
	admin      *client
	tenantID   int64
	courseID   int64
	lessonPath string
	globexPath string // a lesson of globex's course, asked from acme
}

func newLessonEditor(t *testing.T) lessonEditorFixture {
	t.Helper()
	s, acme, globex := twoPortals(t, withAdmin, func(a, g *fixture.Spec) {
		a.Courses = append(a.Courses, fixture.Course{Draft: true})
		g.Courses = append(g.Courses, fixture.Course{Draft: true})
	})
	rec := acme.Courses[fixture.ExampleSlug]
	other := globex.Courses[fixture.ExampleSlug]
	return lessonEditorFixture{s: s, admin: adminClient(t, s), tenantID: acme.ID, courseID: rec.ID,
		lessonPath: "/admin/courses/" + strconv.FormatInt(rec.ID, 10) + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key,
		globexPath: "/admin/courses/" + strconv.FormatInt(other.ID, 10) + "/lessons/" + other.Draft.Modules[0].Lessons[0].Key}
}

func (f lessonEditorFixture) revision(t *testing.T) int {
	t.Helper()
	rec, err := postgresCourses(f.s).FindCourseByID(context.Background(), f.tenantID, f.courseID)
	if err != nil {
		t.Fatal(err)
	}
	return rec.DraftRevision
}

// The quiz form adds questions and options without saving; saving adds
// no blank ones; a problem names its question and option.
func TestLessonEditor_QuizForm(t *testing.T) {
	t.Parallel()
	f := newLessonEditor(t)
	pg := f.admin.get(f.lessonPath + "?add=quiz")
	rev := revisionOf(pg)
	quiz := url.Values{"kind": {"quiz"}, "revision": {rev}, "pass_mark": {"75"}, "attempts": {"0"},
		"q0_type": {"single"}, "q0_prompt": {"Which is a good agenda item?"},
		"q0_o0_text": {"Blockers"}, "q0_o0_correct": {"on"}, "q0_o1_text": {"The weather"}}
	before := f.revision(t)

	t.Run("AddingAQuestionChangesTheFormNotTheCourse", func(t *testing.T) {
		form := cloneValues(quiz)
		form.Set("quiz_change", "add question")
		p := f.admin.post(f.lessonPath+"/blocks", form)
		if p.status != http.StatusOK || p.doc.Find(`form input[name="q1_prompt"]`).Length() != 1 || p.doc.Find(`form input[name="q1_o1_text"]`).Length() != 1 {
			t.Errorf("add a question: %d, q1 fields %d", p.status, p.doc.Find(`form input[name="q1_prompt"]`).Length())
		}
		form.Set("quiz_change", "add q0")
		p = f.admin.post(f.lessonPath+"/blocks", form)
		if p.doc.Find(`form input[name="q0_o2_text"]`).Length() != 1 {
			t.Error("Add an option gave no third option")
		}
		form.Set("quiz_change", "remove q0_o1")
		p = f.admin.post(f.lessonPath+"/blocks", form)
		if got, _ := p.doc.Find(`form input[name="q0_o0_text"]`).Attr("value"); got != "Blockers" || p.doc.Find(`form input[name="q0_o1_text"]`).Length() != 0 {
			t.Errorf("after removing option 2: option 1 %q, option 2 fields %d", got, p.doc.Find(`form input[name="q0_o1_text"]`).Length())
		}
		if f.revision(t) != before {
			t.Error("changing the form saved the course")
		}
	})

	t.Run("AProblemNamesItsQuestionAndOption", func(t *testing.T) {
		form := cloneValues(quiz)
		form.Set("q1_type", "single")
		form.Set("q1_prompt", "Who sets the agenda?")
		form.Set("q1_o0_text", "You")
		form.Set("q1_o0_correct", "on")
		form.Set("q1_o1_text", "Your manager")
		form.Set("q1_o2_text", "")
		form.Set("q1_o2_feedback", "")
		p := f.admin.post(f.lessonPath+"/blocks", form)
		msg := p.text(`[data-testid="error-q1_o2"]`)
		if p.status != http.StatusUnprocessableEntity || msg != "Question 2, option 3: write the option's text." {
			t.Errorf("blank option: %d %q", p.status, msg)
		}
		if !strings.Contains(p.text(`[data-testid="form-error"]`), "Question 2, option 3") {
			t.Errorf("the summary does not name it: %q", p.text(`[data-testid="form-error"]`))
		}
		if f.revision(t) != before {
			t.Error("a refused quiz was saved")
		}
	})

	t.Run("SavingAddsNoBlankQuestionOrOption", func(t *testing.T) {
		p := f.admin.post(f.lessonPath+"/blocks", cloneValues(quiz))
		if p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.status, p.text(`[data-testid="form-error"]`))
		}
		key := strings.TrimPrefix(p.header.Get("Location")[strings.Index(p.header.Get("Location"), "#"):], "#edit-")
		edit := f.admin.get(f.lessonPath + "?edit=" + key)
		prompts := edit.doc.Find(`form[data-block-form] input[name$="_prompt"]:not([name^="q999"])`).Length()
		options := edit.doc.Find(`form[data-block-form] input[name$="_text"]:not([name^="q999"])`).Length()
		if prompts != 1 || options != 2 {
			t.Errorf("the saved quiz's form has %d questions and %d options, want 1 and 2", prompts, options)
		}
	})
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// Autosave: the editor's script gets JSON with the new key and revision;
// a stale revision is a conflict, bad input names its field, and neither
// changes anything.
func TestLessonEditor_AutosaveAnswersInJSON(t *testing.T) {
	t.Parallel()
	f := newLessonEditor(t)
	f.admin.get(f.lessonPath)
	rev := f.revision(t)
	status, body := f.admin.script(f.lessonPath+"/blocks", url.Values{"kind": {"text"}, "revision": {strconv.Itoa(rev)}, "content": {"Draft **one**."}})
	a := decodeAnswer(t, body)
	if status != http.StatusOK || a.Key == "" || a.Revision != rev+1 || a.SavedAt == "" {
		t.Fatalf("autosave a new block: %d %+v", status, a)
	}
	// The next autosave replaces that block, with the new revision.
	status, body = f.admin.script(f.lessonPath+"/blocks", url.Values{"kind": {"text"}, "key": {a.Key}, "revision": {strconv.Itoa(a.Revision)}, "content": {"Draft two."}})
	if b := decodeAnswer(t, body); status != http.StatusOK || b.Key != a.Key || b.Revision != rev+2 {
		t.Fatalf("autosave again: %d %+v", status, b)
	}
	status, body = f.admin.script(f.lessonPath+"/blocks", url.Values{"kind": {"text"}, "key": {a.Key}, "revision": {strconv.Itoa(a.Revision)}, "content": {"From a stale tab."}})
	if c := decodeAnswer(t, body); status != http.StatusConflict || !strings.Contains(c.Error, "changed by someone else") {
		t.Errorf("stale revision: %d %+v", status, c)
	}
	status, body = f.admin.script(f.lessonPath+"/blocks", url.Values{"kind": {"image"}, "key": {a.Key}, "revision": {strconv.Itoa(rev + 2)}, "alt": {"A chart"}})
	if c := decodeAnswer(t, body); status != http.StatusUnprocessableEntity || c.Fields["src"] == "" {
		t.Errorf("image without a file: %d %+v", status, c)
	}
	if got := f.revision(t); got != rev+2 {
		t.Errorf("revision %d after refused saves, want %d", got, rev+2)
	}
	if p := f.admin.get(f.lessonPath); !strings.Contains(p.text(`[data-testid="blocks"] li[data-key="`+a.Key+`"] .prose`), "Draft two.") {
		t.Errorf("the saved draft is not shown: %q", p.text(`[data-testid="blocks"] li[data-key="`+a.Key+`"]`))
	}
	// A move from the script answers the same way.
	status, body = f.admin.script(f.lessonPath+"/blocks/"+a.Key+"/move", url.Values{"to": {"0"}, "revision": {strconv.Itoa(rev + 2)}})
	if m := decodeAnswer(t, body); status != http.StatusOK || m.Revision != rev+3 {
		t.Errorf("move: %d %+v", status, m)
	}
	// Another portal's course is not found.
	if status, _ := f.admin.script(f.globexPath+"/blocks", url.Values{"kind": {"text"}, "content": {"x"}}); status != http.StatusNotFound {
		t.Errorf("globex's lesson from acme: %d", status)
	}
}

// A file dropped on a media block goes through the course upload service:
// an image is stored and named; anything else is refused with the reason.
func TestLessonEditor_UploadIntoABlock(t *testing.T) {
	t.Parallel()
	f := newLessonEditor(t)
	f.admin.get(f.lessonPath)
	upload := "/admin/courses/" + strconv.FormatInt(f.courseID, 10) + "/uploads"
	var png bytes.Buffer
	pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	status, body := f.admin.scriptUpload(upload, "image", "chart.png", png.Bytes())
	var up struct{ Name, URL string }
	if err := json.Unmarshal(body, &up); status != http.StatusOK || err != nil || !strings.HasPrefix(up.Name, "f-") || up.URL != "/files/"+up.Name {
		t.Fatalf("upload: %d %s", status, body)
	}
	status, body = f.admin.scriptUpload(upload, "image", "notes.png", []byte("plain text, not a picture"))
	if a := decodeAnswer(t, body); status != http.StatusUnprocessableEntity || !strings.Contains(a.Error, "not accepted") || a.Fields["file"] == "" {
		t.Errorf("a text file as an image: %d %+v", status, a)
	}

	// Without script the file goes with the block form, and becomes the
	// block's file; a refused one is the form's problem at the file.
	rev := revisionOf(f.admin.get(f.lessonPath + "?add=image"))
	var other bytes.Buffer
	pngenc.Encode(&other, image.NewRGBA(image.Rect(0, 0, 9, 9)))
	p := f.admin.uploadForm(f.lessonPath+"/blocks", url.Values{"kind": {"image"}, "revision": {rev}, "alt": {"A blank square"}}, "upload", "square.png", other.Bytes())
	if p.status != http.StatusSeeOther {
		t.Fatalf("save an image block with its file: %d %s %s", p.status, p.text(`[data-testid="form-error"]`), p.text(`[data-testid="error-src"]`))
	}
	c, err := coursesOfSlug(f.s, fixture.ExampleSlug)
	if err != nil {
		t.Fatal(err)
	}
	blocks := c.Modules[0].Lessons[0].Blocks
	if img := blocks[len(blocks)-1].Image; img == nil || !strings.HasPrefix(img.Src, "f-") {
		t.Errorf("the last block is %+v", blocks[len(blocks)-1])
	}
	rev = revisionOf(f.admin.get(f.lessonPath + "?add=image"))
	p = f.admin.uploadForm(f.lessonPath+"/blocks", url.Values{"kind": {"image"}, "revision": {rev}, "alt": {"Text"}}, "upload", "a.png", []byte("not an image"))
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-src"]`), "not accepted") {
		t.Errorf("a refused file: %d %q", p.status, p.text(`[data-testid="error-src"]`))
	}
	if got := strconv.Itoa(f.revision(t)); got != rev {
		t.Errorf("a refused file changed the course: revision %s, was %s", got, rev)
	}
}

// The live preview is the server's own rendering of the unsaved form;
// it saves nothing, names a problem, and is the author's alone.
func TestLessonEditor_BlockPreview(t *testing.T) {
	t.Parallel()
	f := newLessonEditor(t)
	f.admin.get(f.lessonPath)
	rev := f.revision(t)
	status, body := f.admin.script(f.lessonPath+"/blocks/preview", url.Values{"kind": {"callout"}, "style": {"tip"}, "text": {"Keep it **short**.\n\n<script>alert(1)</script>"}})
	html := string(body)
	if status != http.StatusOK || !strings.Contains(html, "<strong>short</strong>") || !strings.Contains(html, "callout-tip") || strings.Contains(html, "<script>") {
		t.Errorf("preview: %d %s", status, html)
	}
	status, body = f.admin.script(f.lessonPath+"/blocks/preview", url.Values{"kind": {"callout"}, "style": {"tip"}, "text": {""}})
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "required") {
		t.Errorf("empty callout: %d %s", status, body)
	}
	if f.revision(t) != rev {
		t.Error("a preview changed the course")
	}
	if status, _ := f.admin.script(f.globexPath+"/blocks/preview", url.Values{"kind": {"text"}, "content": {"x"}}); status != http.StatusNotFound {
		t.Errorf("globex's lesson from acme: %d", status)
	}
	learner := newClient(t, f.s, "acme.localhost")
	signIn(learner, anaOfAcme.Email, goodPassword)
	learner.get("/learn")
	if status, _ := learner.script(f.lessonPath+"/blocks/preview", url.Values{"kind": {"text"}, "content": {"x"}}); status != http.StatusForbidden {
		t.Errorf("a learner asks for a preview: %d", status)
	}
}

// Preview shows the draft lesson in the learner's player, marked, and
// keeps nothing filled in there.
func TestLessonEditor_PreviewIsTheLearnersPage(t *testing.T) {
	t.Parallel()
	f := newLessonEditor(t)
	p := f.admin.get(f.lessonPath + "/preview")
	if p.status != http.StatusOK || p.text(`[data-testid="preview-banner"]`) == "" || p.doc.Find(`.player [data-testid="lesson-body"] [data-testid="block"]`).Length() == 0 {
		t.Fatalf("preview: %d banner %q", p.status, p.text(`[data-testid="preview-banner"]`))
	}
	if href, _ := p.doc.Find(`[data-testid="syllabus"] a`).First().Attr("href"); !strings.HasSuffix(href, "/preview") {
		t.Errorf("the outline leads to %q, not to a preview", href)
	}
	rev := f.revision(t)
	if r := f.admin.post(f.lessonPath+"/preview", url.Values{"q0": {"0"}}); r.status != http.StatusSeeOther {
		t.Errorf("an answer on the preview: %d", r.status)
	}
	if !strings.Contains(f.admin.get(f.lessonPath+"/preview").text(`[data-testid="notice"]`), "not kept") {
		t.Error("the preview does not say answers are not kept")
	}
	if f.revision(t) != rev {
		t.Error("the preview changed the course")
	}
	if r := f.admin.get(f.globexPath + "/preview"); r.status != http.StatusNotFound {
		t.Errorf("globex's lesson from acme: %d", r.status)
	}
}
