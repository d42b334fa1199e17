package server

import (
	"net/http"
	"strings"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) handleAdminSettings(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	v := settingsView(*stateOf(r).Tenant)
	v.Notice = s.popFlash(r)
	s.renderSettings(w, r, http.StatusOK, s.page(r, "Portal settings"), v)
}

// settingsView fills the settings form from a portal.
func settingsView(t tenant.Tenant) pages.AdminSettingsView {
	f := tenantFormView(t)
	return pages.AdminSettingsView{Name: f.Name, PrimaryColor: f.PrimaryColor, WelcomeText: f.WelcomeText, ContactEmail: f.ContactEmail,
		SelfRegistration: f.SelfRegistration, AllowedEmailDomains: f.AllowedEmailDomains,
		DefaultTimeZone: f.DefaultTimeZone, DefaultLanguage: f.DefaultLanguage}
}

// renderSettings shows the settings page with v's form, adding what every
// showing of it needs: the colour's contrast warning, the logo and the
// custom domains.
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int, p layout.Page, v pages.AdminSettingsView) {
	t := stateOf(r).Tenant
	domains, err := s.tenants.FindDomains(r.Context(), t.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, d := range domains {
		v.Domains = append(v.Domains, pages.DomainRow{Name: d.Name, Verified: d.Verified(), RequestedAt: d.RequestedAt})
	}
	v.CSRF, v.LogoURL, v.PortalHost = s.csrfToken(r), logoURL(t), t.Slug+"."+s.cfg.BaseDomain
	v.ColorWarning = tenant.WhiteTextWarning(strings.ToLower(strings.TrimSpace(v.PrimaryColor)))
	s.render(w, r, status, p, pages.AdminSettings(v))
}

// settingsFromForm reads the settings form over the portal's stored
// settings, normalised as they would be saved.
func settingsFromForm(r *http.Request, t tenant.Tenant) tenant.Tenant {
	t.Name = r.PostFormValue("name")
	t.Branding.PrimaryColor = r.PostFormValue("primary_color")
	t.Branding.WelcomeText = r.PostFormValue("welcome_text")
	t.Branding.ContactEmail = r.PostFormValue("contact_email")
	t.Settings.SelfRegistration = r.PostFormValue("self_registration") == "on"
	t.Settings.AllowedEmailDomains = strings.Split(r.PostFormValue("allowed_email_domains"), ",")
	t.Settings.DefaultTimeZone = strings.TrimSpace(r.PostFormValue("default_time_zone"))
	t.Settings.DefaultLanguage = strings.TrimSpace(r.PostFormValue("default_language"))
	t.Normalize()
	return t
}

// renderSettingsErrors shows the settings form as typed with a message at
// each bad field.
func (s *Server) renderSettingsErrors(w http.ResponseWriter, r *http.Request, t tenant.Tenant, fields apperr.Fields) {
	v := settingsView(t)
	v.Errors, v.Error = fields, "Please correct the fields marked below."
	v.AllowedEmailDomains = r.PostFormValue("allowed_email_domains")
	s.renderSettings(w, r, http.StatusUnprocessableEntity, s.page(r, "Portal settings"), v)
}

// handleAdminSettingsSave lets a portal's administrator change its name,
// look and sign-up rules; status, plan and seats stay with the platform.
// A colour with poor contrast is saved all the same: the page warns.
func (s *Server) handleAdminSettingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := settingsFromForm(r, *stateOf(r).Tenant)
	saved, err := s.tenants.SaveSettings(r.Context(), t, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderSettingsErrors(w, r, t, fields)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Settings saved for "+saved.Name+".")
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
}

// handleAdminSettingsPreview shows the settings page as the form would make
// the portal look: its header in the new name and colour, and the home
// page's greeting. It saves nothing; the form keeps the values, so "Save
// settings" is one click away.
func (s *Server) handleAdminSettingsPreview(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := settingsFromForm(r, *stateOf(r).Tenant)
	if fields, ok := apperr.FieldsOf(t.Validate()); ok {
		s.renderSettingsErrors(w, r, t, fields)
		return
	}
	p := s.page(r, "Preview of portal settings")
	p.Brand, p.BrandCSS = t.Name, brandCSSURL(t.Branding.PrimaryColor)
	v := settingsView(t)
	v.Preview = &pages.SettingsPreview{Name: t.Name, WelcomeText: t.Branding.WelcomeText, LogoURL: logoURL(&t),
		SelfRegistration: t.Settings.SelfRegistration}
	s.renderSettings(w, r, http.StatusOK, p, v)
}

// handleDomainRequest asks for a custom domain for the portal; it stays
// pending, serving nothing, until a platform operator verifies it.
func (s *Server) handleDomainRequest(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := stateOf(r).Tenant
	typed := r.PostFormValue("domain")
	if !plan.Allows(t.Plan, plan.CustomDomain) {
		v := settingsView(*t)
		v.Domain, v.Errors, v.Error = typed, map[string]string{"domain": "Custom domains are not part of this portal's plan."}, "Custom domains are not part of this portal's plan."
		s.renderSettings(w, r, http.StatusForbidden, s.page(r, "Portal settings"), v)
		return
	}
	d, err := s.tenants.RequestDomain(r.Context(), t.ID, typed, s.cfg.BaseDomain, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		v := settingsView(*t)
		v.Domain, v.Errors, v.Error = typed, fields, "Please correct the fields marked below."
		s.renderSettings(w, r, http.StatusUnprocessableEntity, s.page(r, "Portal settings"), v)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Asked for "+d.Name+". Add its DNS record as shown below; it serves the portal once verified.")
	http.Redirect(w, r, "/admin/settings#domains-heading", http.StatusSeeOther)
}

// handleDomainWithdraw takes back a pending domain request.
func (s *Server) handleDomainWithdraw(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	domain := r.PostFormValue("domain")
	if err := s.tenants.WithdrawDomain(r.Context(), stateOf(r).Tenant.ID, domain, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Withdrew the request for "+domain+".")
	http.Redirect(w, r, "/admin/settings#domains-heading", http.StatusSeeOther)
}
