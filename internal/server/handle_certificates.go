package server

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/certpdf"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/pages"
)

// platformURL is the platform host's address, on the scheme and port the
// request came in on.
func (s *Server) platformURL(r *http.Request) string { return s.hostURL(r, s.cfg.BaseDomain) }

// ownCertificate finds the URL's certificate among the signed-in learner's;
// anyone else's is not found.
func (s *Server) ownCertificate(w http.ResponseWriter, r *http.Request) (postgres.Certificate, bool) {
	st := stateOf(r)
	c, err := s.learning.FindCertificate(r.Context(), st.Tenant.ID, chi.URLParam(r, "code"))
	if err == nil && c.UserID != st.User.ID {
		err = &apperr.Error{Code: apperr.ENOTFOUND, Message: "Certificate not found."}
	}
	if err != nil {
		s.renderError(w, r, err)
		return c, false
	}
	return c, true
}

func (s *Server) certificateView(r *http.Request, c postgres.Certificate, d certificate.Design) pages.CertificateView {
	return pages.CertificateView{PortalName: c.PortalName, LearnerName: c.LearnerName,
		Title: c.Title, Kind: c.Kind, Issued: c.IssuedAt.UTC().Format("2 January 2006"), Code: c.Code,
		VerifyURL: s.platformURL(r) + "/verify/" + c.Code, PDFURL: "/certificates/" + c.Code + "/pdf",
		Look: certificateLook(stateOf(r).Tenant, d)}
}

// ownCertificateDesigned is ownCertificate with the portal's design.
func (s *Server) ownCertificateDesigned(w http.ResponseWriter, r *http.Request) (postgres.Certificate, certificate.Design, bool) {
	c, ok := s.ownCertificate(w, r)
	if !ok {
		return c, certificate.Design{}, false
	}
	d, err := s.tenants.FindCertificateDesign(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return c, d, false
	}
	return c, d, true
}

func (s *Server) handleCertificate(w http.ResponseWriter, r *http.Request) {
	c, d, ok := s.ownCertificateDesigned(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, s.page(r, "Certificate: "+c.Title), pages.CertificatePage(s.certificateView(r, c, d)))
}

// handleCertificatePDF sends the certificate as a PDF to download, in the
// portal's design: the same layout, colour, logo and signature as its page.
func (s *Server) handleCertificatePDF(w http.ResponseWriter, r *http.Request) {
	c, d, ok := s.ownCertificateDesigned(w, r)
	if !ok {
		return
	}
	t := stateOf(r).Tenant
	v := s.certificateView(r, c, d)
	design := certpdf.Design{Layout: string(d.Layout), Accent: certificateAccent(t, d),
		SignerName: d.SignerName, SignerTitle: d.SignerTitle}
	// An image that cannot be read is left out (and logged): the
	// certificate is still the learner's to download.
	if d.ShowLogo && t.Branding.LogoFile != "" {
		design.Logo = s.readStored(r, t.Branding.LogoFile, tenant.MaxLogoBytes)
	}
	if d.SignatureFile != "" {
		// Stored as decoded and written again: a PNG of at most 1600
		// by 800 pixels, whatever its size in bytes.
		design.Signature = s.readStored(r, d.SignatureFile, 8<<20)
	}
	var buf bytes.Buffer
	err := certpdf.Write(&buf, certpdf.Certificate{PortalName: v.PortalName, LearnerName: v.LearnerName, Kind: v.Kind,
		Title: v.Title, Issued: v.Issued, Code: v.Code, VerifyURL: v.VerifyURL,
		Creator: t.PoweredBy(), // a client portal's reseller, not Upward
		Design:  design})
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.Code+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// readStored reads a stored upload of at most limit bytes; nil, logged,
// when it cannot.
func (s *Server) readStored(r *http.Request, name string, limit int64) []byte {
	data, err := func() ([]byte, error) {
		f, err := s.files.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(io.LimitReader(f, limit))
	}()
	if err != nil {
		s.log.Error("read a stored file", "name", name, "err", err, "request_id", middleware.GetReqID(r.Context()))
		return nil
	}
	return data
}

// handleVerify is the public check of a certificate code: it confirms the
// certificate and shows nothing else about the person.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	code := strings.ToUpper(strings.TrimSpace(chi.URLParam(r, "code")))
	v := pages.VerifyView{Code: code}
	status := http.StatusOK
	c, err := s.learning.VerifyCertificate(r.Context(), code)
	switch {
	case err == nil:
		v.Found, v.LearnerName, v.Title, v.PortalName = true, c.LearnerName, c.Title, c.PortalName
		v.Issued = c.IssuedAt.UTC().Format("2 January 2006")
	case apperr.Code(err) == apperr.ENOTFOUND:
		status = http.StatusNotFound
	default:
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, s.page(r, "Certificate check"), pages.VerifyPage(v))
}
