package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/web/pages"
)

// auditActor describes the request's person for the audit log.
func (s *Server) auditActor(r *http.Request) postgres.AuditActor {
	st := stateOf(r)
	a := postgres.AuditActor{IP: clientIP(r), OperatorID: st.Actor.OperatorID}
	if st.User != nil {
		a.UserID, a.Label = st.User.ID, st.User.Email
	}
	return a
}

// flash keeps a one-time message for the next page.
func (s *Server) flash(r *http.Request, msg string) { s.sessions.Put(r.Context(), sessFlash, msg) }

func (s *Server) popFlash(r *http.Request) string {
	return s.sessions.PopString(r.Context(), sessFlash)
}

func (s *Server) handlePortalHome(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	v := pages.PortalHomeView{
		PortalName:       st.Tenant.Name,
		WelcomeText:      st.Tenant.Branding.WelcomeText,
		SelfRegistration: st.Tenant.Settings.SelfRegistration,
	}
	if st.User != nil {
		v.UserName = st.User.Name
		d, err := s.learning.FindDashboard(r.Context(), st.Tenant.ID, st.User.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		v.Learning = s.dashboardView(r, d)
	}
	s.render(w, r, http.StatusOK, s.page(r, "Welcome"), pages.PortalHome(v))
}

func (s *Server) handleLoginShow(w http.ResponseWriter, r *http.Request) {
	if stateOf(r).User != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderLogin(w, r, http.StatusOK, pages.LoginView{Next: safeNext(r.URL.Query().Get("next")), Notice: s.popFlash(r)})
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, v pages.LoginView) {
	v.Action, v.CSRF = "/login", s.csrfToken(r)
	v.SelfRegistration = stateOf(r).Tenant.Settings.SelfRegistration
	s.render(w, r, status, s.page(r, "Sign in"), pages.Login(v))
}

// handleLogin signs a user in. The session token is renewed, so a token
// planted before sign-in is worthless after it.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	u, err := s.users.Authenticate(r.Context(), *st.Tenant, email, password, s.auditActor(r))
	if err != nil {
		code := apperr.Code(err)
		if code != apperr.EUNAUTHORIZED && code != apperr.EFORBIDDEN {
			s.serverError(w, r, err)
			return
		}
		s.renderLogin(w, r, apperr.HTTPStatus(code), pages.LoginView{Email: strings.TrimSpace(email), Next: next, Error: apperr.Message(err)})
		return
	}
	if err := s.signIn(r, u); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// signIn binds the session to the user with a fresh token and CSRF secret.
func (s *Server) signIn(r *http.Request, u user.User) error {
	if err := s.startSession(r); err != nil {
		return err
	}
	s.sessions.Put(r.Context(), sessTenantID, u.TenantID)
	s.sessions.Put(r.Context(), sessUserID, u.ID)
	s.sessions.Put(r.Context(), sessEpoch, u.SessionEpoch)
	return nil
}

// handleLogout destroys the server-side session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if u := stateOf(r).User; u != nil {
		s.log.InfoContext(r.Context(), "sign out", "user", u.ID)
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) handleRegisterShow(w http.ResponseWriter, r *http.Request) {
	if !stateOf(r).Tenant.Settings.SelfRegistration {
		s.renderError(w, r, postgres.ErrRegistrationClosed)
		return
	}
	s.renderRegister(w, r, http.StatusOK, pages.RegisterView{})
}

func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, status int, v pages.RegisterView) {
	v.CSRF = s.csrfToken(r)
	v.AllowedDomains = stateOf(r).Tenant.Settings.AllowedEmailDomains
	s.render(w, r, status, s.page(r, "Create your account"), pages.Register(v))
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	in := postgres.Registration{Name: r.PostFormValue("name"), Email: r.PostFormValue("email"), Password: r.PostFormValue("password")}
	err := s.users.Register(r.Context(), *stateOf(r).Tenant, in, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderRegister(w, r, http.StatusUnprocessableEntity, pages.RegisterView{
			Name: in.Name, Email: in.Email, Errors: fields, Error: "Please correct the fields marked below.",
		})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, s.page(r, "Check your inbox"), pages.Message(pages.MessageView{
		Title:   "Check your inbox",
		Message: "We have sent a link to " + strings.TrimSpace(in.Email) + ". Follow it to confirm your address, then sign in.",
	}))
}

func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request) {
	err := s.users.VerifyEmail(r.Context(), *stateOf(r).Tenant, r.URL.Query().Get("token"), s.auditActor(r))
	if apperr.Code(err) == apperr.EINVALID {
		s.render(w, r, http.StatusGone, s.page(r, "Link expired"), pages.Message(pages.MessageView{
			Title: "This link has expired", Message: apperr.Message(err) + " Signing in sends a fresh confirmation link.",
			Link: "/login", LinkText: "Sign in",
		}))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your e-mail address is confirmed. You can sign in now.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleForgotShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.page(r, "Reset your password"), pages.ForgotPassword(pages.ForgotPasswordView{CSRF: s.csrfToken(r)}))
}

// forgotAnswerTime is the least time the forgotten-password form takes to
// answer. A known address costs a token and a mail more than an unknown
// one (some 10 ms against 5), and that difference would tell who has an
// account here.
const forgotAnswerTime = 150 * time.Millisecond

func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	answerAt := time.Now().Add(forgotAnswerTime)
	err := s.users.RequestPasswordReset(r.Context(), *stateOf(r).Tenant, email, s.auditActor(r))
	select {
	case <-time.After(time.Until(answerAt)):
	case <-r.Context().Done():
	}
	if fields, ok := apperr.FieldsOf(err); ok {
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Reset your password"),
			pages.ForgotPassword(pages.ForgotPasswordView{CSRF: s.csrfToken(r), Email: email, Errors: fields}))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, s.page(r, "Check your inbox"), pages.Message(pages.MessageView{
		Title:   "Check your inbox",
		Message: "If " + strings.TrimSpace(email) + " has an account here, a link to reset its password is on its way. It works for one hour.",
	}))
}

func (s *Server) handleResetShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.page(r, "Choose a new password"),
		pages.ResetPassword(pages.ResetPasswordView{CSRF: s.csrfToken(r), Token: r.URL.Query().Get("token")}))
}

func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	err := s.users.ResetPassword(r.Context(), *stateOf(r).Tenant, token, r.PostFormValue("password"), s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		v := pages.ResetPasswordView{CSRF: s.csrfToken(r), Token: token, Errors: fields}
		if msg, bad := fields["token"]; bad {
			v.Error = msg
		}
		s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Choose a new password"), pages.ResetPassword(v))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your password is changed. Sign in with the new one.")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	s.renderAccount(w, r, http.StatusOK, pages.AccountView{Notice: s.popFlash(r)})
}

func (s *Server) renderAccount(w http.ResponseWriter, r *http.Request, status int, v pages.AccountView) {
	u := stateOf(r).User
	v.CSRF, v.Email = s.csrfToken(r), u.Email
	if v.Name == "" {
		v.Name = u.Name
	}
	if v.TimeZone == "" {
		v.TimeZone = u.TimeZone
	}
	for _, role := range u.Roles {
		v.Roles = append(v.Roles, string(role))
	}
	if v.Calendar.CSRF == "" {
		var err error
		if v.Calendar, err = s.calendarView(r); err != nil {
			s.renderError(w, r, err)
			return
		}
	}
	var err error
	if v.HideActivity, err = s.activity.HidesActivity(r.Context(), stateOf(r).Tenant.ID, u.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.render(w, r, status, s.page(r, "Your account"), pages.Account(v))
}

func (s *Server) handleProfileSave(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	name, tz := r.PostFormValue("name"), r.PostFormValue("time_zone")
	_, err := s.users.UpdateProfile(r.Context(), st.Tenant.ID, st.User.ID, name, tz, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, pages.AccountView{Errors: fields, Name: name, TimeZone: tz})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your details are saved.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) handlePasswordChange(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	epoch, err := s.users.ChangePassword(r.Context(), *st.Tenant, st.User.ID, r.PostFormValue("current_password"), r.PostFormValue("password"), s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAccount(w, r, http.StatusUnprocessableEntity, pages.AccountView{Errors: fields})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	// Other devices are signed out; this one stays, on a renewed token.
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessEpoch, epoch)
	s.flash(r, "Your password is changed. Your other devices have been signed out.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) handleEmailChange(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	newEmail := r.PostFormValue("email")
	err := s.users.RequestEmailChange(r.Context(), *st.Tenant, st.User.ID, r.PostFormValue("email_password"), newEmail, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		if msg, bad := fields["password"]; bad {
			fields = apperr.Fields{"email_password": msg}
		}
		s.renderAccount(w, r, http.StatusUnprocessableEntity, pages.AccountView{Errors: fields, NewEmail: newEmail})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "We have sent a confirmation link to "+strings.TrimSpace(newEmail)+". Your address changes when you follow it.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) handleEmailConfirm(w http.ResponseWriter, r *http.Request) {
	err := s.users.ConfirmEmailChange(r.Context(), *stateOf(r).Tenant, r.URL.Query().Get("token"), s.auditActor(r))
	if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ECONFLICT {
		s.render(w, r, apperr.HTTPStatus(c), s.page(r, "Address not changed"), pages.Message(pages.MessageView{
			Title: "Your address was not changed", Message: apperr.Message(err), Link: "/account", LinkText: "Your account",
		}))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Your e-mail address is changed.")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func (s *Server) handleSignOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAccount) {
		return
	}
	st := stateOf(r)
	if _, err := s.users.SignOutEverywhere(r.Context(), st.Tenant.ID, st.User.ID, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
