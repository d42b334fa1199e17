package server

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-pdf/fpdf"

	"github.com/upward-lms/upward/internal/apperr"
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

// handleCertificatePDF draws the certificate as a one-page landscape PDF.
func (s *Server) handleCertificatePDF(w http.ResponseWriter, r *http.Request) {
	c, ok := s.ownCertificate(w, r)
	if !ok {
		return
	}
	v := s.certificateView(r, c)
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetTitle("Certificate: "+c.Title, true)
	pdf.SetAuthor(c.PortalName, true)
	pdf.SetCreator(stateOf(r).Tenant.PoweredBy(), true) // a client portal's reseller, not Upward
	// The core fonts speak Windows-1252; names beyond it print as '?'.
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	pdf.SetDrawColor(30, 94, 160)
	pdf.SetLineWidth(1.2)
	pdf.Rect(10, 10, 277, 190, "D")
	line := func(size float64, style, text string, gap float64) {
		pdf.SetFont("Helvetica", style, size)
		pdf.CellFormat(0, size*0.5, tr(text), "", 1, "C", false, 0, "")
		pdf.Ln(gap)
	}
	pdf.SetY(30)
	line(14, "B", v.PortalName, 8)
	line(26, "B", "Certificate of completion", 10)
	line(13, "", "This certifies that", 4)
	line(24, "B", v.LearnerName, 6)
	line(13, "", "has completed the "+v.Kind, 4)
	line(20, "B", v.Title, 6)
	line(13, "", "on "+v.Issued+".", 20)
	line(10, "", "Verification code "+v.Code+" - check it at "+v.VerifyURL, 0)
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
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
