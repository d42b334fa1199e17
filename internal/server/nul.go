package server

import (
	"net/http"
	"net/url"
	"strings"
)

// NUL characters are dropped from what a request says before a handler
// reads it: no one types one, PostgreSQL text cannot hold one, and a
// search, filter or form value carrying one failed the request with a 500
// wherever it reached the database.

// dropNULFromQuery removes NUL characters from the query string's values,
// on every host and path (pages, the API, downloads).
func (s *Server) dropNULFromQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.RawQuery, "%00") {
			q := r.URL.Query()
			dropNUL(q)
			r.URL.RawQuery = q.Encode()
		}
		next.ServeHTTP(w, r)
	})
}

// dropNULFromForm removes NUL characters from a parsed form's values.
func dropNULFromForm(r *http.Request) {
	dropNUL(r.Form)
	dropNUL(r.PostForm)
	if r.MultipartForm != nil {
		dropNUL(r.MultipartForm.Value)
	}
}

func dropNUL(values url.Values) {
	for _, vs := range values {
		for i, v := range vs {
			if strings.IndexByte(v, 0) >= 0 {
				vs[i] = strings.ReplaceAll(v, "\x00", "")
			}
		}
	}
}
