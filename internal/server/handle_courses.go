package server

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scormexport"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) handleAdminCourses(w http.ResponseWriter, r *http.Request) {
	s.renderAdminCourses(w, r, http.StatusOK, pages.AdminCoursesView{Notice: s.popFlash(r), Query: strings.TrimSpace(r.URL.Query().Get("q"))})
}

func (s *Server) renderAdminCourses(w http.ResponseWriter, r *http.Request, status int, v pages.AdminCoursesView) {
	list, err := s.courses.FindCourses(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	added := map[string]bool{}
	q := strings.ToLower(v.Query)
	for _, c := range list {
		if c.LibrarySlug != nil {
			added[*c.LibrarySlug] = true
		}
		if q != "" && !strings.Contains(strings.ToLower(c.Draft.Title+" "+c.Slug+" "+c.Draft.Summary+" "+strings.Join(c.Draft.Tags, " ")), q) {
			continue
		}
		row := pages.CourseRow{ID: c.ID, Title: c.Title, Slug: c.Slug, Status: c.Status}
		if c.PublishedVersion != nil {
			row.Version = *c.PublishedVersion
		}
		row.Unpublished = c.PublishedVersion == nil || c.Draft.Title != c.Title
		v.Courses = append(v.Courses, row)
	}
	for _, l := range s.library {
		v.Library = append(v.Library, pages.LibraryRow{Slug: l.Course.Slug, Title: l.Course.Title, Summary: l.Course.Summary, Added: added[l.Course.Slug]})
	}
	v.CSRF = s.csrfToken(r)
	s.render(w, r, status, s.page(r, "Courses"), pages.AdminCourses(v))
}

func (s *Server) handleCourseCreate(w http.ResponseWriter, r *http.Request) {
	title, slug := r.PostFormValue("title"), strings.TrimSpace(r.PostFormValue("slug"))
	rec, err := s.courses.CreateCourse(r.Context(), stateOf(r).Tenant.ID, course.Course{Slug: slug, Title: title}, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAdminCourses(w, r, http.StatusUnprocessableEntity, pages.AdminCoursesView{Title: title, Slug: slug, Errors: fields})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Course created. Add lessons to its module, then publish it.")
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}

// handleCourseFromLibrary copies a library course into the portal as a
// draft, with its files.
func (s *Server) handleCourseFromLibrary(w http.ResponseWriter, r *http.Request) {
	slug := r.PostFormValue("slug")
	for _, l := range s.library {
		if l.Course.Slug != slug {
			continue
		}
		c := l.Course
		if err := library.StoreFiles(&c, courses.FS, l.Dir, s.files.Put); err != nil {
			s.serverError(w, r, err)
			return
		}
		rec, err := s.courses.ImportCourse(r.Context(), stateOf(r).Tenant.ID, c, slug, s.auditActor(r))
		if c := apperr.Code(err); c == apperr.ECONFLICT || c == apperr.EINVALID {
			s.renderAdminCourses(w, r, apperr.HTTPStatus(c), pages.AdminCoursesView{Error: apperr.Message(err)})
			return
		}
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.flash(r, "“"+rec.Draft.Title+"” is in your courses as a draft: review it, then publish.")
		http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
		return
	}
	s.notFound(w, r)
}

// editedCourse reads the course of the URL.
func (s *Server) editedCourse(w http.ResponseWriter, r *http.Request) (postgres.CourseRecord, bool) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return postgres.CourseRecord{}, false
	}
	rec, err := s.courses.FindCourseByID(r.Context(), stateOf(r).Tenant.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return postgres.CourseRecord{}, false
	}
	return rec, true
}

func changeList(ch course.Changes) []string {
	var out []string
	add := func(n int, what string) {
		if n > 0 {
			out = append(out, fmt.Sprintf("%d %s", n, what))
		}
	}
	if ch.Metadata {
		out = append(out, "title, summary or other details changed")
	}
	add(ch.ModulesAdded, "module(s) added")
	add(ch.ModulesRemoved, "module(s) removed")
	add(ch.LessonsAdded, "lesson(s) added")
	add(ch.LessonsRemoved, "lesson(s) removed")
	add(ch.LessonsChanged, "lesson(s) changed")
	add(ch.BlocksAdded, "block(s) added")
	add(ch.BlocksRemoved, "block(s) removed")
	add(ch.BlocksChanged, "block(s) edited")
	add(ch.BlocksMoved, "block(s) moved")
	return out
}

func (s *Server) handleCourseEdit(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	s.renderCourseEdit(w, r, http.StatusOK, rec, s.popFlash(r), "")
}

func detailsOf(c course.Course) pages.CourseDetails {
	return pages.CourseDetails{Title: c.Title, Summary: c.Summary, Description: c.Description, Level: string(c.Level),
		Language: c.Language, EstimatedMinutes: strconv.Itoa(c.EstimatedMinutes), Tags: strings.Join(c.Tags, ", ")}
}

// applyDetails reads the details form into c and reports the problems by
// field.
func applyDetails(r *http.Request, c *course.Course) apperr.Fields {
	f := apperr.Fields{}
	c.Title = strings.TrimSpace(r.PostFormValue("title"))
	c.Summary = strings.TrimSpace(r.PostFormValue("summary"))
	c.Description = strings.TrimSpace(r.PostFormValue("description"))
	c.Level = course.Level(r.PostFormValue("level"))
	c.Language = strings.TrimSpace(r.PostFormValue("language"))
	n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("estimated_minutes")))
	if err != nil {
		f.Add("estimated_minutes", "Enter a whole number of minutes.")
	}
	c.EstimatedMinutes = n
	c.Tags = nil
	for _, tag := range strings.Split(r.PostFormValue("tags"), ",") {
		if tag = strings.TrimSpace(tag); tag != "" {
			c.Tags = append(c.Tags, tag)
		}
	}
	for _, p := range course.CheckCourse(*c) {
		if p.Path != "modules" {
			f.Add(p.Path, strings.ToUpper(p.Message[:1])+p.Message[1:]+".")
		}
	}
	return f
}

// handleCourseDetails saves the catalog details of the draft; every
// problem is shown at its field and nothing is saved.
func (s *Server) handleCourseDetails(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	preview := rec.Draft
	if f := applyDetails(r, &preview); len(f) > 0 {
		d := detailsOf(preview)
		d.EstimatedMinutes, d.Errors = r.PostFormValue("estimated_minutes"), f
		s.renderCourseEditWith(w, r, http.StatusUnprocessableEntity, rec, func(v *pages.CourseEditView) {
			v.Details, v.Error = d, "Please correct the fields marked below."
		})
		return
	}
	s.editAndReturn(w, r, coursePath(r), func(c *course.Course) error {
		if f := applyDetails(r, c); len(f) > 0 {
			return f
		}
		return nil
	})
}

func (s *Server) renderCourseEdit(w http.ResponseWriter, r *http.Request, status int, rec postgres.CourseRecord, notice, errMsg string) {
	s.renderCourseEditWith(w, r, status, rec, func(v *pages.CourseEditView) { v.Notice, v.Error = notice, errMsg })
}

// renderCourseEditWith renders the course page; adjust sets what only this
// response shows (a notice, an error, the details form with its errors).
func (s *Server) renderCourseEditWith(w http.ResponseWriter, r *http.Request, status int, rec postgres.CourseRecord, adjust func(v *pages.CourseEditView)) {
	ch, err := s.courses.DraftChanges(r.Context(), rec)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	versions, err := s.courses.FindVersions(r.Context(), rec.TenantID, rec.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.CourseEditView{CSRF: s.csrfToken(r), ID: rec.ID, Revision: rec.DraftRevision, Title: rec.Draft.Title,
		Slug: rec.Slug, Summary: rec.Draft.Summary, Status: rec.Status, Changes: changeList(ch), Details: detailsOf(rec.Draft),
		SCORM: rec.Draft.FromSCORM()}
	if rec.PublishedVersion != nil {
		v.PublishedVersion = *rec.PublishedVersion
	}
	for _, m := range rec.Draft.Modules {
		om := pages.OutlineModule{Key: m.Key, Title: m.Title}
		for _, l := range m.Lessons {
			om.Lessons = append(om.Lessons, pages.OutlineLesson{Key: l.Key, Title: l.Title, Blocks: len(l.Blocks)})
		}
		v.Modules = append(v.Modules, om)
	}
	for _, ver := range versions {
		v.Versions = append(v.Versions, pages.VersionRow{Version: ver.Version, Note: ver.Note, PublishedAt: ver.PublishedAt})
	}
	adjust(&v)
	s.render(w, r, status, s.editorPage(r, rec.Draft.Title), pages.CourseEdit(v))
}

// editCourse applies one edit to the URL's course and returns the course
// as saved; a refused edit has re-rendered the course page with the reason
// (or, to the editor's script, answered it in JSON).
func (s *Server) editCourse(w http.ResponseWriter, r *http.Request, edit func(c *course.Course) error) (postgres.CourseRecord, bool) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return postgres.CourseRecord{}, false
	}
	revision, _ := strconv.Atoi(r.PostFormValue("revision"))
	tid := stateOf(r).Tenant.ID
	saved, err := s.courses.EditDraft(r.Context(), tid, id, revision, s.auditActor(r), edit)
	var problems course.ProblemsError
	switch {
	case errors.Is(err, course.ErrNotFound):
		s.notFound(w, r)
		return saved, false
	case errors.As(err, &problems) || errors.Is(err, course.ErrConflict) || apperr.Code(err) == apperr.ECONFLICT || apperr.Code(err) == apperr.EINVALID:
		msg := apperr.Message(err)
		if problems != nil {
			msg = problems.Error()
		}
		if errors.Is(err, course.ErrConflict) {
			msg = "That block is in the course already."
		}
		if fromScript(r) {
			writeJSON(w, editStatus(err), editAnswer{Error: msg})
			return saved, false
		}
		rec, ferr := s.courses.FindCourseByID(r.Context(), tid, id)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return saved, false
		}
		s.renderCourseEdit(w, r, http.StatusUnprocessableEntity, rec, "", msg)
		return saved, false
	case err != nil:
		s.renderError(w, r, err)
		return saved, false
	}
	return saved, true
}

// editAndReturn applies an edit and, when it is saved, goes back to the
// page it came from; the editor's script is told the course's new revision.
func (s *Server) editAndReturn(w http.ResponseWriter, r *http.Request, back string, edit func(c *course.Course) error) {
	rec, ok := s.editCourse(w, r, edit)
	switch {
	case !ok:
	case fromScript(r):
		writeJSON(w, http.StatusOK, s.savedAnswer(r, rec, ""))
	default:
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}

// fromScript reports whether the editor's script sent the request, and
// wants a JSON answer instead of a page.
func fromScript(r *http.Request) bool { return r.Header.Get("X-Requested-With") == "fetch" }

// editAnswer is the JSON answer to the editor's script: the course's
// revision and the time of the save, or why nothing was saved.
type editAnswer struct {
	Key      string            `json:"key,omitempty"`
	Revision int               `json:"revision,omitempty"`
	SavedAt  string            `json:"saved_at,omitempty"`
	Error    string            `json:"error,omitempty"`
	Fields   map[string]string `json:"fields,omitempty"`
}

func (s *Server) savedAnswer(r *http.Request, rec postgres.CourseRecord, key string) editAnswer {
	return editAnswer{Key: key, Revision: rec.DraftRevision, SavedAt: rec.UpdatedAt.In(s.viewerZone(r)).Format("15:04")}
}

// editStatus is the HTTP status of a refused edit: 409 when the draft
// changed meanwhile, else 422.
func editStatus(err error) int {
	if errors.Is(err, postgres.ErrStaleDraft) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func coursePath(r *http.Request) string { return "/admin/courses/" + chi.URLParam(r, "id") }

func formTitle(r *http.Request) (string, error) {
	t := strings.TrimSpace(r.PostFormValue("title"))
	if n := utf8.RuneCountInString(t); n == 0 || n > 200 {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "title", Message: "Enter a title of 1 to 200 characters."}
	}
	return t, nil
}

func (s *Server) handleModuleAdd(w http.ResponseWriter, r *http.Request) {
	s.editAndReturn(w, r, coursePath(r), func(c *course.Course) error {
		t, err := formTitle(r)
		if err != nil {
			return err
		}
		c.AddModule(t)
		return nil
	})
}

func (s *Server) handleLessonAdd(w http.ResponseWriter, r *http.Request) {
	var key string
	_, ok := s.editCourse(w, r, func(c *course.Course) error {
		t, err := formTitle(r)
		if err != nil {
			return err
		}
		key, err = c.AddLesson(chi.URLParam(r, "key"), t)
		return err
	})
	if ok {
		http.Redirect(w, r, coursePath(r)+"/lessons/"+key, http.StatusSeeOther)
	}
}

func moveTarget(r *http.Request) int {
	n, _ := strconv.Atoi(r.PostFormValue("to"))
	return n
}

func (s *Server) handleModuleMove(w http.ResponseWriter, r *http.Request) {
	s.editAndReturn(w, r, coursePath(r), func(c *course.Course) error {
		return c.MoveModule(chi.URLParam(r, "key"), moveTarget(r))
	})
}

// handleLessonMove moves a lesson within its module, or into the module
// named by parent (a drop on another module's list).
func (s *Server) handleLessonMove(w http.ResponseWriter, r *http.Request) {
	s.editAndReturn(w, r, coursePath(r), func(c *course.Course) error {
		key := chi.URLParam(r, "key")
		if parent := r.PostFormValue("parent"); parent != "" {
			return c.MoveLesson(key, parent, moveTarget(r))
		}
		for _, m := range c.Modules {
			for _, l := range m.Lessons {
				if l.Key == key {
					return c.MoveLesson(key, m.Key, moveTarget(r))
				}
			}
		}
		return course.ErrNotFound
	})
}

func (s *Server) handleCoursePublish(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	v, err := s.courses.Publish(r.Context(), rec.TenantID, rec.ID, r.PostFormValue("note"), s.auditActor(r))
	if apperr.Code(err) == apperr.EINVALID {
		s.renderCourseEdit(w, r, http.StatusUnprocessableEntity, rec, "", apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, fmt.Sprintf("Version %d is published.", v))
	http.Redirect(w, r, coursePath(r), http.StatusSeeOther)
}

func (s *Server) handleCourseRollback(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	version, _ := strconv.Atoi(r.PostFormValue("version"))
	if _, err := s.courses.Rollback(r.Context(), rec.TenantID, rec.ID, version, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, fmt.Sprintf("The draft is now version %d: publish it to give it to learners.", version))
	http.Redirect(w, r, coursePath(r), http.StatusSeeOther)
}

// blockKinds are the kinds offered by the "Add a block" menu.
var blockKinds = []course.Kind{course.KindText, course.KindCallout, course.KindQuiz, course.KindReflection, course.KindWriting, course.KindChecklist,
	course.KindImage, course.KindVideo, course.KindAudio, course.KindFile, course.KindLiveSession}

// blockKindLabels say what each kind of block is, for the "Add a block" menu.
var blockKindLabels = map[course.Kind]string{
	course.KindText: "Text", course.KindCallout: "Callout (a takeaway or a tip)", course.KindQuiz: "Quiz",
	course.KindReflection: "Reflection (a question to answer in writing)", course.KindWriting: "Writing practice (a draft, a model answer, a self-check)",
	course.KindChecklist: "Checklist (an action plan)",
	course.KindImage:     "Image", course.KindVideo: "Video", course.KindAudio: "Audio", course.KindFile: "File to download",
	course.KindLiveSession: "Live session",
}

// blockTemplates start a new block's form with the fields to fill.
var blockTemplates = map[course.Kind]string{
	course.KindCallout:     "style: takeaway\ntext: \n",
	course.KindQuiz:        "pass_mark: 75\nattempts: 0\nshuffle: false\nquestions:\n  - type: scenario\n    scenario: \n    prompt: \n    explanation: \n    options:\n      - text: \n        correct: true\n        feedback: \n      - text: \n        feedback: \n",
	course.KindReflection:  "prompt: \n",
	course.KindWriting:     "title: \nprompt: \nmin_words: 50\nmodel_answer: \nrubric:\n  - \n  - \n",
	course.KindChecklist:   "title: Your first steps\nitems:\n  - text: \n    due_in_days: 7\n",
	course.KindImage:       "src: \nalt: \ncaption: \n",
	course.KindVideo:       "url: https://www.youtube-nocookie.com/embed/\ntitle: \ntranscript: \n",
	course.KindAudio:       "url: https://w.soundcloud.com/player/?url=\ntitle: \ntranscript: \n",
	course.KindFile:        "src: \nlabel: \n",
	course.KindLiveSession: "title: \ndescription: \n",
}

func (s *Server) handleLessonEdit(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	v := pages.LessonEditView{Notice: s.popFlash(r)}
	q := r.URL.Query()
	if add := course.Kind(q.Get("add")); slices.Contains(blockKinds, add) {
		v.FormKind, v.FormText = string(add), blockTemplates[add]
		if add == course.KindQuiz {
			v.Quiz = quizForm(nil)
		}
		if formKinds[add] {
			v.Fields = map[string]string{}
			if add == course.KindCallout {
				v.Fields["style"] = "takeaway"
			}
		}
	}
	if key := q.Get("edit"); key != "" {
		l, err := rec.Draft.Lesson(chi.URLParam(r, "key"))
		if err != nil {
			s.notFound(w, r)
			return
		}
		for _, b := range l.Blocks {
			if b.Key == key {
				v.FormKind, v.FormKey = string(b.Kind), b.Key
				if b.Kind == course.KindQuiz {
					v.Quiz = quizForm(b.Quiz)
				} else if formKinds[b.Kind] {
					v.Fields = blockFields(b)
				} else if b.Kind == course.KindText {
					v.FormText = b.Text.Markdown
				} else if v.FormText, err = library.BlockYAML(b); err != nil {
					s.serverError(w, r, err)
					return
				}
			}
		}
	}
	s.renderLessonEdit(w, r, http.StatusOK, rec, v)
}

func (s *Server) renderLessonEdit(w http.ResponseWriter, r *http.Request, status int, rec postgres.CourseRecord, v pages.LessonEditView) {
	l, err := rec.Draft.Lesson(chi.URLParam(r, "key"))
	if err != nil {
		s.notFound(w, r)
		return
	}
	v.CSRF, v.CourseID, v.CourseTitle, v.Revision = s.csrfToken(r), rec.ID, rec.Draft.Title, rec.DraftRevision
	v.LessonKey, v.Title = l.Key, l.Title
	views := s.previewBlocks(r, l.Blocks, s.lessonPath(r)+"/preview", v.CSRF)
	for i, b := range l.Blocks {
		v.Blocks = append(v.Blocks, pages.BlockRow{Key: b.Key, Kind: string(b.Kind), Summary: blockSummary(b), View: views[i]})
	}
	for _, k := range blockKinds {
		v.Kinds = append(v.Kinds, components.Option{Value: string(k), Label: blockKindLabels[k]})
	}
	for _, m := range rec.Draft.Modules {
		for _, other := range m.Lessons {
			if other.Key != l.Key {
				v.Lessons = append(v.Lessons, components.Option{Value: other.Key, Label: m.Title + ": " + other.Title})
			}
		}
	}
	if gone, ok := s.pendingUndo(r, rec.ID, l.Key); ok {
		v.Undo = string(gone.Block.Kind)
	}
	if v.Fields != nil {
		if src := v.Fields["src"]; src != "" {
			v.FileURL = "/files/" + url.PathEscape(src)
		}
	}
	s.render(w, r, status, s.editorPage(r, l.Title), pages.LessonEdit(v))
}

// blockSummary is a block's first words, for the editor's list.
func blockSummary(b course.Block) string {
	var s string
	switch {
	case b.Text != nil:
		s = b.Text.Markdown
	case b.Callout != nil:
		s = b.Callout.Markdown
	case b.Quiz != nil:
		s = fmt.Sprintf("%d question(s)", len(b.Quiz.Questions))
	case b.Reflection != nil:
		s = b.Reflection.Prompt
	case b.Checklist != nil:
		s = b.Checklist.Title
	case b.Image != nil:
		s = b.Image.Alt
	case b.Media != nil:
		s = b.Media.Title
	case b.File != nil:
		s = b.File.Label
	case b.LiveSession != nil:
		s = b.LiveSession.Title
	}
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:79]) + "…"
	}
	return s
}

func (s *Server) lessonPath(r *http.Request) string {
	return coursePath(r) + "/lessons/" + chi.URLParam(r, "key")
}

func (s *Server) handleLessonRename(w http.ResponseWriter, r *http.Request) {
	s.editAndReturn(w, r, s.lessonPath(r), func(c *course.Course) error {
		t, err := formTitle(r)
		if err != nil {
			return err
		}
		l, err := c.Lesson(chi.URLParam(r, "key"))
		if err != nil {
			return err
		}
		l.Title = t
		return nil
	})
}

// handleBlockSave adds a block, or replaces one, from the block form. A
// block that breaks a rule shows the form again with every problem, and
// saves nothing. The quiz form's Add and Remove buttons show the form
// again, changed and unsaved. The editor's script (autosave) gets JSON:
// the block's key and the course's revision, or why nothing was saved.
func (s *Server) handleBlockSave(w http.ResponseWriter, r *http.Request) {
	f := readBlockForm(r)
	rec, ok := s.editedCourse(w, r) // another portal's course is a 404
	if !ok {
		return
	}
	if f.Quiz != nil && changeQuizForm(f.Quiz, r.PostFormValue("quiz_change")) {
		f.Quiz.Errors, f.Quiz.Summary, f.Msgs = map[string]string{}, nil, nil
		s.renderLessonEdit(w, r, http.StatusOK, rec, f.view())
		return
	}
	if f.Fields != nil {
		if err := s.uploadIntoForm(r, rec, &f); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	status := http.StatusUnprocessableEntity
	if len(f.Msgs) == 0 {
		lessonKey := chi.URLParam(r, "key")
		revision, _ := strconv.Atoi(r.PostFormValue("revision"))
		key := f.Key
		saved, err := s.courses.EditDraft(r.Context(), rec.TenantID, rec.ID, revision, s.auditActor(r), func(c *course.Course) (err error) {
			if f.Key == "" {
				key, err = c.AddBlock(lessonKey, f.Block)
				return err
			}
			return c.ReplaceBlock(f.Key, f.Block)
		})
		switch {
		case err == nil && fromScript(r):
			writeJSON(w, http.StatusOK, s.savedAnswer(r, saved, key))
			return
		case err == nil:
			s.flash(r, "Block saved.")
			http.Redirect(w, r, s.lessonPath(r)+"#edit-"+key, http.StatusSeeOther)
			return
		case errors.Is(err, course.ErrNotFound):
			s.notFound(w, r)
			return
		case apperr.Code(err) == apperr.ECONFLICT || apperr.Code(err) == apperr.EINVALID:
			f.Msgs, status = append(f.Msgs, apperr.Message(err)), editStatus(err)
			if fields, ok := apperr.FieldsOf(err); ok && fields["src"] != "" && f.Fields != nil {
				f.FieldErrs["src"] = fields["src"]
			}
		default:
			s.renderError(w, r, err)
			return
		}
	}
	if fromScript(r) {
		a := editAnswer{Error: strings.Join(f.Msgs, " "), Fields: f.FieldErrs}
		if f.Quiz != nil {
			a.Fields = f.Quiz.Errors
		}
		writeJSON(w, status, a)
		return
	}
	if rec, ok = s.editedCourse(w, r); ok { // as it is now, after a refused save
		s.renderLessonEdit(w, r, status, rec, f.view())
	}
}

// handleBlockPreview renders the block form, unsaved, as learners would
// see the block: the editor's live preview, made by the same Markdown
// renderer and templates as the lesson. A form that breaks a rule gets
// its problems instead (422), and nothing is saved either way.
func (s *Server) handleBlockPreview(w http.ResponseWriter, r *http.Request) {
	f := readBlockForm(r)
	if _, ok := s.editedCourse(w, r); !ok {
		return
	}
	if len(f.Msgs) > 0 {
		msgs := f.Msgs
		if f.Quiz != nil {
			msgs = f.Quiz.Summary
		}
		for k, m := range f.FieldErrs {
			if k != "" {
				msgs = append(msgs, m)
			}
		}
		s.renderFragment(w, r, http.StatusUnprocessableEntity, pages.BlockPreviewProblems(msgs))
		return
	}
	views := s.previewBlocks(r, []course.Block{f.Block}, s.lessonPath(r)+"/preview", s.csrfToken(r))
	s.renderFragment(w, r, http.StatusOK, pages.PlayerBlocks(views))
}

// renderFragment answers a piece of a page, for the editor's script.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := c.Render(r.Context(), w); err != nil {
		s.log.ErrorContext(r.Context(), "render fragment", "err", err)
	}
}

// handleBlockMove moves a block within its lesson, or to another lesson
// (any module) when the form names one.
func (s *Server) handleBlockMove(w http.ResponseWriter, r *http.Request) {
	to := chi.URLParam(r, "key")
	if other := r.PostFormValue("lesson"); other != "" {
		to = other
	}
	s.editAndReturn(w, r, s.lessonPath(r), func(c *course.Course) error {
		return c.MoveBlock(chi.URLParam(r, "block"), to, moveTarget(r))
	})
}

func (s *Server) handleModuleRename(w http.ResponseWriter, r *http.Request) {
	s.editAndReturn(w, r, coursePath(r), func(c *course.Course) error {
		t, err := formTitle(r)
		if err != nil {
			return err
		}
		for i := range c.Modules {
			if c.Modules[i].Key == chi.URLParam(r, "key") {
				c.Modules[i].Title = t
				return nil
			}
		}
		return course.ErrNotFound
	})
}

// sessUndoBlock keeps the block an author deleted last, with its course
// and place, so that the lesson's page can offer to put it back.
const sessUndoBlock = "undo_block"

// undoBlock is what sessUndoBlock holds.
type undoBlock struct {
	CourseID int64          `json:"course_id"`
	Removed  course.Removed `json:"removed"`
}

func (s *Server) handleBlockDelete(w http.ResponseWriter, r *http.Request) {
	var gone course.Removed
	_, ok := s.editCourse(w, r, func(c *course.Course) (err error) {
		gone, err = c.RemoveBlock(chi.URLParam(r, "block"))
		return err
	})
	if !ok {
		return
	}
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if kept, err := json.Marshal(undoBlock{CourseID: id, Removed: gone}); err == nil {
		s.sessions.Put(r.Context(), sessUndoBlock, string(kept))
	}
	// The page's toast says so, with its Undo.
	http.Redirect(w, r, s.lessonPath(r), http.StatusSeeOther)
}

// pendingUndo is the block the author deleted last from this course's
// lesson, if any.
func (s *Server) pendingUndo(r *http.Request, courseID int64, lesson string) (course.Removed, bool) {
	var u undoBlock
	if err := json.Unmarshal([]byte(s.sessions.GetString(r.Context(), sessUndoBlock)), &u); err != nil {
		return course.Removed{}, false
	}
	return u.Removed, u.CourseID == courseID && u.Removed.Lesson == lesson
}

// handleBlockUndo puts back the block the author deleted last, at its
// place and with its key.
func (s *Server) handleBlockUndo(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r) // another portal's course is a 404
	if !ok {
		return
	}
	gone, ok := s.pendingUndo(r, rec.ID, chi.URLParam(r, "key"))
	if !ok {
		s.flash(r, "There is no deleted block to put back.")
		http.Redirect(w, r, s.lessonPath(r), http.StatusSeeOther)
		return
	}
	if _, ok := s.editCourse(w, r, func(c *course.Course) error { return c.RestoreBlock(gone) }); !ok {
		return
	}
	s.sessions.Remove(r.Context(), sessUndoBlock)
	s.flash(r, "Block put back.")
	http.Redirect(w, r, s.lessonPath(r)+"#block-"+gone.Block.Key, http.StatusSeeOther)
}

// blockViews turns blocks into what a learner sees: Markdown rendered and
// sanitised, quiz questions without their answers.
func (s *Server) blockViews(blocks []course.Block) []pages.BlockView {
	out := make([]pages.BlockView, 0, len(blocks))
	for _, b := range blocks {
		v := pages.BlockView{Key: b.Key, Kind: string(b.Kind)}
		switch {
		case b.Text != nil:
			v.HTML = s.md.HTML(b.Text.Markdown)
		case b.Callout != nil:
			v.Style, v.Title, v.HTML = b.Callout.Style, b.Callout.Title, s.md.HTML(b.Callout.Markdown)
		case b.Reflection != nil:
			v.Prompt = b.Reflection.Prompt
		case b.Writing != nil:
			v.Title, v.Prompt = b.Writing.Title, b.Writing.Prompt
		case b.Checklist != nil:
			v.Title = b.Checklist.Title
			for _, it := range b.Checklist.Items {
				v.Items = append(v.Items, it.Text)
			}
		case b.Quiz != nil:
			for _, q := range b.Quiz.Questions {
				qv := pages.QuestionView{Scenario: q.Scenario, Prompt: q.Prompt, Multiple: q.Type == course.Multiple}
				for _, o := range q.Options {
					qv.Options = append(qv.Options, o.Text)
				}
				v.Questions = append(v.Questions, qv)
			}
		case b.Image != nil:
			v.ImageURL, v.Alt, v.Caption = "/files/"+url.PathEscape(b.Image.Src), b.Image.Alt, b.Image.Caption
		case b.File != nil:
			v.FileURL, v.Label = "/files/"+url.PathEscape(b.File.Src), b.File.Label
		case b.Media != nil:
			v.Title, v.Transcript = b.Media.Title, b.Media.Transcript
			if b.Media.Src != "" {
				v.MediaURL = "/files/" + url.PathEscape(b.Media.Src)
			} else {
				v.PlayerURL, _ = course.PlayerURL(b.Media.URL)
			}
		case b.LiveSession != nil:
			v.Title, v.Description = b.LiveSession.Title, b.LiveSession.Description
		case b.SCORM != nil:
			v.Title = b.SCORM.Title
		}
		out = append(out, v)
	}
	return out
}

// handleCourseUpload stores an uploaded file under its content hash and
// lets the portal use it. The editor's script (a file dropped on a block)
// gets JSON: the stored name and its address, or why it was refused.
func (s *Server) handleCourseUpload(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	refuse := func(msg string) {
		if fromScript(r) {
			writeJSON(w, http.StatusUnprocessableEntity, editAnswer{Error: msg, Fields: map[string]string{"file": msg}})
			return
		}
		s.renderCourseEdit(w, r, http.StatusUnprocessableEntity, rec, "", msg)
	}
	file, header, err := r.FormFile("file")
	if err != nil {
		refuse("Choose a file to upload.")
		return
	}
	defer file.Close()
	name, err := s.storeUpload(r, rec, r.PostFormValue("kind"), header.Filename, file)
	var refused uploadRefused
	if errors.As(err, &refused) {
		refuse(refused.Error())
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if fromScript(r) {
		writeJSON(w, http.StatusOK, uploadAnswer{Name: name, URL: "/files/" + url.PathEscape(name)})
		return
	}
	s.flash(r, "Uploaded "+header.Filename+": use  src: "+name)
	http.Redirect(w, r, coursePath(r), http.StatusSeeOther)
}

// uploadAnswer is the JSON answer to an upload from the editor's script.
type uploadAnswer struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// uploadRefused is an upload that breaks a rule, in the author's words.
type uploadRefused string

func (u uploadRefused) Error() string { return string(u) }

// storeUpload checks an upload of kind (image, media or file), stores it
// under its content hash and lets the course's portal use it: the one way
// files come in, from the course page or dropped on a block.
func (s *Server) storeUpload(r *http.Request, rec postgres.CourseRecord, kind, filename string, file io.Reader) (string, error) {
	data, err := io.ReadAll(file)
	if err != nil {
		return "", err
	}
	name, stored, err := library.CheckUpload(kind, filename, data)
	if err != nil {
		return "", uploadRefused("The file was not accepted: " + err.Error() + ".")
	}
	if err := s.files.Put(name, stored); err != nil {
		return "", err
	}
	if err := s.courses.RecordUpload(r.Context(), rec.TenantID, name, s.auditActor(r)); err != nil {
		return "", err
	}
	return name, nil
}

// fileTypes are the content types stored files are served with, by the
// extension the server gave them.
var fileTypes = map[string]string{
	".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
	".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg", ".wav": "audio/wav", ".ogg": "audio/ogg",
	".pdf": "application/pdf", ".svg": "image/svg+xml",
}

// handleFile serves a stored file the portal uses. It can never run as a
// page of this origin: a sandbox CSP, nosniff, and anything but a known
// media type is a download.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	name := chi.URLParam(r, "name")
	ok, err := s.courses.HasFile(r.Context(), stateOf(r).Tenant.ID, name)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	if !ok {
		s.notFound(w, r)
		return
	}
	f, err := s.files.Open(name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	defer f.Close()
	h := w.Header()
	ct, known := fileTypes[path.Ext(name)]
	if known && path.Ext(name) == ".svg" {
		// An SVG is shown only when it is nothing but a drawing (as image
		// uploads are checked to be); one uploaded as any file, which may
		// carry script, is a download.
		data, err := io.ReadAll(io.LimitReader(f, 8<<20))
		if _, serr := f.Seek(0, io.SeekStart); err != nil || serr != nil || !library.IsDrawing(data) {
			known = false
		}
	}
	if !known {
		ct = "application/octet-stream"
		h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=31536000, immutable")
	h.Set("ETag", `"`+strings.TrimSuffix(name, path.Ext(name))+`"`)
	http.ServeContent(w, r, "", time.Time{}, f)
}

func (s *Server) handleCourseExport(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	var buf bytes.Buffer
	if err := library.ExportZip(&buf, rec.Draft, s.readStoredFile); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="`+rec.Slug+`.zip"`)
	w.Write(buf.Bytes())
}

// readStoredFile reads a course's stored file whole, for an export.
func (s *Server) readStoredFile(name string) ([]byte, error) {
	f, err := s.files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// errNotPublished refuses a SCORM export of a course never published: a
// package runs in another LMS as learners would see the course, so it is
// made from the published version, never from a draft.
var errNotPublished = &apperr.Error{Code: apperr.ECONFLICT,
	Message: "This course has not been published yet. Publish it, then export the published version as SCORM."}

// handleCourseSCORMExport answers the course's published version as a
// SCORM package for target.
func (s *Server) handleCourseSCORMExport(target scormexport.Target) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rec, ok := s.editedCourse(w, r)
		if !ok {
			return
		}
		if rec.PublishedVersion == nil {
			s.renderError(w, r, errNotPublished)
			return
		}
		c, err := s.courses.FindVersion(r.Context(), rec.TenantID, rec.ID, *rec.PublishedVersion)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		pkg, err := scormexport.Export(c, target, s.readStoredFile)
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Disposition", `attachment; filename="`+rec.Slug+"-"+string(target)+`.zip"`)
		w.Write(pkg)
	}
}

// maxImportBytes caps an uploaded course zip.
const maxImportBytes = 500 << 20

func (s *Server) handleCourseImport(w http.ResponseWriter, r *http.Request) {
	fail := func(msg string) {
		s.renderAdminCourses(w, r, http.StatusUnprocessableEntity, pages.AdminCoursesView{Error: msg})
	}
	file, header, err := r.FormFile("zip")
	if err != nil {
		fail("Choose a course zip to import.")
		return
	}
	defer file.Close()
	if header.Size > maxImportBytes {
		fail("The zip is larger than 500 MB.")
		return
	}
	zr, err := zip.NewReader(file, header.Size)
	if err != nil {
		fail("That file is not a zip archive.")
		return
	}
	loaded, problems := library.LoadAll(zr, ".")
	if len(problems) > 0 || len(loaded) != 1 {
		msg := "The zip must hold exactly one course in the library format."
		for i, p := range problems {
			if i == 5 {
				msg += fmt.Sprintf(" (and %d more problems)", len(problems)-5)
				break
			}
			msg += " " + p.String() + "."
		}
		fail(msg)
		return
	}
	c := loaded[0].Course
	if err := library.StoreFiles(&c, zr, loaded[0].Dir, s.files.Put); err != nil {
		fail("A file of the course was not accepted: " + err.Error() + ".")
		return
	}
	rec, err := s.courses.ImportCourse(r.Context(), stateOf(r).Tenant.ID, c, "", s.auditActor(r))
	if code := apperr.Code(err); code == apperr.ECONFLICT || code == apperr.EINVALID {
		fail(apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Imported “"+rec.Draft.Title+"” as a draft.")
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}

func (s *Server) handleCourseDuplicate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	rec, err := s.courses.DuplicateCourse(r.Context(), stateOf(r).Tenant.ID, id, s.auditActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "This is the copy: rename it in Course details.")
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}

func (s *Server) handleCourseArchive(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	archived := r.PostFormValue("archived") == "yes"
	if err := s.courses.SetCourseArchived(r.Context(), stateOf(r).Tenant.ID, id, archived, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	if archived {
		s.flash(r, "Archived: the course has left the catalog. Learners' records are kept.")
	} else {
		s.flash(r, "The course is back from the archive.")
	}
	http.Redirect(w, r, coursePath(r), http.StatusSeeOther)
}

// editorPage is the frame of the editor's pages, with the drag-and-drop
// scripts.
func (s *Server) editorPage(r *http.Request, title string) layout.Page {
	p := s.page(r, title)
	p.Scripts = append(p.Scripts, s.assets.URL("js/vendor/sortable.min.js"), s.assets.URL("js/editor.js"))
	return p
}
