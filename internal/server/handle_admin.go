package server

import (
	"github.com/upward-lms/upward/internal/access"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/web/pages"
)

// idParam reads a numeric URL parameter; anything else is not found.
func (s *Server) idParam(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return 0, false
	}
	return id, true
}

// handleAdminHome shows the portal at a glance and the areas of
// administration.
func (s *Server) handleAdminHome(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if !s.allow(w, r, access.ViewDashboard) {
		return
	}
	d, err := s.reports.PortalDashboard(r.Context(), st.Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.AdminHomeView{Dashboard: s.dashboardPanel("portal-dashboard", "The portal at a glance",
		"Active people and their enrolments, now. The reports have more, by course, learner, path and group.", d)}
	s.render(w, r, http.StatusOK, s.page(r, "Administration"), pages.AdminHome(v))
}

func (s *Server) handleInvitationShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.page(r, "Accept your invitation"), pages.AcceptInvitation(pages.AcceptInvitationView{
		CSRF: s.csrfToken(r), Token: r.URL.Query().Get("token"),
	}))
}

func (s *Server) handleInvitationAccept(w http.ResponseWriter, r *http.Request) {
	token, name := r.PostFormValue("token"), r.PostFormValue("name")
	u, err := s.users.AcceptInvitation(r.Context(), *stateOf(r).Tenant, token, name, r.PostFormValue("password"), s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		v := pages.AcceptInvitationView{CSRF: s.csrfToken(r), Token: token, Name: name, Errors: fields}
		if msg, bad := fields["token"]; bad {
			v.Error = msg
		}
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Accept your invitation"), pages.AcceptInvitation(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
