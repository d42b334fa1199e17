package e2e

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// An administrator reads the reports of a portal where two learners took
// a course, one to the end: every report page passes the accessibility
// check, charts included.
func TestJourney_ReportsAreAccessible(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	acme, err := srv.Main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "acme", Name: "Acme Learning"}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Main.Users.EnsureUser(ctx, acme, postgres.NewUser{Email: "admin@acme.test", Name: "Ada Admin", Password: password, Roles: []user.Role{user.Admin}}, by); err != nil {
		t.Fatal(err)
	}
	group, err := postgres.NewGroupService(srv.Main.DB).CreateGroup(ctx, acme.ID, "Finance team", "team", by)
	if err != nil {
		t.Fatal(err)
	}
	example, problems := library.Load(os.DirFS("../library/testdata/good"), "example")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	courses := postgres.NewCourseService(srv.Main.DB)
	rec, err := courses.ImportCourse(ctx, acme.ID, example, "", by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", by); err != nil {
		t.Fatal(err)
	}
	path, err := postgres.NewPathService(srv.Main.DB).CreatePath(ctx, acme.ID, course.Path{Slug: "first", Title: "First Steps",
		Steps: []course.PathStep{{Course: rec.Slug, Unlock: course.Free}}}, "", true, by)
	if err != nil {
		t.Fatal(err)
	}
	learn := postgres.NewLearningService(srv.Main.DB)
	var firstLearner int64
	for i, name := range []string{"Lee Learner", "Sam Slow"} {
		u, err := srv.Main.Users.EnsureUser(ctx, acme, postgres.NewUser{Email: "learner" + itoa(int64(i)) + "@acme.test", Name: name, Password: password, Roles: []user.Role{user.Learner}}, by)
		if err != nil {
			t.Fatal(err)
		}
		if err := postgres.NewGroupService(srv.Main.DB).AddGroupMember(ctx, acme.ID, group.ID, u.ID, by); err != nil {
			t.Fatal(err)
		}
		due := time.Now().AddDate(0, 0, -1)
		if _, err := learn.Assign(ctx, acme.ID, postgres.Assignment{CourseID: rec.ID, UserIDs: []int64{u.ID}, DueAt: &due}, by); err != nil {
			t.Fatal(err)
		}
		if i > 0 {
			continue
		}
		firstLearner = u.ID
		if err := postgres.NewPathService(srv.Main.DB).StartPath(ctx, acme.ID, u.ID, path.ID); err != nil {
			t.Fatal(err)
		}
		lc, err := learn.FindLearnerCourse(ctx, acme.ID, u.ID, rec.Slug)
		if err != nil {
			t.Fatal(err)
		}
		key := func(l course.Lesson, kind course.Kind) string {
			for _, b := range l.Blocks {
				if b.Kind == kind {
					return b.Key
				}
			}
			return ""
		}
		one, two := lc.Content.Modules[0].Lessons[0], lc.Content.Modules[1].Lessons[0]
		if err := learn.SaveReflection(ctx, acme.ID, lc, one.Key, key(one, course.KindReflection), "Ask about goals.", false); err != nil {
			t.Fatal(err)
		}
		if _, err := learn.SubmitQuiz(ctx, acme.ID, lc, two.Key, key(two, course.KindQuiz), 1, learning.Answers{{0}, {1}}); err != nil {
			t.Fatal(err)
		}
	}

	b := browsertest.NewBrowser(t)
	portal := srv.PortalURL("acme")
	signIn(b, portal+"/login", "admin@acme.test")
	b.Visit(portal + "/admin/reports")
	b.Screenshot("reports-overview")
	b.Visit(portal + "/admin/reports?group=" + itoa(group.ID))
	b.Visit(portal + "/admin/reports/courses/" + itoa(rec.ID))
	b.Screenshot("reports-course")
	b.Visit(portal + "/admin/reports/learners/" + itoa(firstLearner))
	b.Visit(portal + "/admin/reports/paths/" + itoa(path.ID))
	b.Visit(portal + "/admin/reports?from=not-a-date")
}
