// Package cover makes a course's cover picture from an uploaded image: it
// checks the image is one (decoding it, not trusting its name), crops it
// to the 16:9 frame every cover is shown in, keeping the part of the
// picture the author chose, and scales it to one size, so that a phone
// is never sent a camera's full-size photograph.
package cover

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	_ "image/png" // decoders: PNG and JPEG are what authors upload
	"strings"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// The cover's frame and its size in pixels.
const (
	Width  = 1280
	Height = 720
	// MinWidth and MinHeight are the smallest picture that still makes a
	// sharp card: half the full size.
	MinWidth  = 640
	MinHeight = 360
	// MaxBytes is the largest upload accepted.
	MaxBytes = 10 << 20
	// maxPixels refuses a picture that would take too much memory to
	// decode (a small file can declare a huge image).
	maxPixels = 40_000_000
)

// Focus is the part of the picture kept when it is cropped: a position on
// each axis, where 0 is the left (or top), 1 the centre and 2 the right
// (or bottom).
type Focus struct{ X, Y int }

// Centre keeps the middle of the picture.
var Centre = Focus{1, 1}

// ParseFocus reads a focus from a form's value, "top-left" to
// "bottom-right" ("centre" is the middle).
func ParseFocus(s string) (Focus, error) {
	if s == "" || s == "centre" {
		return Centre, nil
	}
	f := Centre
	for _, part := range strings.Split(s, "-") {
		switch part {
		case "top":
			f.Y = 0
		case "bottom":
			f.Y = 2
		case "left":
			f.X = 0
		case "right":
			f.X = 2
		case "middle":
		default:
			return Focus{}, fmt.Errorf("%q is not a part of the picture: choose one of the nine positions", s)
		}
	}
	return f, nil
}

// ErrNotImage is returned for a file that is not a PNG, JPEG or WebP image.
var ErrNotImage = errors.New("the file is not a PNG, JPEG or WebP picture")

// Make crops data's picture to 16:9 around focus and scales it to
// Width×Height, as a JPEG. A picture smaller than MinWidth×MinHeight, or
// too large to decode safely, is refused with a reason a person can act on.
func Make(data []byte, focus Focus) ([]byte, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("the picture is %d MB; the most is %d MB", len(data)>>20, MaxBytes>>20)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, ErrNotImage
	}
	if cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("the picture is %d×%d pixels; the most is 40 million pixels", cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, ErrNotImage
	}
	crop := Crop(img.Bounds(), focus)
	if crop.Dx() < MinWidth || crop.Dy() < MinHeight {
		return nil, fmt.Errorf("the picture is %d×%d pixels; a cover needs at least %d×%d after cropping to 16:9",
			cfg.Width, cfg.Height, MinWidth, MinHeight)
	}
	out := image.NewRGBA(image.Rect(0, 0, Width, Height))
	draw.CatmullRom.Scale(out, out.Bounds(), img, crop, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 82}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Crop is the largest 16:9 rectangle inside b, placed by focus.
func Crop(b image.Rectangle, focus Focus) image.Rectangle {
	w, h := b.Dx(), b.Dy()
	cw, ch := w, w*Height/Width
	if ch > h { // too wide: keep the height, cut the sides
		cw, ch = h*Width/Height, h
	}
	place := func(room, pos int) int { return room * pos / 2 }
	x := b.Min.X + place(w-cw, focus.X)
	y := b.Min.Y + place(h-ch, focus.Y)
	return image.Rect(x, y, x+cw, y+ch)
}
