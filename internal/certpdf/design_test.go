package certpdf_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/certpdf"
	"github.com/upward-lms/upward/internal/certpdf/certpdftest"
)

// pngOf is a w by h image of one colour, as a PNG file.
func pngOf(t *testing.T, w, h int, c color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		for y := range h {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// near reports whether two colours differ by little in each channel
// (anti-aliasing and colour management move a pixel a few steps).
func near(a color.Color, r, g, b uint8) bool {
	ar, ag, ab, _ := a.RGBA()
	d := func(x uint32, y uint8) bool { v := int(x>>8) - int(y); return v > -12 && v < 12 }
	return d(ar, r) && d(ag, g) && d(ab, b)
}

// Every layout prints the whole certificate, the signer under the
// signature, in the accent colour, with the logo and the signature drawn.
// The pages are written to $CERTPDF_PNG_DIR when it is set, to look at.
func TestWrite_Layouts(t *testing.T) {
	t.Parallel()
	logo := pngOf(t, 240, 80, color.NRGBA{0xcc, 0x33, 0x99, 0xff})       // magenta
	signature := pngOf(t, 300, 100, color.NRGBA{0x11, 0xaa, 0x22, 0xff}) // green
	// Where, in millimetres, each layout paints its accent colour.
	accentAt := map[string][2]float64{"classic": {10, 105}, "modern": {20, 180}, "minimal": {148.5, 22}}
	for _, layout := range []string{"classic", "modern", "minimal"} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			c := certificate("Zoë Łukasiewicz 王小明")
			c.Design = certpdf.Design{Layout: layout, Accent: "#8b1e3f", Logo: logo, Signature: signature,
				SignerName: "Grace Hopper", SignerTitle: "Head of Learning"}
			pdf := render(t, c)
			text := certpdftest.Text(t, pdf)
			for _, want := range []string{"Acme Learning", "Zoë Łukasiewicz 王小明", "Giving feedback that lands",
				"7 December 2025", "ABCDEFGHJKLMNPQR", "https://www.example.com/verify/ABCDEFGHJKLMNPQR",
				"Grace Hopper", "Head of Learning"} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF's text lacks %q:\n%s", want, text)
				}
			}
			if !strings.Contains(strings.ToLower(text), "certificate of completion") {
				t.Errorf("no heading:\n%s", text)
			}
			const dpi = 50
			img := certpdftest.Render(t, pdf, dpi)
			if dir := os.Getenv("CERTPDF_PNG_DIR"); dir != "" {
				page := certpdftest.Render(t, pdf, 100)
				f, err := os.Create(filepath.Join(dir, "certificate-"+layout+".png"))
				if err != nil {
					t.Fatal(err)
				}
				png.Encode(f, page)
				f.Close()
			}
			px := func(mm float64) int { return int(mm / 25.4 * dpi) }
			at := accentAt[layout]
			if got := img.At(px(at[0]), px(at[1])); !near(got, 0x8b, 0x1e, 0x3f) {
				t.Errorf("at %v mm the page is %v, not the accent", at, got)
			}
			var logoSeen, signatureSeen bool
			b := img.Bounds()
			for x := b.Min.X; x < b.Max.X; x++ {
				for y := b.Min.Y; y < b.Max.Y; y++ {
					logoSeen = logoSeen || near(img.At(x, y), 0xcc, 0x33, 0x99)
					signatureSeen = signatureSeen || near(img.At(x, y), 0x11, 0xaa, 0x22)
				}
			}
			if !logoSeen || !signatureSeen {
				t.Errorf("logo drawn: %v, signature drawn: %v", logoSeen, signatureSeen)
			}
		})
	}
}

// Without a logo or signature, or with images that do not decode, each
// layout still prints, and a stranger value than the three is classic.
func TestWrite_LayoutsWithoutImages(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{"classic", "modern", "minimal", "baroque"} {
		c := certificate("Ana")
		c.Design = certpdf.Design{Layout: layout, Accent: "not a colour", Logo: []byte("<svg/>"), Signature: []byte{0x89, 'P', 'N', 'G'}}
		text := certpdftest.Text(t, render(t, c))
		if !strings.Contains(text, "Ana") || !strings.Contains(text, "ABCDEFGHJKLMNPQR") {
			t.Errorf("%s:\n%s", layout, text)
		}
	}
}

// Interlaced or 16-bit PNGs, which fpdf cannot read itself, are drawn.
func TestWrite_A16BitLogo(t *testing.T) {
	t.Parallel()
	img := image.NewNRGBA64(image.Rect(0, 0, 40, 20))
	for x := range 40 {
		for y := range 20 {
			img.Set(x, y, color.NRGBA64{0xcccc, 0x3333, 0x9999, 0xffff})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	c := certificate("Ana")
	c.Design.Logo = buf.Bytes()
	page := certpdftest.Render(t, render(t, c), 50)
	seen := false
	b := page.Bounds()
	for x := b.Min.X; x < b.Max.X && !seen; x++ {
		for y := b.Min.Y; y < b.Max.Y && !seen; y++ {
			seen = near(page.At(x, y), 0xcc, 0x33, 0x99)
		}
	}
	if !seen {
		t.Error("the 16-bit logo is not drawn")
	}
}
