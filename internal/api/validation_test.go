package api_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// Bad input gets a 422 problem naming each field at fault (a body member
// with its JSON Pointer, a query parameter or a header) and changes
// nothing.
func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{
		People:  []fixture.Person{{Email: "ana@acme.test", Name: "Ana"}},
		Courses: []fixture.Course{{Slug: "acme-course", Title: "Acme Course"}},
		Groups:  []fixture.Group{{Name: "Taken"}},
	}, fixture.Spec{
		People:  []fixture.Person{{Email: "g@globex.test", Name: "G"}},
		Courses: []fixture.Course{{Slug: "g-course", Title: "G Course"}},
		Groups:  []fixture.Group{{Name: "G Group"}},
	})
	ctx := context.Background()
	key := e.key(e.acme.Tenant)
	ana := e.acme.Person(t, "ana@acme.test")
	invited, err := e.main.Users.Invite(ctx, e.acme.Tenant, postgres.Invitation{Email: "ivy@acme.test", Name: "Ivy", Roles: []user.Role{user.Learner}}, by)
	if err != nil {
		t.Fatal(err)
	}
	course := e.acme.Courses["acme-course"]
	group := e.acme.Groups["Taken"]
	gUser := e.globex.Person(t, "g@globex.test")
	gCourse := e.globex.Courses["g-course"]
	gGroup := e.globex.Groups["G Group"]
	id := func(n int64) string { return strconv.FormatInt(n, 10) }
	count := func() string {
		var s string
		e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM groups) || '/' ||
				(SELECT count(*) FROM group_members) || '/' || (SELECT count(*) FROM enrolments) || '/' || (SELECT count(*) FROM assignments)
				|| '/' || (SELECT string_agg(name || status || array_to_string(roles, ',') || coalesce(manager_id, 0), ';' ORDER BY id) FROM users)`).Scan(&s)
		})
		return s
	}
	before := count()

	for _, tc := range []struct {
		name, method, path string
		body               any
		fields             []string
	}{
		{"InviteWithNothing", "POST", "/users", map[string]any{}, []string{"email", "name"}},
		{"InviteWithABadAddress", "POST", "/users", map[string]any{"email": "not an address", "name": "X"}, []string{"email"}},
		{"InviteWithAnUnknownRole", "POST", "/users", map[string]any{"email": "x@acme.test", "name": "X", "roles": []string{"boss"}}, []string{"roles"}},
		{"InviteWithNoRole", "POST", "/users", map[string]any{"email": "x@acme.test", "name": "X", "roles": []string{}}, []string{"roles"}},
		{"InviteSomeoneAlreadyHere", "POST", "/users", map[string]any{"email": "ANA@acme.test", "name": "Ana again"}, []string{"email"}},
		{"InviteWithAMisspeltMember", "POST", "/users", map[string]any{"emial": "x@acme.test", "name": "X"}, []string{"emial"}},
		{"InviteWithANumberForAName", "POST", "/users", map[string]any{"email": "x@acme.test", "name": 5}, []string{"name"}},
		{"UpdateToBlankName", "PATCH", "/users/" + id(ana.ID), map[string]any{"name": " "}, []string{"name"}},
		{"UpdateToNoRoles", "PATCH", "/users/" + id(ana.ID), map[string]any{"roles": []string{}}, []string{"roles"}},
		{"UpdateToInvited", "PATCH", "/users/" + id(ana.ID), map[string]any{"status": "invited"}, []string{"status"}},
		{"UpdateToOwnManager", "PATCH", "/users/" + id(ana.ID), map[string]any{"manager_id": ana.ID}, []string{"manager_id"}},
		{"UpdateToAnotherPortalsManager", "PATCH", "/users/" + id(ana.ID), map[string]any{"manager_id": gUser.ID}, []string{"manager_id"}},
		{"UpdateWithATextManager", "PATCH", "/users/" + id(ana.ID), map[string]any{"manager_id": "boss"}, []string{"manager_id"}},
		{"GroupWithoutName", "POST", "/groups", map[string]any{}, []string{"name"}},
		{"GroupOfAnUnknownKind", "POST", "/groups", map[string]any{"name": "Club", "kind": "club"}, []string{"kind"}},
		{"MemberWithoutPerson", "POST", "/groups/" + id(group.ID) + "/members", map[string]any{}, []string{"user_id"}},
		{"MemberOfAnotherPortal", "POST", "/groups/" + id(group.ID) + "/members", map[string]any{"user_id": gUser.ID}, []string{"user_id"}},
		{"EnrolWithNothing", "POST", "/enrolments", map[string]any{}, []string{"course_id", "user_id"}},
		{"EnrolAnotherPortalsPersonInItsCourse", "POST", "/enrolments", map[string]any{"user_id": gUser.ID, "course_id": gCourse.ID}, []string{"course_id", "user_id"}},
		{"EnrolSomeoneInvited", "POST", "/enrolments", map[string]any{"user_id": invited.ID, "course_id": course.ID}, []string{"user_id"}},
		{"EnrolWithAWordForADate", "POST", "/enrolments", map[string]any{"user_id": ana.ID, "course_id": course.ID, "due_at": "tomorrow"}, []string{"due_at"}},
		{"EnrolDueInThePast", "POST", "/enrolments", map[string]any{"user_id": ana.ID, "course_id": course.ID, "due_at": "2020-01-31T17:00:00Z"}, []string{"due_at"}},
		{"AssignDueInThePast", "POST", "/assignments", map[string]any{"group_id": 1, "course_id": course.ID, "due_at": "2020-01-31T17:00:00Z"}, []string{"due_at"}},
		{"AssignWithNothing", "POST", "/assignments", map[string]any{}, []string{"course_id", "path_id"}},
		{"AssignBothCourseAndPath", "POST", "/assignments", map[string]any{"group_id": group.ID, "course_id": course.ID, "path_id": 1}, []string{"course_id", "path_id"}},
		{"AssignToAnotherPortalsGroup", "POST", "/assignments", map[string]any{"group_id": gGroup.ID, "course_id": course.ID}, []string{"group_id"}},
		{"AssignAnotherPortalsCourse", "POST", "/assignments", map[string]any{"group_id": group.ID, "course_id": gCourse.ID}, []string{"course_id"}},
		{"ListWithLimitZero", "GET", "/users?limit=0", nil, []string{"limit"}},
		{"ListWithLimitTooHigh", "GET", "/groups?limit=201", nil, []string{"limit"}},
		{"ListWithAForgedCursor", "GET", "/enrolments?cursor=not-a-cursor", nil, []string{"cursor"}},
		{"ListSinceAWord", "GET", "/users?updated_since=yesterday", nil, []string{"updated_since"}},
		{"ListAnUnknownStatus", "GET", "/users?status=gone", nil, []string{"status"}},
		{"ListByATextID", "GET", "/enrolments?user_id=ana&course_id=0", nil, []string{"course_id", "user_id"}},
		{"CompletionsSinceAWord", "GET", "/completions?updated_since=2026-13-01", nil, []string{"updated_since"}},
		{"CertificatesForATextID", "GET", "/certificates?user_id=x", nil, []string{"user_id"}},
		{"StatementsSinceAWord", "GET", "/statements?since=now", nil, []string{"since"}},
		{"StatementsOfAnUnknownVerb", "GET", "/statements?verb=liked", nil, []string{"verb"}},
		{"AssignmentsOfATextGroup", "GET", "/assignments?group_id=x", nil, []string{"group_id"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(t, "acme", tc.method, "/api/v1"+tc.path, key, tc.body)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %s", r.status, r.body)
			}
			isProblem(t, r, "invalid")
			got := r.fieldsAtFault(t)
			slices.Sort(got)
			if !slices.Equal(got, tc.fields) {
				t.Errorf("fields at fault %v, want %v: %s", got, tc.fields, r.body)
			}
			if tc.body != nil && !strings.Contains(string(r.body), `"pointer":"#/`+tc.fields[0]+`"`) {
				t.Errorf("no JSON Pointer to the body member: %s", r.body)
			}
		})
	}
	t.Run("AGroupNameTakenIsAConflictAtTheField", func(t *testing.T) {
		r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "TAKEN"})
		if r.status != http.StatusConflict {
			t.Fatalf("status %d, want 409", r.status)
		}
		isProblem(t, r, "conflict")
		if f := r.fieldsAtFault(t); !slices.Equal(f, []string{"name"}) {
			t.Errorf("fields %v", f)
		}
	})
	t.Run("ABadIdempotencyKeyIsAFieldError", func(t *testing.T) {
		for _, k := range []string{"has space", strings.Repeat("k", 256), "ünïcode"} {
			r := e.call(t, "acme", "POST", "/api/v1/groups", key, map[string]any{"name": "Idem"}, "Idempotency-Key", k)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("%q: status %d, want 422", k, r.status)
			}
			if f := r.fieldsAtFault(t); !slices.Equal(f, []string{"Idempotency-Key"}) {
				t.Errorf("fields %v", f)
			}
		}
	})
	t.Run("ABodyNotSentAsJSONIs415", func(t *testing.T) {
		r := e.call(t, "acme", "POST", "/api/v1/groups", key, []byte(`{"name":"Form"}`), "Content-Type", "application/x-www-form-urlencoded")
		if r.status != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415", r.status)
		}
		isProblem(t, r, "unsupported-media-type")
	})
	t.Run("MalformedJSONIs400", func(t *testing.T) {
		for _, b := range []string{`{"name":`, `["a"]`, `{"name":"A"} {"name":"B"}`, ``} {
			r := e.call(t, "acme", "POST", "/api/v1/groups", key, []byte(b))
			if r.status != http.StatusBadRequest {
				t.Fatalf("%q: status %d, want 400: %s", b, r.status, r.body)
			}
			isProblem(t, r, "bad-request")
		}
	})
	t.Run("ABodyOver64KiBIs413", func(t *testing.T) {
		big := []byte(`{"name":"` + strings.Repeat("x", 70<<10) + `"}`)
		for _, idem := range []string{"", "big-body"} {
			r := e.call(t, "acme", "POST", "/api/v1/groups", key, big, "Idempotency-Key", idem)
			if r.status != http.StatusRequestEntityTooLarge {
				t.Fatalf("idempotency key %q: status %d, want 413", idem, r.status)
			}
			isProblem(t, r, "too-large")
		}
	})
	t.Run("AnUnknownEndpointIsAProblemToo", func(t *testing.T) {
		r := e.call(t, "acme", "GET", "/api/v1/nothing-here", key, nil)
		if r.status != http.StatusNotFound {
			t.Fatalf("status %d", r.status)
		}
		isProblem(t, r, "not-found")
		r = e.call(t, "acme", "PUT", "/api/v1/users", key, map[string]any{})
		if r.status != http.StatusMethodNotAllowed {
			t.Fatalf("PUT: status %d", r.status)
		}
		isProblem(t, r, "method-not-allowed")
		r = e.call(t, "nowhere", "GET", "/api/v1/users", key, nil)
		if r.status != http.StatusNotFound {
			t.Fatalf("unknown portal: status %d", r.status)
		}
		isProblem(t, r, "unknown-portal")
	})
	if after := count(); after != before {
		t.Errorf("bad requests changed acme's data:\n%s\n%s", before, after)
	}
}
