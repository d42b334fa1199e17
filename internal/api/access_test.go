package api_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/api"
	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// Every documented operation, called on acme's host: refused without a
// key, with a malformed, revoked or globex's key (401), with a key
// lacking its permission (403); and with every permission but the IDs of
// globex's objects, not found (404), globex's data unchanged.
func TestEveryOperation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{
		People:   []fixture.Person{{Email: "secret@globex.test", Name: "Globex Secret"}},
		Courses:  []fixture.Course{{Slug: "globex-course", Title: "Globex Course"}},
		Groups:   []fixture.Group{{Name: "Globex Group", Members: []string{"secret@globex.test"}}},
		Progress: []fixture.Progress{{Who: "secret@globex.test", Course: "globex-course", Step: fixture.Passed}},
	})
	ctx := context.Background()
	gUser := e.globex.Person(t, "secret@globex.test")
	gCourse := e.globex.Courses["globex-course"]
	gGroup := e.globex.Groups["Globex Group"]
	gEnrolment := e.completed(e.globex, "secret@globex.test", "globex-course")
	globexState := func() string {
		var s string
		e.db.InTenantTx(ctx, e.globex.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT (SELECT string_agg(name || status || array_to_string(roles, ','), ';') FROM users)
				|| (SELECT string_agg(group_id || ':' || user_id, ';') FROM group_members)
				|| (SELECT string_agg(id || status, ';') FROM enrolments)
				|| (SELECT count(*) FROM assignments)`).Scan(&s)
		})
		return s
	}
	before := globexState()

	full := e.key(e.acme.Tenant)
	revokedID, revoked, _ := mustKey(t, e, e.acme.Tenant, apikey.PortalPermissions)
	if err := e.keys.RevokePortalKey(ctx, e.acme.ID, revokedID, by); err != nil {
		t.Fatal(err)
	}
	globexKey := e.key(e.globex.Tenant)
	// A real key's id with a secret one letter off.
	_, wrongSecret, _ := mustKey(t, e, e.acme.Tenant, apikey.PortalPermissions)
	other := byte('b')
	if wrongSecret[len(wrongSecret)-5] == other {
		other = 'c'
	}
	wrongSecret = wrongSecret[:len(wrongSecret)-5] + string(other) + wrongSecret[len(wrongSecret)-4:]
	without := map[apikey.Permission]string{}
	for _, p := range apikey.PortalPermissions {
		var others []apikey.Permission
		for _, o := range apikey.PortalPermissions {
			if o != p {
				others = append(others, o)
			}
		}
		without[p] = e.key(e.acme.Tenant, others...)
	}

	// What each path parameter is filled with: globex's objects.
	ids := map[string]int64{"/users/{id}": gUser.ID, "/groups/{id}": gGroup.ID, "/enrolments/{id}": gEnrolment.ID,
		"/courses/{id}": gCourse.ID, "{courseID}": gCourse.ID, "{userID}": gUser.ID}
	bodies := map[string]map[string]any{
		"POST /users":               {"email": "new@acme.test", "name": "New"},
		"PATCH /users/{id}":         {"name": "Hacked", "status": "deactivated"},
		"POST /groups":              {"name": "New group"},
		"POST /groups/{id}/members": {"user_id": gUser.ID},
		"POST /enrolments":          {"user_id": gUser.ID, "course_id": gCourse.ID},
		"POST /assignments":         {"group_id": gGroup.ID, "course_id": gCourse.ID},
	}
	param := regexp.MustCompile(`\{[a-zA-Z]+\}`)
	for _, op := range api.Operations() {
		if op.Host != "portal" {
			continue // TestEveryProvisioningOperation
		}
		name := op.Method + " " + op.Path
		t.Run(name, func(t *testing.T) {
			withOnes := api.Prefix + param.ReplaceAllString(op.Path, "1")
			var body any
			if b, ok := bodies[name]; ok {
				body = b
			}
			call := func(token string, path string) response {
				t.Helper()
				return e.call(t, "acme", op.Method, path, token, body)
			}
			for label, token := range map[string]string{"NoKey": "", "Malformed": "upw_nonsense", "WrongSecret": wrongSecret,
				"Revoked": revoked, "AnotherPortalsKey": globexKey, "NotBearer": ""} {
				r := call(token, withOnes)
				if label == "NotBearer" {
					r = e.call(t, "acme", op.Method, withOnes, "", body, "Authorization", "Basic "+full)
				}
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", label, r.status)
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
					t.Errorf("%s: WWW-Authenticate %q", label, r.header.Get("WWW-Authenticate"))
				}
				isProblem(t, r, "unauthorized")
			}
			r := call(without[apikey.Permission(op.Permission)], withOnes)
			if r.status != http.StatusForbidden {
				t.Errorf("without %s: status %d, want 403", op.Permission, r.status)
			}
			isProblem(t, r, "forbidden")
			if !strings.Contains(string(r.body), op.Permission) {
				t.Errorf("the 403 does not name %s: %s", op.Permission, r.body)
			}
			if !param.MatchString(op.Path) {
				return
			}
			path := op.Path
			for k, id := range ids {
				if strings.HasPrefix(k, "{") {
					path = strings.ReplaceAll(path, k, strconv.FormatInt(id, 10))
				} else if strings.HasPrefix(path, k) {
					path = strings.Replace(path, k, strings.Replace(k, "{id}", strconv.FormatInt(id, 10), 1), 1)
				}
			}
			if param.MatchString(path) {
				t.Fatalf("no ID for %s", path)
			}
			r = call(full, api.Prefix+path)
			if r.status != http.StatusNotFound {
				t.Errorf("globex's objects: status %d, want 404: %s", r.status, r.body)
			}
			isProblem(t, r, "not-found")
			for _, leak := range []string{"Globex", "secret@globex.test"} {
				if strings.Contains(string(r.body), leak) {
					t.Errorf("the answer shows %q: %s", leak, r.body)
				}
			}
			r = call(full, api.Prefix+param.ReplaceAllString(op.Path, "x1"))
			if r.status != http.StatusNotFound {
				t.Errorf("a malformed ID: status %d, want 404", r.status)
			}
		})
	}
	if after := globexState(); after != before {
		t.Errorf("globex's data changed:\n%s\n%s", before, after)
	}
}

// isProblem checks an RFC 9457 problem of the type named.
func isProblem(t testing.TB, r response, typ string) {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("content type %q, want application/problem+json", ct)
		return
	}
	p := r.json(t)
	if p["type"] != api.Prefix+"/docs#problem-"+typ {
		t.Errorf("type %v, want %s", p["type"], typ)
	}
	if fmt.Sprint(p["status"]) != strconv.Itoa(r.status) || p["title"] == "" {
		t.Errorf("problem %v", p)
	}
}

func mustKey(t testing.TB, e *env, tn tenant.Tenant, perms []apikey.Permission) (string, string, error) {
	t.Helper()
	k, token, err := e.keys.CreatePortalKey(context.Background(), tn.ID, "key", perms, by)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID, token, nil
}
