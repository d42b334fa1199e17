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
	"github.com/upward-lms/upward/internal/ical"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

func adminSessionURL(id int64) string { return "/admin/sessions/" + strconv.FormatInt(id, 10) }

// sessionRow lists a session with its time in the viewer's zone.
func (s *Server) sessionRow(r *http.Request, ls postgres.LiveSession, url string) pages.SessionRow {
	return pages.SessionRow{URL: url, Title: ls.Title, Course: ls.CourseTitle, When: livesession.When(ls.Start, ls.End, s.viewerZone(r)),
		Seats: livesession.Seats(ls.Capacity, ls.Registered, ls.Waitlisted), Cancelled: ls.Cancelled()}
}

func where(ls postgres.LiveSession) string {
	parts := []string{}
	if ls.MeetingURL != "" {
		parts = append(parts, ls.MeetingURL)
	}
	if ls.Room != "" {
		parts = append(parts, ls.Room)
	}
	return strings.Join(parts, " · ")
}

func instructorNames(ls postgres.LiveSession) string {
	var names []string
	for _, p := range ls.Instructors {
		names = append(names, p.Name)
	}
	return strings.Join(names, ", ")
}

func (s *Server) handleAdminSessions(w http.ResponseWriter, r *http.Request) {
	all, err := s.liveSessions.FindSessions(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.AdminSessionsView{Notice: s.popFlash(r)}
	for _, ls := range all {
		v.Sessions = append(v.Sessions, s.sessionRow(r, ls, adminSessionURL(ls.ID)))
	}
	s.render(w, r, http.StatusOK, s.page(r, "Live sessions"), pages.AdminSessions(v))
}

// sessionForm reads the posted form; the instructors are IDs.
func sessionForm(r *http.Request) (livesession.Form, []int64) {
	f := livesession.Form{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Date: r.PostFormValue("date"),
		Start: r.PostFormValue("start"), End: r.PostFormValue("end"), TimeZone: r.PostFormValue("time_zone"),
		Capacity: r.PostFormValue("capacity"), MeetingURL: r.PostFormValue("meeting_url"), Room: r.PostFormValue("room")}
	var ids []int64
	for _, v := range r.PostForm["instructors"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return f, ids
}

// fillSessionForm sets the form's choices: courses and paths for a new
// session, and the portal's instructors, those chosen selected.
func (s *Server) fillSessionForm(r *http.Request, v *pages.SessionFormView, f livesession.Form, chosen []int64) error {
	tid := stateOf(r).Tenant.ID
	v.CSRF = s.csrfToken(r)
	v.Title, v.Description, v.Date, v.Start, v.End, v.TimeZone = f.Title, f.Description, f.Date, f.Start, f.End, f.TimeZone
	v.Capacity, v.MeetingURL, v.Room = f.Capacity, f.MeetingURL, f.Room
	us, err := s.users.FindUsers(r.Context(), tid, 1000)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.Status == "active" && slices.Contains(u.Roles, user.Instructor) {
			v.Instructors = append(v.Instructors, components.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name, Selected: slices.Contains(chosen, u.ID)})
		}
	}
	if !v.New {
		return nil
	}
	recs, err := s.courses.FindCourses(r.Context(), tid)
	if err != nil {
		return err
	}
	for _, c := range recs {
		if c.Status != "archived" {
			id := strconv.FormatInt(c.ID, 10)
			v.Courses = append(v.Courses, components.Option{Value: id, Label: c.Title, Selected: r.FormValue("course") == id})
		}
	}
	paths, err := s.paths.FindPaths(r.Context(), tid)
	if err != nil {
		return err
	}
	v.Paths = []components.Option{{Value: "", Label: "None"}}
	for _, p := range paths {
		id := strconv.FormatInt(p.ID, 10)
		v.Paths = append(v.Paths, components.Option{Value: id, Label: p.Title, Selected: r.PostFormValue("path") == id})
	}
	return nil
}

func (s *Server) handleAdminSessionNew(w http.ResponseWriter, r *http.Request) {
	zone := stateOf(r).User.TimeZone
	f := livesession.Form{TimeZone: zone, Capacity: "20", Date: time.Now().In(s.viewerZone(r)).AddDate(0, 0, 7).Format(time.DateOnly), Start: "10:00", End: "11:00"}
	var chosen []int64
	if slices.Contains(stateOf(r).User.Roles, user.Instructor) {
		chosen = []int64{stateOf(r).User.ID}
	}
	s.renderSessionNew(w, r, http.StatusOK, f, chosen, nil)
}

func (s *Server) renderSessionNew(w http.ResponseWriter, r *http.Request, status int, f livesession.Form, chosen []int64, errs map[string]string) {
	v := pages.SessionFormView{Action: "/admin/sessions", New: true, Errors: errs}
	if err := s.fillSessionForm(r, &v, f, chosen); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, s.page(r, "Schedule a live session"), pages.AdminNewSession(v))
}

func (s *Server) handleAdminSessionCreate(w http.ResponseWriter, r *http.Request) {
	f, instructors := sessionForm(r)
	courseID, _ := strconv.ParseInt(r.PostFormValue("course"), 10, 64)
	pathID, _ := strconv.ParseInt(r.PostFormValue("path"), 10, 64)
	d, err := livesession.Check(f)
	var ls postgres.LiveSession
	if err == nil {
		ls, err = s.liveSessions.CreateSession(r.Context(), stateOf(r).Tenant.ID,
			postgres.SessionPlan{CourseID: courseID, Details: d, Instructors: instructors, PathID: pathID}, s.auditActor(r))
	}
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderSessionNew(w, r, http.StatusUnprocessableEntity, f, instructors, fields)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Session scheduled.")
	http.Redirect(w, r, adminSessionURL(ls.ID), http.StatusSeeOther)
}

func (s *Server) handleAdminSession(w http.ResponseWriter, r *http.Request) {
	s.renderAdminSession(w, r, http.StatusOK, nil, nil, "")
}

// renderAdminSession shows the URL's session; form, when given, is what
// was posted (to show again with its problems).
func (s *Server) renderAdminSession(w http.ResponseWriter, r *http.Request, status int, form *livesession.Form, errs map[string]string, problem string) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	tid := stateOf(r).Tenant.ID
	ls, err := s.liveSessions.FindSession(r.Context(), tid, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	regs, err := s.liveSessions.FindRegistrations(r.Context(), tid, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.AdminSessionView{CSRF: s.csrfToken(r), ID: ls.ID, Title: ls.Title, Course: ls.CourseTitle,
		When: livesession.When(ls.Start, ls.End, s.viewerZone(r)), Where: where(ls), Instructors: instructorNames(ls),
		Seats: livesession.Seats(ls.Capacity, ls.Registered, ls.Waitlisted), Cancelled: ls.Cancelled(), Notice: s.popFlash(r), Error: problem}
	for _, reg := range regs {
		row := pages.SessionPersonRow{UserID: reg.UserID, Name: reg.Name, Email: reg.Email, Position: reg.Position, Attendance: string(reg.Attendance), Note: reg.Note}
		switch reg.Status {
		case livesession.Registered:
			v.Registered = append(v.Registered, row)
		case livesession.Waitlisted:
			v.Waitlist = append(v.Waitlist, row)
		}
	}
	f := livesession.FormOf(ls.Details)
	var chosen []int64
	for _, p := range ls.Instructors {
		chosen = append(chosen, p.ID)
	}
	if form != nil {
		f, chosen = sessionForm(r)
	}
	v.Form = pages.SessionFormView{Action: adminSessionURL(ls.ID), Errors: errs}
	if err := s.fillSessionForm(r, &v.Form, f, chosen); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, s.page(r, ls.Title), pages.AdminSession(v))
}

func (s *Server) handleAdminSessionSave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	tid := stateOf(r).Tenant.ID
	// Another portal's session is not found before any form is read.
	if _, err := s.liveSessions.FindSession(r.Context(), tid, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	f, instructors := sessionForm(r)
	d, err := livesession.Check(f)
	if err == nil {
		_, err = s.liveSessions.UpdateSession(r.Context(), tid, id, postgres.SessionPlan{Details: d, Instructors: instructors}, s.auditActor(r))
	}
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAdminSession(w, r, http.StatusUnprocessableEntity, &f, fields, "")
		return
	}
	if apperr.Code(err) == apperr.ECONFLICT {
		s.renderAdminSession(w, r, http.StatusConflict, nil, nil, apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Session saved.")
	http.Redirect(w, r, adminSessionURL(id), http.StatusSeeOther)
}

func (s *Server) handleAdminSessionCancel(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if err := s.liveSessions.CancelSession(r.Context(), stateOf(r).Tenant.ID, id, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Session cancelled; everyone registered or waiting is told.")
	http.Redirect(w, r, adminSessionURL(id), http.StatusSeeOther)
}

func (s *Server) handleAdminSessionAttendance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	userID, _ := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	err := s.liveSessions.MarkAttendance(r.Context(), stateOf(r).Tenant.ID, id, userID,
		livesession.Attendance(r.PostFormValue("attendance")), strings.TrimSpace(r.PostFormValue("note")), s.auditActor(r))
	if code := apperr.Code(err); code == apperr.EINVALID || code == apperr.ECONFLICT {
		s.renderAdminSession(w, r, apperr.HTTPStatus(code), nil, nil, apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Attendance saved.")
	http.Redirect(w, r, adminSessionURL(id), http.StatusSeeOther)
}

// Learners' pages.

func (s *Server) handleMySessions(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	all, err := s.liveSessions.FindSessionsFor(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var v pages.MySessionsView
	for _, ms := range all {
		row := s.sessionRow(r, ms.LiveSession, postgres.SessionURL(ms.ID))
		row.Place = placeSay(ms.Place)
		v.Sessions = append(v.Sessions, row)
	}
	s.render(w, r, http.StatusOK, s.page(r, "Live sessions"), pages.MySessions(v))
}

func placeSay(p livesession.Registration) string {
	switch p {
	case livesession.Registered:
		return "Registered"
	case livesession.Waitlisted:
		return "On the waitlist"
	}
	return ""
}

func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	s.renderSession(w, r, http.StatusOK, "")
}

func (s *Server) renderSession(w http.ResponseWriter, r *http.Request, status int, problem string) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	ls, err := s.liveSessions.FindLearnerSession(r.Context(), st.Tenant.ID, id, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.SessionView{CSRF: s.csrfToken(r), URL: postgres.SessionURL(ls.ID), Title: ls.Title, Description: ls.Description,
		Course: ls.CourseTitle, CourseURL: learnerCoursePath(ls.CourseSlug), When: livesession.When(ls.Start, ls.End, s.viewerZone(r)),
		MeetingURL: ls.MeetingURL, Room: ls.Room, Instructors: instructorNames(ls.LiveSession),
		Seats: livesession.Seats(ls.Capacity, ls.Registered, ls.Waitlisted), Cancelled: ls.Cancelled(), Begun: !ls.Start.After(time.Now()),
		Place: string(ls.Status), Position: ls.Position, Attendance: string(ls.Attendance), MayRegister: ls.MayRegister,
		Notice: s.popFlash(r), Error: problem}
	for _, p := range ls.Paths {
		v.Paths = append(v.Paths, components.Option{Value: "/paths/" + p.Slug, Label: p.Title})
	}
	s.render(w, r, status, s.page(r, ls.Title), pages.SessionPage(v))
}

func (s *Server) handleSessionRegister(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	got, err := s.liveSessions.Register(r.Context(), st.Tenant.ID, id, st.User.ID)
	if code := apperr.Code(err); code == apperr.EFORBIDDEN || code == apperr.ECONFLICT {
		s.renderSession(w, r, apperr.HTTPStatus(code), apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if got == livesession.Waitlisted {
		s.flash(r, "The session is full: you are on the waitlist.")
	} else {
		s.flash(r, "You are registered.")
	}
	http.Redirect(w, r, postgres.SessionURL(id), http.StatusSeeOther)
}

func (s *Server) handleSessionCancelPlace(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	err := s.liveSessions.CancelRegistration(r.Context(), st.Tenant.ID, id, st.User.ID)
	if apperr.Code(err) == apperr.ECONFLICT {
		s.renderSession(w, r, http.StatusConflict, apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your place is cancelled.")
	http.Redirect(w, r, postgres.SessionURL(id), http.StatusSeeOther)
}

// Calendars.

// calendarEvent is a session as an iCalendar event: its UID names the
// session and portal and never changes, its SEQUENCE is the session's.
func (s *Server) calendarEvent(r *http.Request, ls postgres.LiveSession) ical.Event {
	t := stateOf(r).Tenant
	e := ical.Event{UID: "session-" + strconv.FormatInt(ls.ID, 10) + "@" + t.Host(s.cfg.BaseDomain), Sequence: ls.Sequence, Stamp: ls.UpdatedAt,
		Start: ls.Start, End: ls.End, Summary: ls.Title, Description: ls.Description, Location: ls.Room,
		URL: strings.TrimSuffix(s.portalURL(r, *t), "/") + postgres.SessionURL(ls.ID), Status: ical.Confirmed}
	if ls.MeetingURL != "" {
		e.Location = ls.MeetingURL
		if ls.Room != "" {
			e.Location = ls.Room + " / " + ls.MeetingURL
		}
	}
	if ls.Cancelled() {
		e.Status = ical.Cancelled
	}
	return e
}

func writeCalendar(w http.ResponseWriter, name string, c ical.Calendar) {
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(c.Bytes())
}

const calendarProdID = "-//Upward//Live sessions//EN"

func (s *Server) handleSessionICS(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	ls, err := s.liveSessions.FindSession(r.Context(), stateOf(r).Tenant.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	c := ical.Calendar{ProdID: calendarProdID, Method: ical.Publish, Events: []ical.Event{s.calendarEvent(r, ls)}}
	if ls.Cancelled() {
		c.Method = ical.Cancel
	}
	writeCalendar(w, "session-"+strconv.FormatInt(ls.ID, 10)+".ics", c)
}

// handleCalendarFeed serves a person's feed to their calendar program,
// which has no session: the token in the URL is the key.
func (s *Server) handleCalendarFeed(w http.ResponseWriter, r *http.Request) {
	t := stateOf(r).Tenant
	all, err := s.liveSessions.FeedSessions(r.Context(), t.ID, chi.URLParam(r, "token"))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	c := ical.Calendar{ProdID: calendarProdID, Method: ical.Publish, Name: t.Name + ": live sessions"}
	for _, ls := range all {
		c.Events = append(c.Events, s.calendarEvent(r, ls))
	}
	writeCalendar(w, "sessions.ics", c)
}

func (s *Server) calendarView(r *http.Request) (pages.CalendarFeedView, error) {
	st := stateOf(r)
	v := pages.CalendarFeedView{CSRF: s.csrfToken(r)}
	since, err := s.liveSessions.CalendarFeed(r.Context(), st.Tenant.ID, st.User.ID)
	if since != nil {
		v.Since = s.localDate(r, *since)
	}
	return v, err
}

func (s *Server) handleCalendarNew(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	token, err := s.liveSessions.NewCalendarFeed(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v, err := s.calendarView(r)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// The address is on this page only, never in a redirect or a log.
	v.URL = strings.TrimSuffix(s.portalURL(r, *st.Tenant), "/") + "/calendar/" + token + "/sessions.ics"
	w.Header().Set("Cache-Control", "no-store")
	s.renderAccount(w, r, http.StatusOK, pages.AccountView{Calendar: v, Notice: "Your calendar feed address is ready."})
}

func (s *Server) handleCalendarRevoke(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	if err := s.liveSessions.RevokeCalendarFeed(r.Context(), st.Tenant.ID, st.User.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your calendar feed address is revoked.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
