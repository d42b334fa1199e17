package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/components"
	"github.com/upward-lms/upward/web/pages"
)

// Session keys of the platform host.
const sessOperatorEpoch = "operator_epoch"

// loadOperator signs the request in when its session names an operator
// whose sessions were not ended since.
func (s *Server) loadOperator(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &requestState{}
		if id := s.sessions.GetInt64(r.Context(), sessOperatorID); id != 0 {
			op, err := s.operators.FindOperatorByID(r.Context(), id)
			switch {
			case err == nil && op.SessionEpoch == s.sessions.GetInt(r.Context(), sessOperatorEpoch):
				st.Actor.OperatorID = op.ID
				st.OperatorName = op.Name
				infoFrom(r.Context()).UserID = op.ID
			case err != nil && apperr.Code(err) != apperr.ENOTFOUND:
				s.serverError(w, r, err)
				return
			default:
				if err := s.sessions.Destroy(r.Context()); err != nil {
					s.serverError(w, r, err)
					return
				}
			}
		}
		next.ServeHTTP(w, withState(r, st))
	})
}

// requireOperator admits platform operators only; others are sent to sign in.
func (s *Server) requireOperator(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !stateOf(r).Actor.Operator() {
			http.Redirect(w, r, "/platform/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) handleOperatorLoginShow(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, s.page(r, "Operator sign-in"), pages.Login(pages.LoginView{
		Action: "/platform/login", CSRF: s.csrfToken(r), Next: safeNext(r.URL.Query().Get("next")),
	}))
}

func (s *Server) handleOperatorLogin(w http.ResponseWriter, r *http.Request) {
	email := r.PostFormValue("email")
	op, err := s.operators.AuthenticateOperator(r.Context(), email, r.PostFormValue("password"), s.auditActor(r))
	if err != nil {
		if apperr.Code(err) != apperr.EUNAUTHORIZED {
			s.serverError(w, r, err)
			return
		}
		s.render(w, r, http.StatusUnauthorized, s.page(r, "Operator sign-in"), pages.Login(pages.LoginView{
			Action: "/platform/login", CSRF: s.csrfToken(r), Email: strings.TrimSpace(email),
			Next: safeNext(r.PostFormValue("next")), Error: apperr.Message(err),
		}))
		return
	}
	if err := s.startSession(r); err != nil {
		s.serverError(w, r, err)
		return
	}
	s.sessions.Put(r.Context(), sessOperatorID, op.ID)
	s.sessions.Put(r.Context(), sessOperatorEpoch, op.SessionEpoch)
	next := safeNext(r.PostFormValue("next"))
	if next == "/" {
		next = "/platform"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handlePlatformTenants(w http.ResponseWriter, r *http.Request) {
	tenants, err := s.tenants.FindTenants(r.Context(), 500)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	resellers, err := s.resellers.FindResellers(r.Context(), 500)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	names := map[int64]string{}
	for _, rs := range resellers {
		names[rs.ID] = rs.Name
	}
	v := pages.PlatformTenantsView{Notice: s.popFlash(r)}
	for _, t := range tenants {
		row := pages.TenantRow{ID: t.ID, Slug: t.Slug, Name: t.Name, Status: string(t.Status), Plan: t.Plan, SeatLimit: t.SeatLimit, URL: s.portalURL(r, t)}
		if t.ResellerID != nil {
			row.Reseller = names[*t.ResellerID]
		}
		v.Tenants = append(v.Tenants, row)
	}
	s.render(w, r, http.StatusOK, s.page(r, "Portals"), pages.PlatformTenants(v))
}

// tenantFromForm reads the portal form into t, keeping what the form does
// not carry.
func tenantFromForm(r *http.Request, t tenant.Tenant) (tenant.Tenant, apperr.Fields) {
	f := apperr.Fields{}
	t.Name = r.PostFormValue("name")
	if t.Status == "" {
		t.Status = tenant.Active // a new portal
	}
	if err := t.ChangeStatus(tenant.Status(r.PostFormValue("status")), tenant.ByOperator); err != nil {
		f.Add("status", apperr.Message(err))
	}
	t.Plan = r.PostFormValue("plan")
	if n, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("seat_limit"))); err == nil {
		t.SeatLimit = n
	} else {
		f.Add("seat_limit", "Enter a whole number.")
	}
	t.Branding.PrimaryColor = r.PostFormValue("primary_color")
	t.Branding.WelcomeText = r.PostFormValue("welcome_text")
	t.Branding.ContactEmail = r.PostFormValue("contact_email")
	t.Settings.SelfRegistration = r.PostFormValue("self_registration") == "on"
	t.Listed = r.PostFormValue("listed") == "on"
	t.Settings.AllowedEmailDomains = strings.Split(r.PostFormValue("allowed_email_domains"), ",")
	t.Settings.DefaultTimeZone = strings.TrimSpace(r.PostFormValue("default_time_zone"))
	t.Settings.DefaultLanguage = strings.TrimSpace(r.PostFormValue("default_language"))
	if len(f) > 0 {
		// Report the portal's own problems together with the form's.
		t.Normalize()
		if vf, ok := apperr.FieldsOf(t.Validate()); ok {
			for k, msg := range vf {
				f.Add(k, msg)
			}
		}
	}
	return t, f
}

func tenantFormView(t tenant.Tenant) pages.TenantFormView {
	return pages.TenantFormView{
		ID: t.ID, Slug: t.Slug, Name: t.Name, Status: string(t.Status), Plan: t.Plan, SeatLimit: strconv.Itoa(t.SeatLimit),
		PrimaryColor: t.Branding.PrimaryColor, WelcomeText: t.Branding.WelcomeText, ContactEmail: t.Branding.ContactEmail,
		SelfRegistration: t.Settings.SelfRegistration, Listed: t.Listed, AllowedEmailDomains: strings.Join(t.Settings.AllowedEmailDomains, ", "),
		DefaultTimeZone: t.Settings.DefaultTimeZone, DefaultLanguage: t.Settings.DefaultLanguage,
	}
}

func (s *Server) renderTenantForm(w http.ResponseWriter, r *http.Request, status int, v pages.TenantFormView, resellerID *int64) {
	for _, p := range plan.Plans {
		v.Plans = append(v.Plans, components.Option{Value: p.Name, Label: p.Label + " (" + strconv.Itoa(p.SeatLimit) + " seats)",
			Selected: p.Name == v.Plan || (v.Plan == "" && p.Name == tenant.DefaultPlan)})
	}
	v.CSRF = s.csrfToken(r)
	if v.New {
		v.Action = "/platform/tenants"
		resellers, err := s.resellers.FindResellers(r.Context(), 500)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		v.Resellers = []components.Option{{Value: "", Label: "None: a direct customer", Selected: resellerID == nil}}
		for _, rs := range resellers {
			v.Resellers = append(v.Resellers, components.Option{Value: strconv.FormatInt(rs.ID, 10), Label: rs.Name, Selected: resellerID != nil && *resellerID == rs.ID})
		}
	}
	title := "New portal"
	if !v.New {
		title = v.Name
		domains, err := s.tenants.FindDomains(r.Context(), v.ID)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		for _, d := range domains {
			v.Domains = append(v.Domains, pages.DomainRow{Name: d.Name, Verified: d.Verified(), RequestedAt: d.RequestedAt})
		}
		v.PortalHost = v.Slug + "." + s.cfg.BaseDomain
	}
	s.render(w, r, status, s.page(r, title), pages.TenantForm(v))
}

func (s *Server) handlePlatformTenantNew(w http.ResponseWriter, r *http.Request) {
	t := tenant.Tenant{SeatLimit: tenant.DefaultSeatLimit}
	t.Normalize()
	v := tenantFormView(t)
	v.New = true
	s.renderTenantForm(w, r, http.StatusOK, v, nil)
}

func (s *Server) handlePlatformTenantCreate(w http.ResponseWriter, r *http.Request) {
	t, f := tenantFromForm(r, tenant.Tenant{Slug: r.PostFormValue("slug")})
	if id, err := strconv.ParseInt(r.PostFormValue("reseller_id"), 10, 64); err == nil {
		t.ResellerID = &id
	}
	var err error = f.Err()
	if err == nil {
		t, err = s.tenants.CreateTenant(r.Context(), t, s.auditActor(r))
	}
	if fields, ok := apperr.FieldsOf(err); ok {
		v := tenantFormView(t)
		v.New, v.Slug, v.SeatLimit = true, r.PostFormValue("slug"), r.PostFormValue("seat_limit")
		v.Errors, v.Error = fields, "Please correct the fields marked below."
		s.renderTenantForm(w, r, http.StatusUnprocessableEntity, v, t.ResellerID)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Portal "+t.Name+" created.")
	http.Redirect(w, r, "/platform", http.StatusSeeOther)
}

func (s *Server) platformTenant(w http.ResponseWriter, r *http.Request) (tenant.Tenant, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return tenant.Tenant{}, false
	}
	t, err := s.tenants.FindTenantByID(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return tenant.Tenant{}, false
	}
	return t, true
}

func (s *Server) handlePlatformTenantShow(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	v := tenantFormView(t)
	v.Action = "/platform/tenants/" + strconv.FormatInt(t.ID, 10)
	v.Notice = s.popFlash(r)
	s.renderTenantForm(w, r, http.StatusOK, v, t.ResellerID)
}

// handlePlatformDomainVerify marks a portal's pending custom domain
// verified, once the operator has checked its DNS: from then on the domain
// serves the portal.
func (s *Server) handlePlatformDomainVerify(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	by := s.auditActor(r)
	by.Label = "platform operator" // as the portal's own audit log shows it
	d, err := s.tenants.VerifyDomain(r.Context(), t.ID, r.PostFormValue("domain"), by)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, d.Name+" is verified and now serves "+t.Name+".")
	http.Redirect(w, r, "/platform/tenants/"+strconv.FormatInt(t.ID, 10), http.StatusSeeOther)
}

func (s *Server) handlePlatformTenantUpdate(w http.ResponseWriter, r *http.Request) {
	t, ok := s.platformTenant(w, r)
	if !ok {
		return
	}
	t, f := tenantFromForm(r, t)
	var err error = f.Err()
	if err == nil {
		t, err = s.tenants.UpdateTenant(r.Context(), t, s.auditActor(r))
	}
	if fields, ok := apperr.FieldsOf(err); ok {
		v := tenantFormView(t)
		v.Action, v.SeatLimit = "/platform/tenants/"+chi.URLParam(r, "id"), r.PostFormValue("seat_limit")
		v.Errors, v.Error = fields, "Please correct the fields marked below."
		s.renderTenantForm(w, r, http.StatusUnprocessableEntity, v, t.ResellerID)
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Portal "+t.Name+" saved.")
	http.Redirect(w, r, "/platform", http.StatusSeeOther)
}

func (s *Server) renderResellers(w http.ResponseWriter, r *http.Request, status int, v pages.PlatformResellersView) {
	resellers, err := s.resellers.FindResellers(r.Context(), 500)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.CSRF = s.csrfToken(r)
	if v.Invite, err = s.resellerInvite(r, v.Invite); err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, rs := range resellers {
		v.Resellers = append(v.Resellers, pages.ResellerRow{ID: rs.ID, Slug: rs.Slug, Name: rs.Name, Status: rs.Status, BaseDomain: rs.WhiteLabel.BaseDomain})
	}
	s.render(w, r, status, s.page(r, "Resellers"), pages.PlatformResellers(v))
}

func (s *Server) handlePlatformResellers(w http.ResponseWriter, r *http.Request) {
	s.renderResellers(w, r, http.StatusOK, pages.PlatformResellersView{Notice: s.popFlash(r)})
}

func (s *Server) handlePlatformResellerCreate(w http.ResponseWriter, r *http.Request) {
	slug, name := strings.TrimSpace(r.PostFormValue("slug")), r.PostFormValue("name")
	_, err := s.resellers.CreateReseller(r.Context(), slug, name, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderResellers(w, r, http.StatusUnprocessableEntity, pages.PlatformResellersView{Slug: slug, Name: name, Errors: fields})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Reseller "+strings.TrimSpace(name)+" added.")
	http.Redirect(w, r, "/platform/resellers", http.StatusSeeOther)
}

func (s *Server) handlePlatformResellerStatus(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	rs, err := s.resellers.SetResellerStatus(r.Context(), id, r.PostFormValue("status"), s.auditActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Reseller "+rs.Name+" is now "+rs.Status+".")
	http.Redirect(w, r, "/platform/resellers", http.StatusSeeOther)
}

// handlePlatformResellerDomain sets or clears the base domain under which a
// reseller's clients' portals are served. Operators set it: they own its
// DNS and the wildcard certificate.
func (s *Server) handlePlatformResellerDomain(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	typed := r.PostFormValue("domain")
	rs, err := s.resellers.SetResellerDomain(r.Context(), id, typed, s.cfg.BaseDomain, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderResellers(w, r, http.StatusUnprocessableEntity, pages.PlatformResellersView{
			DomainOf: id, DomainTyped: typed, DomainError: fields["domain"]})
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if d := rs.WhiteLabel.BaseDomain; d != "" {
		s.flash(r, rs.Name+"'s clients' portals are now served under "+d+".")
	} else {
		s.flash(r, rs.Name+" has no base domain now; its clients' portals are under "+s.cfg.BaseDomain+".")
	}
	http.Redirect(w, r, "/platform/resellers", http.StatusSeeOther)
}
