package server

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/discussion"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// discussionViewer is the signed-in person as discussions see them.
func discussionViewer(r *http.Request) postgres.Viewer {
	st := stateOf(r)
	return postgres.Viewer{UserID: st.User.ID, Moderator: access.Allow(st.Actor, access.ModerateDiscussions)}
}

// discussionDraft is a post the service refused, back in its form.
type discussionDraft struct {
	body   string
	parent int64
	err    string
}

// takesPart reports whether the viewer sees the course's discussions:
// enrolled in it, or moderating.
func takesPart(r *http.Request, lc postgres.LearnerCourse) bool {
	return (lc.Enrolment != nil && lc.Enrolment.Status != learning.Withdrawn) || discussionViewer(r).Moderator
}

// discussionView reads a thread and builds its view.
func (s *Server) discussionView(r *http.Request, ref postgres.ThreadRef, heading, postURL string, draft discussionDraft) (*pages.DiscussionView, error) {
	v := discussionViewer(r)
	posts, err := s.discussions.FindThread(r.Context(), stateOf(r).Tenant.ID, v, ref)
	if err != nil {
		return nil, err
	}
	dv := &pages.DiscussionView{Heading: heading, CSRF: s.csrfToken(r), PostURL: postURL, Moderator: v.Moderator,
		YourHandle: discussion.Handle(stateOf(r).User.Name), Body: draft.body, Parent: draft.parent, Error: draft.err}
	now := time.Now()
	for _, p := range posts {
		pv := s.postView(r, v, p, now)
		pv.MayReply = !p.Deleted
		for _, reply := range p.Replies {
			rv := s.postView(r, v, reply, now)
			rv.IsReply = true
			pv.Replies = append(pv.Replies, rv)
		}
		dv.Posts = append(dv.Posts, pv)
	}
	return dv, nil
}

func (s *Server) postView(r *http.Request, v postgres.Viewer, p postgres.Post, now time.Time) pages.DiscussionPost {
	mine := p.AuthorID == v.UserID
	return pages.DiscussionPost{
		ID: p.ID, Anchor: discussion.Anchor(p.ID), Author: p.AuthorName, Handle: discussion.Handle(p.AuthorName), Body: s.md.HTML(p.Body),
		Posted: s.localTime(r, p.CreatedAt), PostedISO: p.CreatedAt.UTC().Format(time.RFC3339),
		Edited: p.EditedAt != nil, Deleted: p.Deleted, Hidden: p.Hidden, Pinned: p.Pinned,
		Helpful: p.Helpful, HelpfulByMe: p.HelpfulByMe, Reported: p.ReportedByMe, OpenReports: p.OpenReports,
		MayEdit: mine && !p.Deleted && discussion.MayEdit(p.CreatedAt, now), MayDelete: mine && !p.Deleted, MayReact: !mine && !p.Deleted,
	}
}

// localTime shows a moment as a date and time in the viewer's time zone.
func (s *Server) localTime(r *http.Request, t time.Time) string {
	return t.In(s.viewerZone(r)).Format("2 January 2006, 15:04")
}

// courseDiscussion is the course's own thread for its page, or nil for
// those who do not take part.
func (s *Server) courseDiscussion(r *http.Request, lc postgres.LearnerCourse, draft discussionDraft) (*pages.DiscussionView, error) {
	if !takesPart(r, lc) {
		return nil, nil
	}
	dv, err := s.discussionView(r, postgres.ThreadRef{CourseID: lc.ID}, "Course discussion", learnerCoursePath(lc.Slug)+"/posts", draft)
	if err != nil || !dv.Moderator {
		return dv, err
	}
	for _, l := range lc.Content.Lessons() {
		dv.Lessons = append(dv.Lessons, pages.LinkView{Label: l.Title, URL: learnerLessonPath(lc.Slug, l.Key) + "/discussion"})
	}
	return dv, nil
}

// lessonDiscussion is a lesson's thread.
func (s *Server) lessonDiscussion(r *http.Request, lc postgres.LearnerCourse, key string, draft discussionDraft) (*pages.DiscussionView, error) {
	return s.discussionView(r, postgres.ThreadRef{CourseID: lc.ID, Lesson: key}, "Discussion", learnerLessonPath(lc.Slug, key)+"/posts", draft)
}

// postForm reads a new post's form: its text and the post it answers.
func postForm(r *http.Request) (discussionDraft, bool) {
	d := discussionDraft{body: r.PostFormValue("body")}
	if p := r.PostFormValue("parent"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return d, false
		}
		d.parent = id
	}
	return d, true
}

// fieldError is the message of a form's one field problem.
func fieldError(err error, field string) (string, bool) {
	fields, ok := apperr.FieldsOf(err)
	if !ok {
		return "", false
	}
	return fields[field], true
}

func (s *Server) handleCoursePost(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	d, ok := postForm(r)
	if !ok {
		s.badRequest(w, r, "This form does not fit the discussion. Reload the page and try again.")
		return
	}
	place, err := s.discussions.CreatePost(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), postgres.ThreadRef{CourseID: lc.ID}, d.parent, d.body)
	if msg, invalid := fieldError(err, "body"); invalid {
		d.err = msg
		s.renderCourse(w, r, http.StatusUnprocessableEntity, lc, d)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, place.Path(), http.StatusSeeOther)
}

func (s *Server) handleLessonPost(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	key := chi.URLParam(r, "key")
	if _, err := lc.Content.Lesson(key); err != nil {
		s.notFound(w, r)
		return
	}
	d, ok := postForm(r)
	if !ok {
		s.badRequest(w, r, "This form does not fit the discussion. Reload the page and try again.")
		return
	}
	place, err := s.discussions.CreatePost(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), postgres.ThreadRef{CourseID: lc.ID, Lesson: key}, d.parent, d.body)
	if msg, invalid := fieldError(err, "body"); invalid {
		d.err = msg
		if lc.Enrolment != nil && lc.Enrolment.Status != learning.Withdrawn {
			s.renderLesson(w, r, http.StatusUnprocessableEntity, lc, lessonProblem{post: d})
		} else {
			s.renderLessonDiscussion(w, r, http.StatusUnprocessableEntity, lc, d)
		}
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, place.Path(), http.StatusSeeOther)
}

// handleLessonDiscussion shows a lesson's thread on its own, for
// moderators who do not take the course (the lesson page shows it to
// learners).
func (s *Server) handleLessonDiscussion(w http.ResponseWriter, r *http.Request) {
	lc, ok := s.learnerCourse(w, r)
	if !ok {
		return
	}
	if _, err := lc.Content.Lesson(chi.URLParam(r, "key")); err != nil || !takesPart(r, lc) {
		s.notFound(w, r)
		return
	}
	s.renderLessonDiscussion(w, r, http.StatusOK, lc, discussionDraft{})
}

func (s *Server) renderLessonDiscussion(w http.ResponseWriter, r *http.Request, status int, lc postgres.LearnerCourse, d discussionDraft) {
	key := chi.URLParam(r, "key")
	l, err := lc.Content.Lesson(key)
	if err != nil {
		s.notFound(w, r)
		return
	}
	dv, err := s.lessonDiscussion(r, lc, key, d)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.LessonDiscussionView{CourseTitle: lc.Content.Title, CourseURL: learnerCoursePath(lc.Slug), LessonTitle: l.Title,
		Notice: s.popFlash(r), Discussion: *dv}
	s.render(w, r, status, s.page(r, "Discussion · "+l.Title), pages.LessonDiscussionPage(v))
}

// postID reads the URL's post ID; anything else has been answered 404.
func (s *Server) postID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	return s.idParam(w, r, "id")
}

func (s *Server) handlePostEditShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	p, place, err := s.discussions.FindPost(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), id)
	if err == nil && p.AuthorID != stateOf(r).User.ID {
		err = apperr.Errorf(apperr.EFORBIDDEN, "Only its author may change a post.")
	}
	if err == nil && !discussion.MayEdit(p.CreatedAt, time.Now()) {
		err = apperr.Errorf(apperr.EFORBIDDEN, "A post can be changed for 15 minutes after it is posted; this one can no longer be.")
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderPostEdit(w, r, http.StatusOK, id, place, p.Body, "")
}

func (s *Server) renderPostEdit(w http.ResponseWriter, r *http.Request, status int, id int64, place postgres.PostPlace, body, errMsg string) {
	v := pages.PostFormView{Heading: "Edit your post", CSRF: s.csrfToken(r), Action: "/posts/" + strconv.FormatInt(id, 10) + "/edit",
		BackURL: place.Path(), Field: "body", Label: "Your post", Value: body, Error: errMsg, Submit: "Save", MaxChars: discussion.MaxBody,
		Hint: "Markdown works. A post can be changed for 15 minutes after it is posted, and then shows it was edited."}
	s.render(w, r, status, s.page(r, "Edit your post"), pages.PostFormPage(v))
}

func (s *Server) handlePostEdit(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	body := r.PostFormValue("body")
	place, err := s.discussions.EditPost(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), id, body)
	if msg, invalid := fieldError(err, "body"); invalid {
		// The post exists and is the viewer's: the service checked before the text.
		_, place, _ := s.discussions.FindPost(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), id)
		s.renderPostEdit(w, r, http.StatusUnprocessableEntity, id, place, body, msg)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, place.Path(), http.StatusSeeOther)
}

func (s *Server) handlePostDelete(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, "Your post is deleted.", func(v postgres.Viewer, id int64) (postgres.PostPlace, error) {
		return s.discussions.DeletePost(r.Context(), stateOf(r).Tenant.ID, v, id)
	})
}

func (s *Server) handlePostHelpful(w http.ResponseWriter, r *http.Request) {
	s.postAction(w, r, "", func(v postgres.Viewer, id int64) (postgres.PostPlace, error) {
		return s.discussions.ToggleHelpful(r.Context(), stateOf(r).Tenant.ID, v, id)
	})
}

func (s *Server) handlePostPin(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ModerateDiscussions) {
		return
	}
	s.postAction(w, r, "", func(v postgres.Viewer, id int64) (postgres.PostPlace, error) {
		return s.discussions.SetPinned(r.Context(), stateOf(r).Tenant.ID, v, id, r.PostFormValue("pinned") == "true")
	})
}

func (s *Server) handlePostHide(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ModerateDiscussions) {
		return
	}
	hide := r.PostFormValue("hidden") == "true"
	notice := "The post is shown to learners again."
	if hide {
		notice = "The post is hidden from learners."
	}
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	place, err := s.discussions.SetHidden(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), id, hide)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, notice)
	to := place.Path()
	if r.PostFormValue("back") == "queue" && access.Allow(stateOf(r).Actor, access.ReviewReports) {
		to = "/admin/discussions"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// postAction runs one change to a post and goes back to it.
func (s *Server) postAction(w http.ResponseWriter, r *http.Request, notice string, change func(postgres.Viewer, int64) (postgres.PostPlace, error)) {
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	place, err := change(discussionViewer(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if notice != "" {
		s.flash(r, notice)
	}
	http.Redirect(w, r, place.Path(), http.StatusSeeOther)
}

func (s *Server) handlePostReportShow(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	p, place, err := s.discussions.FindPost(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderPostReport(w, r, http.StatusOK, p, place, "", "")
}

func (s *Server) renderPostReport(w http.ResponseWriter, r *http.Request, status int, p postgres.Post, place postgres.PostPlace, reason, errMsg string) {
	v := pages.PostFormView{Heading: "Report a post", CSRF: s.csrfToken(r), Action: "/posts/" + strconv.FormatInt(p.ID, 10) + "/report",
		BackURL: place.Path(), Author: p.AuthorName, Body: s.md.HTML(p.Body), Field: "reason", Label: "Why should a moderator look at this post?",
		Hint: "The portal's moderators see your name and your reason; the post's author does not.", Value: reason, Error: errMsg,
		Submit: "Report the post", MaxChars: discussion.MaxReason}
	s.render(w, r, status, s.page(r, "Report a post"), pages.PostFormPage(v))
}

func (s *Server) handlePostReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	st := stateOf(r)
	reason := r.PostFormValue("reason")
	place, err := s.discussions.ReportPost(r.Context(), st.Tenant.ID, discussionViewer(r), id, reason)
	if msg, invalid := fieldError(err, "reason"); invalid {
		p, place, err := s.discussions.FindPost(r.Context(), st.Tenant.ID, discussionViewer(r), id)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.renderPostReport(w, r, http.StatusUnprocessableEntity, p, place, reason, msg)
		return
	}
	switch apperr.Code(err) {
	case "":
		s.flash(r, "Thank you: the moderators will look at the post.")
	case apperr.ECONFLICT:
		s.flash(r, apperr.Message(err))
	default:
		s.renderError(w, r, err)
		return
	}
	http.Redirect(w, r, place.Path(), http.StatusSeeOther)
}

// reportQueueLimit is how many reported posts the queue shows at once.
const reportQueueLimit = 100

func (s *Server) handleModerationQueue(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ReviewReports) {
		return
	}
	posts, err := s.discussions.FindReportedPosts(r.Context(), stateOf(r).Tenant.ID, reportQueueLimit)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.ModerationView{CSRF: s.csrfToken(r), Notice: s.popFlash(r)}
	for _, p := range posts {
		rv := pages.ReportedPostView{ID: p.ID, Author: p.AuthorName, Body: s.md.HTML(p.Body), Posted: s.localTime(r, p.CreatedAt),
			Hidden: p.Hidden, CourseTitle: p.CourseTitle, Where: "the course's discussion", URL: p.Place.Path()}
		if p.Place.Lesson != "" {
			rv.Where = "a lesson's discussion"
		}
		for _, rep := range p.Reports {
			rv.Reports = append(rv.Reports, pages.PostReportView{Reporter: rep.ReporterName, Reason: rep.Reason, When: s.localTime(r, rep.At)})
		}
		v.Posts = append(v.Posts, rv)
	}
	s.render(w, r, http.StatusOK, s.page(r, "Reported posts"), pages.ModerationQueue(v))
}

func (s *Server) handleReportsDismiss(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ReviewReports) {
		return
	}
	id, ok := s.postID(w, r)
	if !ok {
		return
	}
	if _, err := s.discussions.DismissReports(r.Context(), stateOf(r).Tenant.ID, discussionViewer(r), id); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "The reports are dismissed; the post stays as it is.")
	http.Redirect(w, r, "/admin/discussions", http.StatusSeeOther)
}

// activityRows turns feed items into rows.
func (s *Server) activityRows(r *http.Request, items []postgres.ActivityItem) []pages.ActivityRow {
	out := make([]pages.ActivityRow, 0, len(items))
	for _, a := range items {
		row := pages.ActivityRow{Person: a.PersonName, Title: a.Title, When: s.localDate(r, a.At)}
		switch {
		case a.Slug == "":
		case a.Kind == "path":
			row.URL = "/paths/" + url.PathEscape(a.Slug)
		default:
			row.URL = learnerCoursePath(a.Slug)
		}
		out = append(out, row)
	}
	return out
}

// activityPageSize is how many events the feed page shows.
const activityPageSize = 50

func (s *Server) handleActivity(w http.ResponseWriter, r *http.Request) {
	items, err := s.activity.FindActivity(r.Context(), stateOf(r).Tenant.ID, activityPageSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, s.page(r, "Activity"), pages.ActivityPage(pages.ActivityView{Items: s.activityRows(r, items)}))
}

func (s *Server) handleActivityOptOut(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	hide := r.PostFormValue("hide_activity") == "on"
	if err := s.activity.SetHidesActivity(r.Context(), st.Tenant.ID, st.User.ID, hide); err != nil {
		s.renderError(w, r, err)
		return
	}
	if hide {
		s.flash(r, "Your activity is no longer shown in the activity feed.")
	} else {
		s.flash(r, "Your completions are shown in the activity feed.")
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
