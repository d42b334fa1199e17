package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// An identity provider deactivating a person over SCIM ends their open
// session at once: their next page asks them to sign in.
func TestSCIM_DeactivationEndsAnOpenSession(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample)
	_, token, err := postgres.NewAPIKeyService(s.db).CreatePortalKey(context.Background(), acme.ID, "Entra ID", []apikey.Permission{apikey.SCIMProvision}, fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	if p := ana.get("/learn"); p.status != http.StatusOK {
		t.Fatalf("signed in: %d", p.status)
	}
	id := itoa(acme.People["ana@acme.test"].ID)
	req, _ := http.NewRequest(http.MethodPatch, ana.base+"/scim/v2/Users/"+id,
		strings.NewReader(`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/scim+json")
	res, err := ana.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("deactivate over SCIM: %d", res.StatusCode)
	}
	if p := ana.get("/learn"); p.status != http.StatusSeeOther || !strings.Contains(p.header.Get("Location"), "/login") {
		t.Errorf("after deactivation the open session answers %d %s, want a redirect to sign in", p.status, p.header.Get("Location"))
	}
}
