package certificate_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/certificate"
)

func encoded(t *testing.T, w, h int, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	img.Set(1, 1, color.NRGBA{0x11, 0x22, 0x33, 0xff})
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func pngEnc(b *bytes.Buffer, i image.Image) error  { return png.Encode(b, i) }
func jpegEnc(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, nil) }
func gifEnc(b *bytes.Buffer, i image.Image) error  { return gif.Encode(b, i, nil) }

func TestCheckSignature(t *testing.T) {
	t.Parallel()
	for name, data := range map[string][]byte{"PNG": encoded(t, 300, 100, pngEnc), "JPEG": encoded(t, 300, 100, jpegEnc)} {
		out, err := certificate.CheckSignature(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// What is stored is a PNG of the same picture.
		img, err := png.Decode(bytes.NewReader(out))
		if err != nil || img.Bounds().Dx() != 300 || img.Bounds().Dy() != 100 {
			t.Errorf("%s: stored %v, %v", name, img.Bounds(), err)
		}
	}
	pngData := encoded(t, 300, 100, pngEnc)
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"Empty":          {nil, "Choose an image file."},
		"TooLarge":       {append(pngData, make([]byte, certificate.MaxSignatureBytes)...), "256 KB"},
		"GIF":            {encoded(t, 30, 10, gifEnc), "PNG or JPEG"},
		"SVG":            {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "PNG or JPEG"},
		"TooWide":        {encoded(t, 1601, 10, pngEnc), "1600 pixels"},
		"OnlyTheHeader":  {append([]byte{}, pngData[:60]...), "not a readable image"},
		"HTMLAfterMagic": {append([]byte("\x89PNG\r\n\x1a\n"), "<html>"...), "not a readable image"},
	} {
		_, err := certificate.CheckSignature(tc.data)
		if apperr.Code(err) != apperr.EINVALID || !strings.Contains(apperr.Message(err), tc.want) {
			t.Errorf("%s: %v, want a message with %q", name, err, tc.want)
		}
		if f, ok := apperr.FieldsOf(err); !ok || f["signature"] == "" {
			t.Errorf("%s: %v does not name the signature field", name, err)
		}
	}
}

func TestDesign_Accent(t *testing.T) {
	t.Parallel()
	if got := (certificate.Design{}).Accent("#2a7d4f"); got != "#2a7d4f" {
		t.Errorf("no accent: %q, want the brand colour", got)
	}
	if got := (certificate.Design{AccentColor: "#8b1e3f"}).Accent("#2a7d4f"); got != "#8b1e3f" {
		t.Errorf("accent: %q", got)
	}
}
