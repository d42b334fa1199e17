package server

import (
	"net"
	"net/http"

	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/pages"
)

// homePortalLimit caps the portals listed on the platform's home page.
const homePortalLimit = 50

// handleHome shows the platform's welcome page with its portals.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	tenants, err := s.tenants.FindListedTenants(r.Context(), homePortalLimit)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.HomeView{Portals: make([]pages.PortalCard, 0, len(tenants))}
	for _, t := range tenants {
		v.Portals = append(v.Portals, pages.PortalCard{Name: t.Name, URL: s.portalURL(r, t)})
	}
	s.render(w, r, http.StatusOK, s.page(r, "Welcome"), pages.Home(v))
}

// portalURL is the address of a portal (under its reseller's base domain
// when it has one), on the same scheme and port the request came in on.
func (s *Server) portalURL(r *http.Request, t tenant.Tenant) string {
	return s.hostURL(r, t.Host(s.cfg.BaseDomain)) + "/"
}

// hostURL is the address of a host of this installation (no trailing
// slash): https in production or behind TLS, and the request's port.
func (s *Server) hostURL(r *http.Request, host string) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.Production() {
		scheme = "https"
	}
	if _, port, err := net.SplitHostPort(r.Host); err == nil && port != "80" && port != "443" {
		host = net.JoinHostPort(host, port)
	}
	return scheme + "://" + host
}
