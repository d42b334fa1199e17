package certpdf_test

import (
	"bytes"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/upward-lms/upward/internal/certpdf"
	"github.com/upward-lms/upward/internal/certpdf/certpdftest"
)

func certificate(name string) certpdf.Certificate {
	return certpdf.Certificate{
		PortalName: "Acme Learning", LearnerName: name, Kind: "course", Title: "Giving feedback that lands",
		Issued: "7 December 2025", Code: "ABCDEFGHJKLMNPQR", VerifyURL: "https://www.example.com/verify/ABCDEFGHJKLMNPQR",
		Creator: "Upward",
	}
}

func render(t *testing.T, c certpdf.Certificate) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := certpdf.Write(&buf, c); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The names print as written, in every script a portal's learners have,
// with the rest of the certificate around them.
func TestWrite_PrintsEveryName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		"Zoë Łukasiewicz-Παπαδόπουλος 王小明",
		"Анна Каренина",
		"שרה כהן",
		"김민수 さくら",
		"Nguyễn Thị Minh Khai",
	} {
		t.Run(name, func(t *testing.T) {
			text := certpdftest.Text(t, render(t, certificate(name)))
			for _, want := range []string{
				"Acme Learning", "Certificate of completion", "This certifies that", name,
				"has completed the course", "Giving feedback that lands", "on 7 December 2025.",
				"Verification code ABCDEFGHJKLMNPQR - check it at https://www.example.com/verify/ABCDEFGHJKLMNPQR",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF's text lacks %q:\n%s", want, text)
				}
			}
		})
	}
}

// An Arabic name prints joined and right to left: pdftotext reads the
// glyphs as the contextual forms of the letters (Arabic Presentation
// Forms-B), in the order they were typed, so the text is the name once
// NFKC has taken the forms back to the letters. Unjoined letters would
// read as the letters themselves, and letters drawn in typed order would
// read backwards.
func TestWrite_AnArabicNameIsJoinedAndRightToLeft(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, forms string }{
		// meem, hah, meem, dal; ain, beh, dal; alef, lam, lam, heh
		{"محمد عبد الله", "\uFEE3\uFEA4\uFEE4\uFEAA \uFECB\uFE92\uFEAA \uFE8D\uFEDF\uFEE0\uFEEA"},
		// feh, alef, tah, meem, teh marbuta; alef, lam, zain, heh, reh, alef, hamza
		{"فاطمة الزهراء", "\uFED3\uFE8E\uFEC3\uFEE4\uFE94 \uFE8D\uFEDF\uFEB0\uFEEB\uFEAE\uFE8D\uFE80"},
		// seen, lam-alef (final), meem
		{"سلام", "\uFEB3\uFEFC\uFEE1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := certpdftest.Text(t, render(t, certificate(tc.name)))
			if !strings.Contains(text, tc.forms) {
				t.Errorf("the PDF's text lacks the joined forms %+q:\n%+q", tc.forms, text)
			}
			if !strings.Contains(norm.NFKC.String(text), tc.name) {
				t.Errorf("the PDF's text, under NFKC, lacks %q:\n%s", tc.name, text)
			}
		})
	}
}

// A line in two fonts is centred on the page by the widths of its runs
// in their own fonts.
func TestWrite_AMixedLineIsCentred(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Zoë Łukasiewicz-Παπαδόπουλος 王小明", "王小明", "محمد عبد الله Smith"} {
		html := certpdftest.Text(t, render(t, certificate(name)), "-bbox-layout")
		// The name is the fourth line; pdftotext gives each line's box
		// in points, on a page 841.89 points wide.
		lines := regexp.MustCompile(`<line xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)"`).FindAllStringSubmatch(html, -1)
		if len(lines) < 8 {
			t.Fatalf("%d lines:\n%s", len(lines), html)
		}
		xMin, _ := strconv.ParseFloat(lines[3][1], 64)
		xMax, _ := strconv.ParseFloat(lines[3][2], 64)
		if centre := (xMin + xMax) / 2; math.Abs(centre-841.89/2) > 1 {
			t.Errorf("%q spans %.1f to %.1f points: centred at %.1f, not %.1f", name, xMin, xMax, centre, 841.89/2)
		}
	}
}

// A name too wide for the page is set smaller, inside the border.
func TestWrite_ALongNameFitsInsideTheBorder(t *testing.T) {
	t.Parallel()
	name := strings.Repeat("Łukasiewicz-Papadopoulos ", 6) + strings.Repeat("王", 20)
	html := certpdftest.Text(t, render(t, certificate(name)), "-bbox-layout")
	lines := regexp.MustCompile(`<line xMin="([0-9.]+)" yMin="[0-9.]+" xMax="([0-9.]+)"`).FindAllStringSubmatch(html, -1)
	if len(lines) < 4 {
		t.Fatalf("%d lines:\n%s", len(lines), html)
	}
	border := 10 * 72 / 25.4 // the border is 10 mm in from each edge
	xMin, _ := strconv.ParseFloat(lines[3][1], 64)
	xMax, _ := strconv.ParseFloat(lines[3][2], 64)
	if xMin < border || xMax > 841.89-border {
		t.Errorf("the name spans %.1f to %.1f points, past the border at %.1f and %.1f", xMin, xMax, border, 841.89-border)
	}
}

// fpdf embeds only the glyphs a certificate uses: a certificate stays
// small though its fonts are 5 MB, and one with no CJK name does not
// embed the CJK font at all.
func TestWrite_EmbedsOnlyTheGlyphsUsed(t *testing.T) {
	t.Parallel()
	latin := render(t, certificate("Zoë Łukasiewicz-Παπαδόπουλος"))
	cjk := render(t, certificate("Zoë Łukasiewicz-Παπαδόπουλος 王小明"))
	t.Logf("a certificate is %d bytes, %d with a Chinese name", len(latin), len(cjk))
	if len(latin) > 48<<10 || len(cjk) > 56<<10 {
		t.Errorf("certificates of %d and %d bytes: the fonts are not cut down to the glyphs used", len(latin), len(cjk))
	}
	if bytes.Contains(latin, []byte("droidfallback")) || !bytes.Contains(cjk, []byte("droidfallback")) {
		t.Error("the CJK font is embedded when no line needs it, or not when one does")
	}
}

// A name is text, not layout: controls, direction overrides and
// characters fpdf cannot address neither break the PDF nor disguise the
// name.
func TestWrite_AwkwardNames(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"Ana\tBell\x00e":          "Ana Belle",
		"\u202Eevil\u202C Smith":  "evil Smith", // an override would print "live Smith"
		"Emoji 😀 Ng":              "Emoji \uFFFD Ng",
		"Ana \u200E(the second)":  "Ana (the second)",
		"\xff broken UTF-8":       "\uFFFD broken UTF-8",
		"":                        "This certifies that",
		strings.Repeat("A", 2000): strings.Repeat("A", 80),
	} {
		text := certpdftest.Text(t, render(t, certificate(name)))
		if !strings.Contains(text, want) {
			t.Errorf("the certificate of %.40q lacks %q:\n%s", name, want, text)
		}
	}
}
