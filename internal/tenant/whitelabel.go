package tenant

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
)

// PlatformName is whose platform a portal says it runs on when no reseller
// sells it.
const PlatformName = "Upward"

// WhiteLabel is the reseller behind a client portal as the portal shows it:
// its pages and mail name the reseller, never Upward.
type WhiteLabel struct {
	Name         string // as the reseller's clients see it
	LogoFile     string // stored upload's name; empty for none
	SupportEmail string // empty for none
	// BaseDomain, when set, puts the reseller's clients at
	// {slug}.{BaseDomain}; {slug}.BASE_DOMAIN keeps working.
	BaseDomain string
}

// PoweredBy is whose platform the portal says it runs on: its reseller's
// name, or Upward.
func (t Tenant) PoweredBy() string {
	if t.WhiteLabel != nil && t.WhiteLabel.Name != "" {
		return t.WhiteLabel.Name
	}
	return PlatformName
}

// Host is the portal's own host name, which links to it use: under its
// reseller's base domain when the reseller has one, else under the
// platform's.
func (t Tenant) Host(baseDomain string) string {
	if t.WhiteLabel != nil && t.WhiteLabel.BaseDomain != "" {
		return t.Slug + "." + t.WhiteLabel.BaseDomain
	}
	return t.Slug + "." + baseDomain
}

// Normalize trims what a reseller typed.
func (w *WhiteLabel) Normalize() {
	w.Name = strings.TrimSpace(w.Name)
	w.SupportEmail = strings.TrimSpace(w.SupportEmail)
}

// Validate checks the parts of a white label a reseller edits (name and
// support address; the logo is checked by CheckLogo, the base domain by
// ValidateCustomDomain) and reports every problem by field.
func (w WhiteLabel) Validate() error {
	f := apperr.Fields{}
	if n := utf8.RuneCountInString(w.Name); n == 0 || n > 200 {
		f.Add("name", "Enter a name of 1 to 200 characters.")
	}
	if c := w.SupportEmail; c != "" {
		if a, err := mail.ParseAddress(c); err != nil || a.Address != c || len(c) > 254 {
			f.Add("support_email", "Enter a valid e-mail address, like help@example.com, or leave it empty.")
		}
	}
	return f.Err()
}
