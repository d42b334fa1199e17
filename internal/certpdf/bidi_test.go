package certpdf

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/text/unicode/bidi"
)

func TestVisualOrder(t *testing.T) {
	// Hebrew letters stand for right-to-left text; the expected strings
	// are written in drawing order, left to right.
	const a, b, c, d = 'א', 'ב', 'ג', 'ד'
	for _, tc := range []struct{ name, in, want string }{
		{"LatinAlone", "Zoë Łukasiewicz", "Zoë Łukasiewicz"},
		{"HebrewAlone", string([]rune{a, b, ' ', c, d}), string([]rune{d, c, ' ', b, a})},
		{"HebrewInLatin", "Dr " + string([]rune{a, b}) + " Cohen", "Dr " + string([]rune{b, a}) + " Cohen"},
		{"LatinInHebrew", string([]rune{a, b}) + " Anna " + string([]rune{c, d}), string([]rune{d, c}) + " Anna " + string([]rune{b, a})},
		{"NumberInHebrewKeepsItsOrder", string([]rune{a, b}) + " 123", "123 " + string([]rune{b, a})},
		{"NumberAfterHebrewInLatinLine", "x " + string([]rune{a, b}) + " 12", "x 12 " + string([]rune{b, a})},
		{"BracketsAreMirrored", string([]rune{a}) + " (" + string([]rune{b}) + ")", "(" + string([]rune{b}) + ") " + string([]rune{a})},
		{"TrailingSpaceStaysAtTheEnd", string([]rune{a, b}) + " ", " " + string([]rune{b, a})},
		{"MarksAreDrawnBeforeTheirLetter", string([]rune{a, 0x05B8, b, 0x05B7}), string([]rune{0x05B7, b, 0x05B8, a})},
		{"PercentStaysWithItsNumber", string([]rune{a}) + " 50%", "50% " + string([]rune{a})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(visualOrder([]rune(tc.in))); got != tc.want {
				t.Errorf("visualOrder(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// The levels agree with golang.org/x/text's implementation of the whole
// algorithm, on random text of every class but brackets (rule N0, which
// visualOrder leaves out) and explicit controls (which never reach it).
func TestBidiLevelsAgreeWithXText(t *testing.T) {
	alphabet := []rune{
		'a', 'Z', 'é', // L
		'א', 'ש', // R
		'ب', 'ع', // AL
		'1', '9', '٣', // EN, EN, AN
		'+', '-', // ES
		'$', '%', '#', // ET
		',', '.', ':', '/', // CS
		' ',                // WS
		'!', '"', '&', '*', // ON
		0x0301, 0x064E, 0x05B8, // NSM
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		s := make([]rune, 1+rng.IntN(12))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		levels := bidiLevels(s)
		var p bidi.Paragraph
		if _, err := p.SetString(string(s)); err != nil {
			t.Fatal(err)
		}
		o, err := p.Order()
		if err != nil {
			t.Fatal(err)
		}
		want := make([]bool, len(s)) // right-to-left, per character
		for i := range o.NumRuns() {
			r := o.Run(i)
			start, end := r.Pos()
			for k := start; k <= end; k++ {
				want[k] = r.Direction() == bidi.RightToLeft
			}
		}
		for i := range s {
			if levels[i]%2 == 1 != want[i] {
				t.Fatalf("%+q: levels %v, x/text has %v right-to-left at %d", string(s), levels, want, i)
			}
		}
	}
}

// Arabic-Indic digits alone in a left-to-right line are at level 2 and
// keep their order: reversed once at level 2 and again at level 1.
func TestVisualOrderKeepsArabicDigitsInALatinLine(t *testing.T) {
	in := "Room ١٢٣"
	if levels := bidiLevels([]rune(in)); levels[len(levels)-1] != 2 {
		t.Fatalf("levels %v", levels)
	}
	if got := string(visualOrder([]rune(in))); got != in {
		t.Errorf("visualOrder(%q) = %q", in, got)
	}
}
