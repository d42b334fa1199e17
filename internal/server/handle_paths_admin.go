package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// courseChoices are the portal's courses for a drop-down, leaving out the
// slugs in skip.
func (s *Server) courseChoices(r *http.Request, skip []string) ([]components.Option, error) {
	recs, err := s.courses.FindCourses(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		return nil, err
	}
	var out []components.Option
	for _, c := range recs {
		if c.Status != "archived" && !slices.Contains(skip, c.Slug) {
			out = append(out, components.Option{Value: c.Slug, Label: c.Title})
		}
	}
	return out, nil
}

func (s *Server) handleAdminPaths(w http.ResponseWriter, r *http.Request) {
	s.renderAdminPaths(w, r, http.StatusOK, pages.AdminPathsView{Notice: s.popFlash(r)})
}

func (s *Server) renderAdminPaths(w http.ResponseWriter, r *http.Request, status int, v pages.AdminPathsView) {
	paths, err := s.paths.FindPaths(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if v.Courses, err = s.courseChoices(r, nil); err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(r)
	for _, p := range paths {
		v.Paths = append(v.Paths, pages.AdminPathRow{ID: p.ID, Title: p.Title, Slug: p.Slug, Status: p.Status, Steps: p.Steps})
	}
	s.render(w, r, status, s.page(r, "Learning paths"), pages.AdminPaths(v))
}

func (s *Server) handleAdminPathCreate(w http.ResponseWriter, r *http.Request) {
	p := course.Path{Title: strings.TrimSpace(r.PostFormValue("title")), Slug: strings.TrimSpace(r.PostFormValue("slug")),
		Steps: []course.PathStep{{Course: r.PostFormValue("course"), Unlock: course.Free}}}
	errs := map[string]string{}
	for _, pr := range course.CheckPath(p, nil) {
		field := strings.SplitN(pr.Path, "[", 2)[0]
		if _, seen := errs[field]; !seen {
			errs[field] = pathSentence(pr.Message)
		}
	}
	rec, err := postgres.PathRecord{}, error(nil)
	if len(errs) == 0 {
		rec, err = s.paths.CreatePath(r.Context(), stateOf(r).Tenant.ID, p, "", false, s.auditActor(r))
		switch apperr.Code(err) {
		case "":
		case apperr.ECONFLICT:
			errs["slug"] = "Another path has this address; choose another."
		case apperr.EINVALID:
			errs["steps"] = "Choose a course of this portal."
		default:
			s.renderError(w, r, err)
			return
		}
	}
	if len(errs) > 0 {
		s.renderAdminPaths(w, r, http.StatusUnprocessableEntity, pages.AdminPathsView{Title: p.Title, Slug: p.Slug, Errors: errs})
		return
	}
	http.Redirect(w, r, "/admin/paths/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}

func pathSentence(msg string) string {
	if msg == "" {
		return ""
	}
	return strings.ToUpper(msg[:1]) + msg[1:] + "."
}

func (s *Server) handleAdminPath(w http.ResponseWriter, r *http.Request) {
	s.renderAdminPath(w, r, http.StatusOK, pages.AdminPathView{Notice: s.popFlash(r)})
}

func (s *Server) renderAdminPath(w http.ResponseWriter, r *http.Request, status int, v pages.AdminPathView) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	p, err := s.paths.FindPathByID(r.Context(), stateOf(r).Tenant.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var used []string
	var usedSessions []int64
	for _, st := range p.Steps {
		title := st.CourseTitle
		if st.SessionID != 0 {
			usedSessions = append(usedSessions, st.SessionID)
			title = "Live session: " + st.SessionTitle + " (" + livesession.When(st.SessionStart, st.SessionEnd, s.viewerZone(r)) + ")"
		} else {
			used = append(used, st.CourseSlug)
		}
		v.Steps = append(v.Steps, pages.AdminPathStep{Course: st.Key(), Title: title, AfterPrevious: st.Unlock == course.AfterPrevious})
	}
	if v.Courses, err = s.courseChoices(r, used); err != nil {
		s.renderError(w, r, err)
		return
	}
	if access.Allow(stateOf(r).Actor, access.ScheduleSessions) {
		sessions, err := s.liveSessions.FindSessionChoices(r.Context(), stateOf(r).Tenant.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, ls := range sessions {
			if !slices.Contains(usedSessions, ls.ID) {
				v.Sessions = append(v.Sessions, components.Option{Value: strconv.FormatInt(ls.ID, 10),
					Label: ls.Title + " (" + livesession.When(ls.Start, ls.End, s.viewerZone(r)) + ")"})
			}
		}
	}
	if v.Users, v.Groups, err = s.assigneeChoices(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF, v.ID, v.Slug, v.Status = s.csrfToken(r), p.ID, p.Slug, p.Status
	if v.Errors == nil && v.Error == "" {
		v.Title, v.Summary, v.Description = p.Title, p.Summary, p.Description
		if sa := p.SelfAssessment; sa != nil {
			v.SelfIntro, v.SelfItems = sa.Intro, strings.Join(sa.Items, "\n")
		}
	}
	p2 := s.editorPage(r, p.Title)
	s.render(w, r, status, p2, pages.AdminPath(v))
}

// editPath applies one change to the URL's path and goes back to its
// editor; a change the path's rules refuse is shown there, changing nothing.
func (s *Server) editPath(w http.ResponseWriter, r *http.Request, edit func(p *course.Path) error) {
	s.editPathForm(w, r, pages.AdminPathView{}, edit)
}

// editPathForm is editPath for a form of the path's details: the path's
// own rules (course.CheckPath) refuse bad input, and the form comes back
// with the message beside its field.
func (s *Server) editPathForm(w http.ResponseWriter, r *http.Request, form pages.AdminPathView, edit func(p *course.Path) error) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	_, err := s.paths.EditPath(r.Context(), stateOf(r).Tenant.ID, id, s.auditActor(r), edit)
	if apperr.Code(err) == apperr.EINVALID {
		fields, _ := apperr.FieldsOf(err)
		for f, msg := range fields {
			if strings.HasPrefix(f, "self_assessment") {
				fields = apperr.Fields{"self_items": msg} // the statements' box
			}
		}
		if fields["title"] != "" || fields["summary"] != "" || fields["self_items"] != "" {
			form.Errors = fields
		} else {
			form.Error = apperr.Message(err)
		}
		s.renderAdminPath(w, r, http.StatusUnprocessableEntity, form)
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
	http.Redirect(w, r, "/admin/paths/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) handleAdminPathSave(w http.ResponseWriter, r *http.Request) {
	title, summary, desc := strings.TrimSpace(r.PostFormValue("title")), strings.TrimSpace(r.PostFormValue("summary")), r.PostFormValue("description")
	intro, items := strings.TrimSpace(r.PostFormValue("self_intro")), r.PostFormValue("self_items")
	form := pages.AdminPathView{Title: title, Summary: summary, Description: desc, SelfIntro: intro, SelfItems: items}
	s.editPathForm(w, r, form, func(p *course.Path) error {
		p.Title, p.Summary, p.Description = title, summary, desc
		// One statement a line; none at all removes the self-assessment.
		// Learners' earlier ratings stay with the path.
		p.SelfAssessment = nil
		var statements []string
		for _, line := range strings.Split(items, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				statements = append(statements, line)
			}
		}
		if len(statements) > 0 {
			p.SelfAssessment = &course.SelfAssessment{Intro: intro, Items: statements}
		}
		return nil
	})
}

// stepIndex finds the URL's step (named by its key: its course's slug,
// or session:ID).
func stepIndex(r *http.Request, p *course.Path) (int, error) {
	key := chi.URLParam(r, "course")
	for i, st := range p.Steps {
		if st.Key() == key {
			return i, nil
		}
	}
	return -1, &apperr.Error{Code: apperr.ENOTFOUND, Message: "Step not found."}
}

func (s *Server) handleAdminStepAdd(w http.ResponseWriter, r *http.Request) {
	unlock := course.Free
	if r.PostFormValue("after_previous") != "" || r.PostFormValue("after_previous_session") != "" {
		unlock = course.AfterPrevious
	}
	step := course.PathStep{Course: r.PostFormValue("course"), Unlock: unlock}
	if v := r.PostFormValue("session"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.renderAdminPath(w, r, http.StatusUnprocessableEntity, pages.AdminPathView{Error: "Choose a live session."})
			return
		}
		step = course.PathStep{Session: id, Unlock: unlock}
	}
	s.editPath(w, r, func(p *course.Path) error {
		p.Steps = append(p.Steps, step)
		return nil
	})
}

func (s *Server) handleAdminStepMove(w http.ResponseWriter, r *http.Request) {
	s.editPath(w, r, func(p *course.Path) error {
		i, err := stepIndex(r, p)
		if err != nil {
			return err
		}
		to, err := strconv.Atoi(r.PostFormValue("to"))
		if err != nil {
			return &apperr.Error{Code: apperr.EINVALID, Field: "to", Message: "Say where to move the step."}
		}
		to = max(0, min(to, len(p.Steps)-1))
		st := p.Steps[i]
		p.Steps = slices.Insert(slices.Delete(p.Steps, i, i+1), to, st)
		return nil
	})
}

func (s *Server) handleAdminStepUnlock(w http.ResponseWriter, r *http.Request) {
	s.editPath(w, r, func(p *course.Path) error {
		i, err := stepIndex(r, p)
		if err != nil {
			return err
		}
		p.Steps[i].Unlock = course.Unlock(r.PostFormValue("unlock"))
		return nil
	})
}

func (s *Server) handleAdminStepDelete(w http.ResponseWriter, r *http.Request) {
	s.editPath(w, r, func(p *course.Path) error {
		i, err := stepIndex(r, p)
		if err != nil {
			return err
		}
		p.Steps = slices.Delete(p.Steps, i, i+1)
		return nil
	})
}

func (s *Server) handleAdminPathStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	err := s.paths.SetPathStatus(r.Context(), stateOf(r).Tenant.ID, id, r.PostFormValue("status"), s.auditActor(r))
	if apperr.Code(err) == apperr.EINVALID {
		s.renderAdminPath(w, r, http.StatusUnprocessableEntity, pages.AdminPathView{Error: apperr.Message(err)})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Path "+r.PostFormValue("status")+".")
	http.Redirect(w, r, "/admin/paths/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// The learners of a course: how people join, assignment, who is taking it.

func (s *Server) handleCourseLearners(w http.ResponseWriter, r *http.Request) {
	s.renderCourseLearners(w, r, http.StatusOK, pages.CourseLearnersView{Notice: s.popFlash(r)})
}

func (s *Server) renderCourseLearners(w http.ResponseWriter, r *http.Request, status int, v pages.CourseLearnersView) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	tid := stateOf(r).Tenant.ID
	es, err := s.learning.FindEnrolmentSettings(r.Context(), tid, rec.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	learners, err := s.learning.FindCourseLearners(r.Context(), tid, rec.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF, v.CourseID, v.Title, v.Published = s.csrfToken(r), rec.ID, rec.Title, rec.Status == "published"
	v.SelfEnrol, v.Code = es.SelfEnrol, es.Code
	if access.Allow(stateOf(r).Actor, access.ViewReports) {
		v.ReportURL = "/admin/reports/courses/" + strconv.FormatInt(rec.ID, 10)
	}
	if v.Users, v.Groups, err = s.assigneeChoices(r); err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, l := range learners {
		row := pages.CourseLearnerRow{Name: l.Name, Email: l.Email, Status: l.Status, Source: l.Source, Percent: l.Percent}
		if l.DueAt != nil {
			row.Due = s.localDate(r, *l.DueAt)
		}
		if l.CompletedAt != nil {
			row.Completed = s.localDate(r, *l.CompletedAt)
		}
		v.Learners = append(v.Learners, row)
	}
	s.render(w, r, status, s.page(r, "Learners: "+rec.Title), pages.CourseLearners(v))
}

func (s *Server) handleCourseEnrolment(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	err := s.learning.SetEnrolment(r.Context(), stateOf(r).Tenant.ID, rec.ID, r.PostFormValue("self_enrol") != "",
		r.PostFormValue("new_code") != "", r.PostFormValue("remove_code") != "", s.auditActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Saved how people join the course.")
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10)+"/learners", http.StatusSeeOther)
}

// assigneeChoices are the active people and the groups to assign to, with
// what the form posted still chosen.
func (s *Server) assigneeChoices(r *http.Request) (users, groups []components.Option, err error) {
	tid := stateOf(r).Tenant.ID
	us, err := s.users.FindUsers(r.Context(), tid, 1000)
	if err != nil {
		return nil, nil, err
	}
	gs, err := s.groups.FindGroups(r.Context(), tid)
	if err != nil {
		return nil, nil, err
	}
	chosen := r.PostForm["users"]
	for _, u := range us {
		if u.Status == "active" {
			id := strconv.FormatInt(u.ID, 10)
			users = append(users, components.Option{Value: id, Label: u.Name + " (" + u.Email + ")", Selected: slices.Contains(chosen, id)})
		}
	}
	groups = append(groups, components.Option{Value: "", Label: "No group"})
	for _, g := range gs {
		id := strconv.FormatInt(g.ID, 10)
		groups = append(groups, components.Option{Value: id, Label: g.Name, Selected: r.PostFormValue("group") == id})
	}
	return users, groups, nil
}

// assignmentForm reads an assignment form: people, a group, a due date
// (the end of that day in the admin's time zone).
func (s *Server) assignmentForm(r *http.Request) (postgres.Assignment, map[string]string) {
	var a postgres.Assignment
	errs := map[string]string{}
	for _, v := range r.PostForm["users"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs["users"] = "Choose people from the list."
			break
		}
		a.UserIDs = append(a.UserIDs, id)
	}
	if g := r.PostFormValue("group"); g != "" {
		id, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			errs["group"] = "Choose a group from the list."
		}
		a.GroupID = id
	}
	if due := strings.TrimSpace(r.PostFormValue("due")); due != "" {
		d, err := time.ParseInLocation(time.DateOnly, due, s.viewerZone(r))
		if err != nil {
			errs["due"] = "Give the due date as a date, like 2026-12-31."
		} else {
			end := d.AddDate(0, 0, 1).Add(-time.Second) // due by the end of that day
			a.DueAt = &end
		}
	}
	return a, errs
}

// assign runs an assignment and says how it went: done (redirected), or
// the problems to show on the form (field -> message; "" for the page).
func (s *Server) assign(w http.ResponseWriter, r *http.Request, a postgres.Assignment, errs map[string]string, back string) (map[string]string, int) {
	if len(errs) > 0 {
		return errs, http.StatusUnprocessableEntity
	}
	n, err := s.learning.Assign(r.Context(), stateOf(r).Tenant.ID, a, s.auditActor(r))
	var ae *apperr.Error
	switch {
	case err == nil:
		s.flash(r, "Assigned. "+strconv.Itoa(n)+" people newly enrolled.")
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil, 0
	case asAppErr(err, &ae) && (ae.Code == apperr.EINVALID || ae.Code == apperr.ECONFLICT):
		field := ae.Field
		if field == "" || field == "course" || field == "seats" {
			field = ""
		}
		return map[string]string{field: ae.Message}, apperr.HTTPStatus(ae.Code)
	default:
		s.renderError(w, r, err)
		return nil, 0
	}
}

func (s *Server) handleCourseAssign(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	a, errs := s.assignmentForm(r)
	a.CourseID = rec.ID
	problems, status := s.assign(w, r, a, errs, "/admin/courses/"+strconv.FormatInt(rec.ID, 10)+"/learners")
	if problems == nil {
		return
	}
	v := pages.CourseLearnersView{Errors: problems, Due: r.PostFormValue("due"), Error: problems[""]}
	if v.Error == "" {
		v.Error = "Please correct the highlighted fields."
	}
	s.renderCourseLearners(w, r, status, v)
}

func (s *Server) handleAdminPathAssign(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if _, err := s.paths.FindPathByID(r.Context(), stateOf(r).Tenant.ID, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	a, errs := s.assignmentForm(r)
	a.PathID = id
	problems, status := s.assign(w, r, a, errs, "/admin/paths/"+strconv.FormatInt(id, 10))
	if problems == nil {
		return
	}
	v := pages.AdminPathView{Errors: problems, Due: r.PostFormValue("due"), Error: problems[""]}
	if v.Error == "" {
		v.Error = "Please correct the highlighted fields."
	}
	s.renderAdminPath(w, r, status, v)
}
