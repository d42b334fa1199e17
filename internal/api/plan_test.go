package api_test

import (
	"context"
	"net/http"
	"testing"
)

// API access is a plan feature: a portal on a plan without it refuses
// even a valid key, with a problem saying why.
func TestThePlanDecidesAPIAccess(t *testing.T) {
	e := newEnv(t, nil)
	token := e.key(e.acme)
	if r := e.call(t, "acme", http.MethodGet, "/api/v1/users", token, nil); r.status != http.StatusOK {
		t.Fatalf("on the standard plan: %d", r.status)
	}
	e.acme.Plan = "starter"
	if _, err := e.main.Tenants.UpdateTenant(context.Background(), e.acme, by); err != nil {
		t.Fatal(err)
	}
	r := e.call(t, "acme", http.MethodGet, "/api/v1/users", token, nil)
	if r.status != http.StatusForbidden || r.json(t)["detail"] != "API access is not part of this portal's plan." {
		t.Errorf("on the starter plan: %d %v", r.status, r.json(t))
	}
}
