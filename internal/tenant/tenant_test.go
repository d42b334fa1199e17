package tenant_test

import (
	"bytes"
	"image"
	pngenc "image/png"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/tenant"
)

func TestValidateSlug(t *testing.T) {
	t.Parallel()
	valid := []string{"acme", "a", "acme-learning", "x1", "0day"}
	invalid := []string{"", "-acme", "acme-", "Acme", "ac_me", "acme.corp", "www", "content", string(make([]byte, 64))}
	for _, s := range valid {
		if err := tenant.ValidateSlug(s); err != nil {
			t.Errorf("ValidateSlug(%q) = %v, want ok", s, err)
		}
	}
	for _, s := range invalid {
		if apperr.Code(tenant.ValidateSlug(s)) != apperr.EINVALID {
			t.Errorf("ValidateSlug(%q) accepted", s)
		}
	}
}

func TestValidate_ReportsEachBadField(t *testing.T) {
	t.Parallel()
	tn := tenant.Tenant{Slug: "acme", Name: "   ", SeatLimit: -1,
		Branding: tenant.Branding{PrimaryColor: "red", ContactEmail: "not-an-address"},
		Settings: tenant.Settings{AllowedEmailDomains: []string{"@Example.com", "bad domain"}, DefaultTimeZone: "Mars/Olympus"}}
	tn.Normalize()
	fields, ok := apperr.FieldsOf(tn.Validate())
	if !ok {
		t.Fatal("no field errors")
	}
	for _, f := range []string{"name", "seat_limit", "primary_color", "contact_email", "allowed_email_domains", "default_time_zone"} {
		if fields[f] == "" {
			t.Errorf("no message for %s (got %v)", f, fields)
		}
	}
	if tn.Settings.AllowedEmailDomains[0] != "example.com" {
		t.Errorf("domains not normalised: %v", tn.Settings.AllowedEmailDomains)
	}
}

func TestSettings_AllowsEmail(t *testing.T) {
	t.Parallel()
	open := tenant.Settings{}
	if !open.AllowsEmail("a@anything.org") {
		t.Error("no domain list should allow any address")
	}
	closed := tenant.Settings{AllowedEmailDomains: []string{"acme.com"}}
	cases := map[string]bool{"jo@acme.com": true, "jo@ACME.com": true, "jo@evil.com": false, "jo@sub.acme.com": false, "nonsense": false}
	for email, want := range cases {
		if got := closed.AllowsEmail(email); got != want {
			t.Errorf("AllowsEmail(%q) = %v, want %v", email, got, want)
		}
	}
}

func TestCheckLogo(t *testing.T) {
	t.Parallel()
	var png bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 40, 20))
	if err := pngenc.Encode(&png, img); err != nil {
		t.Fatal(err)
	}
	if ext, err := tenant.CheckLogo(png.Bytes()); err != nil || ext != ".png" {
		t.Errorf("a small PNG: %q, %v", ext, err)
	}
	bad := map[string][]byte{
		"Empty":        nil,
		"SVG":          []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"HTML":         []byte(`<html><script>alert(1)</script></html>`),
		"TruncatedPNG": png.Bytes()[:20],
		"TooLarge":     append(png.Bytes(), make([]byte, tenant.MaxLogoBytes)...),
	}
	for name, data := range bad {
		t.Run(name, func(t *testing.T) {
			if _, err := tenant.CheckLogo(data); apperr.Code(err) != apperr.EINVALID {
				t.Errorf("accepted: %v", err)
			}
		})
	}
}
