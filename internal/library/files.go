package library

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/upward-lms/upward/internal/course"
)

// fileRef is a reference from a course to one of its files, and the kind
// of upload the file is (image, media or file).
type fileRef struct {
	src  *string
	kind string
}

// uploadRule is what an upload kind may be.
type uploadRule struct {
	maxBytes int
	types    []string // sniffed content types allowed; nil: any but HTML
}

var (
	imageTypes = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}
	mediaTypes = []string{"video/mp4", "video/webm", "audio/mpeg", "audio/wave", "audio/ogg", "application/ogg", "audio/aiff"}
)

// refs lists every file reference of a course, with its rules.
func refs(c *course.Course) []fileRef {
	var out []fileRef
	if c.Cover != "" {
		out = append(out, fileRef{&c.Cover, "image"})
	}
	for i := range c.Modules {
		for j := range c.Modules[i].Lessons {
			for k := range c.Modules[i].Lessons[j].Blocks {
				b := &c.Modules[i].Lessons[j].Blocks[k]
				switch {
				case b.Image != nil:
					out = append(out, fileRef{&b.Image.Src, "image"})
				case b.Media != nil && b.Media.Src != "":
					out = append(out, fileRef{&b.Media.Src, "media"})
				case b.File != nil:
					out = append(out, fileRef{&b.File.Src, "file"})
				}
			}
		}
	}
	return out
}

// StoreFiles copies the files a course refers to, from folder dir of src,
// through put, each checked as an upload of its kind and stored under a
// name made of its content's hash; and rewrites the course's references to
// those names. A file too large, or whose content is not of an allowed
// type, stops the import.
func StoreFiles(c *course.Course, src fs.FS, dir string, put func(name string, data []byte) error) error {
	for _, r := range refs(c) {
		data, err := fs.ReadFile(src, path.Join(dir, *r.src))
		if err != nil {
			return fmt.Errorf("library: file %s: %w", *r.src, err)
		}
		name, stored, err := CheckUpload(r.kind, *r.src, data)
		if err != nil {
			return fmt.Errorf("library: file %s: %w", *r.src, err)
		}
		if err := put(name, stored); err != nil {
			return fmt.Errorf("library: store %s: %w", *r.src, err)
		}
		*r.src = name
	}
	return nil
}

// ExportZip writes the course as a zip of the library format, in a folder
// named after its slug, with the stored files it refers to under files/.
func ExportZip(w io.Writer, c course.Course, open func(name string) ([]byte, error)) error {
	// References are rewritten below: work on a deep copy, since blocks
	// hold their content by pointer.
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	c = course.Course{}
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, r := range refs(&c) {
		data, err := open(*r.src)
		if err != nil {
			return fmt.Errorf("library: export %s: %w", *r.src, err)
		}
		*r.src = "files/" + *r.src
		f, err := zw.Create(path.Join(c.Slug, *r.src))
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
	}
	files, err := Write(c)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := zw.Create(path.Join(c.Slug, n))
		if err != nil {
			return err
		}
		if _, err := f.Write(files[n]); err != nil {
			return err
		}
	}
	return zw.Close()
}

// FileNames lists the stored files a course refers to.
func FileNames(c course.Course) []string {
	var out []string
	for _, r := range refs(&c) {
		out = append(out, *r.src)
	}
	return out
}

// Upload kinds, with their size caps and the content types they accept.
var uploadKinds = map[string]uploadRule{
	"image": {maxBytes: 5 << 20, types: imageTypes},
	"media": {maxBytes: 500 << 20, types: mediaTypes},
	"file":  {maxBytes: 25 << 20},
}

// CheckUpload checks an uploaded file of a kind (image, media or file) by
// its content, and returns the content-hash name to store it under.
// Images are re-encoded, which drops their metadata (camera, location).
func CheckUpload(kind, filename string, data []byte) (name string, stored []byte, err error) {
	r, ok := uploadKinds[kind]
	if !ok {
		return "", nil, fmt.Errorf("choose image, media or file")
	}
	if len(data) == 0 {
		return "", nil, fmt.Errorf("the file is empty")
	}
	if len(data) > r.maxBytes {
		return "", nil, fmt.Errorf("%s files may be at most %d MB", kind, r.maxBytes>>20)
	}
	sniffed := http.DetectContentType(data)
	if semi := strings.IndexByte(sniffed, ';'); semi >= 0 {
		sniffed = sniffed[:semi]
	}
	if kind == "image" && strings.EqualFold(path.Ext(filename), ".svg") && (sniffed == "text/xml" || sniffed == "text/plain") {
		// A drawing: kept as written (it is text, and crisp at any size)
		// once it is shown to be nothing but a drawing.
		if err := checkSVG(data); err != nil {
			return "", nil, err
		}
		sum := sha256.Sum256(data)
		return "f-" + hex.EncodeToString(sum[:16]) + ".svg", data, nil
	}
	if (r.types != nil && !slices.Contains(r.types, sniffed)) || (r.types == nil && sniffed == "text/html") {
		return "", nil, fmt.Errorf("this file's content is %s, which is not accepted as %s", sniffed, kind)
	}
	ext := strings.ToLower(path.Ext(filename))
	if kind == "image" {
		if data, ext, err = reencode(data, sniffed); err != nil {
			return "", nil, err
		}
	}
	if !fileExtRE.MatchString(ext) {
		ext = ".bin"
	}
	sum := sha256.Sum256(data)
	return "f-" + hex.EncodeToString(sum[:16]) + ext, data, nil
}

var fileExtRE = regexp.MustCompile(`^\.[a-z0-9]{1,8}$`)

// maxImagePixels bounds an image's declared size: 40 million pixels (a
// 50-megapixel camera's photo is larger than any lesson needs).
const maxImagePixels = 40_000_000

// reencode decodes and encodes an image again, keeping its pixels and
// leaving behind every metadata block. GIF and WebP are kept as they are:
// the standard library cannot write WebP, and re-encoding an animated GIF
// would flatten it.
func reencode(data []byte, sniffed string) ([]byte, string, error) {
	if sniffed != "image/webp" {
		// A small file can declare an enormous picture, and decoding
		// allocates all of it: the header's size is checked first.
		cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("this image cannot be read")
		}
		if cfg.Width*cfg.Height > maxImagePixels {
			return nil, "", fmt.Errorf("this image is %d × %d pixels; an image may have at most %d million", cfg.Width, cfg.Height, maxImagePixels/1_000_000)
		}
	}
	var buf bytes.Buffer
	switch sniffed {
	case "image/png":
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("this PNG cannot be read")
		}
		if err := png.Encode(&buf, img); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), ".png", nil
	case "image/jpeg":
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, "", fmt.Errorf("this JPEG cannot be read")
		}
		if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90}); err != nil {
			return nil, "", err
		}
		return buf.Bytes(), ".jpg", nil
	case "image/gif":
		// Kept as is, but its first frame is read: "GIF89a" and a screen
		// size pass the sniffer with anything after them (a GIF header on
		// an HTML page). Only the first: every frame of an animation held
		// at once could take far more memory than its file suggests.
		if _, err := gif.Decode(bytes.NewReader(data)); err != nil {
			return nil, "", fmt.Errorf("this GIF cannot be read")
		}
		return data, ".gif", nil
	default:
		return data, ".webp", nil
	}
}
