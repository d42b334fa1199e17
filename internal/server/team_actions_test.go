package server_test

import (
	"context"
	"github.com/upward-lms/upward/web/pages"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// teamPortals is acme with Mona managing Rita and Sam and Otto managing
// Oscar, the example course published and a draft beside it; globex
// has a course and a person of its own.
func teamPortals(t *testing.T, s *testServer) (fixture.Portal, fixture.Portal) {
	t.Helper()
	_, acme, globex := twoPortalsOn(t, s, withAdmin, func(acme, globex *fixture.Spec) {
		acme.People = append(acme.People,
			fixture.Person{Email: "mona@acme.test", Name: "Mona Manager"},
			fixture.Person{Email: "otto@acme.test", Name: "Otto Other"},
			fixture.Person{Email: "rita@acme.test", Name: "Rita Report", Manager: "mona@acme.test"},
			fixture.Person{Email: "sam@acme.test", Name: "Sam Second", Manager: "mona@acme.test"},
			fixture.Person{Email: "oscar@acme.test", Name: "Oscar Otherteam", Manager: "otto@acme.test"})
		acme.Courses = append(acme.Courses, fixture.Course{}, fixture.Course{Slug: "draft-course", Title: "Draft Course", Draft: true})
		globex.People = append(globex.People, fixture.Person{Email: "gus@globex.test", Name: "Gus Globex"})
		globex.Courses = append(globex.Courses, fixture.Course{})
	})
	return acme, globex
}

func teamPath(u user.User, action string) string {
	return "/team/" + strconv.FormatInt(u.ID, 10) + "/" + action
}

// A manager assigns a published course with a due date to a report from
// "My team"; bad input is refused at its field and changes nothing, and
// nobody but their own reports can be reached.
func TestTeamActions_AssignToADirectReport(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	acme, globex := teamPortals(t, s)
	rita, oscar, gus := acme.Person(t, "rita@acme.test"), acme.Person(t, "oscar@acme.test"), globex.Person(t, "gus@globex.test")
	example, draft := acme.Courses[fixture.ExampleSlug], acme.Courses["draft-course"]

	mc := newClient(t, s, "acme.localhost")
	signIn(mc, "mona@acme.test", goodPassword)
	team := mc.get("/team")
	if team.doc.Find(`[data-testid="team-dashboard"]`).Length() != 1 || team.doc.Find(`[data-testid="assign-form"]`).Length() != 2 {
		t.Fatalf("My team has no dashboard or no assign forms:\n%s", team.doc.Find("main").Text())
	}
	if team.doc.Find(`select[name="course"] option[value="`+itoa(draft.ID)+`"]`).Length() != 0 {
		t.Error("a draft is offered")
	}

	yesterday := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	nextWeek := time.Now().AddDate(0, 0, 7).Format(time.DateOnly)
	bad := []struct {
		name, course, due, field, says string
	}{
		{"PastDue", itoa(example.ID), yesterday, "due", "due date"},
		{"NotADate", itoa(example.ID), "next friday", "due", "due date"},
		{"NoCourse", "", nextWeek, "course", "Choose a course"},
		{"Draft", itoa(draft.ID), nextWeek, "course", "publish"},
		{"AnotherPortalsCourse", itoa(globex.Courses[fixture.ExampleSlug].ID), nextWeek, "course", "publish"},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			p := mc.post(teamPath(rita, "assign"), url.Values{"course": {b.course}, "due": {b.due}})
			if p.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d", p.status)
			}
			if got := p.text(`[data-testid="error-` + b.field + `"]`); !strings.Contains(got, b.says) {
				t.Errorf("the %s field says %q", b.field, got)
			}
			if p.text(`[data-testid="form-error"]`) == "" {
				t.Error("no error summary")
			}
		})
	}
	if d, _ := s.main.Services.Learning.FindDashboard(context.Background(), acme.ID, rita.ID); len(d.Courses) != 0 {
		t.Fatalf("a refused assignment enrolled Rita: %+v", d.Courses)
	}

	// Not hers: Oscar (Otto's), Gus (globex's), nobody, not a number.
	for _, path := range []string{teamPath(oscar, "assign"), teamPath(gus, "assign"), "/team/999999/assign", "/team/rita/assign"} {
		if p := mc.post(path, url.Values{"course": {itoa(example.ID)}, "due": {nextWeek}}); p.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.status)
		}
	}

	p := mc.post(teamPath(rita, "assign"), url.Values{"course": {itoa(example.ID)}, "due": {nextWeek}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/team#member-"+itoa(rita.ID) {
		t.Fatalf("assign: %d %s", p.status, p.header.Get("Location"))
	}
	if notice := mc.get("/team").text(`[data-testid="notice"]`); !strings.Contains(notice, "Assigned") {
		t.Errorf("the notice: %q", notice)
	}
	rc := newClient(t, s, "acme.localhost")
	signIn(rc, "rita@acme.test", goodPassword)
	if got := rc.get("/learn").text(`[data-testid="assigned"]`); !strings.Contains(got, example.Draft.Title) {
		t.Errorf("Rita's assigned courses: %q", got)
	}

	// A learner who manages nobody may not act at all; the admin neither.
	for _, who := range []string{"ana@acme.test", "boss@acme.test"} {
		c := newClient(t, s, "acme.localhost")
		signIn(c, who, goodPassword)
		c.get("/team")
		if p := c.post(teamPath(rita, "assign"), url.Values{"course": {itoa(example.ID)}}); p.status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", who, p.status)
		}
	}
}

// A nudge reaches the report in the app and by e-mail, once a day per
// course; the second is refused with a message saying so.
func TestTeamActions_NudgeOnceADay(t *testing.T) {
	t.Parallel()
	s := newServer(t, fixture.WithJobs)
	acme, _ := teamPortals(t, s)
	rita, sam := acme.Person(t, "rita@acme.test"), acme.Person(t, "sam@acme.test")
	example := acme.Courses[fixture.ExampleSlug]
	mc := newClient(t, s, "acme.localhost")
	signIn(mc, "mona@acme.test", goodPassword)
	mc.get("/team")
	// Not assigned: refused at the page, naming the course.
	if p := mc.post(teamPath(rita, "nudge"), url.Values{"course": {itoa(example.ID)}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(`[data-testid="form-error"]`), "assigned") {
		t.Errorf("nudging about what is not assigned: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	if p := mc.post(teamPath(rita, "nudge"), url.Values{"course": {"x"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a course that is not a number: %d", p.status)
	}
	mc.post(teamPath(rita, "assign"), url.Values{"course": {itoa(example.ID)}})
	if mc.get("/team").doc.Find(`[data-testid="nudge"]`).Length() != 1 {
		t.Fatal("no nudge button for Rita's assigned course")
	}
	p := mc.post(teamPath(rita, "nudge"), url.Values{"course": {itoa(example.ID)}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("nudge: %d", p.status)
	}
	team := mc.get("/team")
	if !strings.Contains(team.text(`[data-testid="notice"]`), "Nudged Rita Report") || team.doc.Find(`[data-testid="nudged-today"]`).Length() != 1 {
		t.Errorf("after the nudge: %q", team.text(`[data-testid="notice"]`))
	}
	again := mc.post(teamPath(rita, "nudge"), url.Values{"course": {itoa(example.ID)}})
	if again.status != http.StatusConflict || !strings.Contains(again.text(`[data-testid="form-error"]`), "already nudged") {
		t.Errorf("the second nudge: %d %q", again.status, again.text(`[data-testid="form-error"]`))
	}
	if n := mailsTo(t, s, "rita@acme.test", "Mona Manager reminds you", 1); n != 1 {
		t.Errorf("%d nudge mails to Rita, want 1", n)
	}
	if n := mailsTo(t, s, "sam@acme.test", "reminds you", 0); n != 0 {
		t.Errorf("Sam was mailed: %d", n)
	}
	rc := newClient(t, s, "acme.localhost")
	signIn(rc, "rita@acme.test", goodPassword)
	if got := rc.get("/notifications").doc.Find("main").Text(); !strings.Contains(got, "Mona Manager reminds you of "+example.Draft.Title) {
		t.Errorf("Rita's notifications: %s", got)
	}
	// Sam is hers but has nothing assigned.
	if p := mc.post(teamPath(sam, "nudge"), url.Values{"course": {itoa(example.ID)}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("nudging Sam: %d", p.status)
	}
}

// A manager comments on an action plan a report shared; the report reads
// it on "My learning" and is notified. Unshared plans, others' reports
// and empty comments are refused.
func TestTeamActions_CommentOnASharedPlan(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	acme, _ := teamPortals(t, s)
	ctx := context.Background()
	rita, sam, oscar := acme.Person(t, "rita@acme.test"), acme.Person(t, "sam@acme.test"), acme.Person(t, "oscar@acme.test")
	learn := s.main.Services.Learning
	share := func(u user.User, shared bool) (int64, string) {
		t.Helper()
		rec := acme.Courses[fixture.ExampleSlug]
		if _, err := learn.Enrol(ctx, acme.ID, u.ID, rec.ID, "self"); err != nil {
			t.Fatal(err)
		}
		lc, err := learn.FindLearnerCourse(ctx, acme.ID, u.ID, rec.Slug)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lc.Content.Lessons() {
			for _, b := range l.Blocks {
				if b.Kind == course.KindChecklist {
					if err := learn.SaveChecklist(ctx, acme.ID, lc, l.Key, b.Key, make([]postgres.ChecklistItemState, len(b.Checklist.Items)), shared); err != nil {
						t.Fatal(err)
					}
					return lc.Enrolment.ID, b.Key
				}
			}
		}
		t.Fatal("no action plan")
		return 0, ""
	}
	ritaPlan, block := share(rita, true)
	samPlan, _ := share(sam, false)
	oscarPlan, _ := share(oscar, true)

	mc := newClient(t, s, "acme.localhost")
	signIn(mc, "mona@acme.test", goodPassword)
	if n := mc.get("/team").doc.Find(`[data-testid="comment-form"]`).Length(); n != 1 {
		t.Fatalf("%d comment forms, want 1 (Rita's shared plan)", n)
	}
	form := func(enrolment int64, body string) url.Values {
		return url.Values{"enrolment": {itoa(enrolment)}, "block": {block}, "comment": {body}}
	}
	if p := mc.post(teamPath(rita, "comments"), form(ritaPlan, "  ")); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(`[data-testid="error-comment"]`), "Write your comment") {
		t.Errorf("an empty comment: %d %q", p.status, p.text(`[data-testid="error-comment"]`))
	}
	if p := mc.post(teamPath(rita, "comments"), form(ritaPlan, strings.Repeat("a", 2001))); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a long comment: %d", p.status)
	}
	for name, c := range map[string]struct {
		who  user.User
		plan int64
	}{"SamsUnsharedPlan": {sam, samPlan}, "OscarsPlan": {oscar, oscarPlan}, "RitasPlanAsSams": {sam, ritaPlan}} {
		if p := mc.post(teamPath(c.who, "comments"), form(c.plan, "Hello")); p.status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", name, p.status)
		}
	}
	if p := mc.post(teamPath(rita, "comments"), url.Values{"enrolment": {"x"}, "block": {block}, "comment": {"Hi"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a plan that is not a number: %d", p.status)
	}
	if p := mc.post(teamPath(oscar, "comments"), url.Values{"enrolment": {"x"}, "comment": {"Hi"}}); p.status != http.StatusNotFound {
		t.Errorf("no plan, for someone else's report: %d, want 404", p.status)
	}
	if p := mc.post(teamPath(rita, "comments"), form(ritaPlan, "Book Mondays at 10.")); p.status != http.StatusSeeOther {
		t.Fatalf("comment: %d", p.status)
	}
	if got := mc.get("/team").text(`[data-testid="plan-comments"]`); !strings.Contains(got, "Book Mondays at 10.") {
		t.Errorf("Mona's page: %q", got)
	}
	rc := newClient(t, s, "acme.localhost")
	signIn(rc, "rita@acme.test", goodPassword)
	learnPage := rc.get("/learn")
	if got := learnPage.text(`[data-testid="my-plan-comments"]`); !strings.Contains(got, "Book Mondays at 10.") || !strings.Contains(got, "Mona Manager") {
		t.Errorf("Rita's learning page: %q", got)
	}
	if rc.get("/notifications").doc.Find(`a[href*="plan-comments"], form[action*="/read"]`).Length() == 0 {
		t.Error("Rita has no notification of the comment")
	}
	// And in the lesson, under the plan itself.
	var planLesson string
	draft := acme.Courses[fixture.ExampleSlug].Draft
	for _, l := range draft.Lessons() {
		for _, b := range l.Blocks {
			if b.Key == block {
				planLesson = "/courses/" + fixture.ExampleSlug + "/lessons/" + l.Key
			}
		}
	}
	if got := rc.get(planLesson).text(`[data-testid="plan-comments"]`); !strings.Contains(got, "Book Mondays at 10.") || !strings.Contains(got, "Mona Manager") {
		t.Errorf("Rita's lesson, under the plan: %q", got)
	}
	sc := newClient(t, s, "acme.localhost")
	signIn(sc, "sam@acme.test", goodPassword)
	if strings.Contains(sc.get("/learn").doc.Text(), "Book Mondays") || strings.Contains(sc.get(planLesson).doc.Text(), "Book Mondays") {
		t.Error("Sam sees Rita's comment")
	}
}

// When Rita gets another manager, Mona loses her at once: no more
// actions, and she is gone from "My team"; managing no one, Mona may not
// act at all.
func TestTeamActions_AnExManagerLosesEverythingAtOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	acme, _ := teamPortals(t, s)
	rita, sam, otto := acme.Person(t, "rita@acme.test"), acme.Person(t, "sam@acme.test"), acme.Person(t, "otto@acme.test")
	example := acme.Courses[fixture.ExampleSlug]
	mc := newClient(t, s, "acme.localhost")
	signIn(mc, "mona@acme.test", goodPassword)
	mc.get("/team")
	users := s.main.Users
	move := func(u user.User) {
		t.Helper()
		if _, err := users.UpdateUser(context.Background(), acme.ID, u.ID, postgres.UserUpdate{Name: u.Name, Roles: u.Roles, Status: user.Active, ManagerID: &otto.ID},
			postgres.AuditActor{Label: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	move(rita)
	if p := mc.post(teamPath(rita, "assign"), url.Values{"course": {itoa(example.ID)}}); p.status != http.StatusNotFound {
		t.Errorf("assigning to a former report: %d, want 404", p.status)
	}
	if strings.Contains(mc.get("/team").doc.Text(), "Rita Report") {
		t.Error("a former report is still on My team")
	}
	move(sam)
	if p := mc.post(teamPath(sam, "assign"), url.Values{"course": {itoa(example.ID)}}); p.status != http.StatusForbidden {
		t.Errorf("a manager of no one: %d, want 403", p.status)
	}
}

// The administration home: the portal's dashboard, each chart with its
// numbers beside it, and the cards of every area.
func TestAdminHome_DashboardAndAreas(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	acme, _ := teamPortals(t, s)
	if _, err := s.main.Services.Learning.Enrol(context.Background(), acme.ID, acme.Person(t, "rita@acme.test").ID, acme.Courses[fixture.ExampleSlug].ID, "self"); err != nil {
		t.Fatal(err)
	}
	ac := newClient(t, s, "acme.localhost")
	signIn(ac, "boss@acme.test", goodPassword)
	p := ac.get("/admin/")
	if p.status != http.StatusOK {
		t.Fatalf("/admin/: %d", p.status)
	}
	if got := p.text(`[data-testid="figure-people"]`); got != "7" {
		t.Errorf("people: %q, want 7 (acme's, globex's not)", got)
	}
	if got := p.text(`[data-testid="figure-enrolments"]`); got != "1" {
		t.Errorf("enrolments: %q", got)
	}
	for _, id := range []string{"portal-dashboard-completions", "portal-dashboard-active"} {
		if p.doc.Find(`svg[data-testid="`+id+`-chart"]`).Length() != 1 || p.doc.Find(`table[data-testid="`+id+`"] tbody tr`).Length() == 0 {
			t.Errorf("%s: no chart, or no numbers beside it", id)
		}
	}
	if p.doc.Find(`table[data-testid="portal-dashboard-completions"] tbody tr`).Length() != 12 {
		t.Error("the completions table has not 12 weeks")
	}
	if p.text(`[data-testid="portal-dashboard-overdue-empty"]`) == "" {
		t.Error("nothing overdue is not said")
	}
	if n := p.doc.Find(`[data-testid="admin-areas"] a`).Length(); n != len(pages.AdminAreas) || n < 8 {
		t.Errorf("%d areas", n)
	}
	lc := newClient(t, s, "acme.localhost")
	signIn(lc, "rita@acme.test", goodPassword)
	if p := lc.get("/admin/"); p.status != http.StatusForbidden {
		t.Errorf("a learner on /admin/: %d", p.status)
	}
}

// "My team" reads in a fixed number of statements, whatever the size of
// the team.
func TestTeam_StatementsDoNotGrowWithTheTeam(t *testing.T) {
	t.Parallel()
	counter := &postgres.QueryCounter{}
	s := startServer(t, nil, counter)
	acme, _ := teamPortals(t, s)
	count := func(email string) int64 {
		t.Helper()
		c := newClient(t, s, "acme.localhost")
		signIn(c, email, goodPassword)
		before := counter.Count()
		if p := c.get("/team"); p.status != http.StatusOK {
			t.Fatalf("/team: %d", p.status)
		}
		return counter.Count() - before
	}
	for _, who := range []string{"rita@acme.test", "sam@acme.test"} {
		if _, err := s.main.Services.Learning.Enrol(context.Background(), acme.ID, acme.Person(t, who).ID, acme.Courses[fixture.ExampleSlug].ID, "self"); err != nil {
			t.Fatal(err)
		}
	}
	mona, otto := count("mona@acme.test"), count("otto@acme.test")
	if mona != otto {
		t.Errorf("My team of two took %d statements, of one %d", mona, otto)
	}
	t.Logf("%d statements", mona)
}
