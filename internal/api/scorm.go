package api

import (
	"io"
	"mime"
	"net/http"
	"os"
	"strconv"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

// maxPackageBytes caps a SCORM package sent to the API, as the admin's
// form does.
const maxPackageBytes = 500 << 20

// scormImportJSON is what an import made.
type scormImportJSON struct {
	CourseID int64  `json:"course_id"`
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Status   string `json:"status"`
	Package  struct {
		ID           int64  `json:"id"`
		Version      int    `json:"version"`
		SCORMVersion string `json:"scorm_version"`
		Items        int    `json:"items"`
		Files        int    `json:"files"`
	} `json:"package"`
}

// importScorm makes a course of the SCORM package in the body
// (application/zip), or with course_id the new version of the course made
// from it; publish=true publishes it. The body is spooled to a temporary
// file: a package is read at random, and may be large.
func (a *API) importScorm(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/zip" {
		writeProblem(w, r, problem{Type: "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Detail: "Send the package itself as the body, with Content-Type: application/zip."})
		return
	}
	q := newQuery(r)
	courseID := q.id("course_id")
	publish := q.oneOf("publish", "true", "false") == "true"
	if !q.ok(w) {
		return
	}
	zip, size, err := readerAt(r.Body)
	if err != nil {
		if isMaxBytes(err) {
			writeProblem(w, r, problem{Type: "too-large", Status: http.StatusRequestEntityTooLarge, Detail: "The package is larger than 500 MB."})
			return
		}
		writeProblem(w, r, problem{Type: "bad-request", Status: http.StatusBadRequest, Detail: "The body could not be read."})
		return
	}
	defer zip.Close()
	t := stateOf(r).tenant
	rec, pkg, err := a.scorm.ImportPackage(r.Context(), t.ID, postgres.ScormImport{Zip: zip, Size: size, CourseID: courseID}, actor(r))
	if err != nil {
		// The course named is a query parameter here; everything else
		// wrong is the package's.
		if code := apperr.Code(err); code == apperr.EINVALID || code == apperr.ENOTFOUND {
			field := "package"
			if fields, ok := apperr.FieldsOf(err); ok && fields["course"] != "" || code == apperr.ENOTFOUND {
				field = "course_id"
			}
			invalid(w, r, apperr.Fields{field: apperr.Message(err)}, nil)
			return
		}
		a.renderError(w, r, err, nil)
		return
	}
	out := scormImportJSON{CourseID: rec.ID, Slug: rec.Slug, Title: rec.Draft.Title, Status: "draft"}
	out.Package.ID, out.Package.Version, out.Package.SCORMVersion = pkg.ID, pkg.Version, string(pkg.Manifest.Version)
	out.Package.Items, out.Package.Files = len(pkg.Manifest.Items), pkg.Files
	if publish {
		if _, err := a.courses.Publish(r.Context(), t.ID, rec.ID, "", actor(r)); err != nil {
			a.renderError(w, r, err, nil)
			return
		}
		out.Status = "published"
	}
	w.Header().Set("Location", Prefix+"/courses/"+strconv.FormatInt(rec.ID, 10))
	a.writeJSON(w, r, http.StatusCreated, out)
}

// spooled is a body already in a file: idempotent's, for a large body.
type spooled interface {
	io.ReaderAt
	io.Closer
	Stat() (os.FileInfo, error)
}

// readerAt gives the body for random reads: as it is when idempotent has
// spooled it to a file already, else copied to a temporary file that
// closing removes.
func readerAt(body io.ReadCloser) (interface {
	io.ReaderAt
	io.Closer
}, int64, error) {
	if f, ok := body.(spooled); ok {
		st, err := f.Stat()
		if err != nil {
			return nil, 0, err
		}
		return f, st.Size(), nil
	}
	f, err := os.CreateTemp("", "upward-scorm-*.zip")
	if err != nil {
		return nil, 0, err
	}
	t := tempBody{f}
	size, err := io.Copy(f, body)
	if err != nil {
		t.Close()
		return nil, 0, err
	}
	return t, size, nil
}
