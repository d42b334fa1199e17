package certpdf

import (
	"embed"
	"encoding/binary"
	"errors"
)

// The fonts are Debian's (fonts-dejavu-core 2.37 and fonts-droid-fallback
// 6.0.1r16), copied with their licences beside them: the binary draws any
// certificate without a font installed on the server.
//
//go:embed fonts/DejaVuSans.ttf fonts/DejaVuSans-Bold.ttf fonts/DroidSansFallback.ttf
var fontFiles embed.FS

// A face is one font file as the PDF uses it.
type face struct {
	family, style string // the names fpdf knows it by
	file          string
	covers        *coverage
}

var (
	// regular and bold draw every line but the runs they lack: DejaVu Sans
	// has Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic
	// (with its presentation forms, which shaping draws with).
	regular = mustFace("DejaVu", "", "fonts/DejaVuSans.ttf")
	bold    = mustFace("DejaVu", "B", "fonts/DejaVuSans-Bold.ttf")
	// fallback draws the runs DejaVu lacks, for Chinese, Japanese and
	// Korean; it has no bold, so a bold line's CJK run is regular. Scripts
	// in neither (Thai, the Indic scripts) print as empty boxes: they
	// would need a shaping engine as well as a font.
	fallback = mustFace("DroidFallback", "", "fonts/DroidSansFallback.ttf")
)

func mustFace(family, style, file string) face {
	data, err := fontFiles.ReadFile(file)
	if err != nil {
		panic(err)
	}
	c, err := readCoverage(data)
	if err != nil {
		panic(file + ": " + err.Error())
	}
	return face{family: family, style: style, file: file, covers: c}
}

// bytes returns a copy of the font file for one PDF: fpdf works on the
// slice it is given while it cuts the font down, and certificates are
// drawn concurrently.
func (f face) bytes() []byte {
	data, err := fontFiles.ReadFile(f.file)
	if err != nil {
		panic(err) // embedded, and read at start already
	}
	return data
}

// coverage is the set of Basic Multilingual Plane characters a font maps
// to a glyph, one bit each.
type coverage [65536 / 64]uint64

func (c *coverage) has(r rune) bool {
	return r >= 0 && r < 65536 && c[r/64]&(1<<(r%64)) != 0
}

func (c *coverage) add(r int) { c[r/64] |= 1 << (r % 64) }

var errNoCmap = errors.New("no Unicode cmap of format 4")

// readCoverage reads which characters a TrueType font maps, from the same
// cmap subtable fpdf reads (the first Unicode one of format 4): a
// character the font lacks would print as an empty box, so the layout
// must know before drawing which font has it.
func readCoverage(font []byte) (*coverage, error) {
	u16 := func(at int) (int, bool) {
		if at < 0 || at+2 > len(font) {
			return 0, false
		}
		return int(binary.BigEndian.Uint16(font[at:])), true
	}
	u32 := func(at int) (int, bool) {
		if at < 0 || at+4 > len(font) {
			return 0, false
		}
		return int(binary.BigEndian.Uint32(font[at:])), true
	}
	numTables, _ := u16(4)
	cmap := -1
	for i := range numTables {
		rec := 12 + 16*i
		if rec+16 > len(font) {
			break
		}
		if string(font[rec:rec+4]) == "cmap" {
			cmap, _ = u32(rec + 8)
			break
		}
	}
	if cmap < 0 {
		return nil, errNoCmap
	}
	sub := -1
	n, _ := u16(cmap + 2)
	for i := range n {
		rec := cmap + 4 + 8*i
		platform, ok1 := u16(rec)
		encoding, ok2 := u16(rec + 2)
		offset, ok3 := u32(rec + 4)
		if !ok1 || !ok2 || !ok3 {
			break
		}
		if format, _ := u16(cmap + offset); format == 4 && (platform == 0 || platform == 3 && encoding == 1) {
			sub = cmap + offset
			break
		}
	}
	if sub < 0 {
		return nil, errNoCmap
	}
	segX2, _ := u16(sub + 6)
	ends, starts, deltas, rangeOffsets := sub+14, sub+16+segX2, sub+16+2*segX2, sub+16+3*segX2
	c := new(coverage)
	for s := 0; s < segX2; s += 2 {
		end, ok1 := u16(ends + s)
		start, ok2 := u16(starts + s)
		delta, ok3 := u16(deltas + s)
		ro, ok4 := u16(rangeOffsets + s)
		if !ok1 || !ok2 || !ok3 || !ok4 {
			return nil, errors.New("cmap cut short")
		}
		for ch := start; ch <= end && ch < 0xFFFF; ch++ {
			glyph := (ch + delta) & 0xFFFF
			if ro != 0 {
				// idRangeOffset counts bytes from its own place in the
				// table to the glyph ids of the segment.
				g, ok := u16(rangeOffsets + s + ro + 2*(ch-start))
				if !ok {
					return nil, errors.New("cmap glyph id out of the file")
				}
				glyph = 0
				if g != 0 {
					glyph = (g + delta) & 0xFFFF
				}
			}
			if glyph != 0 {
				c.add(ch)
			}
		}
	}
	return c, nil
}
