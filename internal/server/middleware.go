package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/course"
)

// requestInfo collects what later middleware learn about a request (its
// tenant, its user) so that the one log line written at the end has them.
type requestInfo struct {
	Tenant string
	UserID int64
}

type requestInfoKey struct{}

func infoFrom(ctx context.Context) *requestInfo {
	if i, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return i
	}
	return &requestInfo{}
}

// logRequests writes one structured line per request, after it is served.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		defer func() {
			status := ww.Status()
			if status == 0 {
				status = http.StatusOK
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)),
				slog.String("ip", clientIP(r)),
				slog.String("request_id", middleware.GetReqID(r.Context())),
			}
			if info.Tenant != "" {
				attrs = append(attrs, slog.String("tenant", info.Tenant))
			}
			if info.UserID != 0 {
				attrs = append(attrs, slog.Int64("user", info.UserID))
			}
			s.log.LogAttrs(r.Context(), level, "request", attrs...)
		}()
		next.ServeHTTP(ww, r)
	})
}

// recoverPanics turns a panicking handler into a logged 500 page, so one bad
// request never takes the process down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler { //nolint:errorlint // a sentinel compared as net/http does
				panic(rec)
			}
			s.log.ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(rec), "stack", string(debug.Stack()),
				"request_id", middleware.GetReqID(r.Context()))
			if ww, ok := w.(middleware.WrapResponseWriter); ok && ww.Status() != 0 {
				return // the response has begun; nothing sensible can be added
			}
			s.serverError(w, r, errors.New("panic recovered"))
		}()
		next.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows scripts, styles and images from our own
// origin only: no inline script, no eval, no framing by other sites.
// contentSecurityPolicy allows nothing inline and nothing from elsewhere,
// except the players of the allowed video and audio hosts in frames.
// The frames it allows are the embed players' and the content host's,
// where SCORM packages play (any port in development).
func contentSecurityPolicy(contentHost string, production bool) string {
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"font-src 'self'; connect-src 'self'; media-src 'self'; object-src 'none'; frame-src " + frameSources(contentHost, production) + "; " +
		"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
}

func frameSources(contentHost string, production bool) string {
	srcs := make([]string, 0, len(course.FrameHosts)+2)
	for _, h := range course.FrameHosts {
		srcs = append(srcs, "https://"+h)
	}
	srcs = append(srcs, "https://"+contentHost)
	if !production {
		srcs = append(srcs, "http://"+contentHost+":*", "http://"+contentHost)
	}
	return strings.Join(srcs, " ")
}

// secureHeaders sets the security headers on every response.
func (s *Server) secureHeaders(next http.Handler) http.Handler {
	prod := s.cfg.Production()
	csp := contentSecurityPolicy(s.contentHost(), prod)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if prod || r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// realIP takes the client's address from X-Forwarded-For only when the
// direct peer is a configured trusted proxy, reading the list from the right
// and skipping further trusted proxies. Anyone else could forge the header.
func (s *Server) realIP(next http.Handler) http.Handler {
	trusted := s.cfg.TrustedProxies
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(trusted) > 0 {
			if peer, err := netip.ParseAddr(hostOnly(r.RemoteAddr)); err == nil && isTrusted(peer) {
				hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
				for i := len(hops) - 1; i >= 0; i-- {
					a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
					if err != nil {
						break
					}
					if !isTrusted(a) || i == 0 {
						r.RemoteAddr = net.JoinHostPort(a.Unmap().String(), "0")
						break
					}
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

func clientIP(r *http.Request) string { return hostOnly(r.RemoteAddr) }

func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// crossOriginProtection rejects unsafe requests (POST, PUT, DELETE…) sent
// by another origin, using the browser's Sec-Fetch-Site and Origin headers:
// CSRF protection with no token to forget in a form.
func (s *Server) crossOriginProtection(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "Request refused",
			"This form was sent from another site, so it was not accepted. Go back, reload the page and try again.")
	}))
	return cop.Handler(next)
}
