package library

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"

	"github.com/upward-lms/upward/internal/course"
)

// fileRef is a reference from a course to one of its files, and what the
// file may be.
type fileRef struct {
	src      *string
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
		out = append(out, fileRef{&c.Cover, 5 << 20, imageTypes})
	}
	for i := range c.Modules {
		for j := range c.Modules[i].Lessons {
			for k := range c.Modules[i].Lessons[j].Blocks {
				b := &c.Modules[i].Lessons[j].Blocks[k]
				switch {
				case b.Image != nil:
					out = append(out, fileRef{&b.Image.Src, 5 << 20, imageTypes})
				case b.Media != nil && b.Media.Src != "":
					out = append(out, fileRef{&b.Media.Src, 500 << 20, mediaTypes})
				case b.File != nil:
					out = append(out, fileRef{&b.File.Src, 25 << 20, nil})
				}
			}
		}
	}
	return out
}

// StoreFiles copies the files a course refers to, from folder dir of src,
// through put, each under a name made of its content's hash; and rewrites
// the course's references to those names. A file too large, or whose
// content is not of an allowed type, stops the import.
func StoreFiles(c *course.Course, src fs.FS, dir string, put func(name string, data []byte) error) error {
	for _, r := range refs(c) {
		data, err := fs.ReadFile(src, path.Join(dir, *r.src))
		if err != nil {
			return fmt.Errorf("library: file %s: %w", *r.src, err)
		}
		if len(data) > r.maxBytes {
			return fmt.Errorf("library: file %s is larger than %d MB", *r.src, r.maxBytes>>20)
		}
		sniffed := http.DetectContentType(data)
		if semi := strings.IndexByte(sniffed, ';'); semi >= 0 {
			sniffed = sniffed[:semi]
		}
		if (r.types != nil && !slices.Contains(r.types, sniffed)) || (r.types == nil && sniffed == "text/html") {
			return fmt.Errorf("library: file %s is %s, which is not allowed here", *r.src, sniffed)
		}
		sum := sha256.Sum256(data)
		name := "f-" + hex.EncodeToString(sum[:16]) + strings.ToLower(path.Ext(*r.src))
		if err := put(name, data); err != nil {
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
