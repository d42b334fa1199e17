// Package static serves Upward's CSS, scripts and images from the binary.
// Each file gets a content-hashed URL (app.3f9c2a1b.css) so that browsers
// may cache it for a year: a changed file gets a new URL.
//
// The stylesheet is written in parts, css/app/*.css (tokens first, then
// base elements, components and each area's rules), and served as one
// file, css/app.css, their concatenation in name order: one request for
// the page, and separate files for the people editing them.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed css img js
var files embed.FS

// Prefix is where the assets are mounted.
const Prefix = "/static/"

// Assets maps logical names (css/app.css) to hashed URLs and serves them.
type Assets struct {
	urls   map[string]string // css/app.css -> /static/css/app.3f9c2a1b.css
	hashed map[string]asset  // css/app.3f9c2a1b.css -> content
}

type asset struct {
	body        []byte
	contentType string
	etag        string
}

// New reads the embedded files and computes their hashes, once at start.
func New() (*Assets, error) {
	a := &Assets{urls: map[string]string{}, hashed: map[string]asset{}}
	var stylesheet []byte
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		if path.Dir(name) == stylesheetParts { // WalkDir goes in name order
			stylesheet = append(append(stylesheet, body...), '\n')
			return nil
		}
		a.add(name, body)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	if len(stylesheet) == 0 {
		return nil, fmt.Errorf("static: no stylesheet parts in %s", stylesheetParts)
	}
	a.add(stylesheetParts+".css", stylesheet)
	return a, nil
}

// stylesheetParts is the folder whose files make css/app.css.
const stylesheetParts = "css/app"

// add makes a file servable under its content-hashed name.
func (a *Assets) add(name string, body []byte) {
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])[:10]
	ext := path.Ext(name)
	hashedName := strings.TrimSuffix(name, ext) + "." + h + ext
	ct := mime.TypeByExtension(ext)
	if ct == "" {
		ct = "application/octet-stream"
	}
	a.urls[name] = Prefix + hashedName
	a.hashed[hashedName] = asset{body: body, contentType: ct, etag: `"` + h + `"`}
}

// URL returns the hashed URL of a logical asset name. An unknown name is a
// programming error, so it panics at the first render in any test.
func (a *Assets) URL(name string) string {
	u, ok := a.urls[name]
	if !ok {
		panic("static: unknown asset " + name)
	}
	return u
}

// ServeHTTP serves a hashed asset with a year-long immutable cache.
// Unhashed or stale names are not found: pages always link the current hash.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, Prefix)
	f, ok := a.hashed[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("ETag", f.etag)
	if r.Header.Get("If-None-Match") == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if r.Method == http.MethodHead {
		h.Set("Content-Length", fmt.Sprint(len(f.body)))
		return
	}
	w.Write(f.body)
}
