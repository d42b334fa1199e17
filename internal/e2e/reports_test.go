package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// An administrator reads the reports of a portal where two learners took
// a course, one to the end: every report page passes the accessibility
// check, charts included.
func TestJourney_ReportsAreAccessible(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	due := time.Now().AddDate(0, 0, -1)
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "admin@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}},
			{Email: "learner0@acme.test", Name: "Lee Learner"}, {Email: "learner1@acme.test", Name: "Sam Slow"}},
		Groups:  []fixture.Group{{Name: "Finance team", Members: []string{"learner0@acme.test", "learner1@acme.test"}}},
		Courses: []fixture.Course{{}},
		Paths:   []fixture.Path{{Slug: "first", Title: "First Steps", Courses: []string{fixture.ExampleSlug}}},
		// Both are overdue; Lee has taken the course to the end.
		Progress: []fixture.Progress{{Who: "learner0@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed, Due: &due},
			{Who: "learner1@acme.test", Course: fixture.ExampleSlug, Due: &due}}})
	group, rec, path := acme.Groups["Finance team"], acme.Courses[fixture.ExampleSlug], acme.Paths["first"]
	firstLearner := acme.Person(t, "learner0@acme.test").ID
	// Lee is on the path too, which the course completes.
	if err := postgres.NewPathService(srv.Main.DB).StartPath(ctx, acme.ID, firstLearner, path.ID); err != nil {
		t.Fatal(err)
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
