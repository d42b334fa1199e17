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
	"bytes"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // logos may be GIFs
	_ "image/jpeg"
	"image/png"
	"io"
	"strconv"
	"unicode"

	"github.com/go-pdf/fpdf"

	"github.com/upward-lms/upward/internal/tenant"
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
	Design      Design // how the page looks
}

// Design is how a portal's certificates look: the same choices the HTML
// certificate follows.
type Design struct {
	// Layout is "classic" (a double frame, everything centred; also the
	// zero value), "modern" (a band of the accent colour down the left,
	// the text beside it) or "minimal" (no frame: two fine rules of the
	// accent colour and plenty of white).
	Layout string
	Accent string // #rrggbb; DefaultAccent otherwise
	// Logo and Signature are image files (PNG, JPEG or GIF) or nil. One
	// that does not decode is left out rather than failing the PDF.
	Logo                    []byte
	Signature               []byte
	SignerName, SignerTitle string // under the signature; shown without one too
}

// DefaultAccent is the accent of a design that names none.
const DefaultAccent = "#1f5fa8"

// The page's geometry, in millimetres: a border 10 mm in from the edge
// of a landscape A4 sheet, and lines centred between the page margins.
const (
	pageWidth  = 297
	pageHeight = 210
	margin     = 10
	lineWidth  = pageWidth - 2*margin
	// maxText is the widest a line may print: a longer one (a long
	// title, a long name in a wide script) is set smaller to fit inside
	// the border.
	maxText = lineWidth - 2*margin
	// modern's band, and where its text starts.
	bandWidth = 78
	modernX   = bandWidth + 18
)

// line is one line of text on the certificate.
type line struct {
	size float64 // points
	bold bool
	text string
	gap  float64 // millimetres below the line
}

// Write renders c as PDF to w.
func Write(w io.Writer, c Certificate) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetTitle("Certificate: "+c.Title, true)
	pdf.SetAuthor(c.PortalName, true)
	pdf.SetCreator(c.Creator, true)
	p := &page{pdf: pdf, added: map[face]bool{}, accent: rgbOf(c.Design.Accent)}
	p.logo = p.image("logo", c.Design.Logo)
	p.signature = p.image("signature", c.Design.Signature)
	pdf.AddPage()
	switch c.Design.Layout {
	case "modern":
		p.modern(c)
	case "minimal":
		p.minimal(c)
	default:
		p.classic(c)
	}
	return pdf.Output(w)
}

// page is a certificate being drawn.
type page struct {
	pdf *fpdf.Fpdf
	// added: each font is added only if a line uses it: fpdf embeds every
	// font it is given, and the CJK font's file is large to parse.
	added           map[face]bool
	accent          [3]int
	logo, signature *picture
}

// picture is an image registered with the PDF.
type picture struct {
	name string
	w, h float64 // its proportions
}

func (p *page) use(f face, size float64) {
	if !p.added[f] {
		p.pdf.AddUTF8FontFromBytes(f.family, f.style, f.bytes())
		p.added[f] = true
	}
	p.pdf.SetFont(f.family, f.style, size)
}

func (p *page) verifyLine(c Certificate) string {
	return "Verification code " + c.Code + " - check it at " + c.VerifyURL
}

// classic is a double frame of the accent colour with every line
// centred: the logo (or nothing: the portal's name is the first line),
// the certificate's lines, the signature, the verification code.
func (p *page) classic(c Certificate) {
	pdf := p.pdf
	p.setDraw(p.accent)
	pdf.SetLineWidth(1.2)
	pdf.Rect(margin, margin, lineWidth, 190, "D")
	pdf.SetLineWidth(0.4)
	pdf.Rect(margin+3, margin+3, lineWidth-6, 184, "D")
	top := 30.0
	if p.logo != nil {
		p.drawImage(p.logo, margin+lineWidth/2, 18, 60, 14, alignCentre)
		top = 36
	}
	lateGap := 20.0
	if p.hasSignature(c) {
		lateGap = 6
		if p.logo != nil {
			top = 34
		}
	}
	pdf.SetY(top)
	for _, l := range []line{
		{14, true, c.PortalName, 8},
		{26, true, "Certificate of completion", 10},
		{13, false, "This certifies that", 4},
		{24, true, c.LearnerName, 6},
		{13, false, "has completed the " + c.Kind, 4},
		{20, true, c.Title, 6},
		{13, false, "on " + c.Issued + ".", lateGap},
	} {
		p.text(l, margin, lineWidth, maxText, alignCentre)
	}
	if p.hasSignature(c) {
		p.signatureBlock(c, margin+lineWidth/2, pdf.GetY(), alignCentre)
		pdf.SetY(184)
	}
	p.text(line{10, false, p.verifyLine(c), 0}, margin, lineWidth, maxText, alignCentre)
}

// modern is a band of the accent colour down the left with the logo and
// the portal's name in it, and the lines left-aligned beside it.
func (p *page) modern(c Certificate) {
	pdf := p.pdf
	p.setFill(p.accent)
	pdf.Rect(0, 0, bandWidth, pageHeight, "F")
	ink := inkOn(p.accent)
	y := 24.0
	if p.logo != nil {
		// On a white tile: a logo is drawn for a light background.
		pdf.SetFillColor(255, 255, 255)
		pdf.RoundedRect(12, y-4, bandWidth-24, 26, 2, "1234", "F")
		p.drawImage(p.logo, bandWidth/2, y, bandWidth-32, 18, alignCentre)
		y += 34
	}
	pdf.SetTextColor(ink[0], ink[1], ink[2])
	pdf.SetY(y)
	p.text(line{15, true, c.PortalName, 0}, 12, bandWidth-24, bandWidth-24, alignLeft)
	pdf.SetTextColor(0, 0, 0)

	width := float64(pageWidth - modernX - 18)
	pdf.SetY(34)
	p.text(line{12, true, "CERTIFICATE OF COMPLETION", 3}, modernX, width, width, alignLeft)
	p.setDraw(p.accent)
	pdf.SetLineWidth(1.5)
	pdf.Line(modernX, pdf.GetY(), modernX+30, pdf.GetY())
	pdf.Ln(12)
	for _, l := range []line{
		{13, false, "This certifies that", 4},
		{28, true, c.LearnerName, 8},
		{13, false, "has completed the " + c.Kind, 4},
		{20, true, c.Title, 6},
		{13, false, "on " + c.Issued + ".", 10},
	} {
		p.text(l, modernX, width, width, alignLeft)
	}
	if p.hasSignature(c) {
		p.signatureBlock(c, modernX, max(pdf.GetY(), 132), alignLeft)
	}
	pdf.SetY(pageHeight - 20)
	p.text(line{9, false, p.verifyLine(c), 0}, modernX, width, width, alignLeft)
}

// minimal has no frame: a fine rule of the accent colour above and below,
// smaller type, and the logo small at the top.
func (p *page) minimal(c Certificate) {
	pdf := p.pdf
	p.setDraw(p.accent)
	pdf.SetLineWidth(0.6)
	pdf.Line(pageWidth/2-20, 22, pageWidth/2+20, 22)
	pdf.Line(pageWidth/2-20, pageHeight-22, pageWidth/2+20, pageHeight-22)
	top := 38.0
	if p.logo != nil {
		p.drawImage(p.logo, pageWidth/2, 28, 40, 10, alignCentre)
		top = 46
	}
	lateGap := 22.0
	if p.hasSignature(c) {
		lateGap = 6
	}
	pdf.SetY(top)
	for _, l := range []line{
		{11, false, c.PortalName, 10},
		{12, true, "CERTIFICATE OF COMPLETION", 12},
		{22, false, c.LearnerName, 7},
		{11, false, "has completed the " + c.Kind, 4},
		{17, true, c.Title, 5},
		{11, false, "on " + c.Issued + ".", lateGap},
	} {
		p.text(l, margin, lineWidth, maxText-20, alignCentre)
	}
	if p.hasSignature(c) {
		p.signatureBlock(c, pageWidth/2, pdf.GetY(), alignCentre)
		pdf.SetY(pageHeight - 34)
	}
	pdf.SetTextColor(80, 80, 80)
	p.text(line{9, false, p.verifyLine(c), 0}, margin, lineWidth, maxText, alignCentre)
	pdf.SetTextColor(0, 0, 0)
}

func (p *page) hasSignature(c Certificate) bool {
	return p.signature != nil || c.Design.SignerName != ""
}

// signatureBlock draws the signature over a rule with the signer's name
// and title below it, at x (its centre or left edge) from y down.
func (p *page) signatureBlock(c Certificate, x, y float64, a align) {
	pdf := p.pdf
	const width = 70.0
	left := x
	if a == alignCentre {
		left = x - width/2
	}
	if p.signature != nil {
		p.drawImage(p.signature, left+width/2, y, width, 16, alignCentre)
	}
	y += 17
	pdf.SetDrawColor(90, 90, 90)
	pdf.SetLineWidth(0.3)
	pdf.Line(left, y, left+width, y)
	pdf.SetY(y + 2)
	if c.Design.SignerName != "" {
		p.text(line{11, true, c.Design.SignerName, 1}, left, width, width, alignCentre)
	}
	if c.Design.SignerTitle != "" {
		p.text(line{10, false, c.Design.SignerTitle, 0}, left, width, width, alignCentre)
	}
}

// align is where a line sits in its box.
type align int

const (
	alignCentre align = iota
	alignLeft
)

// text draws one line in the box from x of width, at the current y, in
// the fonts its characters need; a line wider than most is set smaller.
func (p *page) text(l line, x, width, most float64, a align) {
	pdf := p.pdf
	main := regular
	if l.bold {
		main = bold
	}
	runs := layout(l.text, main)
	size := l.size
	total := 0.0
	for i := range runs {
		p.use(runs[i].face, size)
		runs[i].width = pdf.GetStringWidth(runs[i].text)
		total += runs[i].width
	}
	if total > most {
		// Widths scale with the size.
		scale := most / total
		size, total = size*scale, most
		for i := range runs {
			runs[i].width *= scale
		}
	}
	// The line is placed where fpdf's centred cell of the line's
	// nominal size put it, with its baseline where the cell's was.
	h := l.size * 0.5
	y := pdf.GetY()
	if a == alignCentre {
		x += (width - total) / 2
	}
	baseline := y + h/2 + 0.3*size*25.4/72
	for _, r := range runs {
		p.use(r.face, size)
		pdf.Text(x, baseline, r.text)
		x += r.width
	}
	pdf.SetY(y + h)
	pdf.Ln(l.gap)
}

func (p *page) setDraw(c [3]int) { p.pdf.SetDrawColor(c[0], c[1], c[2]) }
func (p *page) setFill(c [3]int) { p.pdf.SetFillColor(c[0], c[1], c[2]) }

// image registers an image file with the PDF, or returns nil for none or
// one that does not decode. It is drawn from pixels decoded here and
// written again as an 8-bit PNG, which fpdf reads whatever the upload was
// (interlaced or 16-bit PNG, progressive JPEG, GIF).
func (p *page) image(name string, data []byte) *picture {
	if len(data) == 0 {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	b := img.Bounds()
	if b.Dx() < 1 || b.Dy() < 1 {
		return nil
	}
	rgba := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Bounds(), img, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, rgba); err != nil {
		return nil
	}
	info := p.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
	if info == nil || !p.pdf.Ok() {
		p.pdf.ClearError()
		return nil
	}
	return &picture{name: name, w: float64(b.Dx()), h: float64(b.Dy())}
}

// drawImage draws pic as large as fits in maxW by maxH, keeping its
// proportions, its top at y and x its centre or left edge.
func (p *page) drawImage(pic *picture, x, y, maxW, maxH float64, a align) {
	w, h := maxW, maxW*pic.h/pic.w
	if h > maxH {
		w, h = maxH*pic.w/pic.h, maxH
	}
	if a == alignCentre {
		x -= w / 2
	}
	p.pdf.ImageOptions(pic.name, x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
}

// rgbOf reads a #rrggbb colour; anything else is DefaultAccent.
func rgbOf(hex string) [3]int {
	if len(hex) != 7 || hex[0] != '#' {
		hex = DefaultAccent
	}
	var c [3]int
	for i := range c {
		v, err := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		if err != nil {
			return rgbOf(DefaultAccent)
		}
		c[i] = int(v)
	}
	return c
}

// inkOn is the text colour that reads on bg: the portal's own rule for
// text on its colours (white, or the dark ink).
func inkOn(bg [3]int) [3]int {
	return rgbOf(tenant.InkOn(fmt.Sprintf("#%02x%02x%02x", bg[0], bg[1], bg[2])))
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
