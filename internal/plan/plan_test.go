package plan_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/plan"
)

func TestAllows(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		plan    string
		feature plan.Feature
		want    bool
	}{
		{"starter", plan.CustomDomain, false},
		{"standard", plan.CustomDomain, true},
		{"standard", plan.APIAccess, true},
		{"starter", plan.APIAccess, false},
		{"enterprise", plan.APIAccess, true},
		{"enterprise", plan.SCORMImport, true},
		{"no-such-plan", plan.LiveSessions, false},
	} {
		if got := plan.Allows(tt.plan, tt.feature); got != tt.want {
			t.Errorf("Allows(%q, %q) = %v, want %v", tt.plan, tt.feature, got, tt.want)
		}
	}
}

func TestEveryPlanHasSeatsAndAKnownName(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, p := range plan.Plans {
		if p.SeatLimit <= 0 || p.Name == "" || seen[p.Name] {
			t.Errorf("plan %+v", p)
		}
		seen[p.Name] = true
	}
	if _, ok := plan.Find("standard"); !ok {
		t.Error("the default plan of new portals is missing")
	}
}
