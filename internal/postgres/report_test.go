package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/report"
)

// reportFixture is a small portal whose history is known to the minute,
// so that every figure of its reports can be worked out by hand. It is
// told in newReportFixture; the reports are read at reportNow.
type reportFixture struct {
	ctx      context.Context
	t        *testing.T
	db       *postgres.DB
	learning *postgres.LearningService
	paths    *postgres.PathService
	reports  *postgres.ReportService
	tenantID int64
	users    map[string]int64
	sales    int64 // group: Ana, Bo
	support  int64 // group: Cy, Ed
	first    postgres.CourseRecord
	second   postgres.CourseRecord
	pathID   int64
}

var reportNow = time.Date(2025, 3, 31, 12, 0, 0, 0, time.UTC)

func (f *reportFixture) at(ts string) {
	f.t.Helper()
	when, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		f.t.Fatal(err)
	}
	f.db.Now = func() time.Time { return when }
}

func (f *reportFixture) course(name string, c postgres.CourseRecord) postgres.LearnerCourse {
	f.t.Helper()
	lc, err := f.learning.FindLearnerCourse(f.ctx, f.tenantID, f.users[name], c.Slug)
	if err != nil {
		f.t.Fatal(err)
	}
	return lc
}

func (f *reportFixture) enrol(name string, c postgres.CourseRecord) {
	f.t.Helper()
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, f.users[name], c.ID, learning.SelfEnrolled); err != nil {
		f.t.Fatal(err)
	}
}

func (f *reportFixture) reflect(name string, c postgres.CourseRecord) {
	f.t.Helper()
	lc := f.course(name, c)
	if err := f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), "A thought.", false); err != nil {
		f.t.Fatal(err)
	}
}

func (f *reportFixture) quiz(name string, c postgres.CourseRecord, number int, a learning.Answers) {
	f.t.Helper()
	lc := f.course(name, c)
	if _, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, blockOf(lc, lessonTwo, course.KindQuiz), number, a); err != nil {
		f.t.Fatal(err)
	}
}

func (f *reportFixture) timeSpent(name string, c postgres.CourseRecord, seconds int) {
	f.t.Helper()
	err := f.db.InTenantTx(f.ctx, f.tenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(f.ctx, `UPDATE enrolments SET time_spent_seconds = $3 WHERE tenant_id = current_tenant_id() AND user_id = $1 AND course_id = $2`,
			f.users[name], c.ID, seconds)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func newReportFixture(t *testing.T) *reportFixture {
	t.Helper()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	f := &reportFixture{ctx: ctx, t: t, db: db, learning: postgres.NewLearningService(db), paths: postgres.NewPathService(db),
		reports: postgres.NewReportService(db), users: map[string]int64{}}
	var people []fixture.Person
	for _, name := range []string{"Ana", "Bo", "Cy", "Di", "Ed"} {
		people = append(people, fixture.Person{Email: strings.ToLower(name) + "@acme.test", Name: name})
	}
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme", People: people,
		Groups: []fixture.Group{
			{Name: "Sales", Members: []string{"ana@acme.test", "bo@acme.test"}},
			{Name: "Support", Members: []string{"cy@acme.test", "ed@acme.test"}}},
		Courses: []fixture.Course{{}, {Slug: "second-course", Title: "Second Course"}}})
	f.tenantID = acme.ID
	for _, u := range acme.People {
		f.users[u.Name] = u.ID
	}
	f.sales, f.support = acme.Groups["Sales"].ID, acme.Groups["Support"].ID
	f.first, f.second = acme.Courses[example], acme.Courses["second-course"]
	// The path's second step opens after the first: more than the
	// fixture's paths of free steps.
	p, err := f.paths.CreatePath(ctx, acme.ID, course.Path{Slug: "both", Title: "Both Courses",
		Steps: []course.PathStep{{Course: f.first.Slug, Unlock: course.Free}, {Course: f.second.Slug, Unlock: course.AfterPrevious}}}, "", true, by)
	if err != nil {
		t.Fatal(err)
	}
	f.pathID = p.ID

	// The example quiz has two questions: the right answers are option 0
	// for the first and option 1 for the second; the pass mark is 50.
	half := learning.Answers{{0}, {0}} // 50: passes

	// Di starts the path, completes the first course in February (score
	// 50), then the second in March (score 100), which completes the path.
	f.at("2025-02-10T09:00:00Z")
	if err := f.paths.StartPath(ctx, acme.ID, f.users["Di"], f.pathID); err != nil {
		t.Fatal(err)
	}
	f.at("2025-02-10T09:05:00Z")
	f.enrol("Di", f.first)
	f.at("2025-02-10T09:10:00Z")
	f.reflect("Di", f.first)
	f.at("2025-02-11T10:00:00Z")
	f.quiz("Di", f.first, 1, half)

	// Ana starts the path, fails the first quiz and passes on her second
	// try (completing the first course on Sunday 2 March).
	f.at("2025-03-01T10:00:00Z")
	if err := f.paths.StartPath(ctx, acme.ID, f.users["Ana"], f.pathID); err != nil {
		t.Fatal(err)
	}
	f.at("2025-03-01T10:05:00Z")
	f.enrol("Ana", f.first)
	f.at("2025-03-01T10:10:00Z")
	f.reflect("Ana", f.first)
	f.at("2025-03-02T09:00:00Z")
	f.quiz("Ana", f.first, 1, wrong)
	f.at("2025-03-02T09:30:00Z")
	f.quiz("Ana", f.first, 2, right)

	// Ed completes the first course, then leaves it: he counts nowhere but
	// among the active learners.
	f.at("2025-03-05T12:00:00Z")
	f.enrol("Ed", f.first)
	f.at("2025-03-05T12:10:00Z")
	f.reflect("Ed", f.first)
	f.at("2025-03-05T12:20:00Z")
	f.quiz("Ed", f.first, 1, right)
	f.at("2025-03-06T08:00:00Z")
	if err := f.learning.Unenrol(ctx, acme.ID, f.users["Ed"], f.first.ID); err != nil {
		t.Fatal(err)
	}

	// Bo is assigned the first course, due 20 March, and fails its quiz:
	// overdue.
	f.at("2025-03-10T09:00:00Z")
	due := time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)
	if _, err := f.learning.Assign(ctx, acme.ID, postgres.Assignment{CourseID: f.first.ID, UserIDs: []int64{f.users["Bo"]}, DueAt: &due}, by); err != nil {
		t.Fatal(err)
	}
	f.at("2025-03-11T14:00:00Z")
	f.reflect("Bo", f.first)
	f.at("2025-03-11T14:10:00Z")
	f.quiz("Bo", f.first, 1, wrong)

	// Cy enrols and does nothing more: not started.
	f.at("2025-03-25T16:00:00Z")
	f.enrol("Cy", f.first)

	// Di takes the second course to the end on Saturday 29 March.
	f.at("2025-03-28T11:00:00Z")
	f.enrol("Di", f.second)
	f.at("2025-03-29T11:00:00Z")
	f.reflect("Di", f.second)
	f.at("2025-03-29T11:10:00Z")
	f.quiz("Di", f.second, 1, right)

	// Ana begins the second course: in progress.
	f.at("2025-03-30T10:00:00Z")
	f.enrol("Ana", f.second)
	f.at("2025-03-30T10:05:00Z")
	f.reflect("Ana", f.second)

	f.timeSpent("Ana", f.first, 600)
	f.timeSpent("Bo", f.first, 300)
	f.timeSpent("Di", f.first, 900)
	f.timeSpent("Di", f.second, 120)
	f.db.Now = func() time.Time { return reportNow }
	return f
}

func filter(t *testing.T, group int64, from, to string) report.Filter {
	t.Helper()
	g := ""
	if group != 0 {
		g = fmt.Sprint(group)
	}
	f, err := report.ParseFilter(g, from, to)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func score(s *float64) string {
	if s == nil {
		return "none"
	}
	return fmt.Sprintf("%.1f", *s)
}

func TestReport_OverviewFiguresAreTheHandCountedOnes(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t)

	t.Run("Everyone", func(t *testing.T) {
		o, err := f.reports.Overview(f.ctx, f.tenantID, report.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		// Enrolments not withdrawn: Di and Ana (both courses), Bo, Cy.
		// Completed: Di twice, Ana once. Bo is overdue. Best quiz scores:
		// Di 50 and 100, Ana 100, Bo 0 (Ed left): 250/4. Active in the
		// last 7 days (from 24 March noon): Di, Ana, Cy; in 30 (from 1
		// March noon): also Bo and Ed.
		want := postgres.Summary{Active7: 3, Active30: 5, Enrolments: 6, Completed: 3, Overdue: 1, Completions: 3, ScoredQuizzes: 4}
		got := o.Summary
		if score(got.AverageScore) != "62.5" {
			t.Errorf("average score %s, want 62.5", score(got.AverageScore))
		}
		got.AverageScore = nil
		if got != want {
			t.Errorf("summary\n got %+v\nwant %+v", got, want)
		}
		if r := o.Summary.CompletionRate().String(); r != "50.0%" {
			t.Errorf("completion rate %s, want 50.0%%", r)
		}
		// From the first completion (Tuesday 11 February) to today is 48
		// days: weeks, from Monday 10 February to Monday 31 March.
		if o.Completions.Unit != "week" {
			t.Errorf("unit %q, want week", o.Completions.Unit)
		}
		if got, want := buckets(o.Completions), "02-10:1 02-17:0 02-24:1 03-03:0 03-10:0 03-17:0 03-24:1 03-31:0"; got != want {
			t.Errorf("completions\n got %s\nwant %s", got, want)
		}
		if got, want := states(o.States), "completed:3 overdue:1 in_progress:1 not_started:1"; got != want {
			t.Errorf("states %s, want %s", got, want)
		}
		var courses []string
		for _, c := range o.Courses {
			courses = append(courses, fmt.Sprintf("%s %d/%d overdue %d score %s", c.Title, c.Completed, c.Enrolments, c.Overdue, score(c.AverageScore)))
		}
		if got, want := strings.Join(courses, "; "), "Second Course 1/2 overdue 0 score 100.0; Your First One-on-One 2/4 overdue 1 score 50.0"; got != want {
			t.Errorf("courses\n got %s\nwant %s", got, want)
		}
		if len(o.Paths) != 1 || o.Paths[0].Learners != 2 || o.Paths[0].Completed != 1 {
			t.Errorf("paths %+v, want 1 of 2 completed", o.Paths)
		}
		if len(o.Groups) != 2 || o.Groups[0].Name != "Sales" {
			t.Errorf("groups %+v", o.Groups)
		}
	})

	t.Run("OneGroup", func(t *testing.T) {
		o, err := f.reports.Overview(f.ctx, f.tenantID, filter(t, f.sales, "", ""))
		if err != nil {
			t.Fatal(err)
		}
		// Ana (both courses) and Bo: Ana's first completed, Bo overdue,
		// Ana's second in progress; bests 100 and 0.
		got := o.Summary
		if score(got.AverageScore) != "50.0" {
			t.Errorf("average score %s, want 50.0", score(got.AverageScore))
		}
		got.AverageScore = nil
		if want := (postgres.Summary{Active7: 1, Active30: 2, Enrolments: 3, Completed: 1, Overdue: 1, Completions: 1, ScoredQuizzes: 2}); got != want {
			t.Errorf("summary\n got %+v\nwant %+v", got, want)
		}
		if got, want := states(o.States), "completed:1 overdue:1 in_progress:1 not_started:0"; got != want {
			t.Errorf("states %s, want %s", got, want)
		}
		if o.Paths[0].Learners != 1 || o.Paths[0].Completed != 0 {
			t.Errorf("path figures %+v, want Ana alone, not completed", o.Paths[0])
		}
	})

	t.Run("FirstHalfOfMarch", func(t *testing.T) {
		o, err := f.reports.Overview(f.ctx, f.tenantID, filter(t, 0, "2025-03-01", "2025-03-15"))
		if err != nil {
			t.Fatal(err)
		}
		// Enrolled then: Ana (first course) and Bo. Completed in the range:
		// Ana's. Attempts then: Ana's (best 100) and Bo's (0). The active
		// learners do not move with the dates.
		got := o.Summary
		if score(got.AverageScore) != "50.0" {
			t.Errorf("average score %s, want 50.0", score(got.AverageScore))
		}
		got.AverageScore = nil
		if want := (postgres.Summary{Active7: 3, Active30: 5, Enrolments: 2, Completed: 1, Overdue: 1, Completions: 1, ScoredQuizzes: 2}); got != want {
			t.Errorf("summary\n got %+v\nwant %+v", got, want)
		}
		// Fifteen days: one bar a day, Ana's completion on the 2nd.
		if o.Completions.Unit != "day" || len(o.Completions.Buckets) != 15 || o.Completions.Buckets[1].Count != 1 {
			t.Errorf("completions %s %s", o.Completions.Unit, buckets(o.Completions))
		}
		second := o.Courses[0]
		if second.Enrolments != 0 || second.AverageScore != nil {
			t.Errorf("the second course in early March: %+v", second)
		}
		if o.Paths[0].Learners != 1 {
			t.Errorf("path learners who started in the range: %d, want 1 (Ana)", o.Paths[0].Learners)
		}
	})

	t.Run("TheChartStopsToday", func(t *testing.T) {
		o, err := f.reports.Overview(f.ctx, f.tenantID, filter(t, 0, "", "2025-06-30"))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := buckets(o.Completions), "02-10:1 02-17:0 02-24:1 03-03:0 03-10:0 03-17:0 03-24:1 03-31:0"; got != want {
			t.Errorf("completions to the end of June\n got %s\nwant %s", got, want)
		}
		o, err = f.reports.Overview(f.ctx, f.tenantID, filter(t, 0, "2025-04-01", ""))
		if err != nil || len(o.Completions.Buckets) != 0 {
			t.Errorf("from tomorrow: %v %v", o.Completions, err)
		}
	})

	t.Run("AGroupOfAnotherPortalIsRefused", func(t *testing.T) {
		_, err := f.reports.Overview(f.ctx, f.tenantID, report.Filter{GroupID: f.sales + 1000})
		if fields, ok := apperr.FieldsOf(err); !ok || fields["group"] == "" {
			t.Errorf("an unknown group: %v", err)
		}
	})
}

func buckets(c postgres.Completions) string {
	var out []string
	for _, b := range c.Buckets {
		out = append(out, fmt.Sprintf("%s:%d", b.Start.Format("01-02"), b.Count))
	}
	return strings.Join(out, " ")
}

func states(sc []postgres.StateCount) string {
	var out []string
	for _, s := range sc {
		out = append(out, fmt.Sprintf("%s:%d", s.State, s.Count))
	}
	return strings.Join(out, " ")
}

func TestReport_CourseFiguresAreTheHandCountedOnes(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t)
	cr, err := f.reports.CourseReport(f.ctx, f.tenantID, f.first.ID, report.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The first course's learners: Ana, Bo, Cy, Di (Ed left). Active on
	// it in the last 30 days: Ana (her quiz on 2 March), Bo, Cy, Ed; in 7:
	// Cy, who enrolled on 25 March.
	got := cr.Summary
	if score(got.AverageScore) != "50.0" {
		t.Errorf("average score %s, want 50.0", score(got.AverageScore))
	}
	got.AverageScore = nil
	if want := (postgres.Summary{Active7: 1, Active30: 4, Enrolments: 4, Completed: 2, Overdue: 1, Completions: 2, ScoredQuizzes: 3}); got != want {
		t.Errorf("summary\n got %+v\nwant %+v", got, want)
	}
	var learners []string
	for _, l := range cr.Learners {
		learners = append(learners, fmt.Sprintf("%s %s %d%% %s %ds", l.Name, l.State, l.Percent, score(l.Score), l.TimeSpent))
	}
	if got, want := strings.Join(learners, "; "), "Ana completed 100% 100.0 600s; Bo overdue 50% 0.0 300s; Cy not_started 0% none 0s; Di completed 100% 50.0 900s"; got != want {
		t.Errorf("learners\n got %s\nwant %s", got, want)
	}
	bo := cr.Learners[1]
	if bo.DueAt == nil || !bo.DueAt.Equal(time.Date(2025, 3, 20, 0, 0, 0, 0, time.UTC)) || bo.CompletedAt != nil ||
		!bo.EnrolledAt.Equal(time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)) || !bo.LastAccess.Equal(time.Date(2025, 3, 11, 14, 10, 0, 0, time.UTC)) {
		t.Errorf("Bo's dates: %+v", bo)
	}
	// First tries: Di chose {0},{0}; Ana and Bo {1},{0}. Ed's is not
	// counted: he left.
	var questions []string
	for _, q := range cr.Questions {
		questions = append(questions, fmt.Sprintf("v%d %s q%d %d/%d %s", q.Version, q.Lesson, q.Number, q.Right, q.Answered, q.SuccessRate()))
	}
	if got, want := strings.Join(questions, "; "), "v1 The conversation q1 1/3 33.3%; v1 The conversation q2 0/3 0.0%"; got != want {
		t.Errorf("questions\n got %s\nwant %s", got, want)
	}
	if !strings.HasPrefix(cr.Questions[0].Prompt, "What should she do") {
		t.Errorf("prompt %q", cr.Questions[0].Prompt)
	}

	t.Run("OneGroup", func(t *testing.T) {
		cr, err := f.reports.CourseReport(f.ctx, f.tenantID, f.first.ID, filter(t, f.support, "", ""), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(cr.Learners) != 1 || cr.Learners[0].Name != "Cy" || cr.Summary.Enrolments != 1 || cr.Summary.CompletionRate().String() != "0.0%" {
			t.Errorf("Support's learners: %+v, summary %+v", cr.Learners, cr.Summary)
		}
		if cr.Questions[0].Answered != 0 || cr.Questions[0].SuccessRate().String() != "–" {
			t.Errorf("Support's questions: %+v", cr.Questions)
		}
	})
	t.Run("APageShowsTheFirstLearners", func(t *testing.T) {
		cr, err := f.reports.CourseReport(f.ctx, f.tenantID, f.first.ID, report.Filter{}, 2)
		if err != nil || len(cr.Learners) != 2 || cr.Summary.Enrolments != 4 {
			t.Errorf("limited to 2: %d learners of %d, %v", len(cr.Learners), cr.Summary.Enrolments, err)
		}
	})
	t.Run("AStreamHandsOverRowByRowAndStopsWhenTold", func(t *testing.T) {
		var names []string
		stop := errors.New("the client went away")
		err := f.reports.StreamTable(f.ctx, f.tenantID, postgres.TableCourseLearners, f.first.ID, report.Filter{}, func(row any) error {
			names = append(names, row.(postgres.CourseLearnerRow).Name)
			if len(names) == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || strings.Join(names, ",") != "Ana,Bo" {
			t.Errorf("stopped after %v with %v", names, err)
		}
	})
	t.Run("ACourseOfAnotherPortalIsNotFound", func(t *testing.T) {
		other := fixture.Build(t, f.db, fixture.Spec{Slug: "globex", Name: "Globex"})
		if _, err := f.reports.CourseReport(f.ctx, other.ID, f.first.ID, report.Filter{}, 0); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("another portal's course: %v", err)
		}
		if _, err := f.reports.FindSubject(f.ctx, other.ID, postgres.SubjectLearner, f.users["Ana"]); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("another portal's learner: %v", err)
		}
		n := 0
		if err := f.reports.StreamTable(f.ctx, other.ID, postgres.TableCourseLearners, f.first.ID, report.Filter{}, func(any) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("another portal's learners streamed %d rows, %v", n, err)
		}
	})
}

func TestReport_LearnerAndPathFiguresAreTheHandCountedOnes(t *testing.T) {
	t.Parallel()
	f := newReportFixture(t)
	lr, err := f.reports.LearnerReport(f.ctx, f.tenantID, f.users["Ana"], report.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var courses []string
	for _, c := range lr.Courses {
		courses = append(courses, fmt.Sprintf("%s %s %d%% %s", c.Title, c.State, c.Percent, score(c.Score)))
	}
	if got, want := strings.Join(courses, "; "), "Your First One-on-One completed 100% 100.0; Second Course in_progress 50% none"; got != want {
		t.Errorf("Ana's courses\n got %s\nwant %s", got, want)
	}
	var quizzes []string
	for _, q := range lr.Quizzes {
		quizzes = append(quizzes, fmt.Sprintf("%s try %d: %d %v", q.Lesson, q.Number, q.Score, q.Passed))
	}
	if got, want := strings.Join(quizzes, "; "), "The conversation try 1: 0 false; The conversation try 2: 100 true"; got != want {
		t.Errorf("Ana's quizzes\n got %s\nwant %s", got, want)
	}
	if len(lr.Paths) != 1 || lr.Paths[0].StepsDone != 1 || lr.Paths[0].Steps != 2 || lr.Paths[0].CompletedAt != nil {
		t.Errorf("Ana's paths: %+v", lr.Paths)
	}
	if lr.Groups != "Sales" || lr.Email != "ana@acme.test" {
		t.Errorf("Ana: %q %q", lr.Groups, lr.Email)
	}
	t.Run("FromThe30th", func(t *testing.T) {
		lr, err := f.reports.LearnerReport(f.ctx, f.tenantID, f.users["Ana"], filter(t, 0, "2025-03-30", ""))
		if err != nil || len(lr.Courses) != 1 || lr.Courses[0].Title != "Second Course" || len(lr.Quizzes) != 0 || len(lr.Paths) != 0 {
			t.Errorf("from 30 March: %+v %v", lr, err)
		}
	})

	pr, err := f.reports.PathReport(f.ctx, f.tenantID, f.pathID, report.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if pr.Figures.Learners != 2 || pr.Figures.Completed != 1 || pr.Figures.CompletionRate().String() != "50.0%" {
		t.Errorf("path figures %+v", pr.Figures)
	}
	var steps []string
	for _, s := range pr.Steps {
		steps = append(steps, fmt.Sprintf("%d %s %d/%d/%d", s.Position, s.Course, s.Completed, s.Started, s.Learners))
	}
	if got, want := strings.Join(steps, "; "), "0 Your First One-on-One 2/2/2; 1 Second Course 1/2/2"; got != want {
		t.Errorf("steps\n got %s\nwant %s", got, want)
	}
	var learners []string
	for _, l := range pr.Learners {
		learners = append(learners, fmt.Sprintf("%s %s %s", l.Name, l.State(), l.Progress()))
	}
	if got, want := strings.Join(learners, "; "), "Ana in_progress 50.0%; Di completed 100.0%"; got != want {
		t.Errorf("path learners\n got %s\nwant %s", got, want)
	}
	t.Run("OneGroup", func(t *testing.T) {
		pr, err := f.reports.PathReport(f.ctx, f.tenantID, f.pathID, filter(t, f.sales, "", ""), 0)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Figures.Learners != 1 || pr.Figures.Completed != 0 || len(pr.Learners) != 1 || pr.Steps[1].Started != 1 || pr.Steps[1].Completed != 0 {
			t.Errorf("Sales on the path: %+v %+v %+v", pr.Figures, pr.Steps, pr.Learners)
		}
	})
}
