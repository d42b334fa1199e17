package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/web/pages"
)

// The CSV import of people. The file travels from the preview to the
// import in a hidden field, so no server state is kept between them, and
// the import checks it again from scratch.

func (s *Server) renderUsersImport(w http.ResponseWriter, r *http.Request, status int, v pages.AdminUsersImportView) {
	v.CSRF = s.csrfToken(r)
	v.Example = user.ImportExample
	v.Limits = user.ImportLimits()
	s.render(w, r, status, s.page(r, "Import people"), pages.AdminUsersImport(v))
}

// importPreview is the preview of a checked file, carrying the file.
func importPreview(check user.ImportCheck, csv string) pages.AdminUsersImportView {
	v := pages.AdminUsersImportView{Preview: true, Valid: check.Valid, Bad: check.Bad, CSV: csv}
	var bad []string
	for _, row := range check.Rows {
		roles := make([]string, len(row.Roles))
		for i, r := range row.Roles {
			roles[i] = string(r)
		}
		v.Rows = append(v.Rows, pages.ImportRowView{Line: row.Line, Email: row.Email, Name: row.Name,
			Roles: strings.Join(roles, ", "), Groups: strings.Join(row.Groups, ", "), Manager: row.Manager, Problems: row.Problems})
		if !row.OK() {
			bad = append(bad, strconv.Itoa(row.Line))
		}
	}
	if n := len(bad); n > 30 {
		bad = append(bad[:30], strconv.Itoa(n-30)+" more")
	}
	if n := len(bad); n > 1 {
		v.BadLines = strings.Join(bad[:n-1], ", ") + " and " + bad[n-1]
	} else {
		v.BadLines = strings.Join(bad, "")
	}
	if check.Bad == 0 {
		v.ImportMode, v.ImportText = string(postgres.ImportAll), "Import all "+people(check.Valid)
		if check.Valid == 1 {
			v.ImportText = "Import this 1 person"
		}
	} else {
		v.ImportMode, v.ImportText = string(postgres.ImportValid), "Import the "+strconv.Itoa(check.Valid)+" valid rows"
		if check.Valid == 1 {
			v.ImportText = "Import the 1 valid row"
		}
	}
	return v
}

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return strconv.Itoa(n) + " people"
}

func (s *Server) handleAdminUsersImportShow(w http.ResponseWriter, r *http.Request) {
	s.renderUsersImport(w, r, http.StatusOK, pages.AdminUsersImportView{})
}

// handleAdminUsersImportPreview checks an uploaded file and shows every
// line with its problems; it changes nothing.
func (s *Server) handleAdminUsersImportPreview(w http.ResponseWriter, r *http.Request) {
	file, _, err := r.FormFile("file")
	if err != nil {
		s.renderUsersImport(w, r, http.StatusUnprocessableEntity, pages.AdminUsersImportView{FileError: "Choose a CSV file to check."})
		return
	}
	defer file.Close()
	// One byte past the cap is enough for the check to refuse it.
	data, err := io.ReadAll(io.LimitReader(file, user.MaxImportBytes+1))
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	check, err := s.users.PreviewImport(r.Context(), stateOf(r).Tenant.ID, data)
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderUsersImport(w, r, http.StatusUnprocessableEntity, pages.AdminUsersImportView{FileError: fields["file"]})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderUsersImport(w, r, http.StatusOK, importPreview(check, string(data)))
}

// handleAdminUsersImport imports the file carried by the preview, as the
// admin chose: all lines, or the valid ones.
func (s *Server) handleAdminUsersImport(w http.ResponseWriter, r *http.Request) {
	csv := r.PostFormValue("csv")
	count, _ := strconv.Atoi(r.PostFormValue("count"))
	st := stateOf(r)
	check, n, err := s.users.ImportUsers(r.Context(), *st.Tenant, []byte(csv), postgres.ImportMode(r.PostFormValue("mode")), count, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderUsersImport(w, r, http.StatusUnprocessableEntity, pages.AdminUsersImportView{FileError: fields["file"]})
		return
	}
	if code := apperr.Code(err); code == apperr.EINVALID || code == apperr.ECONFLICT {
		v := importPreview(check, csv)
		v.Error = apperr.Message(err)
		s.renderUsersImport(w, r, apperr.HTTPStatus(code), v)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Imported "+people(n)+"; invitations are on their way.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}
