package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/pages"
)

// The console, on the platform host: an account's admins run their
// portals there, a reseller's admins their clients'.

const (
	sessConsoleID    = "console_id"
	sessConsoleEpoch = "console_epoch"
)

// consoleMember is the signed-in console member, or nil.
func (s *Server) consoleMember(r *http.Request) *postgres.ConsoleMember {
	id := s.sessions.GetInt64(r.Context(), sessConsoleID)
	if id == 0 {
		return nil
	}
	m, err := s.console.FindConsoleMember(r.Context(), id)
	if err != nil || m.SessionEpoch != s.sessions.GetInt(r.Context(), sessConsoleEpoch) {
		return nil
	}
	return &m
}

// requireConsole admits console members, with the member in the
// request's state (consoleOf); anyone else is sent to sign in.
func (s *Server) requireConsole(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := s.consoleMember(r)
		if m == nil {
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		st := *stateOf(r)
		st.Console = m
		next.ServeHTTP(w, withState(r, &st))
	})
}

// consoleOf is the signed-in console member of a request that
// requireConsole admitted.
func consoleOf(r *http.Request) postgres.ConsoleMember { return *stateOf(r).Console }

func (s *Server) consolePage(r *http.Request, m postgres.ConsoleMember, title string) layout.Page {
	p := s.page(r, title)
	p.Brand, p.UserName, p.CSRF, p.SignOutAction = m.OrgName, m.Name, s.csrfToken(r), "/console/logout"
	p.Nav = nil
	for _, l := range consoleNav {
		if l.resellerOnly && !m.IsReseller() {
			continue
		}
		p.Nav = append(p.Nav, layout.NavLink{Label: l.label, Href: l.href, Current: r.URL.Path == l.href})
	}
	return p
}

// consoleActor is how the audit logs name a console member's action.
func consoleActor(r *http.Request, m postgres.ConsoleMember) postgres.AuditActor {
	return postgres.AuditActor{Label: "console: " + m.Email, IP: clientIP(r)}
}

// consoleNav is the console's navigation, one line per area.
var consoleNav = []struct {
	label, href  string
	resellerOnly bool
}{
	{label: "Portals", href: "/console"},
	{label: "Admins", href: "/console/members"},
	{label: "API keys", href: "/console/api-keys"},
	{label: "Webhooks", href: consoleWebhooks},
	{label: "Branding", href: "/console/branding", resellerOnly: true},
}

func (s *Server) handleConsoleLoginShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.page(r, "Console sign-in"), pages.Login(pages.LoginView{Action: "/console/login", CSRF: s.csrfToken(r), Next: "/console"}))
}

func (s *Server) handleConsoleLogin(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	m, err := s.console.AuthenticateConsole(r.Context(), email, r.PostFormValue("password"), s.auditActor(r))
	if err != nil {
		code := apperr.Code(err)
		if code != apperr.EUNAUTHORIZED && code != apperr.EFORBIDDEN {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, apperr.HTTPStatus(code), s.page(r, "Console sign-in"), pages.Login(pages.LoginView{
			Action: "/console/login", CSRF: s.csrfToken(r), Email: strings.TrimSpace(email), Next: "/console", Error: apperr.Message(err)}))
		return
	}
	if err := s.signInConsole(r, m); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

func (s *Server) handleConsoleLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.sessions.Destroy(r.Context()); err != nil {
		s.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

func (s *Server) handleConsole(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	portals, err := s.console.FindConsolePortals(r.Context(), m.Org)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.ConsoleView{CSRF: s.csrfToken(r), OrgName: m.OrgName, IsReseller: m.IsReseller(), Notice: s.popFlash(r)}
	for _, p := range portals {
		t := p.Tenant
		v.Portals = append(v.Portals, pages.ConsolePortalRow{ID: t.ID, Name: t.Name, URL: s.portalURL(r, t), Account: p.AccountName,
			Audience: t.Audience, Plan: t.Plan, Status: string(t.Status), SeatLimit: t.SeatLimit, SeatsUsed: p.SeatsUsed,
			Active30: p.ActiveLearners30, Enrolments: p.Enrolments, Completions: p.Completions})
	}
	s.render(w, r, http.StatusOK, s.consolePage(r, m, m.OrgName), pages.Console(v))
}

// handleConsoleUsageCSV downloads the usage table: figures only, never
// anyone's answers or personal data.
func (s *Server) handleConsoleUsageCSV(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	portals, err := s.console.FindConsolePortals(r.Context(), m.Org)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.streamCSV(w, r, "usage.csv", []string{"Portal", "Account", "Plan", "Status", "Seat limit", "Seats used", "Active learners (30 days)", "Enrolments", "Completions"},
		func(emit func(cells ...string) error) error {
			for _, p := range portals {
				t := p.Tenant
				if err := emit(t.Slug, p.AccountName, t.Plan, string(t.Status), strconv.Itoa(t.SeatLimit), strconv.Itoa(p.SeatsUsed),
					strconv.Itoa(p.ActiveLearners30), strconv.Itoa(p.Enrolments), strconv.Itoa(p.Completions)); err != nil {
					return err
				}
			}
			return nil
		})
}

func (s *Server) newPortalView(r *http.Request, m postgres.ConsoleMember, v pages.ConsoleNewPortalView) pages.ConsoleNewPortalView {
	v.CSRF, v.IsReseller = s.csrfToken(r), m.IsReseller()
	audience := r.PostFormValue("audience")
	for _, a := range tenant.Audiences {
		v.Audiences = append(v.Audiences, components.Option{Value: a, Label: a, Selected: a == audience})
	}
	chosenPlan := r.PostFormValue("plan")
	for _, p := range plan.Plans {
		v.Plans = append(v.Plans, components.Option{Value: p.Name, Label: p.Label, Selected: p.Name == chosenPlan || (chosenPlan == "" && p.Name == tenant.DefaultPlan)})
	}
	for _, l := range s.library {
		v.Library = append(v.Library, pages.LibraryChoice{Slug: l.Course.Slug, Title: l.Course.Title, Checked: r.PostFormValue("course_"+l.Course.Slug) != ""})
	}
	if v.PrimaryColor == "" {
		v.PrimaryColor = tenant.DefaultPrimaryColor
	}
	return v
}

func (s *Server) handleConsoleNewPortal(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	s.render(w, r, http.StatusOK, s.consolePage(r, m, "New portal"), pages.ConsoleNewPortal(s.newPortalView(r, m, pages.ConsoleNewPortalView{})))
}

// handleConsoleCreatePortal creates a portal for the member's account (or
// a reseller's new client), invites its first admin and installs the
// chosen library courses, published.
func (s *Server) handleConsoleCreatePortal(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	np := postgres.NewPortal{
		Portal: tenant.Tenant{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), Audience: r.PostFormValue("audience"),
			Plan:     r.PostFormValue("plan"),
			Branding: tenant.Branding{PrimaryColor: r.PostFormValue("primary_color")},
			Settings: tenant.Settings{SelfRegistration: r.PostFormValue("self_registration") != ""}},
		AdminEmail: r.PostFormValue("admin_email"), AdminName: r.PostFormValue("admin_name"),
	}
	for _, c := range s.provisioner.LibraryCourses() {
		if r.PostFormValue("course_"+c.Slug) != "" {
			np.LibraryCourses = append(np.LibraryCourses, c.Slug)
		}
	}
	v := pages.ConsoleNewPortalView{Slug: np.Portal.Slug, Name: np.Portal.Name, PrimaryColor: np.Portal.Branding.PrimaryColor,
		SelfRegistration: np.Portal.Settings.SelfRegistration, AdminEmail: np.AdminEmail, AdminName: np.AdminName,
		SeatLimit: r.PostFormValue("seat_limit"), Errors: map[string]string{}}
	if seats := strings.TrimSpace(v.SeatLimit); m.IsReseller() && seats != "" {
		n, err := strconv.Atoi(seats)
		if err != nil {
			v.Errors["seat_limit"] = "Enter a whole number."
		}
		np.Portal.SeatLimit = n
	}
	fail := func() {
		v.Error = "The portal was not created: please correct the fields marked below."
		s.render(w, r, http.StatusUnprocessableEntity, s.consolePage(r, m, "New portal"), pages.ConsoleNewPortal(s.newPortalView(r, m, v)))
	}
	if len(v.Errors) > 0 {
		fail()
		return
	}
	created, err := s.provisioner.Provision(r.Context(), m.Org, np, consoleActor(r, m))
	if fields, ok := apperr.FieldsOf(err); ok {
		for k, msg := range fields {
			v.Errors[k] = msg
		}
		fail()
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, created.Name+" is ready; its administrator has been invited.")
	http.Redirect(w, r, "/console", http.StatusSeeOther)
}

// consolePortal loads the URL's portal if it is the member's; another's is
// not found.
func (s *Server) consolePortal(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember) (tenant.Tenant, bool) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return tenant.Tenant{}, false
	}
	t, err := s.console.FindConsolePortal(r.Context(), m.Org, id)
	if err != nil {
		s.renderError(w, r, err)
		return tenant.Tenant{}, false
	}
	return t, true
}

func (s *Server) handleConsolePortal(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	t, ok := s.consolePortal(w, r, m)
	if !ok {
		return
	}
	s.renderConsolePortal(w, r, m, t, http.StatusOK, pages.ConsolePortalView{Notice: s.popFlash(r)})
}

func (s *Server) renderConsolePortal(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember, t tenant.Tenant, status int, v pages.ConsolePortalView) {
	v.CSRF, v.ID, v.Name, v.URL, v.IsReseller, v.Status = s.csrfToken(r), t.ID, t.Name, s.portalURL(r, t), m.IsReseller(), string(t.Status)
	if v.SeatLimit == "" {
		v.SeatLimit = strconv.Itoa(t.SeatLimit)
	}
	for _, p := range plan.Plans {
		v.Plans = append(v.Plans, components.Option{Value: p.Name, Label: p.Label, Selected: p.Name == t.Plan})
	}
	if m.AccountID != nil {
		recs, err := s.courses.FindCourses(r.Context(), t.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, c := range recs {
			if c.PublishedVersion != nil {
				v.Courses = append(v.Courses, components.Option{Value: strconv.FormatInt(c.ID, 10), Label: c.Title})
			}
		}
		paths, err := s.paths.FindPaths(r.Context(), t.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, p := range paths {
			v.Paths = append(v.Paths, components.Option{Value: strconv.FormatInt(p.ID, 10), Label: p.Title})
		}
		portals, err := s.console.FindOrgPortals(r.Context(), m.Org)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, p := range portals {
			if p.Tenant.ID != t.ID {
				v.Targets = append(v.Targets, components.Option{Value: strconv.FormatInt(p.Tenant.ID, 10), Label: p.Tenant.Name})
			}
		}
	}
	s.render(w, r, status, s.consolePage(r, m, t.Name), pages.ConsolePortal(v))
}

// handleConsolePortalSave lets a reseller suspend or reactivate a client's
// portal and change its plan and seats.
func (s *Server) handleConsolePortalSave(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	t, ok := s.consolePortal(w, r, m)
	if !ok {
		return
	}
	if !m.IsReseller() {
		s.forbidden(w, r)
		return
	}
	v := pages.ConsolePortalView{SeatLimit: r.PostFormValue("seat_limit")}
	n, err := strconv.Atoi(strings.TrimSpace(v.SeatLimit))
	if err != nil {
		v.Errors, v.Error = map[string]string{"seat_limit": "Enter a whole number."}, "Nothing was saved."
		s.renderConsolePortal(w, r, m, t, http.StatusUnprocessableEntity, v)
		return
	}
	t.SeatLimit, t.Plan = n, r.PostFormValue("plan")
	err = t.ChangeStatus(tenant.Status(r.PostFormValue("status")), tenant.ByReseller)
	if err == nil {
		_, err = s.tenants.UpdateTenant(r.Context(), t, consoleActor(r, m))
	}
	if err != nil {
		if fields, isForm := apperr.FieldsOf(err); isForm {
			v.Errors, v.Error = fields, "Nothing was saved."
			s.renderConsolePortal(w, r, m, t, http.StatusUnprocessableEntity, v)
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Saved.")
	http.Redirect(w, r, "/console/portals/"+strconv.FormatInt(t.ID, 10), http.StatusSeeOther)
}

// handleConsoleCopyCourse copies a published course of one of the
// account's portals into another of its portals, as a draft to review.
func (s *Server) handleConsoleCopyCourse(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	from, ok := s.consolePortal(w, r, m)
	if !ok {
		return
	}
	courseID, err1 := strconv.ParseInt(r.PostFormValue("course"), 10, 64)
	targetID, err2 := strconv.ParseInt(r.PostFormValue("target"), 10, 64)
	if err1 != nil || err2 != nil {
		s.badRequest(w, r, "Choose a course and a portal from the lists.")
		return
	}
	to, err := s.console.FindConsolePortal(r.Context(), m.Org, targetID)
	if err != nil || m.AccountID == nil {
		s.renderError(w, r, &apperr.Error{Code: apperr.ENOTFOUND, Message: "Portal not found."})
		return
	}
	c, err := s.courses.CopyCourse(r.Context(), from.ID, to.ID, courseID, consoleActor(r, m))
	if err != nil {
		if code := apperr.Code(err); code == apperr.ECONFLICT || code == apperr.EINVALID {
			s.renderConsolePortal(w, r, m, from, apperr.HTTPStatus(code), pages.ConsolePortalView{Error: apperr.Message(err)})
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Copied "+c.Title+" to "+to.Name+" as a draft: publish it there when ready.")
	http.Redirect(w, r, "/console/portals/"+strconv.FormatInt(from.ID, 10), http.StatusSeeOther)
}

// handleConsoleCopyPath copies a path of one of the account's portals,
// with the courses the other portal lacks, into another of its portals,
// as drafts to review.
func (s *Server) handleConsoleCopyPath(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	from, ok := s.consolePortal(w, r, m)
	if !ok {
		return
	}
	pathID, err1 := strconv.ParseInt(r.PostFormValue("path"), 10, 64)
	targetID, err2 := strconv.ParseInt(r.PostFormValue("target"), 10, 64)
	if err1 != nil || err2 != nil {
		s.badRequest(w, r, "Choose a path and a portal from the lists.")
		return
	}
	to, err := s.console.FindConsolePortal(r.Context(), m.Org, targetID)
	if err != nil || m.AccountID == nil || to.ID == from.ID {
		s.renderError(w, r, &apperr.Error{Code: apperr.ENOTFOUND, Message: "Portal not found."})
		return
	}
	p, copied, err := s.paths.CopyPath(r.Context(), from.ID, to.ID, pathID, consoleActor(r, m))
	if err != nil {
		if code := apperr.Code(err); code == apperr.ECONFLICT || code == apperr.EINVALID {
			s.renderConsolePortal(w, r, m, from, apperr.HTTPStatus(code), pages.ConsolePortalView{Error: apperr.Message(err)})
			return
		}
		s.renderError(w, r, err)
		return
	}
	notice := "Copied the path " + p.Title + " to " + to.Name + " as a draft"
	if len(copied) > 0 {
		notice += ", with its courses " + strings.Join(copied, ", ") + " as drafts"
	}
	s.flash(r, notice+": publish them there when ready.")
	http.Redirect(w, r, "/console/portals/"+strconv.FormatInt(from.ID, 10), http.StatusSeeOther)
}
