package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

// Session keys.
const (
	sessTenantID   = "tenant_id"
	sessUserID     = "user_id"
	sessEpoch      = "epoch"
	sessOperatorID = "operator_id"
	sessCSRF       = "csrf"
	sessFlash      = "flash"
	sessSeen       = "seen"
	sessSince      = "since"
)

// isPlatformHost reports whether the request is for the bare BASE_DOMAIN.
func (s *Server) isPlatformHost(r *http.Request) bool {
	return strings.EqualFold(hostOnlyName(r.Host), s.cfg.BaseDomain)
}

func hostOnlyName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}

// resolveTenant finds the portal of the request's host. An unknown host
// gets a helpful 404 page; a suspended portal a 403 page with its contact.
func (s *Server) resolveTenant(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.tenants.FindTenantByHost(r.Context(), r.Host, s.cfg.BaseDomain)
		if apperr.Code(err) == apperr.ENOTFOUND {
			s.errorPage(w, r, http.StatusNotFound, "No portal here",
				"There is no learning portal at "+hostOnlyName(r.Host)+". Check the address you were given, or ask the person who sent it.")
			return
		}
		if err != nil {
			s.serverError(w, r, err)
			return
		}
		infoFrom(r.Context()).Tenant = t.Slug
		if t.Status == tenant.Suspended {
			msg := t.Name + " is not available at the moment."
			if t.Branding.ContactEmail != "" {
				msg += " For help, write to " + t.Branding.ContactEmail + "."
			} else {
				msg += " Please contact your organisation's learning team."
			}
			// Framed as the portal's own page: a client portal's names its
			// reseller, not Upward.
			s.errorPage(w, withState(r, &requestState{Tenant: &t}), http.StatusForbidden, "This portal is suspended", msg)
			return
		}
		next.ServeHTTP(w, withState(r, &requestState{Tenant: &t, Actor: access.Actor{TenantID: t.ID}}))
	})
}

// loadPortalUser signs the request in when its session names a user of
// this portal whose account is active and whose sessions were not ended
// since ("sign out everywhere", a password change). Any other session is
// destroyed: a session of another portal is never honoured here.
func (s *Server) loadPortalUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		uid := s.sessions.GetInt64(r.Context(), sessUserID)
		if uid == 0 || st.Tenant == nil {
			next.ServeHTTP(w, r)
			return
		}
		tid := s.sessions.GetInt64(r.Context(), sessTenantID)
		u, in, err := s.users.FindSignedInUser(r.Context(), st.Tenant.ID, uid)
		switch {
		case tid == st.Tenant.ID && err == nil && u.Status == "active" && u.SessionEpoch == s.sessions.GetInt(r.Context(), sessEpoch):
			st.User, st.Unread, st.Manages = &u, in.Unread, in.Manages
			st.Actor.UserID, st.Actor.Roles, st.Actor.Manages = u.ID, u.Roles, in.Manages
			infoFrom(r.Context()).UserID = u.ID
		case err != nil && apperr.Code(err) != apperr.ENOTFOUND:
			s.serverError(w, r, err)
			return
		default:
			if err := s.sessions.Destroy(r.Context()); err != nil {
				s.serverError(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireSignIn sends anonymous visitors to the sign-in page, coming back
// afterwards.
func (s *Server) requireSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if stateOf(r).User == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(safeNext(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// require admits the requests whose actor the policy allows act, and
// answers the others with the 403 page.
func (s *Server) require(act access.Action) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.allow(w, r, act) {
				next.ServeHTTP(w, r)
			}
		})
	}
}

// allow is the one place handlers ask the policy; a refusal renders 403.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, act access.Action) bool {
	if access.Allow(stateOf(r).Actor, act) {
		return true
	}
	s.forbidden(w, r)
	return false
}

// safeNext keeps a post-sign-in redirect on this site: a path, never a
// scheme-relative or absolute URL. A browser drops tabs and newlines from
// a Location and reads a backslash as a slash, so "/\t/evil.example" or
// "/\\evil.example" would take it to another site: any control character
// or backslash sends the person home instead.
func safeNext(next string) string {
	unsafe := strings.ContainsFunc(next, func(c rune) bool { return c < 0x20 || c == 0x7f || c == '\\' })
	if unsafe || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		return "/"
	}
	return next
}

// startSession binds a fresh session token to a sign-in: a token planted
// before it is worthless after it, and the CSRF secret is new too. The
// time is noted for the absolute lifetime.
func (s *Server) startSession(r *http.Request) error {
	if err := s.sessions.RenewToken(r.Context()); err != nil {
		return err
	}
	s.sessions.Remove(r.Context(), sessCSRF)
	s.sessions.Put(r.Context(), sessSince, s.db.Now().Unix())
	return nil
}

// A session ends after sessionIdle without a request, and SessionLifetime
// after its sign-in however busy (the store's Lifetime, set to it in
// internal/app, is the backstop; this check reads the server's clock, so
// that tests can move it). The time of the last request is written back at
// most once per sessionSeenEvery: scs's own IdleTimeout would write every
// session back on every request, a database write per page.
const (
	sessionIdle      = 8 * time.Hour
	SessionLifetime  = 24 * time.Hour
	sessionSeenEvery = 5 * time.Minute
)

// endIdleSessions ends idle and expired sessions and notes the others'
// last request. Visitors without a session get none.
func (s *Server) endIdleSessions(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if s.sessions.Exists(ctx, sessUserID) || s.sessions.Exists(ctx, sessConsoleID) || s.sessions.Exists(ctx, sessOperatorID) {
			now, seenAt, since := s.db.Now(), s.sessions.GetInt64(ctx, sessSeen), s.sessions.GetInt64(ctx, sessSince)
			idle := now.Sub(time.Unix(seenAt, 0))
			switch {
			case seenAt != 0 && idle > sessionIdle, since != 0 && now.Sub(time.Unix(since, 0)) > SessionLifetime:
				if err := s.sessions.Destroy(ctx); err != nil {
					s.serverError(w, r, err)
					return
				}
			case seenAt == 0 || idle > sessionSeenEvery:
				s.sessions.Put(ctx, sessSeen, now.Unix())
			}
		}
		next.ServeHTTP(w, r)
	})
}
