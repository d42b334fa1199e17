package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// learnerCoursePath is a course's page for learners.
func learnerCoursePath(slug string) string { return "/courses/" + url.PathEscape(slug) }

func learnerLessonPath(slug, key string) string {
	return learnerCoursePath(slug) + "/lessons/" + url.PathEscape(key)
}

func fileURL(name string) string {
	if name == "" {
		return ""
	}
	return "/files/" + url.PathEscape(name)
}

// localDate shows a moment as a date in the viewer's time zone.
func (s *Server) localDate(r *http.Request, t time.Time) string {
	return t.In(s.viewerZone(r)).Format("2 January 2006")
}

func (s *Server) viewerZone(r *http.Request) *time.Location {
	if u := stateOf(r).User; u != nil {
		if loc, err := time.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

var levelChoices = []struct{ value, label string }{
	{"", "Any level"}, {"beginner", "Beginner"}, {"intermediate", "Intermediate"}, {"advanced", "Advanced"},
}

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	s.renderCatalog(w, r, http.StatusOK, pages.CatalogView{Notice: s.popFlash(r)})
}

func (s *Server) renderCatalog(w http.ResponseWriter, r *http.Request, status int, v pages.CatalogView) {
	st := stateOf(r)
	q := postgres.CatalogQuery{Text: r.URL.Query().Get("q"), Level: r.URL.Query().Get("level"), Tag: r.URL.Query().Get("tag")}
	if len(q.Text) > 200 {
		q.Text = q.Text[:200]
	}
	entries, err := s.learning.FindCatalog(r.Context(), st.Tenant.ID, st.User.ID, q)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	tags, err := s.learning.FindCatalogTags(r.Context(), st.Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	paths, err := s.paths.FindPublishedPaths(r.Context(), st.Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF, v.Query, v.Level, v.Tag = s.csrfToken(r), q.Text, q.Level, q.Tag
	v.Filtered = q.Text != "" || q.Level != "" || q.Tag != ""
	for _, l := range levelChoices {
		v.Levels = append(v.Levels, components.Option{Value: l.value, Label: l.label, Selected: l.value == q.Level})
	}
	v.Tags = append(v.Tags, components.Option{Value: "", Label: "Any topic"})
	for _, t := range tags {
		v.Tags = append(v.Tags, components.Option{Value: t, Label: t, Selected: t == q.Tag})
	}
	for _, e := range entries {
		v.Courses = append(v.Courses, pages.CatalogCard{URL: learnerCoursePath(e.Slug), Title: e.Title, Summary: e.Summary,
			Level: e.Level, Minutes: e.EstimatedMinutes, Tags: e.Tags, CoverURL: fileURL(e.Cover), Status: string(e.Status), Percent: e.Percent})
	}
	for _, p := range paths {
		v.Paths = append(v.Paths, pages.PathCard{URL: "/paths/" + url.PathEscape(p.Slug), Title: p.Title, Summary: p.Summary, Steps: p.Steps, Minutes: p.Minutes})
	}
	s.render(w, r, status, s.page(r, "Courses"), pages.Catalog(v))
}

// handleEnrolCode enrols the learner in the course an enrolment code opens.
func (s *Server) handleEnrolCode(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	code := r.PostFormValue("code")
	slug, err := s.learning.EnrolByCode(r.Context(), st.Tenant.ID, st.User.ID, code)
	if apperr.Code(err) == apperr.EINVALID {
		s.renderCatalog(w, r, http.StatusUnprocessableEntity, pages.CatalogView{Code: code, CodeError: apperr.Message(err)})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "You are enrolled. Start whenever you are ready.")
	http.Redirect(w, r, learnerCoursePath(slug), http.StatusSeeOther)
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

// enrolledCourse is learnerCourse for the actions of enrolled learners.
func (s *Server) enrolledCourse(w http.ResponseWriter, r *http.Request) (postgres.LearnerCourse, bool) {
	lc, ok := s.learnerCourse(w, r)
	if ok && (lc.Enrolment == nil || lc.Enrolment.Status == learning.Withdrawn) {
		http.Redirect(w, r, learnerCoursePath(lc.Slug), http.StatusSeeOther)
		return lc, false
	}
	return lc, ok
}

// syllabus is the outline of the version the learner sees; lessons link
// only once the learner is enrolled.
func syllabus(lc postgres.LearnerCourse, current string) []pages.SyllabusModule {
	enrolled := lc.Enrolment != nil && lc.Enrolment.Status != learning.Withdrawn
	out := make([]pages.SyllabusModule, 0, len(lc.Content.Modules))
	for _, m := range lc.Content.Modules {
		sm := pages.SyllabusModule{Title: m.Title, Lessons: make([]pages.SyllabusLesson, 0, len(m.Lessons))}
		for _, l := range m.Lessons {
			sl := pages.SyllabusLesson{Title: l.Title, Minutes: l.EstimatedMinutes, Optional: !l.Required, Current: l.Key == current,
				Complete: lc.Progress.LessonComplete(l.Key)}
			if enrolled {
				sl.URL = learnerLessonPath(lc.Slug, l.Key)
			}
			sm.Lessons = append(sm.Lessons, sl)
		}
		out = append(out, sm)
	}
	return out
}

// resumeLesson is where a learner carries on: the lesson they last had
// open, or else the first they have not completed.
func resumeLesson(lc postgres.LearnerCourse) string {
	lessons := lc.Content.Lessons()
	if len(lessons) == 0 {
		return ""
	}
	if e := lc.Enrolment; e != nil && e.LastLesson != "" {
		if _, err := lc.Content.Lesson(e.LastLesson); err == nil {
			return e.LastLesson
		}
	}
	for _, l := range lessons {
		if !lc.Progress.LessonComplete(l.Key) {
			return l.Key
		}
	}
	return lessons[0].Key
}

func (s *Server) handleLearnerCourse(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	s.renderCourse(w, r, http.StatusOK, lc, discussionDraft{})
}

// renderCourse shows a course's page, with its discussion for those who
// take part (and a refused post back in its form).
func (s *Server) renderCourse(w http.ResponseWriter, r *http.Request, status int, lc postgres.LearnerCourse, draft discussionDraft) {
	c := lc.Content
	v := pages.CourseView{
		CSRF: s.csrfToken(r), URL: learnerCoursePath(lc.Slug), Title: c.Title, Summary: c.Summary,
		Description: s.md.HTML(c.Description), Level: string(c.Level), Minutes: c.EstimatedMinutes, Tags: c.Tags,
		CoverURL: fileURL(c.Cover), Modules: syllabus(lc, ""), Notice: s.popFlash(r), SelfEnrol: lc.SelfEnrol,
	}
	if e := lc.Enrolment; e != nil && e.Status != learning.Withdrawn {
		v.Enrolled, v.Attempt, v.NewerVersion = true, e.Attempt, e.NewerVersion(lc.PublishedVersion)
		v.Status, v.Percent, v.MayUnenrol = string(e.Status), e.Percent, e.MayUnenrol()
		if e.DueAt != nil {
			v.Due, v.Overdue = s.localDate(r, *e.DueAt), e.Overdue(time.Now())
		}
		if key := resumeLesson(lc); key != "" {
			v.ContinueURL, v.ContinueText = learnerLessonPath(lc.Slug, key), "Continue"
			if e.Percent == 0 && e.LastLesson == "" {
				v.ContinueText = "Begin"
			}
		}
	}
	var err error
	if v.Discussion, err = s.courseDiscussion(r, lc, draft); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, s.page(r, c.Title), pages.CoursePage(v))
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
		if code := apperr.Code(err); code == apperr.ECONFLICT || code == apperr.EFORBIDDEN {
			s.flash(r, apperr.Message(err))
			http.Redirect(w, r, learnerCoursePath(lc.Slug), http.StatusSeeOther)
			return
		}
		s.renderError(w, r, err)
		return
	}
	to := learnerCoursePath(lc.Slug)
	if lessons := lc.Content.Lessons(); len(lessons) > 0 && (lc.Enrolment == nil || lc.Enrolment.Status == learning.Withdrawn) {
		to = learnerLessonPath(lc.Slug, resumeLesson(lc))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) handleUnenrol(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	if err := s.learning.Unenrol(r.Context(), st.Tenant.ID, st.User.ID, lc.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "You have left "+lc.Content.Title+". Your progress is kept if you come back.")
	http.Redirect(w, r, "/learn", http.StatusSeeOther)
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
		s.badRequest(w, r, "The restart form is incomplete: reload the course page and try again.")
		return
	}
	if err := s.learning.Restart(r.Context(), st.Tenant.ID, st.User.ID, lc.ID, attempt); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "You restarted the course on its newest version.")
	http.Redirect(w, r, learnerCoursePath(lc.Slug), http.StatusSeeOther)
}

// badRequest answers a request no page of ours would send.
func (s *Server) badRequest(w http.ResponseWriter, r *http.Request, msg string) {
	s.errorPage(w, r, http.StatusBadRequest, "Bad request", msg)
}

// lessonProblem carries a form's problem back onto the lesson page.
type lessonProblem struct {
	block   string
	message string
	answers learning.Answers
	post    discussionDraft // a refused post in the lesson's discussion
}

// handleLesson is the course player. Only enrolled learners open lessons;
// anyone else is sent to the course page to start it.
func (s *Server) handleLesson(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	if _, err := lc.Content.Lesson(chi.URLParam(r, "key")); err != nil {
		s.notFound(w, r)
		return
	}
	if lc.Enrolment == nil || lc.Enrolment.Status == learning.Withdrawn {
		to := learnerCoursePath(lc.Slug)
		if takesPart(r, lc) {
			// A moderator who does not take the course: the lesson's discussion.
			to = learnerLessonPath(lc.Slug, chi.URLParam(r, "key")) + "/discussion"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	s.renderLesson(w, r, http.StatusOK, lc, lessonProblem{})
}

func (s *Server) renderLesson(w http.ResponseWriter, r *http.Request, status int, lc postgres.LearnerCourse, problem lessonProblem) {
	key := chi.URLParam(r, "key")
	l, err := lc.Content.Lesson(key)
	if err != nil {
		s.notFound(w, r)
		return
	}
	e := lc.Enrolment
	path := learnerLessonPath(lc.Slug, key)
	v := pages.LessonView{
		CSRF: s.csrfToken(r), CourseTitle: lc.Content.Title, CourseURL: learnerCoursePath(lc.Slug), Title: l.Title, Minutes: l.EstimatedMinutes,
		Outline: syllabus(lc, key), Percent: e.Percent, NewerVersion: e.NewerVersion(lc.PublishedVersion),
		Complete: lc.Progress.LessonComplete(key), NeedsMarking: learning.NeedsMarking(*l), DoneWhen: doneWhen(*l),
		CompleteURL: path + "/complete", BeatURL: path + "/beat", CourseDone: e.Status == learning.Completed,
		Notice: s.popFlash(r),
	}
	v.Blocks = s.playerBlocks(r, lc, l, path, v.CSRF, problem)
	prev, next := lc.Content.Neighbours(key)
	if prev != nil {
		v.PrevURL, v.PrevTitle = learnerLessonPath(lc.Slug, prev.Key), prev.Title
	}
	if next != nil {
		v.NextURL, v.NextTitle = learnerLessonPath(lc.Slug, next.Key), next.Title
	}
	if v.Discussion, err = s.lessonDiscussion(r, lc, key, problem.post); err != nil {
		s.renderError(w, r, err)
		return
	}
	p := s.page(r, l.Title+" · "+lc.Content.Title)
	p.Scripts = append(p.Scripts, s.assets.URL("js/player.js"))
	s.render(w, r, status, p, pages.LessonPage(v))
}

// playerBlocks builds a lesson's blocks for the player, with the learner's
// answers in the blocks they fill in.
func (s *Server) playerBlocks(r *http.Request, lc postgres.LearnerCourse, l *course.Lesson, path, csrf string, problem lessonProblem) []pages.PlayerBlock {
	views := s.blockViews(l.Blocks)
	out := make([]pages.PlayerBlock, len(l.Blocks))
	zone := s.viewerZone(r)
	hasManager := stateOf(r).User.ManagerID != nil
	var shared []string // the lesson's plans shared with the manager
	for i, b := range l.Blocks {
		pb := pages.PlayerBlock{BlockView: views[i]}
		resp := lc.Progress.Responses[b.Key]
		switch {
		case b.Quiz != nil:
			pb.Quiz = s.quizPlay(r, lc, b, path, csrf, problem)
		case b.Reflection != nil:
			var body postgres.ReflectionBody
			json.Unmarshal(resp.Body, &body)
			pb.Reflection = &pages.ReflectionPlay{Action: path + "/reflections/" + b.Key, CSRF: csrf, Text: body.Text,
				CanShare: hasManager, Shared: resp.Shared}
			if !resp.UpdatedAt.IsZero() && strings.TrimSpace(body.Text) != "" {
				pb.Reflection.SavedAt = resp.UpdatedAt.In(zone).Format("2 Jan 15:04")
				if b.Reflection.Example != "" {
					pb.Reflection.Example = s.md.HTML(b.Reflection.Example)
				}
			}
		case b.Writing != nil:
			var d learning.Draft
			json.Unmarshal(resp.Body, &d)
			pb.Writing = s.writingPlay(b, d, resp, path, csrf, hasManager, zone)
			if resp.Shared {
				shared = append(shared, b.Key)
			}
		case b.Checklist != nil:
			var body postgres.ChecklistBody
			json.Unmarshal(resp.Body, &body)
			cp := &pages.ChecklistPlay{Action: path + "/checklists/" + b.Key, CSRF: csrf, Saved: !resp.UpdatedAt.IsZero(),
				CanShare: hasManager, Shared: resp.Shared}
			for j, it := range b.Checklist.Items {
				item := pages.ChecklistItemPlay{Text: it.Text}
				if j < len(body.Items) {
					item.Done, item.Due = body.Items[j].Done, body.Items[j].Due
				} else if it.DueInDays > 0 {
					item.Due = lc.Enrolment.StartedAt.In(zone).AddDate(0, 0, it.DueInDays).Format(time.DateOnly)
				}
				cp.Items = append(cp.Items, item)
			}
			pb.Checklist = cp
			if resp.Shared {
				shared = append(shared, b.Key)
			}
		case b.SCORM != nil:
			pb.SCORM = &pages.SCORMPlay{Status: scormStatus(resp)}
			if before := unfinishedBefore(lc, l.Key); b.SCORM.Ordered && before != "" {
				// The package's sequencing: its activities in order.
				pb.SCORM.Locked = "Finish “" + before + "” first: this course's activities are taken in order."
				break
			}
			var err error
			if pb.SCORM.LaunchURL, err = s.scormLaunchURL(r, lc, l.Key, b.Key, b.SCORM.Package); err != nil {
				s.log.ErrorContext(r.Context(), "scorm launch", "err", err)
				pb.SCORM = nil // shown as its title: the page still works
			}
		}
		out[i] = pb
	}
	if len(shared) > 0 {
		// The manager's comments on the shared plans; the lesson is no
		// worse without them.
		comments, err := s.learning.FindPlanComments(r.Context(), stateOf(r).Tenant.ID, stateOf(r).User.ID, lc.Enrolment.ID, lc.Enrolment.Attempt, shared)
		if err != nil {
			s.log.ErrorContext(r.Context(), "plan comments", "err", err)
		}
		for _, pb := range out {
			for _, c := range comments[pb.Key] {
				pc := pages.PlanCommentPlay{Author: c.Author, Body: c.Body, When: s.localDate(r, c.At)}
				switch {
				case pb.Checklist != nil:
					pb.Checklist.Comments = append(pb.Checklist.Comments, pc)
				case pb.Writing != nil:
					pb.Writing.Comments = append(pb.Writing.Comments, pc)
				}
			}
		}
	}
	return out
}

// lessonAction runs one of the player's writes and answers: a script gets
// 204 (or a JSON note), a form goes back to the lesson at the block.
func (s *Server) lessonAction(w http.ResponseWriter, r *http.Request, block string, write func(lc postgres.LearnerCourse) error, onInvalid func(lc postgres.LearnerCourse, err error)) {
	lc, ok := s.enrolledCourse(w, r)
	if !ok {
		return
	}
	err := write(lc)
	if err != nil && apperr.Code(err) == apperr.EINVALID && onInvalid != nil {
		onInvalid(lc, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if r.Header.Get("X-Requested-With") == "fetch" {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	to := learnerLessonPath(lc.Slug, chi.URLParam(r, "key"))
	if block != "" {
		to += "#block-" + block
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) handleQuizSubmit(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	blockKey := chi.URLParam(r, "block")
	lc, ok := s.enrolledCourse(w, r)
	if !ok {
		return
	}
	l, b, err := lc.Content.Block(chi.URLParam(r, "key"), blockKey)
	if err != nil || b.Quiz == nil {
		s.notFound(w, r)
		return
	}
	quiz := b.Quiz
	number, err := strconv.Atoi(r.PostFormValue("number"))
	answers, fits := quizAnswers(r, quiz)
	if err != nil || !fits {
		s.badRequest(w, r, "These answers do not fit this quiz. Reload the lesson and answer again.")
		return
	}
	_, err = s.learning.SubmitQuiz(r.Context(), st.Tenant.ID, lc, l.Key, blockKey, number, answers)
	var ae *apperr.Error
	switch {
	case err == nil:
		http.Redirect(w, r, learnerLessonPath(lc.Slug, l.Key)+"#block-"+blockKey, http.StatusSeeOther)
	case errors.As(err, &ae) && ae.Code == apperr.EINVALID && strings.HasPrefix(ae.Field, "q"):
		// A question left unanswered: the form again, with what was chosen.
		s.renderLesson(w, r, http.StatusUnprocessableEntity, lc, lessonProblem{block: blockKey, message: ae.Message, answers: answers})
	case errors.As(err, &ae) && ae.Code == apperr.EINVALID:
		s.badRequest(w, r, ae.Message)
	default:
		s.renderError(w, r, err)
	}
}

func (s *Server) handleReflectionSave(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	block := chi.URLParam(r, "block")
	s.lessonAction(w, r, block, func(lc postgres.LearnerCourse) error {
		return s.learning.SaveReflection(r.Context(), st.Tenant.ID, lc, chi.URLParam(r, "key"), block, r.PostFormValue("text"), r.PostFormValue("share") != "")
	}, s.backToBlock(w, r, block))
}

func (s *Server) handleWritingSave(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	block := chi.URLParam(r, "block")
	s.lessonAction(w, r, block, func(lc postgres.LearnerCourse) error {
		_, b, err := lc.Content.Block(chi.URLParam(r, "key"), block)
		if err != nil || b.Writing == nil {
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Writing practice not found."}
		}
		d := learning.Draft{Text: r.PostFormValue("text")}
		for i := range b.Writing.Rubric {
			if _, sent := r.PostForm["rating"+strconv.Itoa(i)]; sent {
				d.Ratings = make([]string, len(b.Writing.Rubric))
				break
			}
		}
		for i := range d.Ratings {
			d.Ratings[i] = r.PostFormValue("rating" + strconv.Itoa(i))
		}
		return s.learning.SaveWriting(r.Context(), st.Tenant.ID, lc, chi.URLParam(r, "key"), block, d, r.PostFormValue("share") != "")
	}, s.backToBlock(w, r, block))
}

func (s *Server) handleChecklistSave(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	block := chi.URLParam(r, "block")
	s.lessonAction(w, r, block, func(lc postgres.LearnerCourse) error {
		_, b, err := lc.Content.Block(chi.URLParam(r, "key"), block)
		if err != nil || b.Checklist == nil {
			return &apperr.Error{Code: apperr.ENOTFOUND, Message: "Action plan not found."}
		}
		items := make([]postgres.ChecklistItemState, len(b.Checklist.Items))
		for i := range items {
			p := "item" + strconv.Itoa(i)
			items[i] = postgres.ChecklistItemState{Done: r.PostFormValue(p+"_done") == "on", Due: strings.TrimSpace(r.PostFormValue(p + "_due"))}
		}
		return s.learning.SaveChecklist(r.Context(), st.Tenant.ID, lc, chi.URLParam(r, "key"), block, items, r.PostFormValue("share") != "")
	}, s.backToBlock(w, r, block))
}

// backToBlock answers a refused save of a block's form: the message, on
// the lesson at the block (to a script's save, 422 and the message).
func (s *Server) backToBlock(w http.ResponseWriter, r *http.Request, block string) func(postgres.LearnerCourse, error) {
	return func(lc postgres.LearnerCourse, err error) {
		if r.Header.Get("X-Requested-With") == "fetch" {
			http.Error(w, apperr.Message(err), http.StatusUnprocessableEntity)
			return
		}
		s.flash(r, apperr.Message(err))
		http.Redirect(w, r, learnerLessonPath(lc.Slug, chi.URLParam(r, "key"))+"#block-"+block, http.StatusSeeOther)
	}
}

func (s *Server) handleMarkComplete(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	s.lessonAction(w, r, "", func(lc postgres.LearnerCourse) error {
		return s.learning.MarkComplete(r.Context(), st.Tenant.ID, lc, chi.URLParam(r, "key"))
	}, nil)
}

// handleBeat records time spent on an open lesson (see player.js).
func (s *Server) handleBeat(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lc, ok := s.enrolledCourse(w, r)
	if !ok {
		return
	}
	if err := s.learning.Heartbeat(r.Context(), st.Tenant.ID, lc, chi.URLParam(r, "key")); err != nil {
		s.renderError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	d, err := s.learning.FindDashboard(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := s.dashboardView(r, d)
	// The portal's latest events; the page is no worse without them.
	if items, err := s.activity.FindActivity(r.Context(), st.Tenant.ID, 5); err == nil {
		v.Activity = s.activityRows(r, items)
	} else {
		s.log.ErrorContext(r.Context(), "activity feed", "err", err)
	}
	s.render(w, r, http.StatusOK, s.page(r, "My learning"), pages.Dashboard(v))
}

// dashboardView sorts a learner's courses into what is assigned, in
// progress and done, with where to carry on in each: "My learning", and
// the portal's home for a signed-in person.
func (s *Server) dashboardView(r *http.Request, d postgres.Dashboard) pages.DashboardView {
	now := time.Now()
	v := pages.DashboardView{HasTeam: d.HasTeam}
	for _, c := range d.Courses {
		row := pages.DashboardCourseRow{Title: c.Title, URL: learnerCoursePath(c.Slug), Percent: c.Percent, Assigned: c.Source == string(learning.Assigned),
			ResumeTitle: c.ResumeTitle, CoverURL: fileURL(c.Cover)}
		resume := c.LastLesson
		if resume == "" {
			resume = c.FirstLesson
		}
		row.ResumeURL = row.URL
		if resume != "" {
			row.ResumeURL = learnerLessonPath(c.Slug, resume)
		}
		if c.DueAt != nil {
			row.Due, row.Overdue = s.localDate(r, *c.DueAt), c.Status == string(learning.Active) && now.After(*c.DueAt)
		}
		switch {
		case c.Status == string(learning.Completed):
			if c.CompletedAt != nil {
				row.Completed = s.localDate(r, *c.CompletedAt)
			}
			v.Completed = append(v.Completed, row)
		case row.Assigned && (c.Percent == 0 || c.DueAt != nil):
			v.Assigned = append(v.Assigned, row)
		default:
			v.InProgress = append(v.InProgress, row)
		}
	}
	for _, p := range d.Paths {
		row := pages.DashboardPathRow{Title: p.Title, URL: "/paths/" + url.PathEscape(p.Slug), Steps: p.Steps, Done: p.Done}
		if p.CompletedAt != nil {
			row.Completed = s.localDate(r, *p.CompletedAt)
		}
		v.Paths = append(v.Paths, row)
	}
	for _, c := range d.Certificates {
		v.Certificates = append(v.Certificates, pages.CertificateRow{Title: c.Title, Issued: s.localDate(r, c.IssuedAt), URL: "/certificates/" + c.Code})
	}
	zone := s.viewerZone(r)
	for _, ls := range d.Sessions {
		local := ls.StartsAt.In(zone)
		v.Sessions = append(v.Sessions, pages.HomeSessionRow{Title: ls.Title, URL: postgres.SessionURL(ls.ID),
			When: livesession.When(ls.StartsAt, ls.EndsAt, zone), Month: local.Format("Jan"), Day: local.Format("2"),
			Waitlisted: ls.Place == string(livesession.Waitlisted)})
	}
	v.PlanComments = s.myPlanCommentRows(r, d.PlanComments)
	return v
}

func (s *Server) handlePath(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lp, err := s.paths.FindLearnerPath(r.Context(), st.Tenant.ID, st.User.ID, chi.URLParam(r, "slug"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderPath(w, r, http.StatusOK, lp, "")
}

func (s *Server) renderPath(w http.ResponseWriter, r *http.Request, status int, lp postgres.LearnerPath, problem string) {
	base := "/paths/" + url.PathEscape(lp.Slug)
	v := pages.PathView{CSRF: s.csrfToken(r), URL: base, Title: lp.Title, Summary: lp.Summary, Description: s.md.HTML(lp.Description),
		Minutes: lp.Minutes(), Enrolled: lp.Enrolled, Percent: lp.Percent(), Notice: s.popFlash(r), Error: problem}
	if lp.CompletedAt != nil {
		v.Completed = s.localDate(r, *lp.CompletedAt)
	}
	for i, st := range lp.Steps {
		state := lp.States[i]
		sv := pages.PathStepView{Number: i + 1, Title: st.CourseTitle, Summary: st.CourseSummary, Minutes: st.EstimatedMinutes,
			Done: state.Done, Percent: lp.Percents[i], Open: state.Open}
		if st.CourseStatus == "published" {
			sv.URL = learnerCoursePath(st.CourseSlug)
		}
		if st.SessionID != 0 {
			// A live session: attending it completes the step.
			sv.Title, sv.URL = "Live session: "+st.SessionTitle, postgres.SessionURL(st.SessionID)
			sv.Summary = livesession.When(st.SessionStart, st.SessionEnd, s.viewerZone(r))
			if st.SessionStatus == string(livesession.Cancelled) {
				sv.Summary += " (cancelled)"
			}
			sv.Minutes = int(st.SessionEnd.Sub(st.SessionStart).Minutes())
		}
		switch {
		case !state.Open:
			sv.UnlockSay = "Opens when you complete " + lp.Steps[i-1].Title() + "."
		case st.SessionID != 0:
			// Registered for on the session's page.
		case lp.Enrolled && !state.Done && lp.Percents[i] == 0 && sv.URL != "":
			sv.StartURL = base + "/steps/" + strconv.Itoa(i+1) + "/start"
		}
		v.Steps = append(v.Steps, sv)
	}
	v.Self = s.selfAssessmentView(lp, base)
	s.render(w, r, status, s.page(r, lp.Title), pages.PathPage(v))
}

// selfAssessmentView is what the path page shows of its self-assessment:
// the start's form once the learner has started the path, the end's once
// they have completed it, then the change.
func (s *Server) selfAssessmentView(lp postgres.LearnerPath, base string) *pages.SelfAssessmentView {
	sa := lp.SelfAssessment
	if sa == nil || !lp.Enrolled {
		return nil
	}
	before, after := lp.SelfRatings[course.PhaseStart], lp.SelfRatings[course.PhaseEnd]
	v := &pages.SelfAssessmentView{Action: base + "/self-assessment", Intro: s.md.HTML(sa.Intro)}
	switch {
	case before == nil:
		v.Phase = course.PhaseStart
	case lp.CompletedAt != nil && after == nil:
		v.Phase = course.PhaseEnd
	case after != nil:
		v.Done = true
	}
	for i, st := range sa.Items {
		it := pages.SelfItemView{Field: "item" + strconv.Itoa(i), Statement: st}
		if i < len(before) {
			it.Before = before[i]
		}
		if i < len(after) {
			it.After = after[i]
		}
		v.Items = append(v.Items, it)
	}
	return v
}

// handlePathSelfRate keeps the learner's self-assessment of a phase.
func (s *Server) handlePathSelfRate(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	slug := chi.URLParam(r, "slug")
	// The form says how many statements it showed; one left unrated is 0,
	// which the rule refuses by its number.
	count, _ := strconv.Atoi(r.PostFormValue("items"))
	ratings := make([]int, min(max(count, 0), 12))
	for i := range ratings {
		ratings[i], _ = strconv.Atoi(r.PostFormValue("item" + strconv.Itoa(i)))
	}
	err := s.paths.RateSelf(r.Context(), st.Tenant.ID, st.User.ID, slug, r.PostFormValue("phase"), ratings)
	if apperr.Code(err) == apperr.EINVALID {
		lp, ferr := s.paths.FindLearnerPath(r.Context(), st.Tenant.ID, st.User.ID, slug)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return
		}
		s.renderPath(w, r, http.StatusUnprocessableEntity, lp, apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your ratings are saved.")
	http.Redirect(w, r, "/paths/"+url.PathEscape(slug), http.StatusSeeOther)
}

func (s *Server) handlePathStart(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	lp, err := s.paths.FindLearnerPath(r.Context(), st.Tenant.ID, st.User.ID, chi.URLParam(r, "slug"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.paths.StartPath(r.Context(), st.Tenant.ID, st.User.ID, lp.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, "/paths/"+url.PathEscape(lp.Slug), http.StatusSeeOther)
}

// handleStepStart starts an open step's course and opens it; a locked step
// says what opens it.
func (s *Server) handleStepStart(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	n, err := strconv.Atoi(chi.URLParam(r, "step"))
	if err != nil || n < 1 {
		s.notFound(w, r)
		return
	}
	slug := chi.URLParam(r, "slug")
	courseSlug, err := s.paths.StartStep(r.Context(), st.Tenant.ID, st.User.ID, slug, n-1)
	if code := apperr.Code(err); code == apperr.ECONFLICT || code == apperr.EFORBIDDEN {
		lp, ferr := s.paths.FindLearnerPath(r.Context(), st.Tenant.ID, st.User.ID, slug)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return
		}
		s.renderPath(w, r, apperr.HTTPStatus(code), lp, apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, learnerCoursePath(courseSlug), http.StatusSeeOther)
}

// unfinishedBefore is the title of the first lesson before key that the
// learner has not completed, or "".
func unfinishedBefore(lc postgres.LearnerCourse, key string) string {
	for _, l := range lc.Content.Lessons() {
		if l.Key == key {
			return ""
		}
		if !lc.Progress.LessonComplete(l.Key) {
			return l.Title
		}
	}
	return ""
}

// doneWhen says what completes a lesson with activities.
func doneWhen(l course.Lesson) string {
	var todo []string
	seen := map[course.Kind]bool{}
	for _, b := range l.Blocks {
		if !learning.Required(b) || seen[b.Kind] {
			continue
		}
		seen[b.Kind] = true
		switch b.Kind {
		case course.KindReflection:
			todo = append(todo, "answered the reflection")
		case course.KindQuiz:
			todo = append(todo, "passed the quiz")
		case course.KindWriting:
			todo = append(todo, "written and checked your draft")
		case course.KindSCORM:
			todo = append(todo, "finished the activity")
		}
	}
	switch len(todo) {
	case 0:
		return ""
	case 1:
		return "The lesson is complete when you have " + todo[0] + "."
	}
	return "The lesson is complete when you have " + strings.Join(todo[:len(todo)-1], ", ") + " and " + todo[len(todo)-1] + "."
}
