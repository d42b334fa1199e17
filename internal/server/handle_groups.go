package server

import (
	"net/http"
	"strconv"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) renderAdminGroups(w http.ResponseWriter, r *http.Request, status int, v pages.AdminGroupsView) {
	groups, err := s.groups.FindGroups(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, g := range groups {
		v.Groups = append(v.Groups, pages.GroupRow{ID: g.ID, Name: g.Name, Kind: g.Kind, Members: g.MemberCount})
	}
	v.CSRF = s.csrfToken(r)
	s.render(w, r, status, s.page(r, "Groups"), pages.AdminGroups(v))
}

func (s *Server) handleAdminGroups(w http.ResponseWriter, r *http.Request) {
	s.renderAdminGroups(w, r, http.StatusOK, pages.AdminGroupsView{Notice: s.popFlash(r)})
}

func (s *Server) handleAdminGroupCreate(w http.ResponseWriter, r *http.Request) {
	name, kind := r.PostFormValue("name"), r.PostFormValue("kind")
	g, err := s.groups.CreateGroup(r.Context(), stateOf(r).Tenant.ID, name, kind, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAdminGroups(w, r, http.StatusUnprocessableEntity, pages.AdminGroupsView{Name: name, Kind: kind, Errors: fields})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Group "+g.Name+" created.")
	http.Redirect(w, r, "/admin/groups/"+strconv.FormatInt(g.ID, 10), http.StatusSeeOther)
}

func (s *Server) handleAdminGroup(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	tid := stateOf(r).Tenant.ID
	g, err := s.groups.FindGroupByID(r.Context(), tid, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	members, err := s.groups.FindGroupMembers(r.Context(), tid, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	users, err := s.users.FindUsers(r.Context(), tid, 1000)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.AdminGroupView{CSRF: s.csrfToken(r), ID: g.ID, Name: g.Name, Kind: g.Kind, Notice: s.popFlash(r)}
	in := map[int64]bool{}
	for _, m := range members {
		in[m.ID] = true
		v.Members = append(v.Members, pages.MemberRow{ID: m.ID, Name: m.Name, Email: m.Email})
	}
	for _, u := range users {
		if !in[u.ID] {
			v.Candidates = append(v.Candidates, components.Option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name + " (" + u.Email + ")"})
		}
	}
	s.render(w, r, http.StatusOK, s.page(r, g.Name), pages.AdminGroup(v))
}

func (s *Server) handleAdminGroupAddMember(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	// The group first: another portal's is not found, whatever the form
	// says.
	if _, err := s.groups.FindGroupByID(r.Context(), stateOf(r).Tenant.ID, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	uid, err := strconv.ParseInt(r.PostFormValue("user_id"), 10, 64)
	if err != nil {
		s.renderError(w, r, &apperr.Error{Code: apperr.EINVALID, Field: "user_id", Message: "Choose a person to add."})
		return
	}
	if err := s.groups.AddGroupMember(r.Context(), stateOf(r).Tenant.ID, id, uid, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Added.")
	http.Redirect(w, r, "/admin/groups/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) handleAdminGroupRemoveMember(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	uid, ok := s.idParam(w, r, "userID")
	if !ok {
		return
	}
	if err := s.groups.RemoveGroupMember(r.Context(), stateOf(r).Tenant.ID, id, uid, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Removed.")
	http.Redirect(w, r, "/admin/groups/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
