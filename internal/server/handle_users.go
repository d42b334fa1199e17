package server

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

func roleChoices(checked []user.Role) []pages.RoleChoice {
	labels := map[user.Role]string{user.Learner: "Learner", user.Instructor: "Instructor", user.Admin: "Administrator"}
	out := make([]pages.RoleChoice, 0, len(user.AllRoles))
	for _, r := range user.AllRoles {
		out = append(out, pages.RoleChoice{Value: string(r), Label: labels[r], Checked: slices.Contains(checked, r)})
	}
	return out
}

func rolesFromForm(r *http.Request) []user.Role {
	var roles []user.Role
	for _, v := range r.PostForm["roles"] {
		roles = append(roles, user.Role(v))
	}
	return roles
}

func rolesLabel(roles []user.Role) string {
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = string(r)
	}
	return strings.Join(parts, ", ")
}

// usersPageSize is the number of people a page of the list shows.
const usersPageSize = 50

func (s *Server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, v pages.AdminUsersView) {
	st := stateOf(r)
	qs := r.URL.Query()
	q := postgres.UserQuery{Text: qs.Get("q"), Role: user.Role(qs.Get("role")), Status: user.Status(qs.Get("status")),
		AfterName: qs.Get("after_name"), Limit: usersPageSize}
	q.GroupID, _ = strconv.ParseInt(qs.Get("group"), 10, 64)
	q.AfterID, _ = strconv.ParseInt(qs.Get("after_id"), 10, 64)
	page, err := s.users.SearchUsers(r.Context(), st.Tenant.ID, q)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	groups, err := s.groups.FindGroups(r.Context(), st.Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// Managers' names, in one query for the page's managers.
	var managerIDs []int64
	for _, u := range page.Users {
		if u.ManagerID != nil {
			managerIDs = append(managerIDs, *u.ManagerID)
		}
	}
	names, err := s.users.FindUserNames(r.Context(), st.Tenant.ID, managerIDs)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, u := range page.Users {
		row := pages.UserRow{ID: u.ID, Name: u.Name, Email: u.Email, Roles: rolesLabel(u.Roles), Status: string(u.Status)}
		if u.ManagerID != nil {
			row.Manager = names[*u.ManagerID]
		}
		v.Users = append(v.Users, row)
	}
	v.Query, v.Filtered = q.Text, q.Text != "" || q.Role != "" || q.Status != "" || q.GroupID != 0
	v.RoleOpts = []components.Option{{Value: "", Label: "Any role"}}
	for _, rc := range roleChoices(nil) {
		v.RoleOpts = append(v.RoleOpts, components.Option{Value: rc.Value, Label: rc.Label, Selected: rc.Value == string(q.Role)})
	}
	v.StatusOpts = []components.Option{{Value: "", Label: "Any status"}}
	for _, st := range []user.Status{user.Active, user.Invited, user.Deactivated} {
		v.StatusOpts = append(v.StatusOpts, components.Option{Value: string(st), Label: string(st), Selected: st == q.Status})
	}
	v.GroupOpts = []components.Option{{Value: "", Label: "Any group"}}
	for _, g := range groups {
		v.GroupOpts = append(v.GroupOpts, components.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name, Selected: g.ID == q.GroupID})
	}
	if page.More {
		last := page.Users[len(page.Users)-1]
		next := url.Values{}
		for k, vals := range qs {
			if k != "after_name" && k != "after_id" {
				next[k] = vals
			}
		}
		next.Set("after_name", strings.ToLower(last.Name))
		next.Set("after_id", strconv.FormatInt(last.ID, 10))
		v.NextURL = "/admin/users?" + next.Encode()
	}
	if v.Roles == nil {
		v.Roles = roleChoices([]user.Role{user.Learner})
	}
	v.CSRF = s.csrfToken(r)
	s.render(w, r, status, s.page(r, "People"), pages.AdminUsers(v))
}

func (s *Server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	s.renderAdminUsers(w, r, http.StatusOK, pages.AdminUsersView{Notice: s.popFlash(r)})
}

func (s *Server) handleAdminInvite(w http.ResponseWriter, r *http.Request) {
	in := postgres.Invitation{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Roles: rolesFromForm(r)}
	st := stateOf(r)
	u, err := s.users.Invite(r.Context(), *st.Tenant, in, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAdminUsers(w, r, http.StatusUnprocessableEntity, pages.AdminUsersView{
			Email: in.Email, Name: in.Name, Roles: roleChoices(in.Roles), Errors: fields,
		})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Invitation sent to "+u.Email+".")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// adminUserView builds the edit page of a person: the manager choices are
// the portal's other people, and the groups the person is in.
func (s *Server) adminUserView(r *http.Request, u user.User) (pages.AdminUserView, error) {
	st := stateOf(r)
	users, err := s.users.FindUsers(r.Context(), st.Tenant.ID, 1000)
	if err != nil {
		return pages.AdminUserView{}, err
	}
	groups, err := s.groups.FindUserGroups(r.Context(), st.Tenant.ID, u.ID)
	if err != nil {
		return pages.AdminUserView{}, err
	}
	v := pages.AdminUserView{CSRF: s.csrfToken(r), ID: u.ID, Name: u.Name, Email: u.Email, Roles: roleChoices(u.Roles),
		Status: string(u.Status), Invited: u.Status == user.Invited}
	v.Managers = []components.Option{{Value: "", Label: "No manager", Selected: u.ManagerID == nil}}
	for _, m := range users {
		if m.ID != u.ID {
			v.Managers = append(v.Managers, components.Option{Value: strconv.FormatInt(m.ID, 10), Label: m.Name + " (" + m.Email + ")",
				Selected: u.ManagerID != nil && *u.ManagerID == m.ID})
		}
	}
	in := map[int64]bool{}
	for _, g := range groups {
		in[g.ID] = true
		v.Groups = append(v.Groups, pages.GroupChip{ID: g.ID, Name: g.Name})
	}
	all, err := s.groups.FindGroups(r.Context(), st.Tenant.ID)
	if err != nil {
		return pages.AdminUserView{}, err
	}
	for _, g := range all {
		if !in[g.ID] {
			v.JoinOpts = append(v.JoinOpts, components.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
		}
	}
	return v, nil
}

func (s *Server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	u, err := s.users.FindUserByID(r.Context(), stateOf(r).Tenant.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v, err := s.adminUserView(r, u)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Notice = s.popFlash(r)
	s.render(w, r, http.StatusOK, s.page(r, u.Name), pages.AdminUser(v))
}

func (s *Server) handleAdminUserUpdate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	upd := postgres.UserUpdate{Name: r.PostFormValue("name"), Roles: rolesFromForm(r), Status: user.Status(r.PostFormValue("status"))}
	if m, err := strconv.ParseInt(r.PostFormValue("manager_id"), 10, 64); err == nil {
		upd.ManagerID = &m
	}
	u, err := s.users.UpdateUser(r.Context(), st.Tenant.ID, id, upd, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		before, ferr := s.users.FindUserByID(r.Context(), st.Tenant.ID, id)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return
		}
		v, verr := s.adminUserView(r, before)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		v.Name, v.Roles, v.Errors, v.Error = upd.Name, roleChoices(upd.Roles), fields, "Please correct the fields marked below."
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, before.Name), pages.AdminUser(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if st.User.ID == u.ID { // one's own roles changed: keep this session valid
		fresh, err := s.users.FindUserByID(r.Context(), st.Tenant.ID, u.ID)
		if err == nil {
			err = s.signIn(r, fresh)
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
	}
	s.flash(r, u.Name+" saved.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// handleAdminPasswordReset mails a person a link to choose a new password.
func (s *Server) handleAdminPasswordReset(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	u, err := s.users.FindUserByID(r.Context(), st.Tenant.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.users.RequestPasswordReset(r.Context(), *st.Tenant, u.Email, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "A password reset link is on its way to "+u.Email+".")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// handleAdminUserExport downloads everything held about a person, for a
// privacy request; the export itself is audited.
func (s *Server) handleAdminUserExport(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	if _, err := s.users.FindUserByID(r.Context(), st.Tenant.ID, id); err != nil {
		s.renderError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := s.users.ExportUser(r.Context(), st.Tenant.ID, id, &buf); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.users.AuditExport(r.Context(), st.Tenant.ID, id, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="user-`+strconv.FormatInt(id, 10)+`-data.zip"`)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Write(buf.Bytes())
}

// handleAdminUserErase erases a person after the admin typed their address.
func (s *Server) handleAdminUserErase(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	err := s.users.EraseUser(r.Context(), st.Tenant.ID, id, r.PostFormValue("confirm"), s.auditActor(r))
	if fields, isForm := apperr.FieldsOf(err); isForm {
		u, ferr := s.users.FindUserByID(r.Context(), st.Tenant.ID, id)
		if ferr != nil {
			s.renderError(w, r, ferr)
			return
		}
		v, verr := s.adminUserView(r, u)
		if verr != nil {
			s.renderError(w, r, verr)
			return
		}
		v.Errors, v.Error = fields, "The account was not erased."
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, u.Name), pages.AdminUser(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "The person's account was erased.")
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// handleAdminUserJoin puts a person into a group; they receive the
// group's assignments (and take a seat for them, when one is free).
func (s *Server) handleAdminUserJoin(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if _, err := s.users.FindUserByID(r.Context(), stateOf(r).Tenant.ID, id); err != nil {
		s.renderError(w, r, err) // another portal's person is not found
		return
	}
	groupID, err := strconv.ParseInt(r.PostFormValue("group_id"), 10, 64)
	if err != nil {
		s.badRequest(w, r, "Choose a group from the list.")
		return
	}
	if err := s.groups.AddGroupMember(r.Context(), stateOf(r).Tenant.ID, groupID, id, s.auditActor(r)); err != nil {
		if apperr.Code(err) == apperr.ECONFLICT {
			s.flash(r, apperr.Message(err))
			http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Added to the group.")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

func (s *Server) handleAdminUserLeave(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	groupID, ok := s.idParam(w, r, "groupID")
	if !ok {
		return
	}
	if err := s.groups.RemoveGroupMember(r.Context(), stateOf(r).Tenant.ID, groupID, id, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Removed from the group.")
	http.Redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
