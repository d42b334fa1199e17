package certpdf

import "unicode"

// A PDF's text is drawn glyph by glyph, with no shaping engine: an Arabic
// letter printed as its own code point shows its isolated form, and a
// name would print as a row of unjoined letters. shapeArabic replaces each
// letter by the presentation form (Unicode's Arabic Presentation Forms-A
// and -B) that its neighbours call for, in logical order, before the line
// is put in visual order.

// arabicForms gives a letter's isolated form; its other forms follow it:
// final, then initial and medial for a letter that joins on both sides.
// Only letters whose forms DejaVu Sans has are here (the test checks it,
// and that each form is the letter's under NFKC); any other stays as it
// is and so is drawn isolated.
var arabicForms = map[rune]struct {
	isolated rune
	dual     bool // joins the letter after it, too: four forms, not two
}{
	0x0621: {0xFE80, false}, // hamza: one form, joins neither side
	0x0622: {0xFE81, false}, 0x0623: {0xFE83, false}, 0x0624: {0xFE85, false}, 0x0625: {0xFE87, false},
	0x0626: {0xFE89, true}, 0x0627: {0xFE8D, false}, 0x0628: {0xFE8F, true}, 0x0629: {0xFE93, false},
	0x062A: {0xFE95, true}, 0x062B: {0xFE99, true}, 0x062C: {0xFE9D, true}, 0x062D: {0xFEA1, true},
	0x062E: {0xFEA5, true}, 0x062F: {0xFEA9, false}, 0x0630: {0xFEAB, false}, 0x0631: {0xFEAD, false},
	0x0632: {0xFEAF, false}, 0x0633: {0xFEB1, true}, 0x0634: {0xFEB5, true}, 0x0635: {0xFEB9, true},
	0x0636: {0xFEBD, true}, 0x0637: {0xFEC1, true}, 0x0638: {0xFEC5, true}, 0x0639: {0xFEC9, true},
	0x063A: {0xFECD, true}, 0x0641: {0xFED1, true}, 0x0642: {0xFED5, true}, 0x0643: {0xFED9, true},
	0x0644: {0xFEDD, true}, 0x0645: {0xFEE1, true}, 0x0646: {0xFEE5, true}, 0x0647: {0xFEE9, true},
	0x0648: {0xFEED, false},
	// Alef maksura joins on both sides in Unicode's data, but the block
	// has only its isolated and final forms; within a word it is rare.
	0x0649: {0xFEEF, false},
	0x064A: {0xFEF1, true},
	// Persian and Urdu letters, from Presentation Forms-A.
	0x0679: {0xFB66, true}, 0x067E: {0xFB56, true}, 0x0686: {0xFB7A, true}, 0x0688: {0xFB88, false},
	0x0691: {0xFB8C, false}, 0x0698: {0xFB8A, false}, 0x06A9: {0xFB8E, true}, 0x06AF: {0xFB92, true},
	0x06BE: {0xFBAA, true}, 0x06CC: {0xFBFC, true},
}

// lamAlef gives the isolated form of lam followed by each alef; the final
// form follows it. The pair must be drawn as this one ligature: a lam
// joined to an alef looks wrong in any font.
var lamAlef = map[rune]rune{0x0622: 0xFEF5, 0x0623: 0xFEF7, 0x0625: 0xFEF9, 0x0627: 0xFEFB}

const (
	lam     = 0x0644
	tatweel = 0x0640 // the joining stroke: joins both sides, has no forms
	zwj     = 0x200D // joins both sides, invisible
	zwnj    = 0x200C // keeps letters apart, as Persian writes some words
)

// joining is a character's Arabic joining type, in Unicode's terms.
type joining uint8

const (
	nonJoining  joining = iota // U
	rightOnly                  // R: joins the letter before it only
	dual                       // D: joins both sides
	causing                    // C: makes its neighbours join
	transparent                // T: marks, which joining looks through
)

func joiningOf(r rune) joining {
	switch {
	case r == tatweel || r == zwj:
		return causing
	case r == zwnj:
		return nonJoining
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return transparent
	}
	if f, ok := arabicForms[r]; ok {
		switch {
		case f.dual:
			return dual
		case r == 0x0621:
			return nonJoining
		}
		return rightOnly
	}
	return nonJoining
}

// joinsNext and joinsPrev say whether a character can join on the side
// of the following letter (to its left, on the page) and of the one
// before it.
func (j joining) joinsNext() bool { return j == dual || j == causing }
func (j joining) joinsPrev() bool { return j == dual || j == causing || j == rightOnly }

// shapeArabic returns s with each Arabic letter in its contextual form,
// and lam-alef pairs as their ligature. Other characters are unchanged.
func shapeArabic(s []rune) []rune {
	types := make([]joining, len(s))
	arabic := false
	for i, r := range s {
		types[i] = joiningOf(r)
		_, ok := arabicForms[r]
		arabic = arabic || ok
	}
	if !arabic {
		return s
	}
	// neighbour is the index of the nearest character from i in step's
	// direction that is not a mark, or -1.
	neighbour := func(i, step int) int {
		for i += step; i >= 0 && i < len(s); i += step {
			if types[i] != transparent {
				return i
			}
		}
		return -1
	}
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); i++ {
		r := s[i]
		f, ok := arabicForms[r]
		if !ok {
			out = append(out, r)
			continue
		}
		prev, next := neighbour(i, -1), neighbour(i, 1)
		joinsPrev := prev >= 0 && types[prev].joinsNext() && types[i].joinsPrev()
		if r == lam && next >= 0 {
			if lig, ok := lamAlef[s[next]]; ok {
				if joinsPrev {
					lig++
				}
				out = append(out, lig)
				// Marks between the two follow the ligature.
				out = append(out, s[i+1:next]...)
				i = next
				continue
			}
		}
		joinsNext := next >= 0 && types[i].joinsNext() && types[next].joinsPrev()
		form := f.isolated
		switch {
		case joinsPrev && joinsNext:
			form += 3
		case joinsNext:
			form += 2
		case joinsPrev:
			form++
		}
		out = append(out, form)
	}
	return out
}
