package server

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// csrfField is the hidden form field, and csrfHeader the header for
// scripts, that carry the session's CSRF token.
const (
	csrfField  = "csrf_token"
	csrfHeader = "X-CSRF-Token"
)

// csrfToken returns the session's CSRF token, creating it the first time a
// form needs one (so visitors who only read pages get no session row).
func (s *Server) csrfToken(r *http.Request) string {
	tok := s.sessions.GetString(r.Context(), sessCSRF)
	if tok == "" {
		b := make([]byte, 32)
		rand.Read(b)
		tok = base64.RawURLEncoding.EncodeToString(b)
		s.sessions.Put(r.Context(), sessCSRF, tok)
	}
	return tok
}

// checkCSRF refuses every unsafe request whose token does not match the
// session's. It complements the Origin check: a same-site attacker or an
// old browser without Fetch Metadata still needs the token.
//
// It caps the body first, whichever way the token comes (a script sends it
// in a header), and answers 413 to a body over the cap: before reading
// when the request says its length, else when reading it fails.
func (s *Server) checkCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		limit, multipart := int64(maxFormBytes), strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
		if multipart {
			limit = maxUploadBytes
		}
		if r.ContentLength > limit {
			s.tooLarge(w, r)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		var err error
		if multipart {
			err = r.ParseMultipartForm(multipartMemory)
		} else {
			err = r.ParseForm()
		}
		if mb := (*http.MaxBytesError)(nil); errors.As(err, &mb) {
			s.tooLarge(w, r)
			return
		}
		want := s.sessions.GetString(r.Context(), sessCSRF)
		got := r.Header.Get(csrfHeader)
		if got == "" {
			got = r.PostFormValue(csrfField)
			dropNULFromForm(r)
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(got)) != 1 {
			s.errorPage(w, r, http.StatusForbidden, "Please reload the page",
				"Your form could not be accepted because its security token is missing or out of date (this happens when a session ends). Reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tooLarge answers a body over the cap; nothing of it is used.
func (s *Server) tooLarge(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusRequestEntityTooLarge, "Too large to accept",
		"What you sent is larger than this form accepts, so nothing was saved. A form takes at most 1 MB of text; a file has the limit shown beside its field.")
}

// maxFormBytes caps a form body; maxUploadBytes a multipart one, above the
// largest upload kind (each kind checks its own, smaller cap).
// multipartMemory is how much of a multipart form is held in memory; the
// rest goes to temporary files (net/http's default).
const (
	maxFormBytes    = 1 << 20
	maxUploadBytes  = 510 << 20
	multipartMemory = 32 << 20
)
