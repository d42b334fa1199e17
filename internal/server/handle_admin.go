package server

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// requireAdmin admits the portal's administrators; the policy decides.
func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.allow(w, r, access.ManageUsers) {
			next.ServeHTTP(w, r)
		}
	})
}

// idParam reads a numeric URL parameter; anything else is not found.
func (s *Server) idParam(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		s.notFound(w, r)
		return 0, false
	}
	return id, true
}

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

func (s *Server) handleAdminHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.page(r, "Administration"), pages.AdminHome())
}

func (s *Server) renderAdminUsers(w http.ResponseWriter, r *http.Request, status int, v pages.AdminUsersView) {
	st := stateOf(r)
	users, err := s.users.FindUsers(r.Context(), st.Tenant.ID, 1000)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	names := make(map[int64]string, len(users))
	for _, u := range users {
		names[u.ID] = u.Name
	}
	for _, u := range users {
		row := pages.UserRow{ID: u.ID, Name: u.Name, Email: u.Email, Roles: rolesLabel(u.Roles), Status: string(u.Status)}
		if u.ManagerID != nil {
			row.Manager = names[*u.ManagerID]
		}
		v.Users = append(v.Users, row)
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
	for _, g := range groups {
		v.Groups = append(v.Groups, pages.GroupChip{ID: g.ID, Name: g.Name})
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

func (s *Server) handleAdminSettings(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := stateOf(r).Tenant
	v := settingsView(tenantFormView(*t))
	v.CSRF, v.Notice, v.LogoURL = s.csrfToken(r), s.popFlash(r), logoURL(t)
	s.render(w, r, http.StatusOK, s.page(r, "Portal settings"), pages.AdminSettings(v))
}

func settingsView(f pages.TenantFormView) pages.AdminSettingsView {
	return pages.AdminSettingsView{PrimaryColor: f.PrimaryColor, WelcomeText: f.WelcomeText, ContactEmail: f.ContactEmail,
		SelfRegistration: f.SelfRegistration, AllowedEmailDomains: f.AllowedEmailDomains,
		DefaultTimeZone: f.DefaultTimeZone, DefaultLanguage: f.DefaultLanguage}
}

// handleAdminSettingsSave lets a portal's administrator change its look and
// sign-up rules; name, status, plan and seats stay with the platform.
func (s *Server) handleAdminSettingsSave(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ManagePortal) {
		return
	}
	t := *stateOf(r).Tenant
	t.Branding.PrimaryColor = r.PostFormValue("primary_color")
	t.Branding.WelcomeText = r.PostFormValue("welcome_text")
	t.Branding.ContactEmail = r.PostFormValue("contact_email")
	t.Settings.SelfRegistration = r.PostFormValue("self_registration") == "on"
	t.Settings.AllowedEmailDomains = strings.Split(r.PostFormValue("allowed_email_domains"), ",")
	t.Settings.DefaultTimeZone = strings.TrimSpace(r.PostFormValue("default_time_zone"))
	t.Settings.DefaultLanguage = strings.TrimSpace(r.PostFormValue("default_language"))
	saved, err := s.tenants.UpdateTenant(r.Context(), t, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		v := settingsView(tenantFormView(t))
		v.CSRF, v.Errors, v.Error = s.csrfToken(r), fields, "Please correct the fields marked below."
		v.AllowedEmailDomains = r.PostFormValue("allowed_email_domains")
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Portal settings"), pages.AdminSettings(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Settings saved for "+saved.Name+".")
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
}

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAudit) {
		return
	}
	events, err := s.users.FindAuditEvents(r.Context(), stateOf(r).Tenant.ID, 500)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rows := make([]pages.AuditRow, len(events))
	for i, e := range events {
		rows[i] = pages.AuditRow{At: e.At, Actor: e.ActorLabel, Action: e.Action, Subject: e.Subject, IP: e.IP}
	}
	s.render(w, r, http.StatusOK, s.page(r, "Audit log"), pages.AdminAudit(rows))
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
