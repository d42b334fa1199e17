package certpdf_test

import (
	"io"
	"testing"

	"github.com/upward-lms/upward/internal/certpdf"
)

// What a download costs: fpdf parses each font it embeds for each PDF,
// and the CJK font is the larger part.
func BenchmarkWrite(b *testing.B) {
	for _, name := range []string{"Zoë Łukasiewicz-Παπαδόπουλος", "Zoë Łukasiewicz-Παπαδόπουλος 王小明"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := certpdf.Write(io.Discard, certificate(name)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
