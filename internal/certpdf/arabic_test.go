package certpdf

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

// Each presentation form in the tables is its letter's (Unicode gives it
// the letter as its compatibility decomposition), and DejaVu Sans has a
// glyph for it in both weights.
func TestArabicFormsAreTheLettersAndInTheFont(t *testing.T) {
	check := func(form rune, want string) {
		t.Helper()
		if got := norm.NFKC.String(string(form)); got != want {
			t.Errorf("U+%04X is %+q under NFKC, want %+q", form, got, want)
		}
		for _, f := range []face{regular, bold} {
			if !f.covers.has(form) {
				t.Errorf("%s has no glyph for U+%04X", f.file, form)
			}
		}
	}
	for letter, f := range arabicForms {
		n := 2
		switch {
		case f.dual:
			n = 4
		case letter == 0x0621:
			n = 1
		}
		for k := range n {
			check(f.isolated+rune(k), string(letter))
		}
	}
	for alef, lig := range lamAlef {
		check(lig, string([]rune{lam, alef}))
		check(lig+1, string([]rune{lam, alef}))
	}
}

func TestShapeArabic(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want []rune
	}{
		{"Muhammad", "محمد", []rune{0xFEE3, 0xFEA4, 0xFEE4, 0xFEAA}},
		{"TwoWords", "عبد الله", []rune{0xFECB, 0xFE92, 0xFEAA, ' ', 0xFE8D, 0xFEDF, 0xFEE0, 0xFEEA}},
		{"LamAlefAlone", "لا", []rune{0xFEFB}},
		{"LamAlefJoinedBefore", "سلام", []rune{0xFEB3, 0xFEFC, 0xFEE1}},
		{"LamAlefWithHamza", "لأبي", []rune{0xFEF7, 0xFE91, 0xFEF2}},
		{"RightJoiningLetterBreaksTheWord", "داود", []rune{0xFEA9, 0xFE8D, 0xFEED, 0xFEA9}},
		{"HamzaJoinsNeither", "ماء", []rune{0xFEE3, 0xFE8E, 0xFE80}},
		{"MarksAreSeenThrough", "بَب", []rune{0xFE91, 0x064E, 0xFE90}},
		{"MarksBetweenLamAndAlefFollowTheLigature", "لَا", []rune{0xFEFB, 0x064E}},
		{"TatweelJoins", "ـب", []rune{0x0640, 0xFE90}},
		{"ZWJJoins", "ب\u200D", []rune{0xFE91, 0x200D}},
		{"ZWNJKeepsApart", "ب\u200Cب", []rune{0xFE8F, 0x200C, 0xFE8F}},
		{"Persian", "پیمان گل", []rune{0xFB58, 0xFBFF, 0xFEE4, 0xFE8E, 0xFEE5, ' ', 0xFB94, 0xFEDE}},
		{"LatinDigitBetweenLettersBreaksTheJoin", "ب1ب", []rune{0xFE8F, '1', 0xFE8F}},
		{"OtherScriptsUnchanged", "Zoë Αθηνά", []rune("Zoë Αθηνά")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := shapeArabic([]rune(tc.in)); string(got) != string(tc.want) {
				t.Errorf("shapeArabic(%q) = %+q, want %+q", tc.in, string(got), string(tc.want))
			}
		})
	}
}
