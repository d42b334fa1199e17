// Package certificate holds how a portal's certificates look: the design
// an administrator chooses (a layout, an accent colour, the logo or not, a
// signature and its signer) and the rules its values follow. The HTML
// certificate (web/pages) and the PDF (internal/certpdf) both draw it.
package certificate

import (
	"bytes"
	"image"
	"image/draw"
	_ "image/jpeg" // signatures may be JPEGs
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
)

// Layout is one of the certificate's designs.
type Layout string

// The layouts.
const (
	Classic Layout = "classic" // a double frame, everything centred
	Modern  Layout = "modern"  // a band of the accent colour down the left
	Minimal Layout = "minimal" // no frame: fine rules and plenty of white
)

// LayoutChoice is a layout as the settings page offers it.
type LayoutChoice struct {
	Layout      Layout
	Label       string
	Description string
}

// Layouts are the layouts to choose from, in the order offered.
var Layouts = []LayoutChoice{
	{Classic, "Classic", "A double frame in the accent colour, everything centred."},
	{Modern, "Modern", "A band of the accent colour down the left with the logo and portal name."},
	{Minimal, "Minimal", "No frame: two fine rules of the accent colour and plenty of white space."},
}

// Design is how a portal's certificates look.
type Design struct {
	Layout Layout
	// AccentColor is #rrggbb, or empty for the portal's brand colour.
	AccentColor string
	ShowLogo    bool
	// SignatureFile is the stored signature image's name; empty for none.
	SignatureFile string
	SignerName    string
	SignerTitle   string
}

// Default is the design of a portal that has not chosen one.
func Default() Design { return Design{Layout: Classic, ShowLogo: true} }

// MaxSignerLength caps the signer's name and title, in characters.
const MaxSignerLength = 100

var colorRE = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// Normalize trims the design's text and lower-cases its colour, as it
// is stored.
func (d *Design) Normalize() {
	d.Layout = Layout(strings.TrimSpace(string(d.Layout)))
	d.AccentColor = strings.ToLower(strings.TrimSpace(d.AccentColor))
	d.SignerName = strings.Join(strings.Fields(d.SignerName), " ")
	d.SignerTitle = strings.Join(strings.Fields(d.SignerTitle), " ")
}

// Validate reports each bad field with a message for the administrator.
func (d Design) Validate() error {
	f := apperr.Fields{}
	known := false
	for _, l := range Layouts {
		known = known || l.Layout == d.Layout
	}
	if !known {
		f.Add("layout", "Choose classic, modern or minimal.")
	}
	if d.AccentColor != "" && !colorRE.MatchString(d.AccentColor) {
		f.Add("accent_color", "Give the accent colour as # and six hex digits, like #1f5fa8, or leave it empty for the brand colour.")
	}
	for field, v := range map[string]string{"signer_name": d.SignerName, "signer_title": d.SignerTitle} {
		if utf8.RuneCountInString(v) > MaxSignerLength {
			f.Add(field, "Use at most 100 characters.")
		}
	}
	if d.SignerTitle != "" && d.SignerName == "" {
		f.Add("signer_name", "Give the signer's name to go with the title.")
	}
	if d.SignatureFile != "" && d.SignerName == "" {
		f.Add("signer_name", "Give the name of the person whose signature this is.")
	}
	return f.Err()
}

// Accent is the colour the certificate is drawn in: the design's, or
// the portal's brand colour when it names none.
func (d Design) Accent(brand string) string {
	if d.AccentColor != "" {
		return d.AccentColor
	}
	return brand
}

// MaxSignatureBytes caps a signature upload.
const MaxSignatureBytes = 256 << 10

// MaxSignatureWidth and MaxSignatureHeight cap a signature's pixels: a
// signature prints 70 mm wide at most.
const (
	MaxSignatureWidth  = 1600
	MaxSignatureHeight = 800
)

// CheckSignature checks an uploaded signature, by its content: small, a
// PNG or JPEG that decodes, of sane size. It returns the image written
// again as a PNG, which is what is stored: whatever else the file held
// (metadata, a second image) is left behind, and the PDF can draw it.
func CheckSignature(data []byte) ([]byte, error) {
	bad := func(msg string) ([]byte, error) {
		return nil, &apperr.Error{Code: apperr.EINVALID, Field: "signature", Message: msg}
	}
	if len(data) == 0 {
		return bad("Choose an image file.")
	}
	if len(data) > MaxSignatureBytes {
		return bad("The signature must be 256 KB or smaller.")
	}
	switch http.DetectContentType(data) {
	case "image/png", "image/jpeg":
	default:
		return bad("Upload the signature as a PNG or JPEG image.")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return bad("That file is not a readable image.")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > MaxSignatureWidth || cfg.Height > MaxSignatureHeight {
		return bad("Use an image at most 1600 pixels wide and 800 high.")
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return bad("That file is not a readable image.")
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), img, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
