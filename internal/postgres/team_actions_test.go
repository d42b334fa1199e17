package postgres_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/auditlog"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// teamFixture is acme with Mona managing Rita and Sam, Otto managing
// Oscar, the example course published and a draft, and globex beside it
// with its own manager and report.
type teamFixture struct {
	ctx                    context.Context
	db                     *postgres.DB
	learning               *postgres.LearningService
	acme, globex           fixture.Portal
	mona, rita, sam, otto  user.User
	oscar, gail, gus       user.User
	course, draft, gCourse postgres.CourseRecord
	by                     postgres.AuditActor
}

func newTeamFixture(t *testing.T) teamFixture {
	t.Helper()
	db := fixture.DB(t)
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme",
		People: []fixture.Person{
			{Email: "mona@acme.test", Name: "Mona Manager"},
			{Email: "otto@acme.test", Name: "Otto Other"},
			{Email: "rita@acme.test", Name: "Rita Report", Manager: "mona@acme.test"},
			{Email: "sam@acme.test", Name: "Sam Second", Manager: "mona@acme.test"},
			{Email: "oscar@acme.test", Name: "Oscar Otherteam", Manager: "otto@acme.test"},
		},
		Courses: []fixture.Course{{}, {Slug: "draft-course", Title: "Draft Course", Draft: true}}})
	globex := fixture.Build(t, db, fixture.Spec{Slug: "globex", Name: "Globex",
		People: []fixture.Person{
			{Email: "gail@globex.test", Name: "Gail Globex"},
			{Email: "gus@globex.test", Name: "Gus Globex", Manager: "gail@globex.test"},
		},
		Courses: []fixture.Course{{}}})
	return teamFixture{ctx: context.Background(), db: db, learning: postgres.NewLearningService(db), acme: acme, globex: globex,
		mona: acme.Person(t, "mona@acme.test"), rita: acme.Person(t, "rita@acme.test"), sam: acme.Person(t, "sam@acme.test"),
		otto: acme.Person(t, "otto@acme.test"), oscar: acme.Person(t, "oscar@acme.test"),
		gail: globex.Person(t, "gail@globex.test"), gus: globex.Person(t, "gus@globex.test"),
		course: acme.Courses[example], draft: acme.Courses["draft-course"], gCourse: globex.Courses[example],
		by: postgres.AuditActor{Label: "test"}}
}

func future(days int) *time.Time {
	d := time.Now().AddDate(0, 0, days)
	return &d
}

// sharePlan enrols who in the example course and saves its action plan,
// shared with their manager or not: the enrolment and the plan's key.
func (f teamFixture) sharePlan(t *testing.T, tenantID, userID int64, slug string, share bool) (int64, string) {
	t.Helper()
	lc, err := f.learning.FindLearnerCourse(f.ctx, tenantID, userID, slug)
	if err != nil {
		t.Fatal(err)
	}
	if lc.Enrolment == nil {
		if _, err := f.learning.Enrol(f.ctx, tenantID, userID, lc.ID, "self"); err != nil {
			t.Fatal(err)
		}
		if lc, err = f.learning.FindLearnerCourse(f.ctx, tenantID, userID, slug); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range lc.Content.Lessons() {
		for _, b := range l.Blocks {
			if b.Kind == course.KindChecklist {
				items := make([]postgres.ChecklistItemState, len(b.Checklist.Items))
				if err := f.learning.SaveChecklist(f.ctx, tenantID, lc, l.Key, b.Key, items, share); err != nil {
					t.Fatal(err)
				}
				return lc.Enrolment.ID, b.Key
			}
		}
	}
	t.Fatal("no action plan in the example course")
	return 0, ""
}

func notesOf(t *testing.T, db *postgres.DB, tenantID, userID int64) []postgres.Notification {
	t.Helper()
	notes, _, err := postgres.NewNotificationService(db).FindNotifications(context.Background(), tenantID, userID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	return notes
}

func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if apperr.Code(err) != code {
		t.Errorf("%s: got %v (%s), want %s", what, err, apperr.Code(err), code)
	}
}

// A manager assigns only to their own active direct reports, and only
// what is published in their portal; the assignment notifies as an
// administrator's does.
func TestTeam_AssignReachesOnlyDirectReports(t *testing.T) {
	t.Parallel()
	f := newTeamFixture(t)
	acme := f.acme.ID
	if _, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, future(7), f.by); err != nil {
		t.Fatalf("Mona assigns Rita: %v", err)
	}
	d, err := f.learning.FindDashboard(f.ctx, acme, f.rita.ID)
	if err != nil || len(d.Courses) != 1 || d.Courses[0].Source != "assigned" || d.Courses[0].DueAt == nil {
		t.Fatalf("Rita's courses: %+v %v", d.Courses, err)
	}
	if notes := notesOf(t, f.db, acme, f.rita.ID); len(notes) != 1 || notes[0].Kind != notify.Assigned {
		t.Errorf("Rita's notifications: %+v", notes)
	}

	// Someone else's report, oneself, another portal's person: not found.
	for name, id := range map[string]int64{"Oscar": f.oscar.ID, "Mona herself": f.mona.ID, "Gus of globex": f.gus.ID, "nobody": 999999} {
		_, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, id, f.course.ID, nil, f.by)
		wantCode(t, name, err, apperr.ENOTFOUND)
	}
	// A draft, another portal's course: refused, naming the field.
	for name, id := range map[string]int64{"draft": f.draft.ID, "globex's course": f.gCourse.ID} {
		_, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.sam.ID, id, nil, f.by)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != apperr.EINVALID || ae.Field != "course" {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A date gone by: refused at the due field, nothing enrolled.
	_, err = f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.sam.ID, f.course.ID, future(-2), f.by)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Field != "due" || !strings.Contains(ae.Message, "due date") {
		t.Errorf("a past due date: %v", err)
	}
	if d, _ := f.learning.FindDashboard(f.ctx, acme, f.sam.ID); len(d.Courses) != 0 {
		t.Errorf("a refused assignment enrolled Sam: %+v", d.Courses)
	}

	// Rita gets another manager: Mona loses her at once.
	users := postgres.NewUserService(f.db, nil, nil)
	if _, err := users.UpdateUser(f.ctx, acme, f.rita.ID, postgres.UserUpdate{Name: f.rita.Name, Roles: f.rita.Roles, Status: user.Active, ManagerID: &f.otto.ID}, f.by); err != nil {
		t.Fatal(err)
	}
	_, err = f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, nil, f.by)
	wantCode(t, "Rita after her manager changed", err, apperr.ENOTFOUND)
	// Mona deactivated: not even Sam.
	if _, err := users.UpdateUser(f.ctx, acme, f.mona.ID, postgres.UserUpdate{Name: f.mona.Name, Roles: f.mona.Roles, Status: user.Deactivated}, f.by); err != nil {
		t.Fatal(err)
	}
	_, err = f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.sam.ID, f.course.ID, nil, f.by)
	wantCode(t, "Sam of a deactivated Mona", err, apperr.ENOTFOUND)
}

// A nudge is about an assigned course not completed, once a day per
// report and course; it notifies the report and is audited.
func TestTeam_NudgeOncePerReportCourseAndDay(t *testing.T) {
	t.Parallel()
	f := newTeamFixture(t)
	acme := f.acme.ID
	// Not assigned yet: nothing to nudge about.
	_, err := f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, f.by)
	wantCode(t, "a course not assigned", err, apperr.EINVALID)
	if _, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, future(3), f.by); err != nil {
		t.Fatal(err)
	}
	n, err := f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, f.by)
	if err != nil || n.Name != "Rita Report" {
		t.Fatalf("the first nudge: %+v %v", n, err)
	}
	notes := notesOf(t, f.db, acme, f.rita.ID)
	if len(notes) != 2 || notes[0].Kind != notify.Nudged || !strings.Contains(notes[0].Title, "Mona Manager") || !strings.Contains(notes[0].Body, "due") {
		t.Errorf("Rita's notifications: %+v", notes)
	}
	// The second the same day is refused, saying so; nothing more sent.
	_, err = f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, f.by)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.ECONFLICT || !strings.Contains(ae.Message, "today") {
		t.Errorf("the second nudge: %v", err)
	}
	if again := notesOf(t, f.db, acme, f.rita.ID); len(again) != 2 {
		t.Errorf("a refused nudge notified: %d notifications", len(again))
	}
	// Audited, once.
	page, err := postgres.NewAuditService(f.db).FindAuditEvents(f.ctx, acme, auditlog.Filter{Action: "team.nudge"}, nil, 10)
	if err != nil || len(page.Events) != 1 || page.Events[0].Subject != "rita@acme.test" {
		t.Errorf("the nudge's audit: %+v %v", page.Events, err)
	}
	// Only the manager of the report; no other portal's.
	_, err = f.learning.NudgeReport(f.ctx, acme, f.otto.ID, f.rita.ID, f.course.ID, f.by)
	wantCode(t, "Otto nudging Rita", err, apperr.ENOTFOUND)
	_, err = f.learning.NudgeReport(f.ctx, f.globex.ID, f.gail.ID, f.rita.ID, f.course.ID, f.by)
	wantCode(t, "Gail nudging Rita through globex", err, apperr.ENOTFOUND)
	_, err = f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.gus.ID, f.gCourse.ID, f.by)
	wantCode(t, "Mona nudging globex's Gus", err, apperr.ENOTFOUND)
	// Another course, or the same for another report, is another nudge.
	if _, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.sam.ID, f.course.ID, nil, f.by); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.sam.ID, f.course.ID, f.by); err != nil {
		t.Errorf("nudging Sam after Rita: %v", err)
	}
	// Completed: nothing left to nudge about.
	if err := fixture.TakeExample(f.ctx, f.learning, acme, f.rita.ID, example, learning.Answers{{0}, {1}}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.InTenantTx(f.ctx, acme, func(tx *postgres.Tx) error {
		_, err := tx.Exec(f.ctx, `DELETE FROM nudges WHERE tenant_id = $1`, acme)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	_, err = f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, f.by)
	wantCode(t, "a completed course", err, apperr.EINVALID)
}

// A comment on a shared action plan: only on a plan shared with the
// commenting manager, seen by the report and the manager, and notified.
func TestTeam_CommentsOnSharedPlans(t *testing.T) {
	t.Parallel()
	f := newTeamFixture(t)
	acme := f.acme.ID
	ritaPlan, block := f.sharePlan(t, acme, f.rita.ID, example, true)
	samPlan, _ := f.sharePlan(t, acme, f.sam.ID, example, false)
	oscarPlan, _ := f.sharePlan(t, acme, f.oscar.ID, example, true)

	if _, err := f.learning.CommentOnPlan(f.ctx, acme, f.mona.ID, f.rita.ID, ritaPlan, block, "  Good plan: book it for Mondays.  ", f.by); err != nil {
		t.Fatalf("Mona comments on Rita's plan: %v", err)
	}
	// Bad input changes nothing and names the field.
	for name, body := range map[string]string{"empty": "   ", "too long": strings.Repeat("x", postgres.MaxPlanComment+1)} {
		_, err := f.learning.CommentOnPlan(f.ctx, acme, f.mona.ID, f.rita.ID, ritaPlan, block, body, f.by)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Field != "comment" {
			t.Errorf("%s comment: %v", name, err)
		}
	}
	// Unshared, someone else's report, a mismatched plan, another portal.
	refused := []struct {
		name                    string
		tenant, manager, report int64
		enrolment               int64
	}{
		{"Sam's unshared plan", acme, f.mona.ID, f.sam.ID, samPlan},
		{"Oscar's plan, shared with Otto", acme, f.mona.ID, f.oscar.ID, oscarPlan},
		{"Rita's plan named as Sam's", acme, f.mona.ID, f.sam.ID, ritaPlan},
		{"Rita's plan through globex", f.globex.ID, f.gail.ID, f.rita.ID, ritaPlan},
	}
	for _, c := range refused {
		_, err := f.learning.CommentOnPlan(f.ctx, c.tenant, c.manager, c.report, c.enrolment, block, "Hello", f.by)
		wantCode(t, c.name, err, apperr.ENOTFOUND)
	}

	// Rita sees it in the lesson, under her plan; the same plan asked for
	// as anyone else, or through another portal, has none.
	lc, err := f.learning.FindLearnerCourse(f.ctx, acme, f.rita.ID, example)
	if err != nil {
		t.Fatal(err)
	}
	inLesson, err := f.learning.FindPlanComments(f.ctx, acme, f.rita.ID, ritaPlan, lc.Enrolment.Attempt, []string{block})
	if err != nil || len(inLesson[block]) != 1 || inLesson[block][0].Author != "Mona Manager" {
		t.Errorf("Rita's comments in the lesson: %+v %v", inLesson, err)
	}
	if other, _ := f.learning.FindPlanComments(f.ctx, acme, f.sam.ID, ritaPlan, lc.Enrolment.Attempt, []string{block}); len(other) != 0 {
		t.Errorf("Rita's plan read as Sam: %+v", other)
	}
	if other, _ := f.learning.FindPlanComments(f.ctx, f.globex.ID, f.rita.ID, ritaPlan, lc.Enrolment.Attempt, []string{block}); len(other) != 0 {
		t.Errorf("Rita's plan read through globex: %+v", other)
	}

	// Rita sees it on "My learning", with where the plan is.
	d, err := f.learning.FindDashboard(f.ctx, acme, f.rita.ID)
	if err != nil || len(d.PlanComments) != 1 {
		t.Fatalf("Rita's comments: %+v %v", d.PlanComments, err)
	}
	c := d.PlanComments[0]
	if c.Body != "Good plan: book it for Mondays." || c.Author != "Mona Manager" || c.PlanTitle != "First steps" || !strings.Contains(c.LessonURL, "/lessons/") {
		t.Errorf("Rita's comment: %+v", c)
	}
	if notes := notesOf(t, f.db, acme, f.rita.ID); len(notes) != 1 || notes[0].Kind != notify.PlanComment {
		t.Errorf("Rita's notifications: %+v", notes)
	}
	// Nobody else does.
	for _, who := range []user.User{f.sam, f.oscar} {
		if d, _ := f.learning.FindDashboard(f.ctx, acme, who.ID); len(d.PlanComments) != 0 {
			t.Errorf("%s sees comments: %+v", who.Name, d.PlanComments)
		}
	}
	// Mona sees it under the plan on "My team"; Otto does not.
	team, err := f.learning.FindTeam(f.ctx, acme, f.mona.ID)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, m := range team.Members {
		for _, s := range m.Shared {
			for _, c := range s.Comments {
				seen = append(seen, m.Name+": "+c.Body)
			}
		}
	}
	if strings.Join(seen, "|") != "Rita Report: Good plan: book it for Mondays." {
		t.Errorf("Mona's team's comments: %v", seen)
	}
	other, _ := f.learning.FindTeam(f.ctx, acme, f.otto.ID)
	for _, m := range other.Members {
		for _, s := range m.Shared {
			if len(s.Comments) != 0 {
				t.Errorf("Otto sees comments on %s's plan", m.Name)
			}
		}
	}
}

// The team's dashboard counts the manager's active direct reports only;
// the portal's, every active person of the portal and no other.
func TestTeam_DashboardsCountTheirScopeOnly(t *testing.T) {
	t.Parallel()
	f := newTeamFixture(t)
	acme := f.acme.ID
	// Rita completes the course, Sam is assigned it overdue (through the
	// store, as time passing would make it), Oscar is enrolled. Each
	// enrolment is a learning record: all three are active learners.
	if _, err := f.learning.Enrol(f.ctx, acme, f.rita.ID, f.course.ID, "self"); err != nil {
		t.Fatal(err)
	}
	if err := fixture.TakeExample(f.ctx, f.learning, acme, f.rita.ID, example, learning.Answers{{0}, {1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.sam.ID, f.course.ID, future(1), f.by); err != nil {
		t.Fatal(err)
	}
	if err := f.db.InTenantTx(f.ctx, acme, func(tx *postgres.Tx) error {
		_, err := tx.Exec(f.ctx, `UPDATE enrolments SET due_at = now() - interval '2 days' WHERE tenant_id = $1 AND user_id = $2`, acme, f.sam.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.Enrol(f.ctx, acme, f.oscar.ID, f.course.ID, "self"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.Enrol(f.ctx, f.globex.ID, f.gus.ID, f.gCourse.ID, "self"); err != nil {
		t.Fatal(err)
	}

	team, err := f.learning.FindTeam(f.ctx, acme, f.mona.ID)
	if err != nil {
		t.Fatal(err)
	}
	d := team.Figures
	if d.People != 2 || d.Enrolments != 2 || d.Completed != 1 || d.Overdue != 1 || d.Active7 != 2 || d.Active30 != 2 {
		t.Errorf("Mona's team: %+v", d)
	}
	if len(d.Weeks) != postgres.DashboardWeeks || d.Weeks[len(d.Weeks)-1].Count != 1 {
		t.Errorf("Mona's team's weeks: %+v", d.Weeks)
	}
	if len(d.OverdueByCourse) != 1 || d.OverdueByCourse[0].Count != 1 {
		t.Errorf("Mona's team's overdue: %+v", d.OverdueByCourse)
	}
	if len(team.Courses) != 1 || team.Courses[0].ID != f.course.ID {
		t.Errorf("the courses Mona can assign: %+v", team.Courses)
	}

	portal, err := postgres.NewReportService(f.db).PortalDashboard(f.ctx, acme)
	if err != nil {
		t.Fatal(err)
	}
	// Five people, three enrolments of acme; globex's counts nowhere.
	if portal.People != 5 || portal.Enrolments != 3 || portal.Completed != 1 || portal.Overdue != 1 {
		t.Errorf("acme's dashboard: %+v", portal)
	}
	if g, _ := postgres.NewReportService(f.db).PortalDashboard(f.ctx, f.globex.ID); g.People != 2 || g.Enrolments != 1 {
		t.Errorf("globex's dashboard: %+v", g)
	}
	// Another manager's team is theirs alone.
	if other, _ := f.learning.FindTeam(f.ctx, acme, f.otto.ID); other.Figures.People != 1 || other.Figures.Enrolments != 1 || other.Figures.Completed != 0 || other.Figures.Active7 != 1 {
		t.Errorf("Otto's team: %+v", other.Figures)
	}
}

// A privacy export holds what passed between a person and their manager:
// the report's has the nudge and the comment on their plan; the manager's
// has them as sent and written; a bystander's has neither.
func TestTeam_ExportHoldsNudgesAndPlanComments(t *testing.T) {
	t.Parallel()
	f := newTeamFixture(t)
	acme := f.acme.ID
	if _, err := f.learning.AssignToReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, future(7), f.by); err != nil {
		t.Fatal(err)
	}
	plan, block := f.sharePlan(t, acme, f.rita.ID, example, true)
	if _, err := f.learning.NudgeReport(f.ctx, acme, f.mona.ID, f.rita.ID, f.course.ID, f.by); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.CommentOnPlan(f.ctx, acme, f.mona.ID, f.rita.ID, plan, block, "Book it for Mondays.", f.by); err != nil {
		t.Fatal(err)
	}
	export := func(u user.User) map[string]string {
		var b bytes.Buffer
		if err := postgres.NewUserService(f.db, nil, nil).ExportUser(f.ctx, acme, u.ID, &b); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
		if err != nil {
			t.Fatal(err)
		}
		files := map[string]string{}
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			data, _ := io.ReadAll(rc)
			files[zf.Name] = string(data)
		}
		return files
	}
	rita, mona, sam := export(f.rita), export(f.mona), export(f.sam)
	for _, c := range []struct {
		who, file, want string
		files           map[string]string
	}{
		{"Rita", "nudges.csv", "received," + example, rita},
		{"Rita", "plan_comments.csv", "on my plan," + example, rita},
		{"Rita", "plan_comments.csv", "Book it for Mondays.", rita},
		{"Mona", "nudges.csv", "sent," + example, mona},
		{"Mona", "plan_comments.csv", "written," + example, mona},
	} {
		if !strings.Contains(c.files[c.file], c.want) {
			t.Errorf("%s's %s lacks %q:\n%s", c.who, c.file, c.want, c.files[c.file])
		}
	}
	for _, name := range []string{"nudges.csv", "plan_comments.csv"} {
		if lines := strings.Count(strings.TrimSpace(sam[name]), "\n"); lines != 0 {
			t.Errorf("Sam's %s has %d rows:\n%s", name, lines, sam[name])
		}
	}
}
