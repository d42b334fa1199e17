package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

type userOut struct {
	ID        int64
	Email     string
	Name      string
	Roles     []string
	Status    string
	ManagerID *int64    `json:"manager_id"`
	UpdatedAt time.Time `json:"updated_at"`
}

type enrolmentOut struct {
	ID          int64
	UserID      int64 `json:"user_id"`
	CourseID    int64 `json:"course_id"`
	Status      string
	Source      string
	DueAt       *time.Time `json:"due_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

func TestPeople(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{People: []fixture.Person{{Email: "boss@acme.test", Name: "Boss"}}}, fixture.Spec{})
	key := e.key(e.acme.Tenant)
	boss := e.acme.Person(t, "boss@acme.test")

	var ivy userOut
	r := e.call(t, "acme", "POST", "/api/v1/users", key, map[string]any{"email": "ivy@acme.test", "name": "Ivy", "roles": []string{"learner", "instructor"}})
	if r.status != http.StatusCreated {
		t.Fatalf("invite: %d %s", r.status, r.body)
	}
	r.decode(t, &ivy)
	t.Run("AnInvitedPersonWaitsWithAMailedLink", func(t *testing.T) {
		if ivy.Status != "invited" || ivy.Email != "ivy@acme.test" || strings.Join(ivy.Roles, ",") != "learner,instructor" {
			t.Errorf("invited: %+v", ivy)
		}
		if loc := r.header.Get("Location"); loc != "/api/v1/users/"+strconv.FormatInt(ivy.ID, 10) {
			t.Errorf("Location %q", loc)
		}
		var subject, text string
		e.db.InTenantTx(context.Background(), e.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(context.Background(), `SELECT subject, text_body FROM mail_outbox WHERE to_address = 'ivy@acme.test'`).Scan(&subject, &text)
		})
		if subject != "You are invited to Acme" || !strings.Contains(text, "Acme’s learning team has invited you") {
			t.Errorf("mail %q: %s", subject, text)
		}
	})
	t.Run("GetReadsThePerson", func(t *testing.T) {
		var got userOut
		e.call(t, "acme", "GET", "/api/v1/users/"+strconv.FormatInt(ivy.ID, 10), key, nil).decode(t, &got)
		if got.Email != "ivy@acme.test" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("PatchChangesWhatIsSentAndNothingElse", func(t *testing.T) {
		var got userOut
		r := e.call(t, "acme", "PATCH", "/api/v1/users/"+strconv.FormatInt(boss.ID, 10), key, map[string]any{"manager_id": nil})
		if r.status != http.StatusOK {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r = e.call(t, "acme", "PATCH", "/api/v1/users/"+strconv.FormatInt(ivy.ID, 10), key, map[string]any{"name": "Ivy Green", "manager_id": boss.ID})
		r.decode(t, &got)
		if got.Name != "Ivy Green" || got.ManagerID == nil || *got.ManagerID != boss.ID || got.Status != "invited" || len(got.Roles) != 2 {
			t.Errorf("patched: %+v", got)
		}
		if !got.UpdatedAt.After(ivy.UpdatedAt) && !got.UpdatedAt.Equal(ivy.UpdatedAt) {
			t.Errorf("updated_at went back: %v, %v", got.UpdatedAt, ivy.UpdatedAt)
		}
		e.call(t, "acme", "PATCH", "/api/v1/users/"+strconv.FormatInt(ivy.ID, 10), key, map[string]any{"manager_id": nil}).decode(t, &got)
		if got.ManagerID != nil || got.Name != "Ivy Green" {
			t.Errorf("manager cleared: %+v", got)
		}
	})
	t.Run("DeactivateAndFilterByStatusAndAddress", func(t *testing.T) {
		var got userOut
		e.call(t, "acme", "PATCH", "/api/v1/users/"+strconv.FormatInt(boss.ID, 10), key, map[string]any{"status": "deactivated"}).decode(t, &got)
		if got.Status != "deactivated" {
			t.Fatalf("status %q", got.Status)
		}
		var page struct{ Data []userOut }
		e.call(t, "acme", "GET", "/api/v1/users?status=deactivated", key, nil).decode(t, &page)
		if len(page.Data) != 1 || page.Data[0].ID != boss.ID {
			t.Errorf("deactivated: %+v", page.Data)
		}
		e.call(t, "acme", "GET", "/api/v1/users?email=IVY@ACME.TEST", key, nil).decode(t, &page)
		if len(page.Data) != 1 || page.Data[0].ID != ivy.ID {
			t.Errorf("by address: %+v", page.Data)
		}
	})
	t.Run("TheAuditLogNamesTheKey", func(t *testing.T) {
		var label string
		ctx := context.Background()
		e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT actor_label FROM audit_events WHERE action = 'user.invite'`).Scan(&label)
		})
		if !strings.HasPrefix(label, "API key test key (") {
			t.Errorf("actor %q", label)
		}
	})
}

func TestGroupsEnrolmentsAndAssignments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{
		People: []fixture.Person{{Email: "ana@acme.test", Name: "Ana"}, {Email: "ben@acme.test", Name: "Ben"}, {Email: "cat@acme.test", Name: "Cat"},
			{Email: "dan@acme.test", Name: "Dan"}},
		Courses: []fixture.Course{{Slug: "acme-course", Title: "Acme Course"}},
	}, fixture.Spec{})
	key := e.key(e.acme.Tenant)
	ana, ben, cat := e.acme.Person(t, "ana@acme.test"), e.acme.Person(t, "ben@acme.test"), e.acme.Person(t, "cat@acme.test")
	course := e.acme.Courses["acme-course"]
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	var g struct {
		ID          int64
		Name, Kind  string
		MemberCount int `json:"member_count"`
	}
	r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Sales"})
	if r.status != http.StatusCreated {
		t.Fatalf("create group: %d %s", r.status, r.body)
	}
	r.decode(t, &g)
	if g.Kind != "team" || g.Name != "Sales" {
		t.Errorf("group %+v", g)
	}
	for _, u := range []int64{ana.ID, ben.ID, ana.ID} {
		if r := e.call(t, "acme", "POST", "/api/v1/groups/"+id(g.ID)+"/members", key, map[string]any{"user_id": u}); r.status != http.StatusNoContent {
			t.Fatalf("add member: %d %s", r.status, r.body)
		}
	}
	e.call(t, "acme", "GET", "/api/v1/groups/"+id(g.ID), key, nil).decode(t, &g)
	if g.MemberCount != 2 {
		t.Errorf("members %d, want 2", g.MemberCount)
	}

	var as struct {
		ID       int64
		GroupID  *int64 `json:"group_id"`
		CourseID *int64 `json:"course_id"`
		Enrolled int
	}
	due := time.Date(2027, 1, 31, 17, 0, 0, 0, time.UTC)
	r = e.call(t, "acme", "POST", "/api/v1/assignments", key, map[string]any{"group_id": g.ID, "course_id": course.ID, "due_at": due.Format(time.RFC3339)})
	if r.status != http.StatusCreated {
		t.Fatalf("assign: %d %s", r.status, r.body)
	}
	r.decode(t, &as)
	if as.Enrolled != 2 || as.GroupID == nil || *as.GroupID != g.ID || *as.CourseID != course.ID {
		t.Errorf("assignment %+v", as)
	}
	t.Run("ANewMemberReceivesWhatTheGroupWasAssigned", func(t *testing.T) {
		e.call(t, "acme", "POST", "/api/v1/groups/"+id(g.ID)+"/members", key, map[string]any{"user_id": cat.ID})
		var page struct{ Data []enrolmentOut }
		e.call(t, "acme", "GET", "/api/v1/enrolments?user_id="+id(cat.ID), key, nil).decode(t, &page)
		if len(page.Data) != 1 || page.Data[0].CourseID != course.ID || page.Data[0].DueAt == nil || !page.Data[0].DueAt.Equal(due) {
			t.Errorf("cat's enrolments: %+v", page.Data)
		}
	})
	t.Run("AssignmentsListByGroup", func(t *testing.T) {
		var page struct{ Data []struct{ ID int64 } }
		e.call(t, "acme", "GET", "/api/v1/assignments?group_id="+id(g.ID), key, nil).decode(t, &page)
		if len(page.Data) != 1 || page.Data[0].ID != as.ID {
			t.Errorf("assignments %+v", page.Data)
		}
	})
	t.Run("RemovingAMemberKeepsTheirCourse", func(t *testing.T) {
		if r := e.call(t, "acme", "DELETE", "/api/v1/groups/"+id(g.ID)+"/members/"+id(cat.ID), key, nil); r.status != http.StatusNoContent {
			t.Fatalf("%d %s", r.status, r.body)
		}
		var page struct{ Data []struct{ ID int64 } }
		e.call(t, "acme", "GET", "/api/v1/groups/"+id(g.ID)+"/members", key, nil).decode(t, &page)
		if len(page.Data) != 2 {
			t.Errorf("members %+v", page.Data)
		}
	})
	t.Run("EnrolOnePersonThenAgainWithADueDate", func(t *testing.T) {
		p := e.acme.Person(t, "dan@acme.test")
		var first, again enrolmentOut
		r := e.call(t, "acme", "POST", "/api/v1/enrolments", key, map[string]any{"user_id": p.ID, "course_id": course.ID})
		if r.status != http.StatusCreated {
			t.Fatalf("%d %s", r.status, r.body)
		}
		r.decode(t, &first)
		if first.Status != "active" || first.Source != "assigned" || first.DueAt != nil {
			t.Errorf("first %+v", first)
		}
		r = e.call(t, "acme", "POST", "/api/v1/enrolments", key, map[string]any{"user_id": p.ID, "course_id": course.ID, "due_at": "2027-02-01T09:00:00Z"})
		if r.status != http.StatusOK {
			t.Fatalf("again: %d %s", r.status, r.body)
		}
		r.decode(t, &again)
		if again.ID != first.ID || again.DueAt == nil {
			t.Errorf("again %+v", again)
		}
		var got enrolmentOut
		e.call(t, "acme", "GET", "/api/v1/enrolments/"+id(first.ID), key, nil).decode(t, &got)
		if got.ID != first.ID || got.UserID != p.ID {
			t.Errorf("get %+v", got)
		}
	})
	t.Run("WithdrawFreesTheSeatAndKeepsTheRecord", func(t *testing.T) {
		var page struct{ Data []enrolmentOut }
		e.call(t, "acme", "GET", "/api/v1/enrolments?user_id="+id(ana.ID)+"&course_id="+id(course.ID), key, nil).decode(t, &page)
		if len(page.Data) != 1 {
			t.Fatalf("ana's enrolments %+v", page.Data)
		}
		seats := func() int {
			s, err := postgres.NewLearningService(e.db).FindSeats(context.Background(), e.acme.ID)
			if err != nil {
				t.Fatal(err)
			}
			return s.Used
		}
		before := seats()
		var out enrolmentOut
		for range 2 {
			r := e.call(t, "acme", "DELETE", "/api/v1/enrolments/"+id(page.Data[0].ID), key, nil)
			if r.status != http.StatusOK {
				t.Fatalf("%d %s", r.status, r.body)
			}
			r.decode(t, &out)
		}
		if out.Status != "withdrawn" || seats() != before-1 {
			t.Errorf("withdrawn %+v, seats %d -> %d", out, before, seats())
		}
		e.call(t, "acme", "GET", "/api/v1/enrolments?status=withdrawn", key, nil).decode(t, &page)
		if len(page.Data) != 1 || page.Data[0].UserID != ana.ID {
			t.Errorf("withdrawn list %+v", page.Data)
		}
	})
}

func TestCoursesAndLearning(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{
		People:  []fixture.Person{{Email: "ana@acme.test", Name: "Ana"}, {Email: "ben@acme.test", Name: "Ben"}, {Email: "cy@acme.test", Name: "Cy"}},
		Courses: []fixture.Course{{Slug: "acme-course", Title: "Acme Course"}},
		Progress: []fixture.Progress{
			{Who: "ana@acme.test", Course: "acme-course", Step: fixture.Passed},
			{Who: "ben@acme.test", Course: "acme-course", Step: fixture.Enrolled},
		},
	}, fixture.Spec{})
	ctx := context.Background()
	key := e.key(e.acme.Tenant)
	course := e.acme.Courses["acme-course"]
	if _, err := postgres.NewCourseService(e.db).CreateCourse(ctx, e.acme.ID, course2(), by); err != nil {
		t.Fatal(err)
	}
	ana := e.acme.Person(t, "ana@acme.test")
	enrolment := e.completed(e.acme, "ana@acme.test", "acme-course")
	ben := e.acme.Person(t, "ben@acme.test")
	id := func(n int64) string { return strconv.FormatInt(n, 10) }

	t.Run("CoursesListsThePublishedOnly", func(t *testing.T) {
		var page struct {
			Data []struct {
				ID      int64
				Slug    string
				Version int
			}
		}
		e.call(t, "acme", "GET", "/api/v1/courses", key, nil).decode(t, &page)
		if len(page.Data) != 1 || page.Data[0].Slug != "acme-course" || page.Data[0].Version != 1 {
			t.Errorf("courses %+v", page.Data)
		}
	})
	t.Run("ACourseComesWithItsOutline", func(t *testing.T) {
		var c struct {
			Title   string
			Modules []struct {
				Key, Title string
				Lessons    []struct{ Key, Title string }
			}
		}
		e.call(t, "acme", "GET", "/api/v1/courses/"+id(course.ID), key, nil).decode(t, &c)
		if c.Title != "Acme Course" || len(c.Modules) != 2 || len(c.Modules[0].Lessons) != 1 || c.Modules[0].Lessons[0].Key != course.Draft.Modules[0].Lessons[0].Key {
			t.Errorf("course %+v", c)
		}
		var draftID int64
		e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT id FROM courses WHERE slug = 'draft-only'`).Scan(&draftID)
		})
		if r := e.call(t, "acme", "GET", "/api/v1/courses/"+id(draftID), key, nil); r.status != http.StatusNotFound {
			t.Errorf("a draft course: %d", r.status)
		}
	})
	t.Run("ProgressShowsEachLessonAndQuiz", func(t *testing.T) {
		var p struct {
			Enrolment enrolmentOut
			Lessons   []struct {
				Key         string
				CompletedAt *time.Time `json:"completed_at"`
			}
			Quizzes []struct {
				Attempts  int
				Passed    bool
				LastScore *int `json:"last_score"`
			}
		}
		e.call(t, "acme", "GET", "/api/v1/users/"+id(ana.ID)+"/courses/"+id(course.ID)+"/progress", key, nil).decode(t, &p)
		if p.Enrolment.Status != "completed" || len(p.Lessons) != 3 || p.Lessons[0].CompletedAt == nil || p.Lessons[1].CompletedAt == nil || p.Lessons[2].CompletedAt != nil {
			t.Errorf("ana's progress %+v", p)
		}
		if len(p.Quizzes) != 1 || p.Quizzes[0].Attempts != 1 || !p.Quizzes[0].Passed || p.Quizzes[0].LastScore == nil || *p.Quizzes[0].LastScore != 100 {
			t.Errorf("quizzes %+v", p.Quizzes)
		}
		e.call(t, "acme", "GET", "/api/v1/users/"+id(ben.ID)+"/courses/"+id(course.ID)+"/progress", key, nil).decode(t, &p)
		if p.Enrolment.Status != "active" || p.Lessons[0].CompletedAt != nil || p.Quizzes[0].Attempts != 0 || p.Quizzes[0].LastScore != nil {
			t.Errorf("ben's progress %+v", p)
		}
		outsider := e.acme.Person(t, "cy@acme.test")
		if r := e.call(t, "acme", "GET", "/api/v1/users/"+id(outsider.ID)+"/courses/"+id(course.ID)+"/progress", key, nil); r.status != http.StatusNotFound {
			t.Errorf("not enrolled: %d", r.status)
		}
	})
	t.Run("CompletionsAndCertificates", func(t *testing.T) {
		var comps struct {
			Data []struct {
				EnrolmentID int64 `json:"enrolment_id"`
				UserID      int64 `json:"user_id"`
			}
		}
		e.call(t, "acme", "GET", "/api/v1/completions", key, nil).decode(t, &comps)
		if len(comps.Data) != 1 || comps.Data[0].EnrolmentID != enrolment.ID || comps.Data[0].UserID != ana.ID {
			t.Errorf("completions %+v", comps.Data)
		}
		var certs struct {
			Data []struct {
				Code, Title string
				VerifyURL   string `json:"verify_url"`
				CourseID    *int64 `json:"course_id"`
			}
		}
		e.call(t, "acme", "GET", "/api/v1/certificates?user_id="+id(ana.ID), key, nil).decode(t, &certs)
		if len(certs.Data) != 1 || *certs.Data[0].CourseID != course.ID || certs.Data[0].VerifyURL != "http://localhost:"+e.port+"/verify/"+certs.Data[0].Code {
			t.Errorf("certificates %+v", certs.Data)
		}
	})
	t.Run("StatementsAreShapedLikeXAPI", func(t *testing.T) {
		var page struct {
			Data []struct {
				Actor struct {
					ObjectType string
					Account    struct{ HomePage, Name string }
				}
				Verb   struct{ ID string }
				Object struct {
					ID         string
					Definition struct{ Type string }
				}
			}
		}
		e.call(t, "acme", "GET", "/api/v1/statements?user_id="+id(ana.ID), key, nil).decode(t, &page)
		verbs := map[string]bool{}
		for _, st := range page.Data {
			verbs[st.Verb.ID] = true
			if st.Actor.ObjectType != "Agent" || st.Actor.Account.Name != id(ana.ID) || st.Actor.Account.HomePage != "http://acme.localhost:"+e.port {
				t.Errorf("actor %+v", st.Actor)
			}
			if !strings.HasPrefix(st.Object.ID, "http://acme.localhost:"+e.port+"/xapi/activities/course/"+id(course.ID)) || st.Object.Definition.Type == "" {
				t.Errorf("object %+v", st.Object)
			}
		}
		for _, v := range []string{learning.VerbRegistered, learning.VerbPassed, learning.VerbCompleted} {
			if !verbs[v] {
				t.Errorf("no %s record among %v", v, verbs)
			}
		}
		var passed struct{ Data []any }
		e.call(t, "acme", "GET", "/api/v1/statements?verb="+learning.VerbPassed, key, nil).decode(t, &passed)
		if len(passed.Data) != 1 {
			t.Errorf("%d passed records", len(passed.Data))
		}
	})
}
