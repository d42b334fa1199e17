package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/cover"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// The cover page: an author uploads a picture, chooses the part of it to
// keep, and the server crops and scales it into the course's draft (it
// reaches learners when the course is published, like any other change).
// Without a picture, learners see the cover drawn from the title.

func (s *Server) handleCourseCover(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	s.renderCourseCover(w, r, http.StatusOK, rec, "", "centre")
}

func (s *Server) renderCourseCover(w http.ResponseWriter, r *http.Request, status int, rec postgres.CourseRecord, problem, focus string) {
	v := pages.CourseCoverView{CSRF: s.csrfToken(r), ID: rec.ID, Title: rec.Draft.Title, Revision: rec.DraftRevision,
		CoverURL: fileURL(rec.Draft.Cover), Error: problem, Focus: focus, Notice: s.popFlash(r)}
	s.render(w, r, status, s.page(r, "Cover of "+rec.Draft.Title), pages.CourseCover(v))
}

func (s *Server) handleCourseCoverUpload(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	focusName := r.PostFormValue("focus")
	focus, err := cover.ParseFocus(focusName)
	if err != nil {
		s.renderCourseCover(w, r, http.StatusUnprocessableEntity, rec, "Part to keep: "+err.Error()+".", "centre")
		return
	}
	file, _, err := r.FormFile("picture")
	if err != nil {
		s.renderCourseCover(w, r, http.StatusUnprocessableEntity, rec, "Picture: choose a PNG, JPEG or WebP file to upload.", focusName)
		return
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, cover.MaxBytes+1))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	jpeg, err := cover.Make(data, focus)
	if err != nil {
		s.renderCourseCover(w, r, http.StatusUnprocessableEntity, rec, "Picture: "+err.Error()+".", focusName)
		return
	}
	// Named by its content, like every stored file (library.CheckUpload):
	// the same picture cropped the same way is the same file.
	sum := sha256.Sum256(jpeg)
	name := "f-" + hex.EncodeToString(sum[:16]) + ".jpg"
	if err := s.files.Put(name, jpeg); err != nil {
		s.serverError(w, r, err)
		return
	}
	if err := s.courses.RecordUpload(r.Context(), rec.TenantID, name, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.setCover(w, r, rec, name, "The new cover is in the draft: publish the course to show it to learners.")
}

func (s *Server) handleCourseCoverRemove(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	s.setCover(w, r, rec, "", "The cover is removed from the draft: learners will see the drawn cover once the course is published.")
}

func (s *Server) setCover(w http.ResponseWriter, r *http.Request, rec postgres.CourseRecord, name, done string) {
	revision, _ := strconv.Atoi(r.PostFormValue("revision"))
	updated, err := s.courses.EditDraft(r.Context(), rec.TenantID, rec.ID, revision, s.auditActor(r), func(c *course.Course) error {
		c.Cover = name
		return nil
	})
	if errors.Is(err, postgres.ErrStaleDraft) {
		s.renderCourseCover(w, r, http.StatusConflict, rec, "Someone changed this course while you were choosing: look at its cover now and try again.", "centre")
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, done)
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(updated.ID, 10)+"/cover", http.StatusSeeOther)
}
