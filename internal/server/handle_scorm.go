package server

import (
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// Importing SCORM packages as courses (the admin's side; playing them is
// content.go's).

// scormUpload reads the form's package; ok is false when none was sent.
func scormUpload(r *http.Request) (multipart.File, int64, bool) {
	f, h, err := r.FormFile("package")
	if err != nil {
		return nil, 0, false
	}
	return f, h.Size, true
}

// handleScormImport makes a new course of an uploaded package.
func (s *Server) handleScormImport(w http.ResponseWriter, r *http.Request) {
	f, size, ok := scormUpload(r)
	if !ok {
		s.renderAdminCourses(w, r, http.StatusUnprocessableEntity, pages.AdminCoursesView{Error: "Choose a SCORM package (a zip) to import."})
		return
	}
	defer f.Close()
	rec, pkg, err := s.scorm.ImportPackage(r.Context(), stateOf(r).Tenant.ID, postgres.ScormImport{Zip: f, Size: size, UserID: stateOf(r).User.ID}, s.auditActor(r))
	if code := apperr.Code(err); code == apperr.EINVALID || code == apperr.ECONFLICT || code == apperr.EFORBIDDEN {
		s.renderAdminCourses(w, r, apperr.HTTPStatus(code), pages.AdminCoursesView{Error: "The package was not imported: " + apperr.Message(err)})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Imported “"+rec.Draft.Title+"” (SCORM "+string(pkg.Manifest.Version)+", "+strconv.Itoa(len(pkg.Manifest.Items))+
		" activities) as a draft: publish it when ready.")
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}

// handleScormNewVersion makes an uploaded package the new draft of the
// course made from its earlier version.
func (s *Server) handleScormNewVersion(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	f, size, ok := scormUpload(r)
	if !ok {
		s.renderCourseEdit(w, r, http.StatusUnprocessableEntity, rec, "", "Choose the package's new version (a zip).")
		return
	}
	defer f.Close()
	_, pkg, err := s.scorm.ImportPackage(r.Context(), rec.TenantID, postgres.ScormImport{Zip: f, Size: size, CourseID: rec.ID, UserID: stateOf(r).User.ID}, s.auditActor(r))
	if code := apperr.Code(err); code == apperr.EINVALID || code == apperr.ECONFLICT || code == apperr.EFORBIDDEN {
		s.renderCourseEdit(w, r, apperr.HTTPStatus(code), rec, "", "The package was not imported: "+apperr.Message(err))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Version "+strconv.Itoa(pkg.Version)+" of the package is the course's draft: publish it when ready.")
	http.Redirect(w, r, "/admin/courses/"+strconv.FormatInt(rec.ID, 10), http.StatusSeeOther)
}
