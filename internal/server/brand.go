package server

import (
	"fmt"
	"net/http"
	"regexp"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/tenant"
)

var hexColorRE = regexp.MustCompile(`^[0-9a-f]{6}$`)

// brandCSSURL is the stylesheet that gives a portal its colour. The colour
// is in the URL, so the file can be cached for a year and changes address
// when the colour does; a stylesheet (not a style attribute) keeps the CSP
// free of 'unsafe-inline'.
func brandCSSURL(color string) string {
	if len(color) == 7 && hexColorRE.MatchString(color[1:]) {
		return "/brand/" + color[1:] + ".css"
	}
	return ""
}

// handleBrandCSS serves the colour stylesheet, choosing white or dark text
// for buttons and the header, whichever contrasts more. Mid-tones pass AA
// with neither; the settings page warns about those.
func (s *Server) handleBrandCSS(w http.ResponseWriter, r *http.Request) {
	s.colourCSS(w, r, ":root", "brand")
}

// colourCSS answers a colour stylesheet: the URL's #rrggbb as --NAME and
// the ink that reads on it as --NAME-ink, on the selector's elements;
// cached for a year, the colour being in the URL.
func (s *Server) colourCSS(w http.ResponseWriter, r *http.Request, selector, name string) {
	hex := chi.URLParam(r, "color")
	if !hexColorRE.MatchString(hex) {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	fmt.Fprintf(w, "%s{--%s:#%s;--%s-ink:%s}\n", selector, name, hex, name, tenant.InkOn("#"+hex))
}
