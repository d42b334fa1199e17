package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
)

func TestCode(t *testing.T) {
	t.Parallel()
	wrapped := fmt.Errorf("course: publish: %w", apperr.Errorf(apperr.ENOTFOUND, "Course not found."))
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"Nil", nil, ""},
		{"WrappedAppError", wrapped, apperr.ENOTFOUND},
		{"PlainErrorIsInternal", errors.New("boom"), apperr.EINTERNAL},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := apperr.Code(c.err); got != c.want {
				t.Errorf("Code() = %q, want %q", got, c.want)
			}
		})
	}
}

func TestMessage_NeverLeaksInternalText(t *testing.T) {
	t.Parallel()
	msg := apperr.Message(errors.New("pq: password authentication failed for user x"))
	if msg != "Something went wrong on our side. Please try again." {
		t.Errorf("internal error leaked: %q", msg)
	}
	if got := apperr.Message(apperr.Errorf(apperr.EINVALID, "Name is required.")); got != "Name is required." {
		t.Errorf("Message() = %q", got)
	}
}

// Pages and the API answer an error with the status of its code, from the
// one table in apperr.
func TestHTTPStatus(t *testing.T) {
	t.Parallel()
	cases := map[string]int{
		apperr.ENOTFOUND:     404,
		apperr.EINVALID:      422,
		apperr.ECONFLICT:     409,
		apperr.EUNAUTHORIZED: 401,
		apperr.EFORBIDDEN:    403,
		apperr.EINTERNAL:     500,
		"":                   500,
		"no_such_code":       500,
	}
	for code, want := range cases {
		if got := apperr.HTTPStatus(code); got != want {
			t.Errorf("HTTPStatus(%q) = %d, want %d", code, got, want)
		}
	}
	// A wrapped error keeps its code, so its status.
	err := fmt.Errorf("publish: %w", apperr.Errorf(apperr.ECONFLICT, "Already published."))
	if got := apperr.HTTPStatus(apperr.Code(err)); got != 409 {
		t.Errorf("a wrapped conflict answers %d", got)
	}
	// Field problems are invalid input.
	if got := apperr.HTTPStatus(apperr.Code(apperr.Fields{"name": "Required."})); got != 422 {
		t.Errorf("field problems answer %d", got)
	}
}
