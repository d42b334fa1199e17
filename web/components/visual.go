package components

import (
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"
)

// Initials are the first letters of a name's first and last words, in
// capitals: "Lena van Dijk" is "LD", "Cher" is "C". A name without
// letters gives "?".
func Initials(name string) string {
	var words []string
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' }) {
		if r := []rune(w); unicode.IsLetter(r[0]) {
			words = append(words, w)
		}
	}
	first := func(w string) string { return strings.ToUpper(string([]rune(w)[0])) }
	switch len(words) {
	case 0:
		return "?"
	case 1:
		return first(words[0])
	}
	return first(words[0]) + first(words[len(words)-1])
}

// avatarColours is how many avatar colour classes the stylesheet has
// (.avatar.c0 to .c7), each dark enough for white initials.
const avatarColours = 8

// avatarClass picks a person's colour from their name, so that the same
// person has the same colour on every page.
func avatarClass(name string) string {
	return "avatar c" + strconv.Itoa(int(hash(name)%avatarColours))
}

func hash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// ringDash is a progress ring's stroke: the circle's path length is 100,
// so the dash is the percentage (clamped to 0–100).
func ringDash(percent int) string {
	percent = max(0, min(100, percent))
	return strconv.Itoa(percent) + " 100"
}

// Cover is the drawing of a generated course cover: a few shapes placed
// from the title's hash, so that each course has its own picture and
// keeps it, coloured by the stylesheet from the portal's brand colour.
type Cover struct {
	Shapes   []CoverShape
	Monogram string // the title's initial, drawn large
	Kicker   string // a word in the corner ("Course", "Path")
}

// CoverShape is one circle of a cover (its class picks the tint).
type CoverShape struct {
	CX, CY, R string
	Class     string
}

// NewCover draws title's cover.
func NewCover(title, kicker string) Cover {
	h := hash(title)
	next := func(n uint32) uint32 { // a small generator from the hash
		h ^= h << 13
		h ^= h >> 17
		h ^= h << 5
		return h % n
	}
	c := Cover{Kicker: kicker, Monogram: string([]rune(Initials(title))[:1])}
	for i := 0; i < 4; i++ {
		c.Shapes = append(c.Shapes, CoverShape{
			CX:    strconv.Itoa(int(160 + next(160))),
			CY:    strconv.Itoa(int(next(180))),
			R:     strconv.Itoa(int(40 + next(90))),
			Class: "tint" + strconv.Itoa(i%3),
		})
	}
	return c
}
