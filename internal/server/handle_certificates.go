package server

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/certpdf"
	"github.com/upward-lms/upward/internal/postgres"
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

func (s *Server) certificateView(r *http.Request, c postgres.Certificate) pages.CertificateView {
	return pages.CertificateView{PortalName: c.PortalName, LogoURL: logoURL(stateOf(r).Tenant), LearnerName: c.LearnerName,
		Title: c.Title, Kind: c.Kind, Issued: c.IssuedAt.UTC().Format("2 January 2006"), Code: c.Code,
		VerifyURL: s.platformURL(r) + "/verify/" + c.Code, PDFURL: "/certificates/" + c.Code + "/pdf"}
}

func (s *Server) handleCertificate(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ownCertificate(w, r)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, s.page(r, "Certificate: "+c.Title), pages.CertificatePage(s.certificateView(r, c)))
}

// handleCertificatePDF sends the certificate as a PDF to download.
func (s *Server) handleCertificatePDF(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ownCertificate(w, r)
	if !ok {
		return
	}
	v := s.certificateView(r, c)
	var buf bytes.Buffer
	err := certpdf.Write(&buf, certpdf.Certificate{PortalName: v.PortalName, LearnerName: v.LearnerName, Kind: v.Kind,
		Title: v.Title, Issued: v.Issued, Code: v.Code, VerifyURL: v.VerifyURL,
		Creator: stateOf(r).Tenant.PoweredBy()}) // a client portal's reseller, not Upward
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="certificate-`+c.Code+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
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
