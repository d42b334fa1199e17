package postgres_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// groupFixture is two portals, acme with Ann and Bob, globex with Gus.
type groupFixture struct {
	db            *postgres.DB
	acme, globex  tenant.Tenant
	ann, bob, gus user.User
}

func newGroupFixture(t *testing.T) groupFixture {
	t.Helper()
	db := fixture.DB(t)
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme", People: []fixture.Person{
		{Email: "ann@acme.test", Name: "Ann Archer"},
		{Email: "bob@acme.test", Name: "bob Baker"}, // lower case: members sort regardless of case
	}})
	globex := fixture.Build(t, db, fixture.Spec{Slug: "globex", Name: "Globex", People: []fixture.Person{{Email: "gus@globex.test", Name: "Gus Grant"}}})
	return groupFixture{db: db, acme: acme.Tenant, globex: globex.Tenant,
		ann: acme.Person(t, "ann@acme.test"), bob: acme.Person(t, "bob@acme.test"), gus: globex.Person(t, "gus@globex.test")}
}

func groupNames(groups []postgres.Group) []string {
	var names []string
	for _, g := range groups {
		names = append(names, g.Name)
	}
	return names
}

func TestGroupService(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newGroupFixture(t)
	groups := postgres.NewGroupService(f.db)
	by := postgres.AuditActor{UserID: f.ann.ID, Label: "ann@acme.test"}

	sales, err := groups.CreateGroup(ctx, f.acme.ID, "  Sales ", "department", by)
	if err != nil {
		t.Fatal(err)
	}
	support, err := groups.CreateGroup(ctx, f.acme.ID, "Support", "team", by)
	if err != nil {
		t.Fatal(err)
	}
	cohort, err := groups.CreateGroup(ctx, f.acme.ID, "autumn cohort", "cohort", by)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CreatesAGroup", func(t *testing.T) {
		if sales.TenantID != f.acme.ID || sales.ID == 0 || sales.Name != "Sales" || sales.Kind != "department" ||
			sales.MemberCount != 0 || sales.CreatedAt.IsZero() {
			t.Errorf("created %+v", sales)
		}
		if got, err := groups.FindGroupByID(ctx, f.acme.ID, sales.ID); err != nil || got != sales {
			t.Errorf("FindGroupByID = %+v, %v; want %+v", got, err, sales)
		}
	})
	t.Run("DuplicateNameIsAConflict", func(t *testing.T) {
		_, err := groups.CreateGroup(ctx, f.acme.ID, "SALES", "team", by)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.ECONFLICT || e.Field != "name" {
			t.Errorf("err = %v, want a conflict on name", err)
		}
	})
	t.Run("SameNameInAnotherPortalIsAllowed", func(t *testing.T) {
		if _, err := groups.CreateGroup(ctx, f.globex.ID, "Sales", "department", postgres.AuditActor{Label: "test"}); err != nil {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("ReportsEveryBadField", func(t *testing.T) {
		_, err := groups.CreateGroup(ctx, f.acme.ID, "   ", "club", by)
		fields, ok := apperr.FieldsOf(err)
		if !ok || fields["name"] == "" || fields["kind"] == "" {
			t.Errorf("err = %v, want problems with name and kind", err)
		}
	})
	t.Run("AddsMembersOnce", func(t *testing.T) {
		for _, m := range []struct {
			group postgres.Group
			user  user.User
		}{{sales, f.ann}, {sales, f.bob}, {support, f.ann}, {sales, f.ann}} {
			if err := groups.AddGroupMember(ctx, f.acme.ID, m.group.ID, m.user.ID, by); err != nil {
				t.Fatalf("add %s to %s: %v", m.user.Email, m.group.Name, err)
			}
		}
		members, err := groups.FindGroupMembers(ctx, f.acme.ID, sales.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range members {
			names = append(names, u.Name)
		}
		if want := []string{"Ann Archer", "bob Baker"}; !slices.Equal(names, want) {
			t.Errorf("members of Sales = %q, want %q", names, want)
		}
	})
	t.Run("CountsMembersInTheList", func(t *testing.T) {
		list, err := groups.FindGroups(ctx, f.acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, g := range list {
			counts[g.Name] = g.MemberCount
		}
		if want := []string{"autumn cohort", "Sales", "Support"}; !slices.Equal(groupNames(list), want) {
			t.Errorf("FindGroups = %q, want %q", groupNames(list), want)
		}
		if counts["Sales"] != 2 || counts["Support"] != 1 || counts["autumn cohort"] != 0 {
			t.Errorf("member counts = %v, want Sales 2, Support 1, autumn cohort 0", counts)
		}
		if g, _ := groups.FindGroupByID(ctx, f.acme.ID, sales.ID); g.MemberCount != 2 {
			t.Errorf("FindGroupByID counts %d members, want 2", g.MemberCount)
		}
	})
	t.Run("ListsAUsersGroups", func(t *testing.T) {
		mine, err := groups.FindUserGroups(ctx, f.acme.ID, f.ann.ID)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"Sales", "Support"}; !slices.Equal(groupNames(mine), want) {
			t.Errorf("Ann's groups = %q, want %q", groupNames(mine), want)
		}
		if len(mine) == 2 && mine[0].MemberCount != 2 {
			t.Errorf("Sales counts %d members in a user's groups, want 2", mine[0].MemberCount)
		}
	})
	t.Run("RemovesAMember", func(t *testing.T) {
		if err := groups.RemoveGroupMember(ctx, f.acme.ID, sales.ID, f.bob.ID, by); err != nil {
			t.Fatal(err)
		}
		if err := groups.RemoveGroupMember(ctx, f.acme.ID, sales.ID, f.bob.ID, by); err != nil {
			t.Errorf("removing a non-member: err = %v, want nil", err)
		}
		if g, _ := groups.FindGroupByID(ctx, f.acme.ID, sales.ID); g.MemberCount != 1 {
			t.Errorf("Sales has %d members after removing Bob, want 1", g.MemberCount)
		}
		if bobs, err := groups.FindUserGroups(ctx, f.acme.ID, f.bob.ID); err != nil || len(bobs) != 0 {
			t.Errorf("Bob's groups = %q, %v; want none", groupNames(bobs), err)
		}
	})

	t.Run("AnotherPortalCannotSeeTheGroup", func(t *testing.T) {
		list, err := groups.FindGroups(ctx, f.globex.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range list {
			if g.TenantID != f.globex.ID || g.ID == sales.ID {
				t.Errorf("globex sees %+v", g)
			}
		}
		if _, err := groups.FindGroupByID(ctx, f.globex.ID, sales.ID); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("find: err = %v, want not found", err)
		}
		if _, err := groups.FindGroupMembers(ctx, f.globex.ID, sales.ID); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("members: err = %v, want not found", err)
		}
		if _, err := groups.FindUserGroups(ctx, f.globex.ID, f.ann.ID); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("a user's groups: err = %v, want not found", err)
		}
	})
	t.Run("AnotherPortalCannotAddMembers", func(t *testing.T) {
		if err := groups.AddGroupMember(ctx, f.globex.ID, sales.ID, f.gus.ID, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("its own user: err = %v, want not found", err)
		}
		if err := groups.AddGroupMember(ctx, f.globex.ID, sales.ID, f.bob.ID, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("the group's own portal's user: err = %v, want not found", err)
		}
	})
	t.Run("AnotherPortalCannotRemoveMembers", func(t *testing.T) {
		if err := groups.RemoveGroupMember(ctx, f.globex.ID, sales.ID, f.ann.ID, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
		if g, _ := groups.FindGroupByID(ctx, f.acme.ID, sales.ID); g.MemberCount != 1 {
			t.Errorf("Sales has %d members, want 1", g.MemberCount)
		}
	})
	t.Run("AnotherPortalsUserCannotJoin", func(t *testing.T) {
		err := groups.AddGroupMember(ctx, f.acme.ID, sales.ID, f.gus.ID, by)
		if apperr.Code(err) != apperr.ENOTFOUND || apperr.Message(err) != "User not found." {
			t.Errorf("err = %v, want user not found", err)
		}
		if err := groups.RemoveGroupMember(ctx, f.acme.ID, sales.ID, f.gus.ID, by); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("remove: err = %v, want not found", err)
		}
	})
	t.Run("UnknownGroupIsNotFound", func(t *testing.T) {
		err := groups.AddGroupMember(ctx, f.acme.ID, cohort.ID+1000, f.ann.ID, by)
		if apperr.Code(err) != apperr.ENOTFOUND || apperr.Message(err) != "Group not found." {
			t.Errorf("err = %v, want group not found", err)
		}
	})
	t.Run("RecordsEachChangeInThePortalsAuditLog", func(t *testing.T) {
		var actions []string
		err := f.db.InTenantTx(ctx, f.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `
				SELECT coalesce(array_agg(action ORDER BY id), '{}') FROM audit_events
				WHERE tenant_id = $1 AND action LIKE 'group.%'`, f.acme.ID).Scan(&actions)
		})
		if err != nil {
			t.Fatal(err)
		}
		// Adding Ann to Sales a second time changed nothing, so it is not there.
		want := []string{"group.create", "group.create", "group.create",
			"group.member.add", "group.member.add", "group.member.add", "group.member.remove"}
		if !slices.Equal(actions, want) {
			t.Errorf("audit log = %q, want %q", actions, want)
		}
	})
}
