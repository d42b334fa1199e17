package server

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/pages"
)

// A reseller's white label: the name, logo and support address its
// clients' portals and mail show instead of Upward's. Resellers only: an
// account's portals are the platform's own.

// consoleReseller loads the signed-in member's reseller; an account's
// member is refused.
func (s *Server) consoleReseller(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember) (postgres.Reseller, bool) {
	if !m.IsReseller() {
		s.forbidden(w, r)
		return postgres.Reseller{}, false
	}
	rs, err := s.resellers.FindResellerByID(r.Context(), *m.ResellerID)
	if err != nil {
		s.renderError(w, r, err)
		return postgres.Reseller{}, false
	}
	return rs, true
}

func (s *Server) renderConsoleBranding(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember, rs postgres.Reseller, status int, v pages.ConsoleBrandingView) {
	v.CSRF, v.BaseDomain, v.PlatformHost = s.csrfToken(r), rs.WhiteLabel.BaseDomain, s.cfg.BaseDomain
	if rs.WhiteLabel.LogoFile != "" {
		v.LogoURL = "/console/branding/" + rs.WhiteLabel.LogoFile
	}
	s.render(w, r, status, s.consolePage(r, m, "Branding"), pages.ConsoleBranding(v))
}

func (s *Server) handleConsoleBranding(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	rs, ok := s.consoleReseller(w, r, m)
	if !ok {
		return
	}
	s.renderConsoleBranding(w, r, m, rs, http.StatusOK, pages.ConsoleBrandingView{
		Name: rs.WhiteLabel.Name, SupportEmail: rs.WhiteLabel.SupportEmail, Notice: s.popFlash(r)})
}

// handleConsoleBrandingSave checks every field and the logo first, so that
// a bad one changes nothing, then stores the logo and saves.
func (s *Server) handleConsoleBrandingSave(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	rs, ok := s.consoleReseller(w, r, m)
	if !ok {
		return
	}
	wl := tenant.WhiteLabel{Name: r.PostFormValue("name"), SupportEmail: r.PostFormValue("support_email")}
	wl.Normalize()
	fields := apperr.Fields{}
	if f, ok := apperr.FieldsOf(wl.Validate()); ok {
		fields = f
	}
	logo, err := readLogo(r, "logo")
	if f, ok := apperr.FieldsOf(err); ok {
		fields.Add("logo", f["logo"])
	} else if err != nil {
		s.serverError(w, r, err)
		return
	}
	var logoFile string
	if len(fields) == 0 && logo != nil {
		if logoFile, err = s.storeLogo("reseller-logo-"+strconv.FormatInt(rs.ID, 10), logo); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if len(fields) == 0 {
		_, err = s.resellers.SaveResellerBranding(r.Context(), rs.ID, wl, logoFile, postgres.AuditActor{Label: "console: " + m.Email, IP: clientIP(r)})
		if f, ok := apperr.FieldsOf(err); ok {
			fields = f
		} else if err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	if len(fields) > 0 {
		s.renderConsoleBranding(w, r, m, rs, http.StatusUnprocessableEntity, pages.ConsoleBrandingView{
			Name: wl.Name, SupportEmail: wl.SupportEmail, Errors: fields,
			Error: "Nothing was saved: please correct the fields marked below."})
		return
	}
	s.flash(r, "Branding saved. Your clients' portals show it now.")
	http.Redirect(w, r, "/console/branding", http.StatusSeeOther)
}

// handleConsoleBrandingLogo shows the reseller its own current logo on the
// platform host (clients' portals serve it on theirs).
func (s *Server) handleConsoleBrandingLogo(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	rs, ok := s.consoleReseller(w, r, m)
	if !ok {
		return
	}
	if name := chi.URLParam(r, "name"); name == "" || name != rs.WhiteLabel.LogoFile {
		s.notFound(w, r)
		return
	}
	s.serveLogo(w, r, rs.WhiteLabel.LogoFile)
}
