package server

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/pages"
)

// renderError renders the error page that fits err. Only internal errors
// are logged: the others are the user's, and the page says what to do.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.Code(err)
	if code == apperr.EINTERNAL {
		s.serverError(w, r, err)
		return
	}
	status := apperr.HTTPStatus(code)
	s.errorPage(w, r, status, http.StatusText(status), apperr.Message(err))
}

// serverError logs err with the request ID and renders the 500 page; or,
// when the database is away or the disk will not take a file, the 503 or
// 507 page, which say the failure is passing and is not the user's.
func (s *Server) serverError(w http.ResponseWriter, r *http.Request, err error) {
	reqID := middleware.GetReqID(r.Context())
	switch {
	case storage.NoRoom(err):
		s.log.ErrorContext(r.Context(), "no room to store a file", "err", err, "request_id", reqID,
			"method", r.Method, "path", r.URL.Path)
		s.errorPage(w, r, http.StatusInsufficientStorage, "The file could not be stored",
			"The server has no room to store files just now, so nothing was saved. Please try again later; if it keeps happening, tell your administrator.")
		return
	case postgres.Unavailable(err):
		s.log.WarnContext(r.Context(), "database unavailable", "err", err, "request_id", reqID,
			"method", r.Method, "path", r.URL.Path)
		// Clients and proxies may retry after this many seconds.
		w.Header().Set("Retry-After", "5")
		s.errorPage(w, r, http.StatusServiceUnavailable, "Temporarily unavailable",
			"We cannot reach our database just now, so nothing was changed. Please try again shortly.")
		return
	}
	s.log.ErrorContext(r.Context(), "internal error", "err", err, "request_id", reqID,
		"method", r.Method, "path", r.URL.Path)
	s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong",
		"We could not complete your request. Please try again in a moment; if it keeps happening, quote the reference below to your administrator.")
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "Page not found",
		"We could not find the page you asked for. It may have moved, or the address may be mistyped.")
}

func (s *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusMethodNotAllowed, "Not allowed",
		"This address does not accept that kind of request.")
}

func (s *Server) forbidden(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "You do not have access",
		"Your account is not allowed to open this page. Ask your portal administrator if you think it should be.")
}

// errorPage renders an error page without touching the database, so that it
// works while the database is down. Rendering it cannot fail in practice;
// if it does, plain text is the last resort.
func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	v := pages.ErrorView{Status: status, Title: title, Message: message}
	if status >= 500 {
		v.RequestID = middleware.GetReqID(r.Context())
	}
	var buf bytes.Buffer
	p := s.page(r, title)
	if err := layout.Base(p, pages.Error(v)).Render(r.Context(), &buf); err != nil {
		http.Error(w, title, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// asAppErr finds the *apperr.Error in err's chain.
func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }
