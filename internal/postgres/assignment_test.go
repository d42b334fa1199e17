package postgres_test

import (
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

func TestAssignments_PeopleWhoJoinAGroupLaterReceiveItsAssignments(t *testing.T) {
	t.Parallel()
	spec := publishedSpec()
	spec.Groups = []fixture.Group{{Name: "Sales"}}
	spec.Paths = []fixture.Path{{Slug: "p", Title: "The Path", Courses: []string{example}}}
	f := learningFixtureOf(t, spec)
	by := postgres.AuditActor{Label: "test"}
	groups := postgres.NewGroupService(f.db)
	team, p := f.portal.Groups["Sales"], f.portal.Paths["p"]
	due := time.Date(2030, 3, 31, 23, 59, 59, 0, time.UTC)
	// Assigned to the group while it is empty.
	if _, err := f.learning.Assign(f.ctx, f.tenantID, postgres.Assignment{CourseID: f.course.ID, GroupID: team.ID, DueAt: &due}, by); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.Assign(f.ctx, f.tenantID, postgres.Assignment{PathID: p.ID, GroupID: team.ID, DueAt: &due}, by); err != nil {
		t.Fatal(err)
	}
	if err := groups.AddGroupMember(f.ctx, f.tenantID, team.ID, f.learner, by); err != nil {
		t.Fatal(err)
	}
	lc := f.seen(t)
	if lc.Enrolment == nil || lc.Enrolment.Source != "assigned" || lc.Enrolment.DueAt == nil || !lc.Enrolment.DueAt.Equal(due) {
		t.Fatalf("the newcomer's enrolment: %+v", lc.Enrolment)
	}
	d, err := f.learning.FindDashboard(f.ctx, f.tenantID, f.learner)
	if err != nil || len(d.Paths) != 1 || d.Paths[0].Title != "The Path" {
		t.Errorf("the newcomer's paths: %+v %v", d.Paths, err)
	}
}

func TestSeats_ReactivatingSomeoneTakesTheirSeatBackOnlyIfOneIsFree(t *testing.T) {
	t.Parallel()
	spec := publishedSpec()
	spec.People = append(spec.People, fixture.Person{Email: "kim@acme.test", Name: "Kim"})
	f := learningFixtureOf(t, spec)
	by := postgres.AuditActor{Label: "test"}
	tenants := postgres.NewTenantService(f.db)
	acme, _ := tenants.FindTenantBySlug(f.ctx, "acme")
	acme.SeatLimit = 1
	if _, err := tenants.UpdateTenant(f.ctx, acme, by); err != nil {
		t.Fatal(err)
	}
	users := postgres.NewUserService(f.db, nil, nil)
	f.enrolled(t) // Lee takes the only seat
	lee, _ := users.FindUserByID(f.ctx, f.tenantID, f.learner)
	deactivate := postgres.UserUpdate{Name: lee.Name, Roles: lee.Roles, Status: user.Deactivated}
	if _, err := users.UpdateUser(f.ctx, f.tenantID, lee.ID, deactivate, by); err != nil {
		t.Fatal(err)
	}
	// The seat is free: someone else takes it.
	kim := f.portal.Person(t, "kim@acme.test")
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, kim.ID, f.course.ID, "self"); err != nil {
		t.Fatalf("the freed seat: %v", err)
	}
	reactivate := deactivate
	reactivate.Status = user.Active
	_, err := users.UpdateUser(f.ctx, f.tenantID, lee.ID, reactivate, by)
	if fields, ok := apperr.FieldsOf(err); !ok || fields["status"] == "" {
		t.Fatalf("reactivating with no seat free: %v", err)
	}
	if again, _ := users.FindUserByID(f.ctx, f.tenantID, lee.ID); again.Status != user.Deactivated {
		t.Error("the refused reactivation changed the account")
	}
}
