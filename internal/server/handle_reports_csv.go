package server

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/report"
)

// reportCSV is one report table as a CSV download: which table, whose
// (a course, learner or path given by the {id} of the URL; none for the
// portal's own tables), its columns, and the CSV rows one of its rows
// becomes. Cells are plain for spreadsheets: numbers without signs, times
// in UTC as 2006-01-02 15:04:05.
type reportCSV struct {
	table   postgres.Table
	subject postgres.Subject
	name    string
	header  []string
	rows    func(row any) [][]string
}

// handleReportCSV streams a report table: the rows go out as PostgreSQL
// returns them. The course, learner or path is checked first, since a
// download that has begun can no longer become a "not found" page.
func (s *Server) handleReportCSV(c reportCSV) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tid := stateOf(r).Tenant.ID
		var id int64
		file := c.name + ".csv"
		if c.subject != "" {
			var ok bool
			if id, ok = s.idParam(w, r, "id"); !ok {
				return
			}
			if _, err := s.reports.FindSubject(r.Context(), tid, c.subject, id); err != nil {
				s.renderError(w, r, err)
				return
			}
			file = fmt.Sprintf("%s-%d-%s.csv", c.subject, id, c.name)
		}
		f, err := reportFilterOf(r)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		s.streamCSV(w, r, file, c.header, func(emit func(cells ...string) error) error {
			return s.reports.StreamTable(r.Context(), tid, c.table, id, f, func(row any) error {
				for _, cells := range c.rows(row) {
					if err := emit(cells...); err != nil {
						return err
					}
				}
				return nil
			})
		})
	}
}

func csvTime(t time.Time) string { return t.UTC().Format(time.DateTime) }

func csvTimeOf(t *time.Time) string {
	if t == nil {
		return ""
	}
	return csvTime(*t)
}

func csvInt(n int) string { return strconv.Itoa(n) }

func csvID(n int64) string { return strconv.FormatInt(n, 10) }

func csvRow(cells ...string) [][]string { return [][]string{cells} }

var figureHeader = []string{"Figure", "Value"}

func summaryCSV(row any) [][]string {
	s := row.(postgres.Summary)
	return [][]string{
		{"Active learners, last 7 days", csvInt(s.Active7)},
		{"Active learners, last 30 days", csvInt(s.Active30)},
		{"Enrolments", csvInt(s.Enrolments)},
		{"Completed, of the enrolments", csvInt(s.Completed)},
		{"Completion rate (%)", s.CompletionRate().CSV()},
		{"Completions", csvInt(s.Completions)},
		{"Average quiz score (%)", report.Score(s.AverageScore)},
		{"Learner and quiz bests averaged", csvInt(s.ScoredQuizzes)},
		{"Overdue", csvInt(s.Overdue)},
	}
}

// The report tables that download, by route.
var (
	csvSummary = reportCSV{table: postgres.TableSummary, name: "summary", header: figureHeader, rows: summaryCSV}

	csvCompletions = reportCSV{table: postgres.TableCompletions, name: "completions",
		header: []string{"Period starting (UTC)", "Completions"},
		rows: func(row any) [][]string {
			b := row.(postgres.Bucket)
			return csvRow(b.Start.Format(time.DateOnly), csvInt(b.Count))
		}}

	csvStates = reportCSV{table: postgres.TableStates, name: "states", header: []string{"Status", "Enrolments"},
		rows: func(row any) [][]string {
			c := row.(postgres.StateCount)
			return csvRow(c.State.Label(), csvInt(c.Count))
		}}

	csvCourses = reportCSV{table: postgres.TableCourses, name: "courses",
		header: []string{"Course ID", "Course", "Status", "Enrolments", "Completed", "Completion rate (%)", "Overdue", "Average quiz score (%)"},
		rows: func(row any) [][]string {
			c := row.(postgres.CourseFigures)
			return csvRow(csvID(c.CourseID), c.Title, c.Status, csvInt(c.Enrolments), csvInt(c.Completed), c.CompletionRate().CSV(), csvInt(c.Overdue), report.Score(c.AverageScore))
		}}

	csvPaths = reportCSV{table: postgres.TablePaths, name: "paths",
		header: []string{"Path ID", "Path", "Status", "Learners", "Completed", "Completion rate (%)"},
		rows: func(row any) [][]string {
			p := row.(postgres.PathFigures)
			return csvRow(csvID(p.PathID), p.Title, p.Status, csvInt(p.Learners), csvInt(p.Completed), p.CompletionRate().CSV())
		}}

	csvCourseSummary = reportCSV{table: postgres.TableSummary, subject: postgres.SubjectCourse, name: "summary", header: figureHeader, rows: summaryCSV}

	csvCourseLearners = reportCSV{table: postgres.TableCourseLearners, subject: postgres.SubjectCourse, name: "learners",
		header: []string{"User ID", "Name", "Email", "Status", "Progress (%)", "Score (%)", "Time spent (seconds)",
			"Enrolled (UTC)", "Due (UTC)", "Completed (UTC)", "Last access (UTC)"},
		rows: func(row any) [][]string {
			l := row.(postgres.CourseLearnerRow)
			return csvRow(csvID(l.UserID), l.Name, l.Email, l.State.Label(), csvInt(l.Percent), report.Score(l.Score), csvInt(l.TimeSpent),
				csvTime(l.EnrolledAt), csvTimeOf(l.DueAt), csvTimeOf(l.CompletedAt), csvTimeOf(l.LastAccess))
		}}

	csvQuestions = reportCSV{table: postgres.TableQuestions, subject: postgres.SubjectCourse, name: "questions",
		header: []string{"Version", "Lesson", "Quiz", "Question", "Prompt", "First tries", "Right", "Success rate (%)"},
		rows: func(row any) [][]string {
			q := row.(postgres.QuestionRow)
			return csvRow(csvInt(q.Version), q.Lesson, q.QuizKey, csvInt(q.Number), q.Prompt, csvInt(q.Answered), csvInt(q.Right), q.SuccessRate().CSV())
		}}

	csvLearnerCourses = reportCSV{table: postgres.TableLearnerCourses, subject: postgres.SubjectLearner, name: "courses",
		header: []string{"Course ID", "Course", "Status", "Progress (%)", "Score (%)", "Time spent (seconds)",
			"Enrolled (UTC)", "Due (UTC)", "Completed (UTC)", "Last access (UTC)"},
		rows: func(row any) [][]string {
			c := row.(postgres.LearnerCourseRow)
			return csvRow(csvID(c.CourseID), c.Title, c.State.Label(), csvInt(c.Percent), report.Score(c.Score), csvInt(c.TimeSpent),
				csvTime(c.EnrolledAt), csvTimeOf(c.DueAt), csvTimeOf(c.CompletedAt), csvTimeOf(c.LastAccess))
		}}

	csvLearnerQuizzes = reportCSV{table: postgres.TableLearnerQuizzes, subject: postgres.SubjectLearner, name: "quizzes",
		header: []string{"Course ID", "Course", "Lesson", "Course attempt", "Try", "Score (%)", "Passed", "Submitted (UTC)"},
		rows: func(row any) [][]string {
			a := row.(postgres.QuizAttemptRow)
			passed := "no"
			if a.Passed {
				passed = "yes"
			}
			return csvRow(csvID(a.CourseID), a.Course, a.Lesson, csvInt(a.CourseAttempt), csvInt(a.Number), csvInt(a.Score), passed, csvTime(a.SubmittedAt))
		}}

	csvLearnerPaths = reportCSV{table: postgres.TableLearnerPaths, subject: postgres.SubjectLearner, name: "paths",
		header: []string{"Path ID", "Path", "Steps", "Steps completed", "Progress (%)", "Started (UTC)", "Completed (UTC)"},
		rows: func(row any) [][]string {
			p := row.(postgres.LearnerPathRow)
			return csvRow(csvID(p.PathID), p.Title, csvInt(p.Steps), csvInt(p.StepsDone), p.Progress().CSV(), csvTime(p.EnrolledAt), csvTimeOf(p.CompletedAt))
		}}

	csvPathSummary = reportCSV{table: postgres.TablePaths, subject: postgres.SubjectPath, name: "summary", header: figureHeader,
		rows: func(row any) [][]string {
			p := row.(postgres.PathFigures)
			return [][]string{{"Learners", csvInt(p.Learners)}, {"Completed", csvInt(p.Completed)}, {"Completion rate (%)", p.CompletionRate().CSV()}}
		}}

	csvPathSteps = reportCSV{table: postgres.TablePathSteps, subject: postgres.SubjectPath, name: "steps",
		header: []string{"Step", "Course ID", "Course", "Learners", "Started", "Completed", "Completion rate (%)"},
		rows: func(row any) [][]string {
			s := row.(postgres.PathStepRow)
			return csvRow(csvInt(s.Position+1), csvID(s.CourseID), s.Course, csvInt(s.Learners), csvInt(s.Started), csvInt(s.Completed), s.CompletionRate().CSV())
		}}

	csvPathLearners = reportCSV{table: postgres.TablePathLearners, subject: postgres.SubjectPath, name: "learners",
		header: []string{"User ID", "Name", "Email", "Status", "Steps", "Steps completed", "Progress (%)", "Started (UTC)", "Completed (UTC)"},
		rows: func(row any) [][]string {
			l := row.(postgres.PathLearnerRow)
			return csvRow(csvID(l.UserID), l.Name, l.Email, l.State().Label(), csvInt(l.Steps), csvInt(l.StepsDone), l.Progress().CSV(),
				csvTime(l.EnrolledAt), csvTimeOf(l.CompletedAt))
		}}
)
