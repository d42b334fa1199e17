package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
)

// API access is a plan feature: a portal on a plan without it refuses
// even a valid key, with a problem saying why.
func TestThePlanDecidesAPIAccess(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	token := e.key(e.acme.Tenant)
	if r := e.call(t, "acme", http.MethodGet, "/api/v1/users", token, nil); r.status != http.StatusOK {
		t.Fatalf("on the standard plan: %d", r.status)
	}
	e.acme.Plan = "starter"
	if _, err := e.main.Tenants.UpdateTenant(context.Background(), e.acme.Tenant, by); err != nil {
		t.Fatal(err)
	}
	r := e.call(t, "acme", http.MethodGet, "/api/v1/users", token, nil)
	if r.status != http.StatusForbidden || r.json(t)["detail"] != "API access is not part of this portal's plan." {
		t.Errorf("on the starter plan: %d %v", r.status, r.json(t))
	}
}
