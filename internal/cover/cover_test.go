package cover

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
)

func picture(t *testing.T, w, h int, paint func(x, y int) color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, paint(x, y))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCropKeepsTheChosenPart(t *testing.T) {
	tall := image.Rect(0, 0, 1600, 1800) // portrait: the crop cuts top and bottom
	for _, c := range []struct {
		focus Focus
		want  image.Rectangle
	}{
		{Focus{1, 0}, image.Rect(0, 0, 1600, 900)},
		{Centre, image.Rect(0, 450, 1600, 1350)},
		{Focus{1, 2}, image.Rect(0, 900, 1600, 1800)},
	} {
		if got := Crop(tall, c.focus); got != c.want {
			t.Errorf("tall, focus %v: %v, want %v", c.focus, got, c.want)
		}
	}
	wide := image.Rect(0, 0, 3200, 900) // panorama: the crop cuts the sides
	if got := Crop(wide, Focus{2, 1}); got != image.Rect(1600, 0, 3200, 900) {
		t.Errorf("wide, right: %v", got)
	}
	if got := Crop(image.Rect(0, 0, 1280, 720), Focus{0, 0}); got != image.Rect(0, 0, 1280, 720) {
		t.Errorf("already 16:9: %v", got)
	}
}

func TestMakeCropsAndScales(t *testing.T) {
	// Top half red, bottom half blue; keep the top: the cover is red.
	data := picture(t, 1000, 1000, func(x, y int) color.Color {
		if y < 500 {
			return color.RGBA{200, 0, 0, 255}
		}
		return color.RGBA{0, 0, 200, 255}
	})
	out, err := Make(data, Focus{1, 0})
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height {
		t.Fatalf("size %v", b)
	}
	r, _, bl, _ := img.At(Width/2, Height/4).RGBA()
	if r>>8 < 150 || bl>>8 > 60 {
		t.Errorf("the top was kept, but the cover's colour is r=%d b=%d", r>>8, bl>>8)
	}
}

func TestMakeRefuses(t *testing.T) {
	small := picture(t, 600, 400, func(int, int) color.Color { return color.White })
	if _, err := Make(small, Centre); err == nil || !strings.Contains(err.Error(), "at least 640×360") {
		t.Errorf("too small: %v", err)
	}
	if _, err := Make([]byte("GIF89a not really"), Centre); err != ErrNotImage {
		t.Errorf("not an image: %v", err)
	}
	// A PNG header claiming 100,000 × 100,000 pixels is refused before decoding.
	huge := picture(t, 1, 1, func(int, int) color.Color { return color.White })
	huge[16], huge[17], huge[18], huge[19] = 0, 1, 0x86, 0xa0
	huge[20], huge[21], huge[22], huge[23] = 0, 1, 0x86, 0xa0
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29]))
	if _, err := Make(huge, Centre); err == nil || !strings.Contains(err.Error(), "40 million") {
		t.Errorf("a bomb: %v", err)
	}
}

func TestParseFocus(t *testing.T) {
	for in, want := range map[string]Focus{"": Centre, "centre": Centre, "top-left": {0, 0}, "bottom-right": {2, 2}, "top": {1, 0}, "middle-right": {2, 1}} {
		if got, err := ParseFocus(in); err != nil || got != want {
			t.Errorf("ParseFocus(%q) = %v, %v", in, got, err)
		}
	}
	if _, err := ParseFocus("upside"); err == nil {
		t.Error("a made-up position was accepted")
	}
}
