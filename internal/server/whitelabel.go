package server

import (
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/layout"
)

// A reseller's clients' portals carry the reseller's name and logo, not
// Upward's (white label). The portal's row is read with its reseller's
// white label (postgres.TenantService), so a page's footer costs no lookup
// of its own and is never a minute out of date.

// poweredBy fills in whose platform a portal's pages say it runs on: its
// reseller, with the reseller's logo and support address, or Upward.
func poweredBy(p *layout.Page, t *tenant.Tenant) {
	p.PoweredBy = t.PoweredBy()
	if w := t.WhiteLabel; w != nil {
		p.SupportEmail = w.SupportEmail
		if w.LogoFile != "" {
			p.PoweredByLogo = "/logo/" + w.LogoFile
		}
	}
}
