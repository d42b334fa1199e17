package certpdf

import "golang.org/x/text/unicode/bidi"

// A PDF draws a string left to right as it is given: Hebrew or Arabic in
// the order it is typed would read backwards. visualOrder applies the
// Unicode Bidirectional Algorithm (UAX #9) to one line of plain text and
// returns its characters in the order they are drawn, left to right.
//
// It is the algorithm for what a certificate prints: one line, no
// explicit embeddings, overrides or isolates (printable removes their
// controls, which in a name could only be used to disguise it), and no
// bracket pairs (rule N0): a bracket takes the direction of the text
// around it, as before Unicode 6.3, and is mirrored in right-to-left
// text. Character classes are Unicode's, from golang.org/x/text; the
// tests check the levels against that package's implementation.
func visualOrder(s []rune) []rune {
	levels := bidiLevels(s)
	high := uint8(0)
	for _, l := range levels {
		high = max(high, l)
	}
	if high == 0 {
		return s
	}
	// A mark in right-to-left text is reversed with the rest, so it is
	// drawn just before its letter: a font draws such a mark with no
	// advance and its ink to the right of where it starts, over the glyph
	// that follows it on the page (rule L3 is for renderers that work
	// otherwise).
	out := append([]rune(nil), s...)
	// Rule L2: from the highest level down to 1, reverse each stretch at
	// that level or higher.
	for l := high; l > 0; l-- {
		for i := 0; i < len(out); {
			if levels[i] < l {
				i++
				continue
			}
			j := i
			for j < len(out) && levels[j] >= l {
				j++
			}
			for a, b := i, j-1; a < b; a, b = a+1, b-1 {
				out[a], out[b] = out[b], out[a]
				levels[a], levels[b] = levels[b], levels[a]
			}
			i = j
		}
	}
	for i, r := range out {
		if levels[i]%2 == 1 {
			out[i] = mirror(r) // rule L4
		}
	}
	return out
}

func classOf(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

// bidiLevels resolves each character's embedding level (rules P2 to L1).
// The paragraph's level is 0 when its first strong character is
// left-to-right or there is none, 1 when it is right-to-left; with no
// explicit embeddings no level is above 2.
func bidiLevels(s []rune) []uint8 {
	n := len(s)
	orig := make([]bidi.Class, n)
	for i, r := range s {
		orig[i] = classOf(r)
	}
	cls := append([]bidi.Class(nil), orig...)

	// P2, P3: the first strong character sets the paragraph's direction.
	base, sos := uint8(0), bidi.L
	for _, c := range cls {
		if c == bidi.L {
			break
		}
		if c == bidi.R || c == bidi.AL {
			base, sos = 1, bidi.R
			break
		}
	}

	// W1: a mark takes the class of the character before it.
	prev := sos
	for i, c := range cls {
		if c == bidi.NSM {
			cls[i] = prev
		}
		prev = cls[i]
	}
	// W2: a European number after Arabic letters is an Arabic number.
	// W3: an Arabic letter is right-to-left.
	strong := sos
	for i, c := range cls {
		switch c {
		case bidi.L, bidi.R, bidi.AL:
			strong = c
		case bidi.EN:
			if strong == bidi.AL {
				cls[i] = bidi.AN
			}
		}
	}
	for i, c := range cls {
		if c == bidi.AL {
			cls[i] = bidi.R
		}
	}
	// W4: one separator between two numbers of a kind joins them.
	for i := 1; i+1 < n; i++ {
		a, c, b := cls[i-1], cls[i], cls[i+1]
		if a == b && (c == bidi.ES && a == bidi.EN || c == bidi.CS && (a == bidi.EN || a == bidi.AN)) {
			cls[i] = a
		}
	}
	// W5: terminators (currency, percent) next to a European number are
	// part of it.
	for i := 0; i < n; {
		if cls[i] != bidi.ET {
			i++
			continue
		}
		j := i
		for j < n && cls[j] == bidi.ET {
			j++
		}
		if i > 0 && cls[i-1] == bidi.EN || j < n && cls[j] == bidi.EN {
			for k := i; k < j; k++ {
				cls[k] = bidi.EN
			}
		}
		i = j
	}
	// W6: other separators and terminators are neutral.
	for i, c := range cls {
		if c == bidi.ES || c == bidi.ET || c == bidi.CS {
			cls[i] = bidi.ON
		}
	}
	// W7: a European number in left-to-right text is left-to-right.
	strong = sos
	for i, c := range cls {
		switch c {
		case bidi.L, bidi.R:
			strong = c
		case bidi.EN:
			if strong == bidi.L {
				cls[i] = bidi.L
			}
		}
	}
	// N1, N2: neutrals between two stretches of one direction take it,
	// numbers counting as right-to-left; other neutrals take the
	// paragraph's.
	dir := func(c bidi.Class) bidi.Class {
		if c == bidi.EN || c == bidi.AN {
			return bidi.R
		}
		return c
	}
	for i := 0; i < n; {
		if !neutral(cls[i]) {
			i++
			continue
		}
		j := i
		for j < n && neutral(cls[j]) {
			j++
		}
		before, after := sos, sos // sos and eos are alike on one line
		if i > 0 {
			before = dir(cls[i-1])
		}
		if j < n {
			after = dir(cls[j])
		}
		c := sos
		if before == after {
			c = before
		}
		for k := i; k < j; k++ {
			cls[k] = c
		}
		i = j
	}
	// I1, I2: the levels.
	levels := make([]uint8, n)
	for i, c := range cls {
		l := base
		switch {
		case base == 0 && c == bidi.R:
			l++
		case base == 0 && (c == bidi.AN || c == bidi.EN):
			l += 2
		case base == 1 && (c == bidi.L || c == bidi.AN || c == bidi.EN):
			l++
		}
		levels[i] = l
	}
	// L1: white space at the end of the line is at the paragraph's level.
	for i := n - 1; i >= 0 && (orig[i] == bidi.WS || orig[i] == bidi.S || orig[i] == bidi.B); i-- {
		levels[i] = base
	}
	return levels
}

func neutral(c bidi.Class) bool {
	return c == bidi.ON || c == bidi.WS || c == bidi.S || c == bidi.B
}

// mirrored pairs the characters a certificate may hold whose glyph is
// mirrored in right-to-left text.
var mirrored = map[rune]rune{
	'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<',
	'«': '»', '»': '«', '‹': '›', '›': '‹', '≤': '≥', '≥': '≤',
}

func mirror(r rune) rune {
	if m, ok := mirrored[r]; ok {
		return m
	}
	return r
}
