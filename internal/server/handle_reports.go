package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/report"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// reportPageRows caps the learners a report page lists; its CSV has them
// all.
const reportPageRows = 500

func reportFilterOf(r *http.Request) (report.Filter, error) {
	q := r.URL.Query()
	return report.ParseFilter(q.Get("group"), q.Get("from"), q.Get("to"))
}

func reportURL(parts ...any) string {
	var b strings.Builder
	b.WriteString("/admin/reports")
	for _, p := range parts {
		fmt.Fprintf(&b, "/%v", p)
	}
	return b.String()
}

func filterView(action string, f report.Filter, groups []postgres.GroupChoice, withGroups bool) pages.ReportFilterView {
	v := pages.ReportFilterView{Action: action}
	if !f.From.IsZero() {
		v.From = f.From.Format(time.DateOnly)
	}
	if !f.To.IsZero() {
		v.To = f.To.Format(time.DateOnly)
	}
	if withGroups {
		v.Groups = []components.Option{{Value: "", Label: "Everyone", Selected: f.GroupID == 0}}
		for _, g := range groups {
			v.Groups = append(v.Groups, components.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name, Selected: g.ID == f.GroupID})
		}
	}
	return v
}

// renderReportProblem re-renders a report's filter with its problems
// (422) and no figures.
func (s *Server) renderReportProblem(w http.ResponseWriter, r *http.Request, title, action string, withGroups bool, err error) {
	fields, _ := apperr.FieldsOf(err)
	groups, gerr := s.groups.FindGroups(r.Context(), stateOf(r).Tenant.ID)
	if gerr != nil {
		s.renderError(w, r, gerr)
		return
	}
	q := r.URL.Query()
	v := pages.ReportView{Heading: title, Problem: apperr.Message(err),
		Filter: pages.ReportFilterView{Action: action, From: q.Get("from"), To: q.Get("to"), Errors: fields}}
	if withGroups {
		v.Filter.Groups = []components.Option{{Value: "", Label: "Everyone"}}
		for _, g := range groups {
			v.Filter.Groups = append(v.Filter.Groups, components.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, s.page(r, title), pages.Report(v))
}

// Formats on the pages: dates as UTC days, like the filter.
func utcDay(t time.Time) string { return t.UTC().Format("2 Jan 2006") }

func utcDayOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return utcDay(*t)
}

func percentScore(s *float64) string {
	if s == nil {
		return "–"
	}
	return report.Score(s) + "%"
}

func numCell(n int) pages.ReportCell { return pages.ReportCell{Text: strconv.Itoa(n), Numeric: true} }

func textCell(s string) pages.ReportCell { return pages.ReportCell{Text: s} }

func numericCell(s string) pages.ReportCell { return pages.ReportCell{Text: s, Numeric: true} }

func heads(labels ...string) []pages.ReportHead {
	out := make([]pages.ReportHead, len(labels))
	for i, l := range labels {
		numericCol := strings.HasPrefix(l, "#")
		out[i] = pages.ReportHead{Label: strings.TrimPrefix(l, "#"), Numeric: numericCol}
	}
	return out
}

func summaryFigures(sum postgres.Summary, scope string) []pages.ReportFigure {
	return []pages.ReportFigure{
		{Key: "active7", Label: "Active learners, last 7 days", Value: strconv.Itoa(sum.Active7), Note: "up to now, whatever the dates"},
		{Key: "active30", Label: "Active learners, last 30 days", Value: strconv.Itoa(sum.Active30), Note: "up to now, whatever the dates"},
		{Key: "enrolments", Label: "Enrolments", Value: strconv.Itoa(sum.Enrolments), Note: "made in the dates chosen" + scope},
		{Key: "completions", Label: "Completions", Value: strconv.Itoa(sum.Completions), Note: "in the dates chosen"},
		{Key: "completion-rate", Label: "Completion rate", Value: sum.CompletionRate().String(),
			Note: fmt.Sprintf("%d of the %d enrolments completed", sum.Completed, sum.Enrolments)},
		{Key: "average-score", Label: "Average quiz score", Value: percentScore(sum.AverageScore),
			Note: fmt.Sprintf("the mean of each learner's best score on each quiz (%d such bests)", sum.ScoredQuizzes)},
		{Key: "overdue", Label: "Overdue", Value: strconv.Itoa(sum.Overdue), Note: "of the enrolments, past their due date"},
	}
}

// periodLabels name a bucket on the chart (short) and in its table.
func periodLabels(unit string, start time.Time) (short, long string) {
	switch unit {
	case "month":
		return start.Format("Jan 2006"), start.Format("January 2006")
	case "week":
		return start.Format("2 Jan"), "Week of " + start.Format("2 January 2006")
	}
	return start.Format("2 Jan"), start.Format("2 January 2006")
}

func completionsTable(c postgres.Completions, q string) pages.ReportTable {
	t := pages.ReportTable{ID: "completions", Title: "Completions over time", Head: heads("Period", "#Completions"),
		Empty: "No period to show: the first day chosen is after today.", CSV: reportURL("completions.csv") + q,
		Note: "Counted per " + c.Unit + " (UTC)."}
	total, best := 0, -1
	chart := &components.Chart{ID: "completions-chart", Title: "Completions per " + c.Unit, Columns: true}
	for i, b := range c.Buckets {
		short, long := periodLabels(c.Unit, b.Start)
		t.Rows = append(t.Rows, []pages.ReportCell{textCell(long), numCell(b.Count)})
		chart.Bars = append(chart.Bars, components.Bar{Label: short, Value: b.Count})
		total += b.Count
		if best < 0 || b.Count > c.Buckets[best].Count {
			best = i
		}
	}
	if len(c.Buckets) > 0 {
		first, _ := periodLabels(c.Unit, c.Buckets[0].Start)
		last, _ := periodLabels(c.Unit, c.Buckets[len(c.Buckets)-1].Start)
		chart.Desc = fmt.Sprintf("%d completions from %s to %s, counted per %s.", total, first, last, c.Unit)
		if total > 0 {
			_, most := periodLabels(c.Unit, c.Buckets[best].Start)
			chart.Desc += fmt.Sprintf(" The most, %d, in %s.", c.Buckets[best].Count, strings.ToLower(most[:1])+most[1:])
		}
		t.Chart = chart
	}
	return t
}

func statesTable(states []postgres.StateCount, q string) pages.ReportTable {
	t := pages.ReportTable{ID: "states", Title: "Status of the enrolments", Head: heads("Status", "#Enrolments"),
		Note: "Of the enrolments made in the dates chosen, where each stands now.", CSV: reportURL("states.csv") + q}
	chart := &components.Chart{ID: "states-chart", Title: "Enrolments by status"}
	var parts []string
	total := 0
	for _, s := range states {
		t.Rows = append(t.Rows, []pages.ReportCell{textCell(s.State.Label()), numCell(s.Count)})
		chart.Bars = append(chart.Bars, components.Bar{Label: s.State.Label(), Value: s.Count, Class: "bar-" + string(s.State)})
		parts = append(parts, fmt.Sprintf("%d %s", s.Count, strings.ToLower(s.State.Label())))
		total += s.Count
	}
	chart.Desc = fmt.Sprintf("Of %d enrolments: %s.", total, strings.Join(parts, ", "))
	t.Chart = chart
	return t
}

func (s *Server) handleReportOverview(w http.ResponseWriter, r *http.Request) {
	action := reportURL()
	f, err := reportFilterOf(r)
	var o postgres.Overview
	if err == nil {
		o, err = s.reports.Overview(r.Context(), stateOf(r).Tenant.ID, f)
	}
	if _, bad := apperr.FieldsOf(err); bad {
		s.renderReportProblem(w, r, "Reports", action, true, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	q := f.Query()
	v := pages.ReportView{Heading: "Reports", Filter: filterView(action, f, o.Groups, true),
		Figures: summaryFigures(o.Summary, ""), FiguresCSV: reportURL("summary.csv") + q}
	courses := pages.ReportTable{ID: "courses", Title: "Courses", CSV: reportURL("courses.csv") + q,
		Head:  heads("Course", "#Enrolments", "#Completed", "#Completion rate", "#Overdue", "#Average quiz score"),
		Empty: "No course has been published yet."}
	for _, c := range o.Courses {
		title := pages.ReportCell{Text: c.Title, Href: reportURL("courses", c.CourseID) + q}
		if c.Status != "published" {
			title.Detail = c.Status
		}
		courses.Rows = append(courses.Rows, []pages.ReportCell{title, numCell(c.Enrolments), numCell(c.Completed),
			numericCell(c.CompletionRate().String()), numCell(c.Overdue), numericCell(percentScore(c.AverageScore))})
	}
	paths := pages.ReportTable{ID: "paths", Title: "Learning paths", CSV: reportURL("paths.csv") + q,
		Head:  heads("Path", "#Learners", "#Completed", "#Completion rate"),
		Note:  "Learners who started the path in the dates chosen.",
		Empty: "The portal has no learning paths."}
	for _, p := range o.Paths {
		paths.Rows = append(paths.Rows, []pages.ReportCell{{Text: p.Title, Href: reportURL("paths", p.PathID) + q},
			numCell(p.Learners), numCell(p.Completed), numericCell(p.CompletionRate().String())})
	}
	v.Tables = []pages.ReportTable{completionsTable(o.Completions, q), statesTable(o.States, q), courses, paths}
	s.render(w, r, http.StatusOK, s.page(r, "Reports"), pages.Report(v))
}

func (s *Server) handleCourseReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	action := reportURL("courses", id)
	f, err := reportFilterOf(r)
	var cr postgres.CourseReport
	if err == nil {
		cr, err = s.reports.CourseReport(r.Context(), stateOf(r).Tenant.ID, id, f, reportPageRows)
	}
	if _, bad := apperr.FieldsOf(err); bad {
		s.renderReportProblem(w, r, "Course report", action, true, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	q := f.Query()
	v := pages.ReportView{Heading: cr.Title, Breadcrumb: []pages.ReportLink{{Label: "Reports", Href: reportURL() + q}},
		Intro:  []string{"Course report"},
		Filter: filterView(action, f, cr.Groups, true), Figures: summaryFigures(cr.Summary, ""),
		FiguresCSV: action + "/summary.csv" + q}
	learners := pages.ReportTable{ID: "learners", Title: "Learners", CSV: action + "/learners.csv" + q,
		Head:  heads("Learner", "Status", "#Progress", "#Score", "#Time spent", "Enrolled", "Due", "Completed", "Last access"),
		Empty: "No one enrolled in the dates chosen."}
	if n := cr.Summary.Enrolments; n > len(cr.Learners) {
		learners.Note = fmt.Sprintf("The first %d of %d learners, by name: the CSV has them all.", len(cr.Learners), n)
	}
	for _, l := range cr.Learners {
		learners.Rows = append(learners.Rows, []pages.ReportCell{
			{Text: l.Name, Href: reportURL("learners", l.UserID) + f.Query(), Detail: l.Email},
			textCell(l.State.Label()), numericCell(strconv.Itoa(l.Percent) + "%"), numericCell(percentScore(l.Score)),
			numericCell(report.Duration(l.TimeSpent)), textCell(utcDay(l.EnrolledAt)), textCell(utcDayOf(l.DueAt)), textCell(utcDayOf(l.CompletedAt)), textCell(utcDayOf(l.LastAccess)),
		})
	}
	questions := pages.ReportTable{ID: "questions", Title: "Quiz questions", CSV: action + "/questions.csv" + q,
		Head:  heads("#Version", "Lesson", "Question", "#First tries", "#Right", "#Success rate"),
		Note:  "Learners' first try at each quiz, in their current attempt at the course.",
		Empty: "This course has no quiz questions."}
	for _, qu := range cr.Questions {
		questions.Rows = append(questions.Rows, []pages.ReportCell{numCell(qu.Version), textCell(qu.Lesson),
			textCell(fmt.Sprintf("%d. %s", qu.Number, qu.Prompt)), numCell(qu.Answered), numCell(qu.Right), numericCell(qu.SuccessRate().String())})
	}
	v.Tables = []pages.ReportTable{learners, questions}
	s.render(w, r, http.StatusOK, s.page(r, cr.Title+" · Report"), pages.Report(v))
}

func (s *Server) handleLearnerReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	action := reportURL("learners", id)
	f, err := reportFilterOf(r)
	var lr postgres.LearnerReport
	if err == nil {
		lr, err = s.reports.LearnerReport(r.Context(), stateOf(r).Tenant.ID, id, f)
	}
	if _, bad := apperr.FieldsOf(err); bad {
		s.renderReportProblem(w, r, "Learner report", action, false, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// A learner is in a group or not, so this report takes no group; one
	// chosen on another report only rides along in the links back.
	q := f.Query()
	intro := []string{"Learner report · " + lr.Email}
	if lr.Groups != "" {
		intro = append(intro, "Groups: "+lr.Groups)
	}
	v := pages.ReportView{Heading: lr.Name, Breadcrumb: []pages.ReportLink{{Label: "Reports", Href: reportURL() + q}},
		Intro: intro, Filter: filterView(action, f, nil, false)}
	courses := pages.ReportTable{ID: "courses", Title: "Courses", CSV: action + "/courses.csv" + q,
		Head:  heads("Course", "Status", "#Progress", "#Score", "#Time spent", "Enrolled", "Due", "Completed", "Last access"),
		Empty: "No enrolment in the dates chosen."}
	for _, c := range lr.Courses {
		courses.Rows = append(courses.Rows, []pages.ReportCell{
			{Text: c.Title, Href: reportURL("courses", c.CourseID) + q}, textCell(c.State.Label()), numericCell(strconv.Itoa(c.Percent) + "%"),
			numericCell(percentScore(c.Score)), numericCell(report.Duration(c.TimeSpent)),
			textCell(utcDay(c.EnrolledAt)), textCell(utcDayOf(c.DueAt)), textCell(utcDayOf(c.CompletedAt)), textCell(utcDayOf(c.LastAccess)),
		})
	}
	quizzes := pages.ReportTable{ID: "quizzes", Title: "Quiz attempts", CSV: action + "/quizzes.csv" + q,
		Head:  heads("Course", "Lesson", "#Course attempt", "#Try", "#Score", "Result", "Submitted"),
		Empty: "No quiz submitted in the dates chosen."}
	for _, a := range lr.Quizzes {
		result := "Not passed"
		if a.Passed {
			result = "Passed"
		}
		quizzes.Rows = append(quizzes.Rows, []pages.ReportCell{textCell(a.Course), textCell(a.Lesson), numCell(a.CourseAttempt), numCell(a.Number),
			numericCell(strconv.Itoa(a.Score) + "%"), textCell(result), textCell(a.SubmittedAt.UTC().Format("2 Jan 2006 15:04"))})
	}
	paths := pages.ReportTable{ID: "paths", Title: "Learning paths", CSV: action + "/paths.csv" + q,
		Head:  heads("Path", "#Steps completed", "#Progress", "Started", "Completed"),
		Empty: "No path started in the dates chosen."}
	for _, p := range lr.Paths {
		paths.Rows = append(paths.Rows, []pages.ReportCell{{Text: p.Title, Href: reportURL("paths", p.PathID) + q},
			numericCell(fmt.Sprintf("%d of %d", p.StepsDone, p.Steps)), numericCell(p.Progress().String()), textCell(utcDay(p.EnrolledAt)), textCell(utcDayOf(p.CompletedAt))})
	}
	v.Tables = []pages.ReportTable{courses, quizzes, paths}
	s.render(w, r, http.StatusOK, s.page(r, lr.Name+" · Report"), pages.Report(v))
}

func (s *Server) handlePathReport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	action := reportURL("paths", id)
	f, err := reportFilterOf(r)
	var pr postgres.PathReport
	if err == nil {
		pr, err = s.reports.PathReport(r.Context(), stateOf(r).Tenant.ID, id, f, reportPageRows)
	}
	if _, bad := apperr.FieldsOf(err); bad {
		s.renderReportProblem(w, r, "Path report", action, true, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	q := f.Query()
	fig := pr.Figures
	v := pages.ReportView{Heading: fig.Title, Breadcrumb: []pages.ReportLink{{Label: "Reports", Href: reportURL() + q}},
		Intro: []string{"Learning path report"}, Filter: filterView(action, f, pr.Groups, true),
		Figures: []pages.ReportFigure{
			{Key: "learners", Label: "Learners", Value: strconv.Itoa(fig.Learners), Note: "who started the path in the dates chosen"},
			{Key: "completed", Label: "Completed", Value: strconv.Itoa(fig.Completed), Note: "of them, the whole path"},
			{Key: "completion-rate", Label: "Completion rate", Value: fig.CompletionRate().String()},
		},
		FiguresCSV: action + "/summary.csv" + q}
	steps := pages.ReportTable{ID: "steps", Title: "Steps", CSV: action + "/steps.csv" + q,
		Head:  heads("#Step", "Course", "#Started", "#Completed", "#Completion rate"),
		Note:  "The path's learners in each step's course.",
		Empty: "This path has no steps."}
	for _, st := range pr.Steps {
		steps.Rows = append(steps.Rows, []pages.ReportCell{numCell(st.Position + 1), {Text: st.Course, Href: reportURL("courses", st.CourseID) + q},
			numCell(st.Started), numCell(st.Completed), numericCell(st.CompletionRate().String())})
	}
	learners := pages.ReportTable{ID: "learners", Title: "Learners", CSV: action + "/learners.csv" + q,
		Head:  heads("Learner", "Status", "#Steps completed", "#Progress", "Started", "Completed"),
		Empty: "No one started this path in the dates chosen."}
	if n := fig.Learners; n > len(pr.Learners) {
		learners.Note = fmt.Sprintf("The first %d of %d learners, by name: the CSV has them all.", len(pr.Learners), n)
	}
	for _, l := range pr.Learners {
		learners.Rows = append(learners.Rows, []pages.ReportCell{{Text: l.Name, Href: reportURL("learners", l.UserID) + q, Detail: l.Email},
			textCell(l.State().Label()), numericCell(fmt.Sprintf("%d of %d", l.StepsDone, l.Steps)), numericCell(l.Progress().String()),
			textCell(utcDay(l.EnrolledAt)), textCell(utcDayOf(l.CompletedAt))})
	}
	v.Tables = []pages.ReportTable{steps, learners}
	s.render(w, r, http.StatusOK, s.page(r, fig.Title+" · Report"), pages.Report(v))
}
