package tenant_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

func TestValidateCustomDomain(t *testing.T) {
	t.Parallel()
	const base = "upward.example"
	valid := map[string]string{
		"learn.acme.com":     "learn.acme.com",
		" Learn.ACME.com. ":  "learn.acme.com",
		"acme.co.uk":         "acme.co.uk",
		"xn--bcher-kva.de":   "xn--bcher-kva.de",
		"shop.xn--p1ai":      "shop.xn--p1ai",
		"a-b.c-d.example.io": "a-b.c-d.example.io",
	}
	for in, want := range valid {
		got, err := tenant.ValidateCustomDomain(in, base)
		if err != nil || got != want {
			t.Errorf("ValidateCustomDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	invalid := []string{
		"", "localhost", "acme", "https://learn.acme.com", "learn.acme.com/path", "learn.acme.com:8443",
		"user@acme.com", "-learn.acme.com", "learn_acme.com", "learn..acme.com", "1.2.3.4", "learn acme.com",
		"upward.example", "acme.upward.example", "deep.acme.UPWARD.example",
		string(make([]byte, 254)),
	}
	for _, in := range invalid {
		_, err := tenant.ValidateCustomDomain(in, base)
		if fields, ok := apperr.FieldsOf(err); !ok || fields["domain"] == "" {
			t.Errorf("ValidateCustomDomain(%q) = %v, want a message at domain", in, err)
		}
	}
}
