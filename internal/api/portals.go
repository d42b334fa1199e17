package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// The provisioning API, on the platform host: an account's or a reseller's
// key opens and manages the organisation's portals. What is inside a
// portal (its people, their learning) is reached with that portal's keys.

// portalJSON is a portal as the provisioning API shows it.
type portalJSON struct {
	ID               int64      `json:"id"`
	Slug             string     `json:"slug"`
	Name             string     `json:"name"`
	URL              string     `json:"url"`
	Status           string     `json:"status"`
	Audience         string     `json:"audience"`
	Plan             string     `json:"plan"`
	SeatLimit        int        `json:"seat_limit"`
	AccountID        int64      `json:"account_id"`
	ResellerID       *int64     `json:"reseller_id"`
	PrimaryColor     string     `json:"primary_color"`
	SelfRegistration bool       `json:"self_registration"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	Usage            *usageJSON `json:"usage,omitempty"`
}

// usageJSON is what a portal uses: figures only, never anyone's data.
type usageJSON struct {
	SeatsUsed         int `json:"seats_used"`
	ActiveLearners30d int `json:"active_learners_30d"`
	Enrolments        int `json:"enrolments"`
	Completions       int `json:"completions"`
}

func (a *API) toPortal(r *http.Request, t tenant.Tenant) portalJSON {
	return portalJSON{ID: t.ID, Slug: t.Slug, Name: t.Name, URL: a.d.PortalURL(r, t), Status: string(t.Status), Audience: t.Audience,
		Plan: t.Plan, SeatLimit: t.SeatLimit, AccountID: t.AccountID, ResellerID: t.ResellerID,
		PrimaryColor: t.Branding.PrimaryColor, SelfRegistration: t.Settings.SelfRegistration, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

func (a *API) toPortalUsage(r *http.Request, u postgres.PortalUsage) portalJSON {
	p := a.toPortal(r, u.Tenant)
	p.Usage = &usageJSON{SeatsUsed: u.SeatsUsed, ActiveLearners30d: u.ActiveLearners30, Enrolments: u.Enrolments, Completions: u.Completions}
	return p
}

func (a *API) listPortals(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	pq := postgres.PortalListQuery{Keyset: q.keyset(), UpdatedSince: q.time("updated_since"),
		Status: tenant.Status(q.oneOf("status", string(tenant.Active), string(tenant.Suspended)))}
	if !q.ok(w) {
		return
	}
	ts, more, err := a.console.FindOrgPortalsPage(r.Context(), stateOf(r).org, pq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[portalJSON]{Data: make([]portalJSON, len(ts))}
	for i, t := range ts {
		out.Data[i] = a.toPortal(r, t)
	}
	if len(ts) > 0 {
		last := ts[len(ts)-1]
		out.NextCursor = next(more, last.UpdatedAt, last.ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

func (a *API) getPortal(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	u, err := a.console.FindOrgPortalUsage(r.Context(), stateOf(r).org, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	a.writeJSON(w, r, http.StatusOK, a.toPortalUsage(r, u))
}

var portalCreateFields = bodyFields{"slug": true, "name": true, "audience": true, "plan": true, "seat_limit": true,
	"primary_color": true, "self_registration": true, "admin_email": true, "admin_name": true, "library_courses": true}

// portalCreateBody is the JSON body of a portal to provision.
type portalCreateBody struct {
	Slug             string   `json:"slug"`
	Name             string   `json:"name"`
	Audience         string   `json:"audience"`
	Plan             *string  `json:"plan"`
	SeatLimit        *int     `json:"seat_limit"`
	PrimaryColor     string   `json:"primary_color"`
	SelfRegistration bool     `json:"self_registration"`
	AdminEmail       string   `json:"admin_email"`
	AdminName        string   `json:"admin_name"`
	LibraryCourses   []string `json:"library_courses"`
}

// resellerOnly refuses, as field errors, what only a reseller sets: an
// account's plan and seats are set by Upward (or, for a client, by its
// reseller).
func resellerOnly(org postgres.Org, sent map[string]bool) apperr.Fields {
	f := apperr.Fields{}
	if org.IsReseller() {
		return f
	}
	for _, name := range []string{"plan", "seat_limit", "status"} {
		if sent[name] {
			f.Add(name, "Only a reseller sets this; ask Upward to change your portals' "+name+".")
		}
	}
	return f
}

// createPortal provisions a portal: the portal, its first administrator's
// invitation and the chosen library courses, as the console does.
func (a *API) createPortal(w http.ResponseWriter, r *http.Request) {
	var in portalCreateBody
	if !decode(w, r, &in, portalCreateFields) {
		return
	}
	org := stateOf(r).org
	if f := resellerOnly(org, map[string]bool{"plan": in.Plan != nil, "seat_limit": in.SeatLimit != nil}); len(f) > 0 {
		invalid(w, r, f, portalCreateFields)
		return
	}
	np := postgres.NewPortal{
		Portal: tenant.Tenant{Slug: in.Slug, Name: in.Name, Audience: in.Audience,
			Branding: tenant.Branding{PrimaryColor: in.PrimaryColor},
			Settings: tenant.Settings{SelfRegistration: in.SelfRegistration}},
		AdminEmail: in.AdminEmail, AdminName: in.AdminName, LibraryCourses: in.LibraryCourses,
	}
	if in.Plan != nil {
		np.Portal.Plan = *in.Plan
	}
	if in.SeatLimit != nil {
		if *in.SeatLimit <= 0 {
			invalid(w, r, apperr.Fields{"seat_limit": "Give a whole number of seats, 1 or more."}, portalCreateFields)
			return
		}
		np.Portal.SeatLimit = *in.SeatLimit
	}
	created, err := a.provisioner.Provision(r.Context(), org, np, actor(r))
	if err != nil {
		a.renderError(w, r, err, portalCreateFields)
		return
	}
	w.Header().Set("Location", Prefix+"/portals/"+strconv.FormatInt(created.ID, 10))
	a.writeJSON(w, r, http.StatusCreated, a.toPortalUsage(r, postgres.PortalUsage{Tenant: created}))
}

var portalUpdateFields = bodyFields{"name": true, "audience": true, "primary_color": true, "self_registration": true,
	"status": true, "plan": true, "seat_limit": true}

// portalUpdateBody is the JSON body of the changes to a portal; absent members stay as they are.
type portalUpdateBody struct {
	Name             *string `json:"name"`
	Audience         *string `json:"audience"`
	PrimaryColor     *string `json:"primary_color"`
	SelfRegistration *bool   `json:"self_registration"`
	Status           *string `json:"status"`
	Plan             *string `json:"plan"`
	SeatLimit        *int    `json:"seat_limit"`
}

// updatePortal changes what is sent; what is not sent stays as it is.
func (a *API) updatePortal(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var in portalUpdateBody
	// The portal before the body: another organisation's is not found,
	// whatever the request says.
	org := stateOf(r).org
	t, err := a.console.FindConsolePortal(r.Context(), org, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	if !decode(w, r, &in, portalUpdateFields) {
		return
	}
	if f := resellerOnly(org, map[string]bool{"plan": in.Plan != nil, "seat_limit": in.SeatLimit != nil, "status": in.Status != nil}); len(f) > 0 {
		invalid(w, r, f, portalUpdateFields)
		return
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&t.Name, in.Name)
	set(&t.Audience, in.Audience)
	set(&t.Branding.PrimaryColor, in.PrimaryColor)
	set(&t.Plan, in.Plan)
	if in.Status != nil {
		// Only a reseller sends a status (resellerOnly).
		if err := t.ChangeStatus(tenant.Status(*in.Status), tenant.ByReseller); err != nil {
			a.renderError(w, r, err, portalUpdateFields)
			return
		}
	}
	if in.SelfRegistration != nil {
		t.Settings.SelfRegistration = *in.SelfRegistration
	}
	if in.SeatLimit != nil {
		t.SeatLimit = *in.SeatLimit
	}
	updated, err := a.tenants.UpdateTenant(r.Context(), t, actor(r))
	if err != nil {
		a.renderError(w, r, err, portalUpdateFields)
		return
	}
	a.writeJSON(w, r, http.StatusOK, a.toPortal(r, updated))
}

// libraryCourseJSON is a course of the built-in library.
type libraryCourseJSON struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// listLibraryCourses lists what a new portal may start with
// (library_courses of createPortal).
func (a *API) listLibraryCourses(w http.ResponseWriter, r *http.Request) {
	cs := a.provisioner.LibraryCourses()
	out := list[libraryCourseJSON]{Data: make([]libraryCourseJSON, len(cs))}
	for i, c := range cs {
		out.Data[i] = libraryCourseJSON{Slug: c.Slug, Title: c.Title, Summary: c.Summary}
	}
	a.writeJSON(w, r, http.StatusOK, out)
}
