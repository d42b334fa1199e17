package tenant_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

// Who suspended a portal decides who may reactivate it.
func TestChangeStatus(t *testing.T) {
	t.Parallel()
	type state struct {
		status tenant.Status
		by     tenant.Authority
	}
	active := state{tenant.Active, ""}
	byOperator := state{tenant.Suspended, tenant.ByOperator}
	byReseller := state{tenant.Suspended, tenant.ByReseller}
	for _, c := range []struct {
		name    string
		from    state
		want    tenant.Status
		by      tenant.Authority
		to      state
		refused string // the error code, when refused
	}{
		{"the operator suspends", active, tenant.Suspended, tenant.ByOperator, byOperator, ""},
		{"a reseller suspends", active, tenant.Suspended, tenant.ByReseller, byReseller, ""},
		{"a reseller lifts its own", byReseller, tenant.Active, tenant.ByReseller, active, ""},
		{"the operator lifts a reseller's", byReseller, tenant.Active, tenant.ByOperator, active, ""},
		{"the operator lifts its own", byOperator, tenant.Active, tenant.ByOperator, active, ""},
		{"a reseller cannot lift the operator's", byOperator, tenant.Active, tenant.ByReseller, byOperator, apperr.EFORBIDDEN},
		{"the operator's replaces a reseller's", byReseller, tenant.Suspended, tenant.ByOperator, byOperator, ""},
		{"a reseller's leaves the operator's", byOperator, tenant.Suspended, tenant.ByReseller, byOperator, ""},
		{"no such status", active, "closed", tenant.ByOperator, active, apperr.EINVALID},
	} {
		tt := tenant.Tenant{Status: c.from.status, SuspendedBy: c.from.by}
		err := tt.ChangeStatus(c.want, c.by)
		if got := apperr.Code(err); (err != nil || c.refused != "") && got != c.refused {
			t.Errorf("%s: error %v, want code %q", c.name, err, c.refused)
		}
		if (state{tt.Status, tt.SuspendedBy}) != c.to {
			t.Errorf("%s: %s by %q, want %s by %q", c.name, tt.Status, tt.SuspendedBy, c.to.status, c.to.by)
		}
	}
}
