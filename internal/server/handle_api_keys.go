package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) renderAdminAPIKeys(w http.ResponseWriter, r *http.Request, status int, v pages.AdminAPIKeysView, checked []apikey.Permission) {
	keys, err := s.apiKeys.FindPortalKeys(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Action = "/admin/api-keys"
	s.renderAPIKeys(w, r, status, s.page(r, "API keys"), v, keys, apikey.PortalPermissions, checked)
}

// renderAPIKeys shows keys, and the form for a new one offering perms, on
// a portal's admin pages or in the console.
func (s *Server) renderAPIKeys(w http.ResponseWriter, r *http.Request, status int, p layout.Page, v pages.AdminAPIKeysView, keys []apikey.Key, perms, checked []apikey.Permission) {
	const when = "2 Jan 2006 15:04 UTC"
	for _, k := range keys {
		row := pages.APIKeyRow{ID: k.ID, Name: k.Name, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC().Format(when), LastUsed: "never"}
		if row.CreatedBy == "" {
			row.CreatedBy = "someone no longer here"
		}
		names := make([]string, len(k.Permissions))
		for i, p := range k.Permissions {
			names[i] = string(p)
		}
		row.Permissions = strings.Join(names, ", ")
		if k.LastUsedAt != nil {
			row.LastUsed = k.LastUsedAt.UTC().Format(when)
		}
		if k.RevokedAt != nil {
			row.Revoked = k.RevokedAt.UTC().Format(when)
		}
		v.Keys = append(v.Keys, row)
	}
	for _, p := range perms {
		v.Permissions = append(v.Permissions, pages.PermissionChoice{Value: string(p), Description: apikey.Describe(p), Checked: slices.Contains(checked, p)})
	}
	v.CSRF = s.csrfToken(r)
	// The page may carry a new key's secret: never keep it in a cache.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, p, pages.AdminAPIKeys(v))
}

// permissionsOf reads a key form's checked permissions.
func permissionsOf(r *http.Request) []apikey.Permission {
	var perms []apikey.Permission
	for _, p := range r.PostForm["permissions"] {
		perms = append(perms, apikey.Permission(p))
	}
	return perms
}

func (s *Server) handleAdminAPIKeys(w http.ResponseWriter, r *http.Request) {
	s.renderAdminAPIKeys(w, r, http.StatusOK, pages.AdminAPIKeysView{Notice: s.popFlash(r)}, nil)
}

// handleAdminAPIKeyCreate makes a key and shows its token on the page it
// answers with, once: the token is in no session, log or redirect.
func (s *Server) handleAdminAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	perms := permissionsOf(r)
	k, token, err := s.apiKeys.CreatePortalKey(r.Context(), stateOf(r).Tenant.ID, name, perms, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAdminAPIKeys(w, r, http.StatusUnprocessableEntity, pages.AdminAPIKeysView{Name: name, Errors: fields}, perms)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderAdminAPIKeys(w, r, http.StatusCreated, pages.AdminAPIKeysView{NewToken: token, NewName: k.Name}, nil)
}

func (s *Server) handleAdminAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	if err := s.apiKeys.RevokePortalKey(r.Context(), stateOf(r).Tenant.ID, chi.URLParam(r, "id"), s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Key revoked: it no longer works.")
	http.Redirect(w, r, "/admin/api-keys", http.StatusSeeOther)
}

// The console's keys: an account's or a reseller's, for the provisioning
// API on the platform host.

func (s *Server) renderConsoleAPIKeys(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember, status int, v pages.AdminAPIKeysView, checked []apikey.Permission) {
	keys, err := s.apiKeys.FindOrgKeys(r.Context(), m.Org)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Action, v.ForOrg = "/console/api-keys", true
	s.renderAPIKeys(w, r, status, s.consolePage(r, m, "API keys"), v, keys, apikey.OrgPermissions, checked)
}

func (s *Server) handleConsoleAPIKeys(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	s.renderConsoleAPIKeys(w, r, m, http.StatusOK, pages.AdminAPIKeysView{Notice: s.popFlash(r)}, nil)
}

// handleConsoleAPIKeyCreate shows the new key's token once, like
// handleAdminAPIKeyCreate.
func (s *Server) handleConsoleAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	name := r.PostFormValue("name")
	perms := permissionsOf(r)
	k, token, err := s.apiKeys.CreateOrgKey(r.Context(), m.Org, m.ID, name, perms, consoleActor(r, m))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderConsoleAPIKeys(w, r, m, http.StatusUnprocessableEntity, pages.AdminAPIKeysView{Name: name, Errors: fields}, perms)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderConsoleAPIKeys(w, r, m, http.StatusCreated, pages.AdminAPIKeysView{NewToken: token, NewName: k.Name}, nil)
}

func (s *Server) handleConsoleAPIKeyRevoke(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	if err := s.apiKeys.RevokeOrgKey(r.Context(), m.Org, m.ID, chi.URLParam(r, "id"), consoleActor(r, m)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Key revoked: it no longer works.")
	http.Redirect(w, r, "/console/api-keys", http.StatusSeeOther)
}
