package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
	logo, err := readLogo(r, "logo")
	if err == nil && logo == nil {
		err = &apperr.Error{Code: apperr.EINVALID, Field: "logo", Message: "Choose an image file of at most 512 KB."}
	}
	if apperr.Code(err) == apperr.EINVALID {
		fail(err)
		return
	}
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	name, err := s.storeLogo("logo-"+strconv.FormatInt(t.ID, 10), logo)
	if err != nil {
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

// logoUpload is an uploaded logo that passed tenant.CheckLogo.
type logoUpload struct {
	data []byte
	ext  string
}

// readLogo reads and checks the logo in the multipart field: nil and no
// error when none was chosen, an EINVALID field error for a file that is
// too large or not an image. Portals' and resellers' logos alike pass here.
func readLogo(r *http.Request, field string) (*logoUpload, error) {
	file, _, err := r.FormFile(field)
	if errors.Is(err, http.ErrMissingFile) { // a browser sends no file part when none was chosen
		return nil, nil
	}
	if err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Field: field, Message: "Choose an image file of at most 512 KB."}
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, tenant.MaxLogoBytes+1))
	if err != nil {
		return nil, err
	}
	ext, err := tenant.CheckLogo(data)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Field: field, Message: apperr.Message(err)}
	}
	return &logoUpload{data: data, ext: ext}, nil
}

// storeLogo stores a checked logo under prefix and a hash of its content,
// which lets it be cached for a year, and returns the stored name.
func (s *Server) storeLogo(prefix string, logo *logoUpload) (string, error) {
	sum := sha256.Sum256(logo.data)
	name := prefix + "-" + hex.EncodeToString(sum[:8]) + logo.ext
	if err := s.files.Put(name, logo.data); err != nil {
		return "", err
	}
	return name, nil
}

// handleLogo serves the portal's own logo and, on a client portal, its
// reseller's; no other. The response may never run as a document: a
// sandbox CSP, nosniff, and an image type fixed by the name the server
// chose.
func (s *Server) handleLogo(w http.ResponseWriter, r *http.Request) {
	t := stateOf(r).Tenant
	name := chi.URLParam(r, "name")
	resellers := t.WhiteLabel != nil && name == t.WhiteLabel.LogoFile
	if name == "" || (name != t.Branding.LogoFile && !resellers) {
		s.notFound(w, r)
		return
	}
	s.serveLogo(w, r, name)
}

// serveLogo serves a stored logo the caller has checked may be seen here.
func (s *Server) serveLogo(w http.ResponseWriter, r *http.Request, name string) {
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
