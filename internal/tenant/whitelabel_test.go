package tenant_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

func TestWhiteLabel(t *testing.T) {
	t.Parallel()
	own := tenant.Tenant{Slug: "acme"}
	client := tenant.Tenant{Slug: "contoso", WhiteLabel: &tenant.WhiteLabel{Name: "Northwind"}}
	domained := tenant.Tenant{Slug: "contoso", WhiteLabel: &tenant.WhiteLabel{Name: "Northwind", BaseDomain: "learn.northwind.example"}}

	t.Run("APortalIsPoweredByItsResellerOrUpward", func(t *testing.T) {
		if got := own.PoweredBy(); got != "Upward" {
			t.Errorf("own portal: %q", got)
		}
		if got := client.PoweredBy(); got != "Northwind" {
			t.Errorf("client portal: %q", got)
		}
	})
	t.Run("AClientPortalLivesUnderItsResellersDomainWhenItHasOne", func(t *testing.T) {
		for _, c := range []struct {
			t    tenant.Tenant
			want string
		}{{own, "acme.upward.example"}, {client, "contoso.upward.example"}, {domained, "contoso.learn.northwind.example"}} {
			if got := c.t.Host("upward.example"); got != c.want {
				t.Errorf("Host = %q, want %q", got, c.want)
			}
		}
	})
	t.Run("ANameIsRequiredAndTheSupportAddressMustBeOne", func(t *testing.T) {
		w := tenant.WhiteLabel{Name: "  ", SupportEmail: " Help <help@example.com> "}
		w.Normalize()
		f, ok := apperr.FieldsOf(w.Validate())
		if !ok || f["name"] == "" || f["support_email"] == "" {
			t.Errorf("got %v", f)
		}
		good := tenant.WhiteLabel{Name: "Northwind", SupportEmail: "help@northwind.example"}
		if err := good.Validate(); err != nil {
			t.Errorf("a good white label: %v", err)
		}
	})
}
