package server

import (
	"net/http"
	"strings"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) handleAdminSettings(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := stateOf(r).Tenant
	v := settingsView(tenantFormView(*t))
	v.CSRF, v.Notice, v.LogoURL = s.csrfToken(r), s.popFlash(r), logoURL(t)
	s.render(w, r, http.StatusOK, s.page(r, "Portal settings"), pages.AdminSettings(v))
}

func settingsView(f pages.TenantFormView) pages.AdminSettingsView {
	return pages.AdminSettingsView{PrimaryColor: f.PrimaryColor, WelcomeText: f.WelcomeText, ContactEmail: f.ContactEmail,
		SelfRegistration: f.SelfRegistration, AllowedEmailDomains: f.AllowedEmailDomains,
		DefaultTimeZone: f.DefaultTimeZone, DefaultLanguage: f.DefaultLanguage}
}

// handleAdminSettingsSave lets a portal's administrator change its look and
// sign-up rules; name, status, plan and seats stay with the platform.
func (s *Server) handleAdminSettingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := *stateOf(r).Tenant
	t.Branding.PrimaryColor = r.PostFormValue("primary_color")
	t.Branding.WelcomeText = r.PostFormValue("welcome_text")
	t.Branding.ContactEmail = r.PostFormValue("contact_email")
	t.Settings.SelfRegistration = r.PostFormValue("self_registration") == "on"
	t.Settings.AllowedEmailDomains = strings.Split(r.PostFormValue("allowed_email_domains"), ",")
	t.Settings.DefaultTimeZone = strings.TrimSpace(r.PostFormValue("default_time_zone"))
	t.Settings.DefaultLanguage = strings.TrimSpace(r.PostFormValue("default_language"))
	saved, err := s.tenants.UpdateTenant(r.Context(), t, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		v := settingsView(tenantFormView(t))
		v.CSRF, v.Errors, v.Error = s.csrfToken(r), fields, "Please correct the fields marked below."
		v.AllowedEmailDomains = r.PostFormValue("allowed_email_domains")
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Portal settings"), pages.AdminSettings(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Settings saved for "+saved.Name+".")
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
}
