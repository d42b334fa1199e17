package server

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) renderAdminAPIKeys(w http.ResponseWriter, r *http.Request, status int, v pages.AdminAPIKeysView, checked []apikey.Permission) {
	keys, err := s.apiKeys.FindPortalKeys(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	const when = "2 Jan 2006 15:04 UTC"
	for _, k := range keys {
		row := pages.APIKeyRow{ID: k.ID, Name: k.Name, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt.UTC().Format(when), LastUsed: "never"}
		if row.CreatedBy == "" {
			row.CreatedBy = "someone no longer here"
		}
		perms := make([]string, len(k.Permissions))
		for i, p := range k.Permissions {
			perms[i] = string(p)
		}
		row.Permissions = strings.Join(perms, ", ")
		if k.LastUsedAt != nil {
			row.LastUsed = k.LastUsedAt.UTC().Format(when)
		}
		if k.RevokedAt != nil {
			row.Revoked = k.RevokedAt.UTC().Format(when)
		}
		v.Keys = append(v.Keys, row)
	}
	for _, p := range apikey.PortalPermissions {
		ok := false
		for _, c := range checked {
			ok = ok || c == p
		}
		v.Permissions = append(v.Permissions, pages.PermissionChoice{Value: string(p), Description: apikey.Describe(p), Checked: ok})
	}
	v.CSRF = s.csrfToken(r)
	// The page may carry a new key's secret: never keep it in a cache.
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, s.page(r, "API keys"), pages.AdminAPIKeys(v))
}

func (s *Server) handleAdminAPIKeys(w http.ResponseWriter, r *http.Request) {
	s.renderAdminAPIKeys(w, r, http.StatusOK, pages.AdminAPIKeysView{Notice: s.popFlash(r)}, nil)
}

// handleAdminAPIKeyCreate makes a key and shows its token on the page it
// answers with, once: the token is in no session, log or redirect.
func (s *Server) handleAdminAPIKeyCreate(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	var perms []apikey.Permission
	for _, p := range r.PostForm["permissions"] {
		perms = append(perms, apikey.Permission(p))
	}
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
