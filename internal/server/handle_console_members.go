package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// An org's admins in the console: the members page, invitations and
// their acceptance; and the operators' side, who open accounts and invite
// an org's first admin.

// signInConsole starts a console session for m on a fresh session token.
func (s *Server) signInConsole(r *http.Request, m postgres.ConsoleMember) error {
	if err := s.startSession(r); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessConsoleID, m.ID)
	s.sessions.Put(r.Context(), sessConsoleEpoch, m.SessionEpoch)
	return nil
}

func (s *Server) handleConsoleMembers(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	s.renderConsoleMembers(w, r, m, http.StatusOK, pages.ConsoleMembersView{Notice: s.popFlash(r)})
}

func (s *Server) renderConsoleMembers(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember, status int, v pages.ConsoleMembersView) {
	members, err := s.console.FindOrgMembers(r.Context(), m.Org)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	invitations, err := s.console.FindConsoleInvitations(r.Context(), m.Org)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF, v.OrgName = s.csrfToken(r), m.OrgName
	for _, o := range members {
		v.Members = append(v.Members, pages.ConsoleMemberRow{ID: o.ID, Name: o.Name, Email: o.Email, Since: o.CreatedAt, Self: o.ID == m.ID})
	}
	now := s.db.Now()
	for _, i := range invitations {
		v.Invitations = append(v.Invitations, pages.ConsoleInvitationRow{ID: i.ID, Email: i.Email, InvitedBy: i.InvitedBy, ExpiresAt: i.ExpiresAt, Expired: i.Expired(now)})
	}
	s.render(w, r, status, s.consolePage(r, m, "Admins"), pages.ConsoleMembers(v))
}

// handleConsoleInvite invites a colleague to administer the member's org.
func (s *Server) handleConsoleInvite(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	in := postgres.ConsoleInvite{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Inviter: m.Name + " (" + m.Email + ")", ConsoleURL: s.platformURL(r)}
	inv, err := s.console.InviteConsoleMember(r.Context(), m.Org, in, consoleActor(r, m))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderConsoleMembers(w, r, m, http.StatusUnprocessableEntity, pages.ConsoleMembersView{Email: in.Email, Name: in.Name, Errors: fields,
			Error: "Nobody was invited: please correct the fields marked below."})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "We have sent "+inv.Email+" an invitation.")
	http.Redirect(w, r, "/console/members", http.StatusSeeOther)
}

// handleConsoleMemberRemove removes another admin of the org; their
// sessions end at once.
func (s *Server) handleConsoleMemberRemove(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	err := s.console.RemoveConsoleMember(r.Context(), m.Org, id, m.ID, consoleActor(r, m))
	if code := apperr.Code(err); code == apperr.ECONFLICT || code == apperr.EFORBIDDEN {
		s.renderConsoleMembers(w, r, m, apperr.HTTPStatus(code), pages.ConsoleMembersView{Error: apperr.Message(err)})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Removed: they can no longer sign in to the console.")
	http.Redirect(w, r, "/console/members", http.StatusSeeOther)
}

func (s *Server) handleConsoleInvitationCancel(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if err := s.console.CancelConsoleInvitation(r.Context(), m.Org, id, consoleActor(r, m)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "The invitation is cancelled: its link no longer works.")
	http.Redirect(w, r, "/console/members", http.StatusSeeOther)
}

// renderBadConsoleLink is the page of a used, withdrawn or expired
// invitation.
func (s *Server) renderBadConsoleLink(w http.ResponseWriter, r *http.Request, err error) {
	s.render(w, r, http.StatusGone, s.page(r, "Invitation not valid"), pages.Message(pages.MessageView{
		Title: "This invitation is not valid any more", Message: apperr.Message(err),
		Link: "/console/login", LinkText: "Sign in to the console",
	}))
}

func (s *Server) handleConsoleInvitationShow(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	inv, err := s.console.FindConsoleInvitationByToken(r.Context(), token)
	if postgres.IsBadConsoleLink(err) {
		s.renderBadConsoleLink(w, r, err)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, s.page(r, "Join the console"), pages.ConsoleAccept(pages.ConsoleAcceptView{
		CSRF: s.csrfToken(r), Token: token, Email: inv.Email, OrgName: inv.OrgName, Name: inv.Name,
	}))
}

// handleConsoleInvitationAccept makes the invitee a member, signs them in
// on a fresh session and opens the console.
func (s *Server) handleConsoleInvitationAccept(w http.ResponseWriter, r *http.Request) {
	token, name := r.PostFormValue("token"), r.PostFormValue("name")
	m, err := s.console.AcceptConsoleInvitation(r.Context(), token, name, r.PostFormValue("password"), postgres.AuditActor{IP: clientIP(r)})
	if postgres.IsBadConsoleLink(err) {
		s.renderBadConsoleLink(w, r, err)
		return
	}
	if fields, ok := apperr.FieldsOf(err); ok || apperr.Code(err) == apperr.ECONFLICT {
		inv, findErr := s.console.FindConsoleInvitationByToken(r.Context(), token)
		if findErr != nil {
			s.renderBadConsoleLink(w, r, findErr)
			return
		}
		v := pages.ConsoleAcceptView{CSRF: s.csrfToken(r), Token: token, Email: inv.Email, OrgName: inv.OrgName, Name: name, Errors: fields}
		status := http.StatusUnprocessableEntity
		if !ok {
			v.Error, status = apperr.Message(err), http.StatusConflict
		}
		s.render(w, r, status, s.page(r, "Join the console"), pages.ConsoleAccept(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.signInConsole(r, m); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.flash(r, "Welcome, "+m.Name+": you are an admin of "+m.OrgName+".")
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

// The operators' side.

func (s *Server) handlePlatformAccounts(w http.ResponseWriter, r *http.Request) {
	s.renderPlatformAccounts(w, r, http.StatusOK, pages.PlatformAccountsView{Notice: s.popFlash(r)})
}

func (s *Server) renderPlatformAccounts(w http.ResponseWriter, r *http.Request, status int, v pages.PlatformAccountsView) {
	accounts, err := s.accounts.FindAccounts(r.Context(), 500)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(r)
	v.Invite.CSRF, v.Invite.Action, v.Invite.OrgField, v.Invite.OrgLabel = v.CSRF, "/platform/accounts/invite", "account_id", "Account"
	chosen := r.PostFormValue("account_id")
	for _, a := range accounts {
		v.Accounts = append(v.Accounts, pages.AccountRow{ID: a.ID, Status: a.Status, Slug: a.Slug, Name: a.Name, Reseller: a.ResellerName, Portals: a.Portals, Admins: a.Admins, Invited: a.Invited})
		id := strconv.FormatInt(a.ID, 10)
		v.Invite.Orgs = append(v.Invite.Orgs, components.Option{Value: id, Label: a.Name + " (" + admins(a.Admins) + ")", Selected: id == chosen})
	}
	s.render(w, r, status, s.page(r, "Accounts"), pages.PlatformAccounts(v))
}

// handlePlatformAccountStatus suspends or reactivates an account: its
// console and API keys stop or start again at once.
func (s *Server) handlePlatformAccountStatus(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	status := r.PostFormValue("status")
	name, err := s.accounts.SetAccountStatus(r.Context(), id, status, s.auditActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Account "+name+" is now "+status+".")
	http.Redirect(w, r, "/platform/accounts", http.StatusSeeOther)
}

func admins(n int) string {
	if n == 1 {
		return "1 admin"
	}
	return strconv.Itoa(n) + " admins"
}

// operatorInviter names an operator in the mail an invitee receives.
func (s *Server) operatorInviter(r *http.Request) string {
	return "The Upward team (" + stateOf(r).OperatorName + ")"
}

// handlePlatformAccountCreate opens an account without portals and
// invites its first admin to the console.
func (s *Server) handlePlatformAccountCreate(w http.ResponseWriter, r *http.Request) {
	na := postgres.NewAccount{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), Admin: postgres.ConsoleInvite{
		Email: r.PostFormValue("new_admin_email"), Name: r.PostFormValue("new_admin_name"), Inviter: s.operatorInviter(r), ConsoleURL: s.platformURL(r)}}
	_, err := s.accounts.CreateAccount(r.Context(), na, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderPlatformAccounts(w, r, http.StatusUnprocessableEntity, pages.PlatformAccountsView{Slug: na.Slug, Name: na.Name,
			AdminEmail: na.Admin.Email, AdminName: na.Admin.Name, Errors: fields, Error: "The account was not opened: please correct the fields marked below."})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Account "+strings.TrimSpace(na.Name)+" opened; its admin has been invited to the console.")
	http.Redirect(w, r, "/platform/accounts", http.StatusSeeOther)
}

// orgInvite reads the operators' invitation form; an org id that is not a
// number names no org.
func (s *Server) orgInvite(r *http.Request, field string) (*int64, postgres.ConsoleInvite) {
	in := postgres.ConsoleInvite{Email: r.PostFormValue("admin_email"), Name: r.PostFormValue("admin_name"),
		Inviter: s.operatorInviter(r), ConsoleURL: s.platformURL(r)}
	id, err := strconv.ParseInt(r.PostFormValue(field), 10, 64)
	if err != nil {
		return nil, in
	}
	return &id, in
}

// inviteOrgAdmin invites an admin to an org for an operator, and tells
// whether the form was bad (the fields, to show) or all went well.
func (s *Server) inviteOrgAdmin(w http.ResponseWriter, r *http.Request, org postgres.Org, in postgres.ConsoleInvite, field string) (apperr.Fields, bool) {
	if org.AccountID == nil && org.ResellerID == nil {
		return apperr.Fields{field: "Choose from the list."}, false
	}
	in.ByOperator = true
	inv, err := s.console.InviteConsoleMember(r.Context(), org, in, s.auditActor(r))
	if apperr.Code(err) == apperr.ENOTFOUND {
		return apperr.Fields{field: "Choose from the list."}, false
	}
	if fields, ok := apperr.FieldsOf(err); ok {
		if msg, ok := fields["email"]; ok {
			fields["admin_email"] = msg
		}
		if msg, ok := fields["name"]; ok {
			fields["admin_name"] = msg
		}
		return fields, false
	}
	if err != nil {
		s.renderError(w, r, err)
		return nil, false
	}
	s.flash(r, "We have sent "+inv.Email+" an invitation to the console.")
	return nil, true
}

func (s *Server) handlePlatformAccountInvite(w http.ResponseWriter, r *http.Request) {
	id, in := s.orgInvite(r, "account_id")
	fields, ok := s.inviteOrgAdmin(w, r, postgres.Org{AccountID: id}, in, "account_id")
	switch {
	case ok:
		http.Redirect(w, r, "/platform/accounts", http.StatusSeeOther)
	case fields != nil:
		s.renderPlatformAccounts(w, r, http.StatusUnprocessableEntity, pages.PlatformAccountsView{
			Invite: pages.OrgAdminInviteView{AdminEmail: in.Email, AdminName: in.Name, Errors: fields}})
	}
}

func (s *Server) handlePlatformResellerInvite(w http.ResponseWriter, r *http.Request) {
	id, in := s.orgInvite(r, "reseller_id")
	fields, ok := s.inviteOrgAdmin(w, r, postgres.Org{ResellerID: id}, in, "reseller_id")
	switch {
	case ok:
		http.Redirect(w, r, "/platform/resellers", http.StatusSeeOther)
	case fields != nil:
		s.renderResellers(w, r, http.StatusUnprocessableEntity, pages.PlatformResellersView{
			Invite: pages.OrgAdminInviteView{AdminEmail: in.Email, AdminName: in.Name, Errors: fields}})
	}
}

// resellerInvite fills the resellers page's invitation form.
func (s *Server) resellerInvite(r *http.Request, v pages.OrgAdminInviteView) (pages.OrgAdminInviteView, error) {
	orgs, err := s.console.FindResellerAdminCounts(r.Context())
	if err != nil {
		return v, err
	}
	v.CSRF, v.Action, v.OrgField, v.OrgLabel = s.csrfToken(r), "/platform/resellers/invite", "reseller_id", "Reseller"
	chosen := r.PostFormValue("reseller_id")
	for _, o := range orgs {
		id := strconv.FormatInt(o.ID, 10)
		v.Orgs = append(v.Orgs, components.Option{Value: id, Label: o.Name + " (" + admins(o.Admins) + ")", Selected: id == chosen})
	}
	return v, nil
}
