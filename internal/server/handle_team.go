package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// handleTeam is a manager's "My team": their team at a glance, each
// report's courses, and only what each report chose to share.
func (s *Server) handleTeam(w http.ResponseWriter, r *http.Request) {
	s.renderTeam(w, r, http.StatusOK, teamProblem{})
}

// teamProblem is a refused action of "My team", shown on the page: the
// summary, and the field errors and values by element id.
type teamProblem struct {
	message string
	errors  map[string]string
	values  map[string]string
}

func (s *Server) renderTeam(w http.ResponseWriter, r *http.Request, status int, p teamProblem) {
	st := stateOf(r)
	team, err := s.learning.FindTeam(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	now := time.Now()
	v := pages.TeamView{CSRF: s.csrfToken(r), Notice: s.popFlash(r), Error: p.message, Errors: p.errors, Values: p.values,
		Today:     now.In(s.viewerZone(r)).Format(time.DateOnly),
		Dashboard: s.dashboardPanel("team-dashboard", "Your team at a glance", "Your direct reports who are active, and their enrolments.", team.Figures)}
	for _, c := range team.Courses {
		v.Courses = append(v.Courses, components.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Title})
	}
	for _, m := range team.Members {
		mv := pages.TeamMemberView{UserID: m.UserID, Name: m.Name, Email: m.Email}
		for _, c := range m.Courses {
			row := pages.TeamCourseRow{CourseID: c.CourseID, Title: c.Title, Percent: c.Percent, Status: c.Status,
				Assigned: c.Source == string(learning.Assigned), NudgedToday: c.NudgedToday}
			row.Nudge = row.Assigned && c.Status == string(learning.Active)
			if c.DueAt != nil {
				row.Due, row.Overdue = s.localDate(r, *c.DueAt), c.Status == string(learning.Active) && now.After(*c.DueAt)
			}
			if c.CompletedAt != nil {
				row.Completed = s.localDate(r, *c.CompletedAt)
				mv.Completed++
			}
			if row.Overdue {
				mv.Overdue++
			}
			mv.Courses = append(mv.Courses, row)
		}
		for _, sh := range m.Shared {
			sr := pages.SharedRow{ID: fmt.Sprintf("plan-%d-%s", sh.EnrolmentID, sh.BlockKey), EnrolmentID: sh.EnrolmentID, BlockKey: sh.BlockKey,
				CourseTitle: sh.CourseTitle, Kind: sh.Kind, Prompt: sh.Prompt, Text: sh.Text, SharedOn: s.localDate(r, sh.SharedAt)}
			for _, it := range sh.Items {
				sr.Items = append(sr.Items, pages.SharedPlanRow{Text: it.Text, Done: it.Done, Due: it.Due, Rating: it.Rating})
			}
			for _, c := range sh.Comments {
				sr.Comments = append(sr.Comments, pages.PlanCommentRow{Author: c.Author, On: s.localDate(r, c.At), Body: c.Body})
			}
			mv.Shared = append(mv.Shared, sr)
		}
		v.Members = append(v.Members, mv)
	}
	s.render(w, r, status, s.page(r, "My team"), pages.Team(v))
}

// teamMember is the report a "My team" action names, by the URL's {id};
// whether they are the manager's the service decides (404 if not).
func (s *Server) teamMember(w http.ResponseWriter, r *http.Request) (int64, bool) {
	return s.idParam(w, r, "id")
}

// teamDone ends a "My team" action: back to the report on the page, or
// the problem shown there (a field's, a conflict's), or the error page
// (not found: not their report, or no such plan).
func (s *Server) teamDone(w http.ResponseWriter, r *http.Request, userID int64, err error, notice string, fieldIDs map[string]string, values map[string]string) {
	var ae *apperr.Error
	switch {
	case err == nil:
		s.flash(r, notice)
		http.Redirect(w, r, "/team#member-"+strconv.FormatInt(userID, 10), http.StatusSeeOther)
	case asAppErr(err, &ae) && (ae.Code == apperr.EINVALID || ae.Code == apperr.ECONFLICT):
		p := teamProblem{message: ae.Message, errors: map[string]string{}, values: values}
		if id, ok := fieldIDs[ae.Field]; ok {
			p.errors[id] = ae.Message
		}
		s.renderTeam(w, r, apperr.HTTPStatus(ae.Code), p)
	default:
		s.renderError(w, r, err)
	}
}

func (s *Server) handleTeamAssign(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	userID, ok := s.teamMember(w, r)
	if !ok {
		return
	}
	suffix := "-" + strconv.FormatInt(userID, 10)
	fields := map[string]string{"course": "assign-course" + suffix, "due": "assign-due" + suffix}
	values := map[string]string{fields["course"]: r.PostFormValue("course"), fields["due"]: r.PostFormValue("due")}
	// A course that is not a number is none (0): the service says so,
	// once it knows the person is the manager's report.
	courseID, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("course")), 10, 64)
	var dueAt *time.Time
	if due := strings.TrimSpace(r.PostFormValue("due")); due != "" {
		d, err := time.ParseInLocation(time.DateOnly, due, s.viewerZone(r))
		if err != nil {
			s.teamDone(w, r, userID, &apperr.Error{Code: apperr.EINVALID, Field: "due", Message: "Give the due date as a date, like 2026-12-31."}, "", fields, values)
			return
		}
		end := d.AddDate(0, 0, 1).Add(-time.Second) // due by the end of that day
		dueAt = &end
	}
	_, err := s.learning.AssignToReport(r.Context(), st.Tenant.ID, st.User.ID, userID, courseID, dueAt, s.auditActor(r))
	notice := "Assigned."
	if dueAt != nil {
		notice = "Assigned, due by the end of " + s.localDate(r, *dueAt) + "."
	}
	s.teamDone(w, r, userID, err, notice, fields, values)
}

func (s *Server) handleTeamNudge(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	userID, ok := s.teamMember(w, r)
	if !ok {
		return
	}
	courseID, _ := strconv.ParseInt(strings.TrimSpace(r.PostFormValue("course")), 10, 64)
	n, err := s.learning.NudgeReport(r.Context(), st.Tenant.ID, st.User.ID, userID, courseID, s.auditActor(r))
	s.teamDone(w, r, userID, err, "Nudged "+n.Name+" about "+n.CourseTitle+".", nil, nil)
}

func (s *Server) handleTeamComment(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	userID, ok := s.teamMember(w, r)
	if !ok {
		return
	}
	enrolmentID, _ := strconv.ParseInt(r.PostFormValue("enrolment"), 10, 64)
	block := r.PostFormValue("block")
	if !utf8.ValidString(block) {
		block = "" // no plan's key: refused as no plan chosen
	}
	id := fmt.Sprintf("plan-%d-%s-comment", enrolmentID, block)
	body := r.PostFormValue("comment")
	_, err := s.learning.CommentOnPlan(r.Context(), st.Tenant.ID, st.User.ID, userID, enrolmentID, block, body, s.auditActor(r))
	s.teamDone(w, r, userID, err, "Comment sent.", map[string]string{"comment": id}, map[string]string{id: body})
}

// myPlanCommentRows are the comments on a learner's plans, for "My
// learning".
func (s *Server) myPlanCommentRows(r *http.Request, cs []postgres.MyPlanComment) []pages.MyPlanCommentRow {
	var out []pages.MyPlanCommentRow
	for _, c := range cs {
		title := c.PlanTitle
		if title == "" {
			title = "Action plan"
		}
		out = append(out, pages.MyPlanCommentRow{CourseTitle: c.CourseTitle, PlanTitle: title, URL: c.LessonURL,
			Author: c.Author, On: s.localDate(r, c.At), Body: c.Body})
	}
	return out
}

// dashboardPanel is a dashboard's view: headline figures, completions
// per week, overdue enrolments by course and active learners, each chart
// with its numbers beside it.
func (s *Server) dashboardPanel(id, heading, intro string, d postgres.DashboardFigures) pages.DashboardPanelView {
	v := pages.DashboardPanelView{ID: id, Heading: heading, Intro: intro,
		Figures: []pages.ReportFigure{
			{Key: "people", Label: "People", Value: strconv.Itoa(d.People), Note: "active accounts"},
			{Key: "enrolments", Label: "Enrolments", Value: strconv.Itoa(d.Enrolments), Note: "not withdrawn"},
			{Key: "completion-rate", Label: "Completion rate", Value: d.CompletionRate().String(),
				Note: fmt.Sprintf("%d of the %d enrolments completed", d.Completed, d.Enrolments)},
			{Key: "overdue", Label: "Overdue", Value: strconv.Itoa(d.Overdue), Note: "enrolments past their due date"},
			{Key: "active7", Label: "Active learners, 7 days", Value: strconv.Itoa(d.Active7), Note: "people who learned in the last 7 days"},
			{Key: "active30", Label: "Active learners, 30 days", Value: strconv.Itoa(d.Active30), Note: "… in the last 30 days"},
		}}

	weeks := pages.ReportTable{ID: id + "-completions", Title: "Completions per week", Head: heads("Week of", "#Completions"),
		Note: fmt.Sprintf("The last %d weeks, Monday to Sunday (UTC); the table has the latest first.", postgres.DashboardWeeks)}
	chart := &components.Chart{ID: id + "-completions-chart", Title: "Completions per week", Columns: true}
	total := 0
	for i := len(d.Weeks) - 1; i >= 0; i-- {
		weeks.Rows = append(weeks.Rows, []pages.ReportCell{textCell(d.Weeks[i].Start.Format("2 Jan 2006")), numCell(d.Weeks[i].Count)})
	}
	for _, b := range d.Weeks {
		short, _ := periodLabels("week", b.Start)
		chart.Bars = append(chart.Bars, components.Bar{Label: short, Value: b.Count, Class: "bar-completed"})
		total += b.Count
	}
	if n := len(d.Weeks); n > 0 {
		first, _ := periodLabels("week", d.Weeks[0].Start)
		chart.Desc = fmt.Sprintf("%d completions in the %d weeks from the week of %s.", total, n, first)
	}
	weeks.Chart = chart

	overdue := pages.ReportTable{ID: id + "-overdue", Title: "Overdue by course", Head: heads("Course", "#Overdue"),
		Empty: "Nothing is overdue.", Note: "Active enrolments past their due date, the courses with the most first."}
	ochart := &components.Chart{ID: id + "-overdue-chart", Title: "Overdue enrolments by course"}
	var parts []string
	for _, c := range d.OverdueByCourse {
		overdue.Rows = append(overdue.Rows, []pages.ReportCell{textCell(c.Title), numCell(c.Count)})
		ochart.Bars = append(ochart.Bars, components.Bar{Label: shortLabel(c.Title, 16), Value: c.Count, Class: "bar-overdue"})
		parts = append(parts, fmt.Sprintf("%s %d", c.Title, c.Count))
	}
	ochart.Desc = "Overdue enrolments: " + strings.Join(parts, ", ") + "."
	overdue.Chart = ochart

	active := pages.ReportTable{ID: id + "-active", Title: "Active learners", Head: heads("Period", "#People"),
		Note: "People with a learning record or a lesson opened in the period, of the active people."}
	achart := &components.Chart{ID: id + "-active-chart", Title: "Active learners",
		Desc: fmt.Sprintf("%d active in the last 7 days and %d in the last 30, of %d people.", d.Active7, d.Active30, d.People)}
	for _, p := range []struct {
		label string
		n     int
	}{{"Last 7 days", d.Active7}, {"Last 30 days", d.Active30}, {"All people", d.People}} {
		active.Rows = append(active.Rows, []pages.ReportCell{textCell(p.label), numCell(p.n)})
		achart.Bars = append(achart.Bars, components.Bar{Label: p.label, Value: p.n})
	}
	active.Chart = achart
	v.Charts = []pages.ReportTable{weeks, overdue, active}
	return v
}

// shortLabel cuts a chart's label to n characters; the table beside the
// chart has it whole.
func shortLabel(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
