package server

import (
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"

	"github.com/go-chi/chi/v5"
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

// handleBrandCSS serves the colour stylesheet, choosing dark or light text
// for buttons and the header so that any brand colour keeps AA contrast.
func (s *Server) handleBrandCSS(w http.ResponseWriter, r *http.Request) {
	hex := chi.URLParam(r, "color")
	if !hexColorRE.MatchString(hex) {
		s.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	fmt.Fprintf(w, ":root{--brand:#%s;--brand-ink:%s}\n", hex, inkOn(hex))
}

// inkOn picks the text colour with the higher WCAG contrast on bg.
func inkOn(hex string) string {
	lum := relativeLuminance(hex)
	const dark, darkLum = "#1b1f24", 0.0137
	whiteContrast := 1.05 / (lum + 0.05)
	darkContrast := (lum + 0.05) / (darkLum + 0.05)
	if whiteContrast >= darkContrast {
		return "#ffffff"
	}
	return dark
}

func relativeLuminance(hex string) float64 {
	channel := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(0) + 0.7152*channel(2) + 0.0722*channel(4)
}
