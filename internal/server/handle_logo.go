package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"path"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

// logoURL is where a portal's logo is served; the file name carries a hash
// of the content, so it may be cached for a year.
func logoURL(t *tenant.Tenant) string {
	if t == nil || t.Branding.LogoFile == "" {
		return ""
	}
	return "/logo/" + t.Branding.LogoFile
}

// handleLogoUpload stores a new logo for the portal. The body is capped
// before it is read, and the image is checked by its content.
func (s *Server) handleLogoUpload(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := stateOf(r).Tenant
	fail := func(err error) {
		v := settingsView(*t)
		v.Error = apperr.Message(err)
		v.Errors = map[string]string{"logo": apperr.Message(err)}
		s.renderSettings(w, r, http.StatusUnprocessableEntity, s.page(r, "Portal settings"), v)
	}
	file, _, err := r.FormFile("logo")
	if err != nil {
		fail(&apperr.Error{Code: apperr.EINVALID, Field: "logo", Message: "Choose an image file of at most 512 KB."})
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, tenant.MaxLogoBytes+1))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	ext, err := tenant.CheckLogo(data)
	if err != nil {
		fail(err)
		return
	}
	sum := sha256.Sum256(data)
	name := "logo-" + strconv.FormatInt(t.ID, 10) + "-" + hex.EncodeToString(sum[:8]) + ext
	if err := s.files.Put(name, data); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.tenants.SetLogo(r.Context(), t.ID, name, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Logo saved.")
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
}

// handleLogo serves the portal's own logo only. The response may never run
// as a document: a sandbox CSP, nosniff, and an image type fixed by the
// name the server chose.
func (s *Server) handleLogo(w http.ResponseWriter, r *http.Request) {
	t := stateOf(r).Tenant
	name := chi.URLParam(r, "name")
	if name != t.Branding.LogoFile || name == "" {
		s.notFound(w, r)
		return
	}
	f, err := s.files.Open(name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	defer f.Close()
	types := map[string]string{".png": "image/png", ".jpg": "image/jpeg", ".gif": "image/gif"}
	h := w.Header()
	h.Set("Content-Type", types[path.Ext(name)])
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, f)
}
