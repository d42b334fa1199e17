package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// Scope closure: a key never makes or changes a person who can do more
// than the key. A users:write key invites and edits learners, but cannot
// invite an admin or an instructor, promote anyone, or change an admin; a
// key holding everything can.
func TestScope_AKeyGrantsNoMoreThanItHolds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{People: []fixture.Person{
		{Email: "lee@acme.test", Name: "Lee"},
		{Email: "boss@acme.test", Name: "Boss", Roles: []user.Role{user.Admin}},
	}}, fixture.Spec{})
	narrow := e.key(e.acme.Tenant, apikey.UsersRead, apikey.UsersWrite)
	authoring := e.key(e.acme.Tenant, apikey.UsersWrite, apikey.CoursesRead, apikey.CoursesWrite)
	full := e.key(e.acme.Tenant)
	lee := strconv.FormatInt(e.acme.Person(t, "lee@acme.test").ID, 10)
	boss := strconv.FormatInt(e.acme.Person(t, "boss@acme.test").ID, 10)

	for _, c := range []struct {
		name, token, method, path string
		body                      map[string]any
		want                      int
	}{
		{"invite an admin", narrow, "POST", "/api/v1/users", map[string]any{"email": "eve@acme.test", "name": "Eve", "roles": []string{"admin"}}, http.StatusForbidden},
		{"invite an instructor", narrow, "POST", "/api/v1/users", map[string]any{"email": "ian@acme.test", "name": "Ian", "roles": []string{"instructor"}}, http.StatusForbidden},
		{"promote a learner to admin", narrow, "PATCH", "/api/v1/users/" + lee, map[string]any{"roles": []string{"learner", "admin"}}, http.StatusForbidden},
		{"deactivate an admin", narrow, "PATCH", "/api/v1/users/" + boss, map[string]any{"status": "deactivated"}, http.StatusForbidden},
		{"rename an admin", narrow, "PATCH", "/api/v1/users/" + boss, map[string]any{"name": "Bossy"}, http.StatusForbidden},
		{"an authoring key promotes to admin", authoring, "PATCH", "/api/v1/users/" + lee, map[string]any{"roles": []string{"admin"}}, http.StatusForbidden},
		{"invite a learner", narrow, "POST", "/api/v1/users", map[string]any{"email": "leo@acme.test", "name": "Leo"}, http.StatusCreated},
		{"rename a learner", narrow, "PATCH", "/api/v1/users/" + lee, map[string]any{"name": "Lee L."}, http.StatusOK},
		{"an authoring key makes an instructor", authoring, "POST", "/api/v1/users", map[string]any{"email": "ivy@acme.test", "name": "Ivy", "roles": []string{"instructor"}}, http.StatusCreated},
		{"a full key makes an admin", full, "PATCH", "/api/v1/users/" + lee, map[string]any{"roles": []string{"admin"}}, http.StatusOK},
	} {
		r := e.call(t, "acme", c.method, c.path, c.token, c.body)
		if r.status != c.want {
			t.Errorf("%s: %d, want %d: %s", c.name, r.status, c.want, r.body)
		}
	}
	// Nothing the refused requests asked for happened.
	if u := e.acme.Person(t, "boss@acme.test"); u.Status != user.Active || u.Name != "Boss" {
		t.Errorf("the admin after the refusals: %+v", u)
	}
	var n int
	e.db.InTenantTx(t.Context(), e.acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(t.Context(), `SELECT count(*) FROM users WHERE tenant_id = current_tenant_id() AND email IN ('eve@acme.test', 'ian@acme.test', 'leo@acme.test')`).Scan(&n)
	})
	if n != 1 { // leo's
		t.Errorf("%d refused invitations were made", n)
	}
}
