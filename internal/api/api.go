// Package api is Upward's REST API v1: JSON under /api/v1 on a portal's
// host, authenticated by the portal's API keys (bearer tokens), and on
// the platform host, where account and reseller keys provision portals;
// with
// errors as RFC 9457 problem details, cursor pagination, Idempotency-Key
// on POST and a rate limit per key. Its OpenAPI 3.1 document is the
// contract: served at /api/v1/openapi.json, rendered at /api/v1/docs, and
// held to the routes and real responses by the tests.
//
// It is a package of its own, beside internal/server, because it shares
// nothing of the pages' request path (no sessions, no CSRF, no HTML
// errors) and has its own: key authentication, JSON bodies, problems.
// Like the pages, its handlers parse, authorize (a key's permission),
// call one service method and write.
package api

import (
	"context"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/markdown"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/ratelimit"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/web/pages"
	"github.com/upward-lms/upward/web/static"
)

// Prefix is where the API lives on a portal's host.
const Prefix = "/api/v1"

// maxBodyBytes caps a request body: the API's bodies are a few fields.
const maxBodyBytes = 64 << 10

// Deps are what the API needs from the composition root.
type Deps struct {
	DB         *postgres.DB
	Services   *postgres.Services // the server's, made once by the composition root
	BaseDomain string
	Production bool
	// RateLimit is the number of requests a key may make a minute.
	RateLimit      int
	RequestTimeout time.Duration
	Assets         *static.Assets
	Logger         *slog.Logger
	// NoteTenant tells the request log which portal a request was for.
	NoteTenant func(ctx context.Context, slug string)
	// PortalURL is a portal's address, as links to it are made.
	PortalURL func(r *http.Request, t tenant.Tenant) string
}

// API serves /api/v1 on portal hosts.
type API struct {
	d        Deps
	tenants  *postgres.TenantService
	users    *postgres.UserService
	keys     *postgres.APIKeyService
	groups   *postgres.GroupService
	courses  *postgres.CourseService
	learning *postgres.LearningService
	console  *postgres.ConsoleService
	scorm    *postgres.ScormService
	// provisioner opens portals: the one the console uses.
	provisioner *postgres.Provisioner
	limit       ratelimit.Limit // each key's, counted for every server in counter
	counter     ratelimit.Counter
	doc         *document
	// reference is the reference page's view of doc, made once.
	reference  pages.APIReferenceView
	router     chi.Router // on portal hosts
	platform   chi.Router // on the platform host
	scimRouter chi.Router // SCIM 2.0, on portal hosts
}

// New builds the API and its routes.
func New(d Deps) *API {
	if d.RateLimit <= 0 {
		d.RateLimit = 600
	}
	if d.RequestTimeout <= 0 {
		d.RequestTimeout = 30 * time.Second
	}
	if d.NoteTenant == nil {
		d.NoteTenant = func(context.Context, string) {}
	}
	svc := d.Services
	a := &API{
		d:           d,
		tenants:     svc.Tenants,
		users:       svc.Users,
		keys:        svc.APIKeys,
		groups:      svc.Groups,
		courses:     svc.Courses,
		learning:    svc.Learning,
		console:     svc.Console,
		scorm:       svc.Scorm,
		doc:         mustLoadDocument(),
		provisioner: svc.Provisioner,
	}
	a.reference = a.doc.reference(markdown.New())
	a.limit = ratelimit.Limit{Requests: d.RateLimit, Window: time.Minute}
	a.counter = svc.RateCounter
	a.router = a.routes()
	a.platform = a.platformRoutes()
	a.scimRouter = a.scimRoutes()
	return a
}

// ServeHTTP serves the API of the portal of the request's host.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.router.ServeHTTP(w, r) }

// ServePlatform serves the provisioning API on the platform host.
func (a *API) ServePlatform(w http.ResponseWriter, r *http.Request) { a.platform.ServeHTTP(w, r) }

// Router exposes the portal hosts' routes, so tests can walk them with
// chi.Walk.
func (a *API) Router() chi.Router { return a.router }

// PlatformRouter exposes the platform host's routes, for the same tests.
func (a *API) PlatformRouter() chi.Router { return a.platform }

// newRouter is a router answering with problems, and the middleware
// every API request passes through after first.
func (a *API) newRouter(first func(http.Handler) http.Handler) chi.Router {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Type: "not-found", Status: http.StatusNotFound, Detail: "There is no API endpoint at this address."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, problem{Type: "method-not-allowed", Status: http.StatusMethodNotAllowed, Detail: "This endpoint does not accept " + r.Method + "."})
	})
	r.Use(first, middleware.Timeout(a.d.RequestTimeout), middleware.Compress(5, "application/json", "application/problem+json", "text/html"), limitBody)
	r.Get(Prefix+"/openapi.json", a.handleOpenAPI)
	r.Get(Prefix+"/docs", a.handleDocs)
	return r
}

// operations adds a group of operations, each requiring its permission,
// behind the authentication given.
func operations(r chi.Router, authenticate func(http.Handler) http.Handler, idempotent func(http.Handler) http.Handler, add func(op func(method, pattern string, perm apikey.Permission, h http.HandlerFunc))) {
	r.Group(func(r chi.Router) {
		r.Use(authenticate, idempotent)
		add(func(method, pattern string, perm apikey.Permission, h http.HandlerFunc) {
			r.With(require(perm)).Method(method, Prefix+pattern, h)
		})
	})
}

// platformRoutes are the provisioning API's: account and reseller keys.
func (a *API) platformRoutes() chi.Router {
	r := a.newRouter(a.platformRequest)
	operations(r, a.authenticateOrg, a.idempotent, func(op func(string, string, apikey.Permission, http.HandlerFunc)) {
		op(http.MethodGet, "/portals", apikey.PortalsRead, a.listPortals)
		op(http.MethodPost, "/portals", apikey.PortalsWrite, a.createPortal)
		op(http.MethodGet, "/portals/{id}", apikey.PortalsRead, a.getPortal)
		op(http.MethodPatch, "/portals/{id}", apikey.PortalsWrite, a.updatePortal)
		op(http.MethodGet, "/library/courses", apikey.PortalsRead, a.listLibraryCourses)
	})
	return r
}

func (a *API) routes() chi.Router {
	r := a.newRouter(a.resolvePortal)
	operations(r, a.authenticate, a.idempotent, func(op func(string, string, apikey.Permission, http.HandlerFunc)) {
		op(http.MethodGet, "/users", apikey.UsersRead, a.listUsers)
		op(http.MethodPost, "/users", apikey.UsersWrite, a.createUser)
		op(http.MethodGet, "/users/{id}", apikey.UsersRead, a.getUser)
		op(http.MethodPatch, "/users/{id}", apikey.UsersWrite, a.updateUser)
		op(http.MethodGet, "/users/{id}/courses/{courseID}/progress", apikey.ProgressRead, a.getProgress)
		op(http.MethodGet, "/groups", apikey.GroupsRead, a.listGroups)
		op(http.MethodPost, "/groups", apikey.GroupsWrite, a.createGroup)
		op(http.MethodGet, "/groups/{id}", apikey.GroupsRead, a.getGroup)
		op(http.MethodGet, "/groups/{id}/members", apikey.GroupsRead, a.listMembers)
		op(http.MethodPost, "/groups/{id}/members", apikey.GroupsWrite, a.addMember)
		op(http.MethodDelete, "/groups/{id}/members/{userID}", apikey.GroupsWrite, a.removeMember)
		op(http.MethodGet, "/enrolments", apikey.EnrolmentsRead, a.listEnrolments)
		op(http.MethodPost, "/enrolments", apikey.EnrolmentsWrite, a.createEnrolment)
		op(http.MethodGet, "/enrolments/{id}", apikey.EnrolmentsRead, a.getEnrolment)
		op(http.MethodDelete, "/enrolments/{id}", apikey.EnrolmentsWrite, a.deleteEnrolment)
		op(http.MethodGet, "/assignments", apikey.EnrolmentsRead, a.listAssignments)
		op(http.MethodPost, "/assignments", apikey.EnrolmentsWrite, a.createAssignment)
		op(http.MethodGet, "/courses", apikey.CoursesRead, a.listCourses)
		op(http.MethodGet, "/courses/{id}", apikey.CoursesRead, a.getCourse)
		op(http.MethodPost, "/courses/scorm", apikey.CoursesWrite, a.importScorm)
		op(http.MethodGet, "/completions", apikey.ProgressRead, a.listCompletions)
		op(http.MethodGet, "/certificates", apikey.ProgressRead, a.listCertificates)
		op(http.MethodGet, "/statements", apikey.RecordsRead, a.listStatements)
	})
	return r
}

// request is what the middleware learn about a request.
type request struct {
	tenant tenant.Tenant // on a portal's host
	org    postgres.Org  // on the platform host: whom the key acts for
	key    apikey.Key
}

type requestKey struct{}

func stateOf(r *http.Request) *request {
	if st, ok := r.Context().Value(requestKey{}).(*request); ok {
		return st
	}
	return &request{}
}

// resolvePortal finds the portal of the request's host: the API answers
// only for a portal that exists and is not suspended.
func (a *API) resolvePortal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := a.tenants.FindTenantByHost(r.Context(), r.Host, a.d.BaseDomain)
		if apperr.Code(err) == apperr.ENOTFOUND {
			writeProblem(w, r, problem{Type: "unknown-portal", Status: http.StatusNotFound, Detail: "There is no portal at this host."})
			return
		}
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		a.d.NoteTenant(r.Context(), t.Slug)
		if t.Status == tenant.Suspended {
			writeProblem(w, r, problem{Type: "portal-suspended", Status: http.StatusForbidden, Detail: t.Name + " is suspended: its API is closed until it is reinstated."})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, &request{tenant: t})))
	})
}

// platformRequest starts the state of a request on the platform host,
// where no portal is involved.
func (a *API) platformRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, &request{})))
	})
}

// limitBody caps every request body; reading past the cap fails, and the
// decoder turns that into 413. A zip (a SCORM package) may be larger.
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := int64(maxBodyBytes)
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/zip" {
			limit = maxPackageBytes
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// authenticate admits a request carrying an active key of this portal as
// a bearer token, then counts it against the key's rate limit. A key of
// another portal is as unknown here as a made-up one: 401.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+st.tenant.Slug+`"`)
			writeProblem(w, r, problem{Type: "unauthorized", Status: http.StatusUnauthorized, Detail: postgres.ErrBadKey.Message})
			return
		}
		k, err := a.keys.AuthenticatePortalKey(r.Context(), st.tenant.ID, token)
		if apperr.Code(err) == apperr.EUNAUTHORIZED {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+st.tenant.Slug+`", error="invalid_token"`)
			writeProblem(w, r, problem{Type: "unauthorized", Status: http.StatusUnauthorized, Detail: apperr.Message(err)})
			return
		}
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		if !plan.Allows(st.tenant.Plan, plan.APIAccess) {
			writeProblem(w, r, problem{Type: "forbidden", Status: http.StatusForbidden,
				Detail: "API access is not part of this portal's plan."})
			return
		}
		if a.overLimit(w, r, k.ID) {
			return
		}
		st.key = k
		next.ServeHTTP(w, r)
	})
}

// authenticateOrg admits a request on the platform host carrying an
// active account or reseller key, then counts it against the key's rate
// limit. A portal's key is as unknown here as a made-up one: 401.
func (a *API) authenticateOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="upward"`)
			writeProblem(w, r, problem{Type: "unauthorized", Status: http.StatusUnauthorized, Detail: postgres.ErrBadOrgKey.Message})
			return
		}
		k, err := a.keys.AuthenticateOrgKey(r.Context(), token)
		switch apperr.Code(err) {
		case "":
		case apperr.EUNAUTHORIZED:
			w.Header().Set("WWW-Authenticate", `Bearer realm="upward", error="invalid_token"`)
			writeProblem(w, r, problem{Type: "unauthorized", Status: http.StatusUnauthorized, Detail: apperr.Message(err)})
			return
		case apperr.EFORBIDDEN:
			writeProblem(w, r, problem{Type: "forbidden", Status: http.StatusForbidden, Detail: apperr.Message(err)})
			return
		default:
			a.serverError(w, r, err)
			return
		}
		if a.overLimit(w, r, k.ID) {
			return
		}
		st := stateOf(r)
		st.key, st.org = k, postgres.OrgOf(k)
		next.ServeHTTP(w, r)
	})
}

// overLimit counts the request against the key's rate limit and says so
// in the X-RateLimit headers; over it, it answers 429 with Retry-After and
// reports true.
func (a *API) overLimit(w http.ResponseWriter, r *http.Request, keyID string) bool {
	d, err := a.limit.Check(r.Context(), a.counter, "api:"+keyID, time.Now())
	if err != nil {
		a.serverError(w, r, err)
		return true
	}
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(a.limit.Requests))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.Reset.Unix(), 10))
	if d.Allowed {
		return false
	}
	h.Set("Retry-After", strconv.Itoa(int(time.Until(d.Reset).Seconds())+1))
	writeProblem(w, r, problem{Type: "rate-limited", Status: http.StatusTooManyRequests,
		Detail: "This key has made too many requests this minute. Wait for the number of seconds in Retry-After, then try again."})
	return true
}

// bearer reads the token of an "Authorization: Bearer …" header.
func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// require admits keys holding the permission.
func require(perm apikey.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !stateOf(r).key.Can(perm) {
				writeProblem(w, r, problem{Type: "forbidden", Status: http.StatusForbidden,
					Detail: "This key does not hold the permission " + string(perm) + ". An administrator can make a key that does at /admin/api-keys."})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// actor is who the audit log says acted: the key, by name and id.
func actor(r *http.Request) postgres.AuditActor {
	k := stateOf(r).key
	return postgres.AuditActor{Label: "API key " + k.Name + " (" + k.ID + ")", IP: hostOnly(r.RemoteAddr)}
}
