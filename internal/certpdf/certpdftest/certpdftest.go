// Package certpdftest reads back the text of a PDF, for tests: what
// poppler's pdftotext extracts, as a person copying it from a viewer
// would get it.
package certpdftest

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Text returns the text of pdf as pdftotext reads it, with args passed
// to it, less the direction controls that it puts around right-to-left
// words: pdftotext gives such words in their logical order, as typed.
// A machine without pdftotext fails the test rather than skipping it, so
// that a check of what a certificate prints is never silently left out.
func Text(tb testing.TB, pdf []byte, args ...string) string {
	tb.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		tb.Fatal("pdftotext is missing: it comes with Debian's poppler-utils, which make test installs (apt-get install poppler-utils)")
	}
	file := filepath.Join(tb.TempDir(), "certificate.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append(append(args, "-enc", "UTF-8"), file, "-")...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		tb.Fatalf("pdftotext: %v %s", err, stderr.String())
	}
	return strings.Map(func(r rune) rune {
		if r >= 0x202A && r <= 0x202E {
			return -1
		}
		return r
	}, string(out))
}

// Render draws the PDF's first page as poppler's pdftoppm does, at dpi
// dots per inch, so that a test can look at its colours and a person at
// the picture.
func Render(tb testing.TB, pdf []byte, dpi int) image.Image {
	tb.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		tb.Fatal("pdftoppm is missing: it comes with Debian's poppler-utils (apt-get install poppler-utils)")
	}
	dir := tb.TempDir()
	file := filepath.Join(dir, "certificate.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		tb.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "-png", "-singlefile", "-r", strconv.Itoa(dpi), file, filepath.Join(dir, "page"))
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		tb.Fatalf("pdftoppm: %v %s", err, stderr.String())
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}
