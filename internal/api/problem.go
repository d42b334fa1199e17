package api

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

// problem is an RFC 9457 problem detail. Type is the short name of a
// problem type; the document's type is a URI of the reference page's
// section that explains it (relative, so it resolves on any portal).
type problem struct {
	Type   string
	Status int
	Detail string
	Errors []fieldError // for 422: the fields at fault
}

// fieldError names one field at fault: a member of the JSON body (with
// its JSON Pointer), a query parameter or a header.
type fieldError struct {
	Field   string `json:"field"`
	Pointer string `json:"pointer,omitempty"`
	Detail  string `json:"detail"`
}

// problemTitles are the problem types and their titles, which the
// reference page lists.
var problemTitles = map[string]string{
	"unauthorized":            "Missing or invalid API key",
	"forbidden":               "Permission missing",
	"not-found":               "Not found",
	"unknown-portal":          "No portal at this host",
	"portal-suspended":        "Portal suspended",
	"method-not-allowed":      "Method not allowed",
	"bad-request":             "Malformed request",
	"unsupported-media-type":  "Body is not JSON",
	"too-large":               "Body too large",
	"invalid":                 "Invalid request",
	"conflict":                "Conflict",
	"idempotency-mismatch":    "Idempotency-Key reused for another request",
	"idempotency-in-progress": "Request with this Idempotency-Key in progress",
	"rate-limited":            "Too many requests",
	"internal":                "Internal error",
	"unavailable":             "Temporarily unavailable",
}

func problemType(name string) string { return Prefix + "/docs#problem-" + name }

// writeProblem sends a problem as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, p problem) {
	body := map[string]any{
		"type":     problemType(p.Type),
		"title":    problemTitles[p.Type],
		"status":   p.Status,
		"instance": r.URL.Path,
	}
	if p.Detail != "" {
		body["detail"] = p.Detail
	}
	if len(p.Errors) > 0 {
		body["errors"] = p.Errors
	}
	if p.Status >= 500 {
		body["request_id"] = middleware.GetReqID(r.Context())
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	w.Write(b)
}

// writeJSON sends v as JSON with status.
func (a *API) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// serverError logs err with the request ID and sends a 500 problem that
// tells nothing of it.
func (a *API) serverError(w http.ResponseWriter, r *http.Request, err error) {
	if postgres.Unavailable(err) {
		// The database is away: the request changed nothing and may be
		// sent again (with the same Idempotency-Key) once it is back.
		a.d.Logger.WarnContext(r.Context(), "database unavailable", "err", err, "request_id", middleware.GetReqID(r.Context()),
			"method", r.Method, "path", r.URL.Path)
		w.Header().Set("Retry-After", "5")
		writeProblem(w, r, problem{Type: "unavailable", Status: http.StatusServiceUnavailable,
			Detail: "The database cannot be reached just now and nothing was changed. Try again shortly."})
		return
	}
	a.d.Logger.ErrorContext(r.Context(), "internal error", "err", err, "request_id", middleware.GetReqID(r.Context()),
		"method", r.Method, "path", r.URL.Path)
	writeProblem(w, r, problem{Type: "internal", Status: http.StatusInternalServerError,
		Detail: "Something went wrong on our side. Try again in a moment; quote the request_id if it keeps happening."})
}

// bodyFields are the request body's members, whose errors carry a JSON
// Pointer; any other field at fault is a query parameter or a header.
type bodyFields map[string]bool

// renderError sends the problem that fits a service's error: its code
// gives the status, and its fields (if any) the errors array.
func (a *API) renderError(w http.ResponseWriter, r *http.Request, err error, body bodyFields) {
	code := apperr.Code(err)
	if code == apperr.EINTERNAL {
		a.serverError(w, r, err)
		return
	}
	// The problem type is the code's name (not_found is not-found).
	p := problem{Type: strings.ReplaceAll(code, "_", "-"), Status: apperr.HTTPStatus(code), Detail: apperr.Message(err)}
	if fields, ok := apperr.FieldsOf(err); ok {
		p.Errors = fieldErrors(fields, body)
		if code == apperr.EINVALID {
			p.Detail = "The request has problems: see errors, one for each field at fault."
		}
	}
	writeProblem(w, r, p)
}

func fieldErrors(fields apperr.Fields, body bodyFields) []fieldError {
	out := make([]fieldError, 0, len(fields))
	for f, msg := range fields {
		fe := fieldError{Field: f, Detail: msg}
		if body[f] {
			fe.Pointer = jsonPointer(f)
		}
		out = append(out, fe)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// jsonPointer is the URI fragment of a JSON Pointer (RFC 6901) to a
// top-level member: "~" and "/" escaped as the pointer needs, then what a
// fragment cannot hold percent-encoded.
func jsonPointer(member string) string {
	return "#/" + url.PathEscape(strings.NewReplacer("~", "~0", "/", "~1").Replace(member))
}

// invalid sends a 422 problem for fields found wrong before any service
// was called (query parameters, a body's types).
func invalid(w http.ResponseWriter, r *http.Request, fields apperr.Fields, body bodyFields) {
	writeProblem(w, r, problem{Type: "invalid", Status: http.StatusUnprocessableEntity,
		Detail: "The request has problems: see errors, one for each field at fault.", Errors: fieldErrors(fields, body)})
}

func hostOnly(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// isMaxBytes reports whether err is a body over the cap.
func isMaxBytes(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}
