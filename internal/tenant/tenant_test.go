package tenant_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

func TestValidateSlug(t *testing.T) {
	valid := []string{"acme", "a", "acme-learning", "x1", "0day"}
	invalid := []string{"", "-acme", "acme-", "Acme", "ac_me", "acme.corp", "www", "content", string(make([]byte, 64))}
	for _, s := range valid {
		if err := tenant.ValidateSlug(s); err != nil {
			t.Errorf("ValidateSlug(%q) = %v, want ok", s, err)
		}
	}
	for _, s := range invalid {
		err := tenant.ValidateSlug(s)
		if apperr.Code(err) != apperr.EINVALID {
			t.Errorf("ValidateSlug(%q) = %v, want invalid", s, err)
		}
	}
}

func TestValidate_NameRequired(t *testing.T) {
	err := tenant.Tenant{Slug: "acme", Name: "   "}.Validate()
	var e *apperr.Error
	if apperr.Code(err) != apperr.EINVALID {
		t.Fatalf("err = %v, want invalid", err)
	}
	if e = err.(*apperr.Error); e.Field != "name" {
		t.Errorf("field = %q, want name", e.Field)
	}
}
