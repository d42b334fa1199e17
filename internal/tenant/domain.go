package tenant

import (
	"regexp"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
)

// Domain is a custom domain a portal asked for. It serves the portal only
// once verified: until then anyone could have typed it.
type Domain struct {
	Name        string // canonical: lower case, no trailing dot
	RequestedAt time.Time
	VerifiedAt  *time.Time
}

// Verified reports whether the domain routes to its portal.
func (d Domain) Verified() bool { return d.VerifiedAt != nil }

// MaxDomains caps the custom domains (pending or verified) of one portal, so
// that no portal can hold a long list of other people's names hostage.
const MaxDomains = 5

// customDomainRE is a host name of at least two labels whose last label is
// letters, or an IDN top-level label in its xn-- form.
var customDomainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{1,59})$`)

// ValidateCustomDomain checks a domain a portal asks to be served on and
// returns it in canonical form. It must be a plain host name, and not the
// platform's own BASE_DOMAIN or a name under it: those are portals' slugs.
func ValidateCustomDomain(domain, baseDomain string) (string, error) {
	bad := func(msg string) (string, error) {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "domain", Message: msg}
	}
	d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(domain)), ".")
	baseDomain = strings.ToLower(baseDomain)
	switch {
	case d == "":
		return bad("Enter a domain, like learn.example.com.")
	case strings.ContainsAny(d, ":/?#@ "):
		return bad("Enter only the host name, like learn.example.com: no https://, port or path.")
	case len(d) > 253 || !customDomainRE.MatchString(d):
		return bad("“" + d + "” is not a host name like learn.example.com.")
	case d == baseDomain || strings.HasSuffix(d, "."+baseDomain):
		return bad("Names under " + baseDomain + " belong to the platform; ask for a domain of your own.")
	}
	return d, nil
}
