// Package certpdf renders a certificate as PDF: one landscape A4 page
// that prints any learner's name as it is written.
//
// A PDF has no text layout of its own, so the package does the little a
// certificate needs: it embeds Unicode fonts (DejaVu Sans, and Droid
// Sans Fallback for the Chinese, Japanese and Korean that DejaVu lacks,
// each cut down by fpdf to the glyphs a certificate uses), joins Arabic
// letters, puts right-to-left text in the order it is drawn, and centres
// each line by measuring its runs in their own fonts.
package certpdf

import (
	"io"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/bidi"
)

// Certificate is what the page prints, formatted already.
type Certificate struct {
	PortalName  string // the portal that issued it, on top
	LearnerName string
	Kind        string // what was completed: "course" or "path"
	Title       string
	Issued      string // the date, as it reads
	Code        string
	VerifyURL   string // where anyone can check the code
	Creator     string // the PDF's producer: a client portal's reseller, not Upward
}

// The page's geometry, in millimetres: a border 10 mm in from the edge
// of a landscape A4 sheet, and lines centred between the page margins.
const (
	pageWidth = 297
	margin    = 10
	lineWidth = pageWidth - 2*margin
	// maxText is the widest a line may print: a longer one (a long
	// title, a long name in a wide script) is set smaller to fit inside
	// the border.
	maxText = lineWidth - 2*margin
)

// Write renders c as PDF to w.
func Write(w io.Writer, c Certificate) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetTitle("Certificate: "+c.Title, true)
	pdf.SetAuthor(c.PortalName, true)
	pdf.SetCreator(c.Creator, true)
	// Each font is added only if a line uses it: fpdf embeds every font it
	// is given, and the CJK font's file is large to parse.
	added := map[face]bool{}
	use := func(f face, size float64) {
		if !added[f] {
			pdf.AddUTF8FontFromBytes(f.family, f.style, f.bytes())
			added[f] = true
		}
		pdf.SetFont(f.family, f.style, size)
	}
	pdf.AddPage()
	pdf.SetDrawColor(30, 94, 160)
	pdf.SetLineWidth(1.2)
	pdf.Rect(margin, margin, lineWidth, 190, "D")
	pdf.SetY(30)
	for _, l := range []struct {
		size float64 // points
		bold bool
		text string
		gap  float64 // millimetres below the line
	}{
		{14, true, c.PortalName, 8},
		{26, true, "Certificate of completion", 10},
		{13, false, "This certifies that", 4},
		{24, true, c.LearnerName, 6},
		{13, false, "has completed the " + c.Kind, 4},
		{20, true, c.Title, 6},
		{13, false, "on " + c.Issued + ".", 20},
		{10, false, "Verification code " + c.Code + " - check it at " + c.VerifyURL, 0},
	} {
		main := regular
		if l.bold {
			main = bold
		}
		runs := layout(l.text, main)
		size := l.size
		total := 0.0
		for i := range runs {
			use(runs[i].face, size)
			runs[i].width = pdf.GetStringWidth(runs[i].text)
			total += runs[i].width
		}
		if total > maxText {
			// Widths scale with the size.
			scale := maxText / total
			size, total = size*scale, maxText
			for i := range runs {
				runs[i].width *= scale
			}
		}
		// The line is placed where fpdf's centred cell of the line's
		// nominal size put it, with its baseline where the cell's was.
		h := l.size * 0.5
		x, y := margin+(lineWidth-total)/2, pdf.GetY()
		baseline := y + h/2 + 0.3*size*25.4/72
		for _, r := range runs {
			use(r.face, size)
			pdf.Text(x, baseline, r.text)
			x += r.width
		}
		pdf.SetY(y + h)
		pdf.Ln(l.gap)
	}
	return pdf.Output(w)
}

// A run is a stretch of a line drawn in one font.
type run struct {
	face  face
	text  string
	width float64
}

// layout turns one line of text into the runs that draw it, left to
// right: in visual order, Arabic shaped, and each stretch in main unless
// main lacks it and the fallback font has it.
func layout(text string, main face) []run {
	var runs []run
	var cur []rune
	curFace := main
	flush := func() {
		if len(cur) > 0 {
			runs = append(runs, run{face: curFace, text: string(cur)})
			cur = cur[:0]
		}
	}
	for _, r := range visual(text) {
		f := curFace
		switch {
		case unicode.In(r, unicode.Mn, unicode.Me) && curFace.covers.has(r):
			// A mark stays in the font of its letter.
		case main.covers.has(r):
			f = main
		case fallback.covers.has(r):
			f = fallback
		}
		// A character neither font has stays in the run it is in: the
		// font draws its empty box, and the text layer still holds it.
		if f != curFace {
			flush()
			curFace = f
		}
		cur = append(cur, r)
	}
	flush()
	return runs
}

// visual returns a line's characters as they are drawn, left to right.
func visual(text string) []rune {
	s := shapeArabic(printable(text))
	// Joining controls have done their work, and the bidi algorithm
	// removes such boundary neutrals before it starts (rule X9).
	s = dropIf(s, func(r rune) bool { return classOf(r) == bidi.BN })
	s = visualOrder(s)
	// What is left invisible (the direction marks) has no glyph to draw.
	return dropIf(s, func(r rune) bool { return unicode.Is(unicode.Cf, r) })
}

// printable returns text as characters fpdf can draw: controls go, white
// space is a space, the explicit direction controls go (a name has no
// use for them but to disguise itself), and a character beyond the Basic
// Multilingual Plane, which fpdf's fonts cannot address, is U+FFFD.
func printable(text string) []rune {
	out := make([]rune, 0, len(text))
	for _, r := range text {
		switch {
		case unicode.IsSpace(r):
			r = ' '
		case unicode.IsControl(r), explicitDirection(r):
			continue
		case r > 0xFFFF:
			r = unicode.ReplacementChar
		}
		out = append(out, r)
	}
	return out
}

// explicitDirection reports whether r is an embedding, override or
// isolate control, or the pop of one.
func explicitDirection(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}

func dropIf(s []rune, drop func(rune) bool) []rune {
	out := s[:0]
	for _, r := range s {
		if !drop(r) {
			out = append(out, r)
		}
	}
	return out
}
