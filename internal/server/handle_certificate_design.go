package server

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/pages"
)

// certificateLook is the design as a certificate's page draws it.
func certificateLook(t *tenant.Tenant, d certificate.Design) pages.CertificateLook {
	l := pages.CertificateLook{Layout: string(d.Layout), AccentCSS: accentCSSURL(certificateAccent(t, d)),
		SignerName: d.SignerName, SignerTitle: d.SignerTitle}
	if d.ShowLogo {
		l.LogoURL = logoURL(t)
	}
	if d.SignatureFile != "" {
		l.SignatureURL = "/certificate-signature/" + d.SignatureFile
	}
	return l
}

// certificateAccent is the colour a portal's certificates are drawn in.
func certificateAccent(t *tenant.Tenant, d certificate.Design) string {
	brand := t.Branding.PrimaryColor
	if brandCSSURL(brand) == "" {
		brand = tenant.DefaultPrimaryColor
	}
	return d.Accent(brand)
}

// accentCSSURL is the stylesheet that gives a certificate its accent
// colour; like the brand's, the colour is in the URL.
func accentCSSURL(color string) string {
	if u := brandCSSURL(color); u != "" {
		return "/accent/" + color[1:] + ".css"
	}
	return ""
}

// handleAccentCSS serves a certificate's accent colour, with the ink that
// reads on it, for the certificate only.
func (s *Server) handleAccentCSS(w http.ResponseWriter, r *http.Request) {
	s.colourCSS(w, r, ".certificate", "accent")
}

// sampleCertificate is the certificate the design page shows.
func (s *Server) sampleCertificate(r *http.Request, look pages.CertificateLook) pages.CertificateView {
	t := stateOf(r).Tenant
	return pages.CertificateView{PortalName: t.Name, LearnerName: "Alex Example", Title: "Giving feedback that lands",
		Kind: "course", Issued: time.Now().UTC().Format("2 January 2006"), Code: "SAMPLE0000000000",
		VerifyURL: s.platformURL(r) + "/verify/SAMPLE0000000000", Look: look}
}

// designView fills the design page from a design (saved, or as typed).
func (s *Server) designView(r *http.Request, d certificate.Design) pages.CertificateDesignView {
	t := stateOf(r).Tenant
	v := pages.CertificateDesignView{CSRF: s.csrfToken(r), Layout: string(d.Layout), AccentColor: d.AccentColor,
		BrandColor: certificateAccent(t, certificate.Design{}), ShowLogo: d.ShowLogo, HasLogo: t.Branding.LogoFile != "",
		HasSignature: d.SignatureFile != "", SignerName: d.SignerName, SignerTitle: d.SignerTitle}
	for _, l := range certificate.Layouts {
		v.Layouts = append(v.Layouts, pages.LayoutOption{Value: string(l.Layout), Label: l.Label, Description: l.Description})
	}
	v.Sample = s.sampleCertificate(r, certificateLook(t, d))
	return v
}

func (s *Server) handleCertificateDesign(w http.ResponseWriter, r *http.Request) {
	d, err := s.tenants.FindCertificateDesign(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := s.designView(r, d)
	v.Notice = s.popFlash(r)
	s.render(w, r, http.StatusOK, s.page(r, "Certificate design"), pages.AdminCertificateDesign(v))
}

// handleCertificateDesignSave saves the design form, or with intent
// "preview" shows it without saving. A new signature is checked and, on
// saving, stored before the design that names it; bad input stores
// nothing and shows the form as typed with a message at each bad field.
func (s *Server) handleCertificateDesignSave(w http.ResponseWriter, r *http.Request) {
	t := stateOf(r).Tenant
	stored, err := s.tenants.FindCertificateDesign(r.Context(), t.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	d := certificate.Design{
		Layout:        certificate.Layout(r.PostFormValue("layout")),
		AccentColor:   r.PostFormValue("accent_color"),
		ShowLogo:      r.PostFormValue("show_logo") == "on",
		SignatureFile: stored.SignatureFile,
		SignerName:    r.PostFormValue("signer_name"),
		SignerTitle:   r.PostFormValue("signer_title"),
	}
	if r.PostFormValue("remove_signature") == "on" {
		d.SignatureFile = ""
	}
	d.Normalize()
	signature, sigErr := readSignature(r)
	if sigErr != nil && apperr.Code(sigErr) != apperr.EINVALID {
		s.serverError(w, r, sigErr)
		return
	}
	// Checked as it would be saved: a new signature needs a signer too.
	check := d
	if signature != nil {
		check.SignatureFile = "new"
	}
	fields, _ := apperr.FieldsOf(check.Validate())
	if f, ok := apperr.FieldsOf(sigErr); ok {
		if fields == nil {
			fields = apperr.Fields{}
		}
		for k, m := range f {
			fields.Add(k, m)
		}
	}
	if len(fields) > 0 {
		v := s.designView(r, d)
		v.HasSignature = stored.SignatureFile != ""
		// The sample stays the saved design: the form's is not one.
		v.Sample = s.sampleCertificate(r, certificateLook(t, stored))
		v.Errors, v.Error = fields, "Please correct the fields marked below. Nothing was saved."
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Certificate design"), pages.AdminCertificateDesign(v))
		return
	}
	if r.PostFormValue("intent") == "preview" {
		v := s.designView(r, d)
		v.HasSignature, v.Unsaved = stored.SignatureFile != "", true
		if signature != nil {
			// Shown from the form's own bytes: nothing is stored yet.
			v.Sample.Look.SignatureURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(signature)
			v.NewSignature = true
		}
		s.render(w, r, http.StatusOK, s.page(r, "Preview of certificate design"), pages.AdminCertificateDesign(v))
		return
	}
	if signature != nil {
		sum := sha256.Sum256(signature)
		d.SignatureFile = "signature-" + strconv.FormatInt(t.ID, 10) + "-" + hex.EncodeToString(sum[:8]) + ".png"
		if err := s.files.Put(d.SignatureFile, signature); err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	if _, err := s.tenants.SaveCertificateDesign(r.Context(), t.ID, d, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Certificate design saved.")
	http.Redirect(w, r, "/admin/settings/certificates", http.StatusSeeOther)
}

// readSignature reads and checks the signature in the form: nil and no
// error when none was chosen, the image as a PNG when it passes
// certificate.CheckSignature, an EINVALID field error otherwise.
func readSignature(r *http.Request) ([]byte, error) {
	file, _, err := r.FormFile("signature")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil // no file chosen, or a form without files
	}
	if err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Field: "signature", Message: "Choose a PNG or JPEG image of at most 256 KB."}
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, certificate.MaxSignatureBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) == 0 { // a browser sends an empty part when no file was chosen
		return nil, nil
	}
	return certificate.CheckSignature(data)
}

// handleCertificateSignature serves the portal's current signature image,
// and no other, to its signed-in people (the certificate page shows it).
func (s *Server) handleCertificateSignature(w http.ResponseWriter, r *http.Request) {
	d, err := s.tenants.FindCertificateDesign(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	name := chi.URLParam(r, "name")
	if d.SignatureFile == "" || name != d.SignatureFile {
		s.notFound(w, r)
		return
	}
	f, err := s.files.Open(name)
	if err != nil {
		s.notFound(w, r)
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", "image/png")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(w, r, "", time.Time{}, f)
}
