package server

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// learnerCoursePath is a course's page for learners.
func learnerCoursePath(slug string) string { return "/courses/" + url.PathEscape(slug) }

func learnerLessonPath(slug, key string) string {
	return learnerCoursePath(slug) + "/lessons/" + url.PathEscape(key)
}

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	entries, err := s.learning.FindCatalog(r.Context(), st.Tenant.ID, st.User.ID, postgres.CatalogQuery{})
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	paths, err := s.paths.FindPublishedPaths(r.Context(), st.Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.CatalogView{Courses: make([]pages.CatalogCard, 0, len(entries))}
	for _, p := range paths {
		v.Paths = append(v.Paths, pages.PathCard{URL: "/paths/" + url.PathEscape(p.Slug), Title: p.Title, Summary: p.Summary, Steps: p.Steps, Minutes: p.Minutes})
	}
	for _, e := range entries {
		v.Courses = append(v.Courses, pages.CatalogCard{URL: learnerCoursePath(e.Slug), Title: e.Title, Summary: e.Summary,
			Level: e.Level, Minutes: e.EstimatedMinutes, Tags: e.Tags, Enrolled: e.Status != ""})
	}
	s.render(w, r, http.StatusOK, s.page(r, "Courses"), pages.Catalog(v))
}

// learnerCourse loads the URL's course as the signed-in learner sees it;
// it has answered (404) when it returns false.
func (s *Server) learnerCourse(w http.ResponseWriter, r *http.Request) (postgres.LearnerCourse, bool) {
	st := stateOf(r)
	lc, err := s.learning.FindLearnerCourse(r.Context(), st.Tenant.ID, st.User.ID, chi.URLParam(r, "slug"))
	if err != nil {
		s.renderError(w, r, err)
		return lc, false
	}
	return lc, true
}

// syllabus is the outline of the version the learner sees; lessons link
// only once the learner is enrolled.
func syllabus(lc postgres.LearnerCourse, current string) []pages.SyllabusModule {
	out := make([]pages.SyllabusModule, 0, len(lc.Content.Modules))
	for _, m := range lc.Content.Modules {
		sm := pages.SyllabusModule{Title: m.Title, Lessons: make([]pages.SyllabusLesson, 0, len(m.Lessons))}
		for _, l := range m.Lessons {
			sl := pages.SyllabusLesson{Title: l.Title, Minutes: l.EstimatedMinutes, Optional: !l.Required, Current: l.Key == current}
			if lc.Enrolment != nil {
				sl.URL = learnerLessonPath(lc.Slug, l.Key)
			}
			sm.Lessons = append(sm.Lessons, sl)
		}
		out = append(out, sm)
	}
	return out
}

func (s *Server) handleLearnerCourse(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	c := lc.Content
	v := pages.CourseView{
		CSRF: s.csrfToken(r), URL: learnerCoursePath(lc.Slug), Title: c.Title, Summary: c.Summary,
		Description: s.md.HTML(c.Description), Level: string(c.Level), Minutes: c.EstimatedMinutes, Tags: c.Tags,
		Modules: syllabus(lc, ""), Notice: s.popFlash(r),
	}
	if e := lc.Enrolment; e != nil {
		v.Enrolled, v.Attempt, v.NewerVersion = true, e.Attempt, e.NewerVersion(lc.PublishedVersion)
		if lessons := c.Lessons(); len(lessons) > 0 {
			v.ContinueURL = learnerLessonPath(lc.Slug, lessons[0].Key)
		}
	}
	s.render(w, r, http.StatusOK, s.page(r, c.Title), pages.CoursePage(v))
}

// handleEnrol enrols the learner and opens the first lesson. Enrolling
// twice is harmless: the learner lands where they would have.
func (s *Server) handleEnrol(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	if _, err := s.learning.Enrol(r.Context(), st.Tenant.ID, st.User.ID, lc.ID, learning.SelfEnrolled); err != nil {
		s.renderError(w, r, err)
		return
	}
	to := learnerCoursePath(lc.Slug)
	if lessons := lc.Content.Lessons(); len(lessons) > 0 && lc.Enrolment == nil {
		to = learnerLessonPath(lc.Slug, lessons[0].Key)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// handleRestart begins the learner's next attempt, on the newest version.
func (s *Server) handleRestart(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	attempt, err := strconv.Atoi(r.PostFormValue("attempt"))
	if err != nil {
		s.renderError(w, r, &apperr.Error{Code: apperr.EINVALID, Field: "attempt", Message: "The restart form is incomplete: reload the course page and try again."})
		return
	}
	if err := s.learning.Restart(r.Context(), st.Tenant.ID, st.User.ID, lc.ID, attempt); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "You restarted the course on its newest version.")
	http.Redirect(w, r, learnerCoursePath(lc.Slug), http.StatusSeeOther)
}

// handleLesson is the course player. Only enrolled learners open lessons;
// anyone else is sent to the course page to start it.
func (s *Server) handleLesson(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	key := chi.URLParam(r, "key")
	l, err := lc.Content.Lesson(key)
	if err != nil {
		s.notFound(w, r)
		return
	}
	if lc.Enrolment == nil {
		http.Redirect(w, r, learnerCoursePath(lc.Slug), http.StatusSeeOther)
		return
	}
	v := pages.LessonView{
		CourseTitle: lc.Content.Title, CourseURL: learnerCoursePath(lc.Slug), Title: l.Title, Minutes: l.EstimatedMinutes,
		Blocks: s.blockViews(l.Blocks), Outline: syllabus(lc, key),
		NewerVersion: lc.Enrolment.NewerVersion(lc.PublishedVersion),
	}
	prev, next := lc.Content.Neighbours(key)
	if prev != nil {
		v.PrevURL, v.PrevTitle = learnerLessonPath(lc.Slug, prev.Key), prev.Title
	}
	if next != nil {
		v.NextURL, v.NextTitle = learnerLessonPath(lc.Slug, next.Key), next.Title
	}
	s.render(w, r, http.StatusOK, s.page(r, l.Title+" · "+lc.Content.Title), pages.LessonPage(v))
}

func (s *Server) handlePath(w http.ResponseWriter, r *http.Request) {
	p, err := s.paths.FindPathBySlug(r.Context(), stateOf(r).Tenant.ID, chi.URLParam(r, "slug"))
	if err != nil || p.Status != "published" {
		if err == nil {
			err = &apperr.Error{Code: apperr.ENOTFOUND, Message: "Path not found."}
		}
		s.renderError(w, r, err)
		return
	}
	v := pages.PathView{Title: p.Title, Summary: p.Summary, Description: s.md.HTML(p.Description), Minutes: p.Minutes()}
	for i, st := range p.Steps {
		sv := pages.PathStepView{Number: i + 1, Title: st.CourseTitle, Summary: st.CourseSummary, Minutes: st.EstimatedMinutes}
		if st.CourseStatus == "published" {
			sv.URL = learnerCoursePath(st.CourseSlug)
		}
		if st.Unlock == course.AfterPrevious && i > 0 {
			sv.UnlockSay = "opens when you complete " + p.Steps[i-1].CourseTitle
		}
		v.Steps = append(v.Steps, sv)
	}
	s.render(w, r, http.StatusOK, s.page(r, p.Title), pages.PathPage(v))
}
