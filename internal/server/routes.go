package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
)

// compressible lists the content types worth gzipping.
var compressible = []string{"text/html", "text/css", "text/plain", "text/csv", "text/javascript",
	"application/javascript", "application/json", "application/problem+json", "image/svg+xml"}

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.realIP, s.logRequests, s.recoverPanics, s.secureHeaders, s.crossOriginProtection)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// Probes: no sessions, no compression, nothing that could fail but the
	// thing they check.
	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)

	r.Group(func(r chi.Router) {
		r.Use(middleware.Compress(5, compressible...))
		r.Method(http.MethodGet, "/static/*", s.assets)
		r.Method(http.MethodHead, "/static/*", s.assets)
	})

	// Pages: sessions.
	r.Group(func(r chi.Router) {
		r.Use(middleware.Compress(5, compressible...), middleware.Timeout(s.cfg.RequestTimeout), s.sessions.LoadAndSave)
		r.Get("/", s.handleHome)
	})
	return r
}
