// Package apperr defines the error codes Upward's services return and the
// messages that are safe to show a user, and the one table that maps each
// code to the HTTP status that pages and the API answer with.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
)

// Error codes, after the conventions of benbjohnson/wtf.
const (
	ENOTFOUND     = "not_found"
	EINVALID      = "invalid"
	ECONFLICT     = "conflict"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	EINTERNAL     = "internal"
)

// httpStatus is the HTTP status of each code. A code missing here (and
// EINTERNAL) is a 500.
var httpStatus = map[string]int{
	ENOTFOUND:     http.StatusNotFound,
	EINVALID:      http.StatusUnprocessableEntity,
	ECONFLICT:     http.StatusConflict,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	EINTERNAL:     http.StatusInternalServerError,
}

// HTTPStatus returns the HTTP status that answers an error of code.
func HTTPStatus(code string) int {
	if s, ok := httpStatus[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is an application error: a code, a message a user may read, and an
// optional field the message is about.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Code returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var f Fields
	if errors.As(err, &f) {
		return EINVALID
	}
	return EINTERNAL
}

// Message returns the user-safe message of err; internal errors never leak
// their text.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	var f Fields
	if errors.As(err, &f) {
		return "Please correct the highlighted fields."
	}
	return "Something went wrong on our side. Please try again."
}

// Fields is a set of problems with a form or a request body, by field
// name. It is an EINVALID error, so that a handler can re-render the form
// with each message beside its field.
type Fields map[string]string

func (f Fields) Error() string {
	parts := make([]string, 0, len(f))
	for k, v := range f {
		parts = append(parts, k+": "+v)
	}
	sort.Strings(parts)
	return "invalid: " + strings.Join(parts, "; ")
}

// Add records a problem with a field, keeping the first one reported.
func (f Fields) Add(field, message string) {
	if _, ok := f[field]; !ok {
		f[field] = message
	}
}

// Err returns f as an error, or nil when there are no problems.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return f
}

// FieldsOf returns the field problems in err: an apperr.Fields, or a single
// *Error with a field. ok is false when err has none.
func FieldsOf(err error) (Fields, bool) {
	var f Fields
	if errors.As(err, &f) {
		return f, true
	}
	var e *Error
	if errors.As(err, &e) && e.Field != "" {
		return Fields{e.Field: e.Message}, true
	}
	return nil, false
}
