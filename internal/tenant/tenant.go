// Package tenant owns portals: the organisations that each run their own
// Upward site at {slug}.BASE_DOMAIN, and the rules for naming them.
package tenant

import (
	"regexp"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
)

// Tenant is one portal.
type Tenant struct {
	ID        int64
	Slug      string // the subdomain: acme in acme.example.com
	Name      string
	CreatedAt time.Time
}

var slugRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// reservedSlugs are subdomains the platform keeps for itself.
var reservedSlugs = map[string]bool{
	"www": true, "api": true, "app": true, "admin": true, "platform": true,
	"content": true, "static": true, "mail": true, "reseller": true, "status": true,
}

// ValidateSlug checks that s can be a portal's subdomain.
func ValidateSlug(s string) error {
	switch {
	case s == "":
		return &apperr.Error{Code: apperr.EINVALID, Field: "slug", Message: "Enter a web address for the portal."}
	case !slugRE.MatchString(s):
		return &apperr.Error{Code: apperr.EINVALID, Field: "slug",
			Message: "Use 1 to 63 lower-case letters, digits and hyphens, starting and ending with a letter or digit."}
	case reservedSlugs[s]:
		return &apperr.Error{Code: apperr.EINVALID, Field: "slug", Message: "That web address is reserved; choose another."}
	}
	return nil
}

// Validate checks a new or edited tenant.
func (t Tenant) Validate() error {
	if err := ValidateSlug(t.Slug); err != nil {
		return err
	}
	name := strings.TrimSpace(t.Name)
	if name == "" || len(name) > 200 {
		return &apperr.Error{Code: apperr.EINVALID, Field: "name", Message: "Enter a name of 1 to 200 characters."}
	}
	return nil
}
