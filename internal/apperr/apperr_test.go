package apperr_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
)

func TestCode(t *testing.T) {
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
	msg := apperr.Message(errors.New("pq: password authentication failed for user x"))
	if msg != "Something went wrong on our side. Please try again." {
		t.Errorf("internal error leaked: %q", msg)
	}
	if got := apperr.Message(apperr.Errorf(apperr.EINVALID, "Name is required.")); got != "Name is required." {
		t.Errorf("Message() = %q", got)
	}
}
