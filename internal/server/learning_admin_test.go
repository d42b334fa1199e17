package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestAdmin_AssignsACourseToAGroupWithADueDate(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, withAdmin, func(acme, _ *fixture.Spec) {
		acme.Groups = []fixture.Group{{Name: "Support team", Members: []string{"ana@acme.test"}}}
		acme.People = append(acme.People, fixture.Person{Email: "bo@acme.test", Name: "Bo"})
	})
	rec, team := acme.Courses[fixture.ExampleSlug], acme.Groups["Support team"]
	admin := adminClient(t, s)
	learners := "/admin/courses/" + strconv.FormatInt(rec.ID, 10) + "/learners"

	// Close the course to self-enrolment, with a code to share.
	admin.get(learners)
	if p := admin.post(learners[:len(learners)-len("/learners")]+"/enrolment", url.Values{"new_code": {"on"}}); p.status != http.StatusSeeOther {
		t.Fatalf("enrolment settings: %d", p.status)
	}
	code := admin.get(learners).text(`[data-testid="enrol-code"]`)
	if len(code) != 8 {
		t.Fatalf("enrolment code %q", code)
	}

	t.Run("BadInputIsShownAndChangesNothing", func(t *testing.T) {
		admin.get(learners)
		p := admin.post(strings.TrimSuffix(learners, "/learners")+"/assign", url.Values{"group": {strconv.FormatInt(team.ID, 10)}, "due": {"next friday"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-due"]`) == "" {
			t.Errorf("a bad date: %d %q", p.status, p.text(`[data-testid="error-due"]`))
		}
		admin.get(learners)
		p = admin.post(strings.TrimSuffix(learners, "/learners")+"/assign", url.Values{"due": {"2030-01-31"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-users"]`), "Choose the people") {
			t.Errorf("no one chosen: %d %q", p.status, p.text(`[data-testid="error-users"]`))
		}
		if admin.get(learners).doc.Find(`[data-testid="learners"] tbody tr`).Length() != 0 {
			t.Error("a refused assignment enrolled someone")
		}
	})

	t.Run("ADueDateAlreadyPastIsRefused", func(t *testing.T) {
		admin.get(learners)
		p := admin.post(strings.TrimSuffix(learners, "/learners")+"/assign", url.Values{"group": {strconv.FormatInt(team.ID, 10)}, "due": {"2020-01-31"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-due"]`), "has passed") {
			t.Errorf("a due date in 2020: %d %q", p.status, p.text(`[data-testid="error-due"]`))
		}
		if admin.get(learners).doc.Find(`[data-testid="learners"] tbody tr`).Length() != 0 {
			t.Error("the refused assignment enrolled someone")
		}
	})

	admin.get(learners)
	if p := admin.post(strings.TrimSuffix(learners, "/learners")+"/assign", url.Values{"group": {strconv.FormatInt(team.ID, 10)}, "due": {"2030-01-31"}}); p.status != http.StatusSeeOther {
		t.Fatalf("assign: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if rows := admin.get(learners).doc.Find(`[data-testid="learners"] tbody tr`); rows.Length() != 1 || !strings.Contains(rows.Text(), "Ana") {
		t.Errorf("learners after assigning the group: %q", rows.Text())
	}

	anaC := newClient(t, s, "acme.localhost")
	signIn(anaC, "ana@acme.test", goodPassword)
	// Ana is told, with the due date.
	if got := anaC.get("/notifications").text("main"); !strings.Contains(got, "Assigned to you: "+rec.Title) || !strings.Contains(got, "31 January 2030") {
		t.Errorf("Ana's notifications: %q", got)
	}
	// Time passes: the course falls due.
	owner := ownerConn(t, s)
	if _, err := owner.Exec(context.Background(), `SELECT set_config('app.tenant_id', $1, false)`, strconv.FormatInt(acme.ID, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(context.Background(), `UPDATE enrolments SET due_at = '2020-01-31 23:59:59+00' WHERE course_id = $1`, rec.ID); err != nil {
		t.Fatal(err)
	}
	dash := anaC.get("/learn")
	if row := dash.doc.Find(`[data-testid="assigned"] li`); row.Length() != 1 || !strings.Contains(row.Text(), "Overdue: due 31 January 2020") {
		t.Errorf("Ana's assignment: %q", row.Text())
	}
	course := anaC.get("/courses/" + rec.Slug)
	if course.doc.Find(`form[action$="/unenrol"]`).Length() != 0 {
		t.Error("an assigned course offers to leave it")
	}
	if p := anaC.post("/courses/"+rec.Slug+"/unenrol", nil); p.status != http.StatusForbidden {
		t.Errorf("leaving an assigned course: %d", p.status)
	}

	bo := newClient(t, s, "acme.localhost")
	signIn(bo, "bo@acme.test", goodPassword)
	if bo.get("/courses/"+rec.Slug).doc.Find(`[data-testid="closed"]`).Length() != 1 {
		t.Error("a course closed to self-enrolment offers to start it")
	}
	bo.post("/courses/"+rec.Slug+"/enrol", nil)
	if bo.get("/courses/"+rec.Slug).doc.Find(`[data-testid="course-status"]`).Length() != 0 {
		t.Error("self-enrolment went through on a closed course")
	}
	bo.get("/courses")
	if p := bo.post("/enrol-code", url.Values{"code": {"WRONGCODE"}}); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-code"]`) == "" {
		t.Errorf("a wrong code: %d", p.status)
	}
	bo.get("/courses")
	if p := bo.post("/enrol-code", url.Values{"code": {strings.ToLower(code)}}); p.status != http.StatusSeeOther {
		t.Fatalf("the right code: %d", p.status)
	}
	if bo.get("/courses/"+rec.Slug).doc.Find(`[data-testid="course-status"]`).Length() != 1 {
		t.Error("the code did not enrol Bo")
	}
}

func TestAdmin_BuildsAndReordersAPath(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, withAdmin, func(acme, _ *fixture.Spec) {
		acme.Courses = append(acme.Courses, fixture.Course{Slug: "second-course", Title: "The Second Course", Draft: true})
		acme.Groups = []fixture.Group{{Name: "New managers"}}
	})
	ctx := context.Background()
	first := acme.Courses[fixture.ExampleSlug]
	admin := adminClient(t, s)
	admin.get("/admin/paths")
	if p := admin.post("/admin/paths", url.Values{"title": {""}, "slug": {"Bad Slug"}, "course": {first.Slug}}); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-title"]`) == "" || p.text(`[data-testid="error-slug"]`) == "" {
		t.Errorf("a bad new path: %d", p.status)
	}
	admin.get("/admin/paths")
	p := admin.post("/admin/paths", url.Values{"title": {"Both"}, "slug": {"both"}, "course": {first.Slug}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create: %d", p.status)
	}
	editor := p.header.Get("Location")
	admin.get(editor)
	admin.post(editor+"/steps", url.Values{"course": {"second-course"}, "after_previous": {"on"}})
	steps := func() string {
		var out []string
		admin.get(editor).doc.Find(`[data-testid="step-title"]`).Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return strings.Join(out, ",")
	}
	if got := steps(); got != first.Draft.Title+",The Second Course" {
		t.Fatalf("steps %q", got)
	}
	admin.get(editor)
	if p := admin.post(editor+"/steps", url.Values{"course": {first.Slug}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(`[data-testid="form-error"]`), "already a step") {
		t.Errorf("the same course twice: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	admin.get(editor)
	admin.post(editor+"/steps/second-course/move", url.Values{"to": {"0"}})
	if got := steps(); got != "The Second Course,"+first.Draft.Title {
		t.Errorf("after moving up: %q", got)
	}
	rec, err := postgres.NewPathService(s.db).FindPathBySlug(ctx, acme.ID, "both")
	if err != nil || rec.Steps[0].Unlock != "free" || rec.Steps[1].Unlock != "free" {
		t.Errorf("unlocks after the move: %+v %v (the first step is always open)", rec.Steps, err)
	}
	admin.get(editor)
	admin.post(editor+"/steps/"+first.Slug+"/delete", nil)
	admin.get(editor)
	if p := admin.post(editor+"/steps/second-course/delete", nil); p.status != http.StatusUnprocessableEntity {
		t.Errorf("removing the last step: %d", p.status)
	}
	admin.get(editor)
	if p := admin.post(editor+"/status", url.Values{"status": {"published"}}); p.status != http.StatusSeeOther {
		t.Errorf("publish: %d", p.status)
	}

	// Assigned to a group, the path reaches its members now and later.
	team := acme.Groups["New managers"]
	admin.get(editor)
	if p := admin.post(editor+"/assign", url.Values{"group": {strconv.FormatInt(team.ID, 10)}, "due": {"2031-06-30"}}); p.status != http.StatusSeeOther {
		t.Fatalf("assign the path: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	if err := postgres.NewGroupService(s.db).AddGroupMember(ctx, acme.ID, team.ID, acme.Person(t, "ana@acme.test").ID, fixture.By); err != nil {
		t.Fatal(err)
	}
	anaC := newClient(t, s, "acme.localhost")
	signIn(anaC, "ana@acme.test", goodPassword)
	if got := anaC.get("/learn").text(`[data-testid="my-paths"]`); !strings.Contains(got, "Both") {
		t.Errorf("Ana's paths: %q", got)
	}
	// Joining the group later, she is told as its first members were.
	if got := anaC.get("/notifications").text("main"); !strings.Contains(got, "Learning path assigned to you: Both") || !strings.Contains(got, "30 June 2031") {
		t.Errorf("Ana's notifications: %q", got)
	}
}

// An empty answer to a reflection is not saved, and the page never says
// "Saved" over an empty box; a real answer is saved as before.
func TestLearner_AnEmptyReflectionIsNotSaved(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.Progress = append(acme.Progress, fixture.Progress{Who: "ana@acme.test", Course: fixture.ExampleSlug})
	})
	rec := acme.Courses[fixture.ExampleSlug]
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	lesson := "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key
	pg := ana.get(lesson)
	action, ok := pg.doc.Find(`form[action*="/reflections/"]`).Attr("action")
	if !ok {
		t.Fatal("no reflection on the lesson")
	}
	status := func(p page) string {
		return strings.TrimSpace(p.text(`form[action*="/reflections/"] [data-save-status]`))
	}

	p := ana.post(action, url.Values{"text": {"   \n "}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("an empty answer: %d", p.status)
	}
	after := ana.get(lesson)
	if got := after.text(`[data-testid="notice"]`); !strings.Contains(got, "Write your answer before saving it") {
		t.Errorf("the notice after an empty answer: %q", got)
	}
	if got := status(after); got != "" {
		t.Errorf("an empty answer shows %q", got)
	}
	autosave, _ := http.NewRequest(http.MethodPost, ana.base+action, strings.NewReader(url.Values{"text": {""}, "csrf_token": {ana.csrf}}.Encode()))
	autosave.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	autosave.Header.Set("X-Requested-With", "fetch")
	if p := ana.do(autosave); p.status != http.StatusUnprocessableEntity {
		t.Errorf("an empty autosave: %d", p.status)
	}
	if p := ana.post(action, url.Values{"text": {"Ask what a good week looks like for them."}}); p.status != http.StatusSeeOther {
		t.Fatalf("an answer: %d", p.status)
	}
	if got := status(ana.get(lesson)); !strings.HasPrefix(got, "Saved ") {
		t.Errorf("a saved answer shows %q", got)
	}
}

// "My team" is in the navigation of anyone someone reports to, and of no
// one else.
func TestNav_MyTeamIsThereForManagers(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "mo@acme.test", Name: "Mo"},
			fixture.Person{Email: "lu@acme.test", Name: "Lu", Manager: "mo@acme.test"})
	})
	for who, want := range map[string]bool{"mo@acme.test": true, "lu@acme.test": false, "ana@acme.test": false} {
		c := newClient(t, s, "acme.localhost")
		signIn(c, who, goodPassword)
		p := c.get("/learn")
		if got := p.doc.Find(`nav[aria-label="Main"] a[href="/team"]`).Length() == 1; got != want {
			t.Errorf("%s: My team in the navigation %v, want %v", who, got, want)
		}
	}
}

// The portal's home, signed in, says what to do next: a newcomer is
// welcomed and sent to the catalog; someone with a course due is welcomed
// back and offered it, at the lesson to start from, with its due date.
func TestHome_SaysWhatToDoNext(t *testing.T) {
	t.Parallel()
	due := time.Now().AddDate(0, 1, 0)
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "new@acme.test", Name: "Nia"})
		acme.Progress = append(acme.Progress, fixture.Progress{Who: "ana@acme.test", Course: fixture.ExampleSlug, Due: &due})
	})
	rec := acme.Courses[fixture.ExampleSlug]

	nia := newClient(t, s, "acme.localhost")
	signIn(nia, "new@acme.test", goodPassword)
	home := nia.get("/")
	if got := home.text(`[data-testid="welcome-user"]`); got != "Welcome, Nia." {
		t.Errorf("a newcomer is greeted %q", got)
	}
	if href, _ := home.doc.Find(`[data-testid="browse"]`).Attr("href"); href != "/courses" {
		t.Errorf("a newcomer is sent to %q", href)
	}

	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	home = ana.get("/")
	if got := home.text(`[data-testid="welcome-user"]`); got != "Welcome back, Ana." {
		t.Errorf("Ana is greeted %q", got)
	}
	next := home.doc.Find(`[data-testid="next"]`)
	resume, _ := next.Find(`[data-testid="next-resume"]`).Attr("href")
	first := "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key
	if next.Find(`[data-testid="next-course"]`).Text() != rec.Title || resume != first || !strings.Contains(next.Text(), "Due "+due.UTC().Format("2 January 2006")) {
		t.Errorf("what next: %q, resume at %q (want %q)", next.Text(), resume, first)
	}
}

// A refused invitation keeps what was typed: the name, the address and
// the roles.
func TestAdmin_ARefusedInvitationKeepsWhatWasTyped(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/users")
	p := admin.post("/admin/users/invite", url.Values{"name": {"Chen Wei"}, "email": {"not an address"}, "roles": {"instructor"}})
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad address: %d", p.status)
	}
	name, _ := p.doc.Find(`input[name="name"]`).Attr("value")
	email, _ := p.doc.Find(`input[name="email"]`).Attr("value")
	_, instructor := p.doc.Find(`input[name="roles"][value="instructor"]`).Attr("checked")
	if name != "Chen Wei" || email != "not an address" || !instructor {
		t.Errorf("the form after a refusal: name %q, e-mail %q, instructor ticked %v", name, email, instructor)
	}
	// An address already taken is refused at its field, keeping the rest.
	p = admin.post("/admin/users/invite", url.Values{"name": {"Ana Again"}, "email": {"ana@acme.test"}, "roles": {"learner"}})
	if name, _ := p.doc.Find(`input[name="name"]`).Attr("value"); p.status != http.StatusUnprocessableEntity || name != "Ana Again" ||
		p.text(`[data-testid="error-email"]`) == "" {
		t.Errorf("an address in use: %d, name %q, error %q", p.status, name, p.text(`[data-testid="error-email"]`))
	}
}
