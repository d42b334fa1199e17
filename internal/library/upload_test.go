package library_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/library"
)

// A picture whose header declares more pixels than any lesson needs is
// refused before it is decoded: a file of a few hundred bytes would
// otherwise take gigabytes to decode.
func TestCheckUpload_RefusesAnImageThatDeclaresAnEnormousSize(t *testing.T) {
	t.Parallel()
	small := encodePNG(t, 4, 4)
	if _, _, err := library.CheckUpload("image", "small.png", small); err != nil {
		t.Fatalf("a 4 × 4 PNG: %v", err)
	}
	bomb := withPNGSize(t, small, 50_000, 50_000)
	_, _, err := library.CheckUpload("image", "bomb.png", bomb)
	if err == nil || !strings.Contains(err.Error(), "50000 × 50000 pixels") {
		t.Fatalf("a PNG declaring 50,000 × 50,000 pixels: %v", err)
	}

	var g bytes.Buffer
	if err := gif.Encode(&g, image.NewPaletted(image.Rect(0, 0, 4, 4), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := library.CheckUpload("image", "small.gif", g.Bytes()); err != nil {
		t.Fatalf("a 4 × 4 GIF: %v", err)
	}
	gifBomb := bytes.Clone(g.Bytes())
	binary.LittleEndian.PutUint16(gifBomb[6:], 60_000) // the logical screen's width and height
	binary.LittleEndian.PutUint16(gifBomb[8:], 60_000)
	if _, _, err := library.CheckUpload("image", "bomb.gif", gifBomb); err == nil || !strings.Contains(err.Error(), "pixels") {
		t.Fatalf("a GIF declaring 60,000 × 60,000 pixels: %v", err)
	}
}

func encodePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withPNGSize rewrites the width and height in a PNG's header chunk, with
// the chunk's checksum, leaving its pixel data as it was.
func withPNGSize(t *testing.T, data []byte, w, h uint32) []byte {
	t.Helper()
	out := bytes.Clone(data)
	// 8-byte signature, then IHDR: length (4), type (4), width (4), height (4)...
	if string(out[12:16]) != "IHDR" {
		t.Fatal("no IHDR chunk where expected")
	}
	binary.BigEndian.PutUint32(out[16:], w)
	binary.BigEndian.PutUint32(out[20:], h)
	binary.BigEndian.PutUint32(out[29:], crc32.ChecksumIEEE(out[12:29]))
	return out
}
