// Package server is Upward's HTTP side: the chi router, the middleware every
// request passes through, and the handlers, grouped by area. Handlers are
// thin: parse, authorize, call a service, render.
package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"sync"

	"github.com/a-h/templ"
	"github.com/alexedwards/scs/v2"
	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/api"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/markdown"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/static"
)

// Server handles every HTTP request of Upward.
type Server struct {
	cfg       config.Config
	db        *postgres.DB
	services  *postgres.Services // every service; the fields below name the ones pages use
	tenants   *postgres.TenantService
	users     *postgres.UserService
	operators *postgres.OperatorService
	resellers *postgres.ResellerService
	groups    *postgres.GroupService
	courses   *postgres.CourseService
	learning  *postgres.LearningService
	paths     *postgres.PathService
	console   *postgres.ConsoleService
	accounts  *postgres.AccountService
	// scorm stores SCORM packages and attempts; launchKey signs launches.
	scorm *postgres.ScormService
	// notifications are people's notifications and their preferences.
	notifications *postgres.NotificationService
	// liveSessions are live sessions, registrations and calendar feeds.
	liveSessions *postgres.LiveSessionService
	launchKey    launchKey
	content      chi.Router // routes on the content host
	// provisioner opens portals for the console (and the API).
	provisioner *postgres.Provisioner
	auditLog    *postgres.AuditService
	reports     *postgres.ReportService
	webhooks    *postgres.WebhookService
	orgWebhooks *postgres.OrgWebhookService
	discussions *postgres.DiscussionService // courses' and lessons' threads
	activity    *postgres.ActivityService   // the portal's activity feed
	apiKeys     *postgres.APIKeyService
	library     []library.Loaded // the built-in course library
	md          *markdown.Renderer
	sessions    *scs.SessionManager
	files       FileStore
	assets      *static.Assets
	log         *slog.Logger
	router      chi.Router
	platform    chi.Router // routes on the bare BASE_DOMAIN
	portal      chi.Router // routes on a portal's host
	api         *api.API   // /api/v1 on a portal's host
}

// FileStore keeps uploaded files by name. Names are derived from content
// and never change meaning, so any store that several servers share works
// (storage.Dir on a shared mount today; object storage next, see
// docs/scaling.md).
type FileStore interface {
	Put(name string, data []byte) error
	Open(name string) (io.ReadSeekCloser, error)
}

// Deps are what the server needs from the composition root.
type Deps struct {
	Config   config.Config
	DB       *postgres.DB
	Services *postgres.Services
	Library  []library.Loaded // the built-in course library
	Sessions *scs.SessionManager
	Files    FileStore // uploads
	Assets   *static.Assets
	Logger   *slog.Logger
}

// New builds the server and its routes.
func New(d Deps) *Server {
	svc := d.Services
	s := &Server{
		cfg:           d.Config,
		db:            d.DB,
		services:      svc,
		tenants:       svc.Tenants,
		users:         svc.Users,
		operators:     svc.Operators,
		resellers:     svc.Resellers,
		groups:        svc.Groups,
		courses:       svc.Courses,
		learning:      svc.Learning,
		paths:         svc.Paths,
		console:       svc.Console,
		accounts:      svc.Accounts,
		auditLog:      svc.AuditLog,
		reports:       svc.Reports,
		webhooks:      svc.Webhooks,
		orgWebhooks:   svc.OrgWebhooks,
		apiKeys:       svc.APIKeys,
		scorm:         svc.Scorm,
		notifications: svc.Notifications,
		liveSessions:  svc.LiveSessions,
		discussions:   svc.Discussions,
		activity:      svc.Activity,
		provisioner:   svc.Provisioner,
		library:       d.Library,
		md:            markdown.New(),
		sessions:      d.Sessions,
		files:         d.Files,
		assets:        d.Assets,
		log:           d.Logger,
	}
	// scs's default (which scs.New always sets) answers a failed session
	// load or save with a plain 500 and logs through the standard logger;
	// ours logs with the request and, while the database is away, answers
	// 503 with the try-again page.
	d.Sessions.ErrorFunc = s.serverError
	s.router = s.routes()
	return s
}

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// Router exposes the top router, so tests can add routes.
func (s *Server) Router() chi.Router { return s.router }

// PortalRouter and PlatformRouter expose the per-host routers, so tests
// can walk every route with chi.Walk.
func (s *Server) PortalRouter() chi.Router { return s.portal }

// PlatformRouter: see PortalRouter.
func (s *Server) PlatformRouter() chi.Router { return s.platform }

// APIRouter: see PortalRouter.
func (s *Server) APIRouter() chi.Router { return s.api.Router() }

// SCIMRouter: SCIM 2.0 provisioning's routes on a portal's host.
func (s *Server) SCIMRouter() chi.Router { return s.api.SCIMRouter() }

// PlatformAPIRouter: the provisioning API's routes on the platform host.
func (s *Server) PlatformAPIRouter() chi.Router { return s.api.PlatformRouter() }

// ContentRouter: the SCORM content host's routes (content.go).
func (s *Server) ContentRouter() chi.Router { return s.content }

// page returns the frame of a page: the platform's, or the portal's with
// its name, colours, navigation and the signed-in user.
func (s *Server) page(r *http.Request, title string) layout.Page {
	p := layout.Page{
		Title:      title,
		Brand:      "Upward",
		PoweredBy:  tenant.PlatformName,
		Stylesheet: s.assets.URL("css/app.css"),
		Favicon:    s.assets.URL("img/favicon.svg"),
		Scripts:    []string{s.assets.URL("js/menu.js")},
	}
	st := stateOf(r)
	nav := func(label, href string) layout.NavLink {
		return layout.NavLink{Label: label, Href: href, Current: r.URL.Path == href}
	}
	if st.Tenant == nil {
		p.Nav = []layout.NavLink{nav("Home", "/")}
		if st.Actor.Operator() {
			p.Nav = append(p.Nav, nav("Portals", "/platform"), nav("Resellers", "/platform/resellers"))
			p.UserName, p.CSRF, p.SignOutAction = st.OperatorName, s.csrfToken(r), "/platform/logout"
		}
		return p
	}
	p.Brand = st.Tenant.Name
	poweredBy(&p, st.Tenant)
	p.BrandCSS = brandCSSURL(st.Tenant.Branding.PrimaryColor)
	p.LogoURL = logoURL(st.Tenant)
	p.Nav = []layout.NavLink{nav("Home", "/")}
	if st.User != nil {
		p.Nav = append(p.Nav, nav("My learning", "/learn"), nav("Courses", "/courses"))
		if st.Manages {
			p.Nav = append(p.Nav, nav("My team", "/team"))
		}
		if access.Allow(st.Actor, access.AuthorCourses) {
			p.Nav = append(p.Nav, nav("Authoring", "/admin/courses"))
		}
		if access.Allow(st.Actor, access.ManageUsers) {
			p.Nav = append(p.Nav, nav("Admin", "/admin"))
		}
		p.Nav = append(p.Nav, nav("Account", "/account"))
		p.UserName, p.CSRF, p.SignOutAction = st.User.Name, s.csrfToken(r), "/logout"
		p.Bell = &layout.Bell{URL: "/notifications", CountURL: "/notifications/unread", Unread: st.Unread}
		p.Scripts = append(p.Scripts, s.assets.URL("js/bell.js"))
	} else {
		p.Nav = append(p.Nav, nav("Sign in", "/login"))
	}
	return p
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a whole page. It renders into a buffer first, so that a
// failure half-way becomes a clean 500 page instead of a torn one, and the
// response carries its length.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, p layout.Page, content templ.Component) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := layout.Base(p, content).Render(r.Context(), buf); err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
