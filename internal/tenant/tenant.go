// Package tenant owns portals: the organisations that each run their own
// Upward site at {slug}.BASE_DOMAIN, their branding and sign-up settings,
// and the rules for naming them.
package tenant

import (
	"bytes"
	"image"
	_ "image/gif" // logo formats
	_ "image/jpeg"
	_ "image/png"
	"net/http"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/plan"
)

// Status says whether a portal serves its people.
type Status string

// Portal statuses.
const (
	Active    Status = "active"
	Suspended Status = "suspended"
)

// Authority is who may suspend a portal: the platform's operator, or the
// reseller whose client's portal it is.
type Authority string

// Who suspended a portal.
const (
	ByOperator Authority = "operator"
	ByReseller Authority = "reseller"
)

// Tenant is one portal.
type Tenant struct {
	ID     int64
	Slug   string // the subdomain: acme in acme.example.com
	Name   string
	Status Status
	// SuspendedBy is who suspended the portal; empty while it is active.
	SuspendedBy Authority
	// Listed: an operator chose to show the portal on the platform's
	// public home page (see ShownOnHome).
	Listed     bool
	Plan       string
	SeatLimit  int
	ResellerID *int64
	AccountID  int64  // the organisation that owns the portal; 0 before it is created: it gets its own
	Audience   string // whom the portal trains: employees, customers, partners, other
	Branding   Branding
	Settings   Settings
	// WhiteLabel is the reseller's branding on a client portal; nil on a
	// portal the platform sells itself.
	WhiteLabel *WhiteLabel
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Branding is how a portal looks and whom its people contact.
type Branding struct {
	PrimaryColor string // #rrggbb
	WelcomeText  string
	LogoFile     string // stored upload's name; empty for none
	ContactEmail string
}

// Settings are a portal's sign-up and locale rules.
type Settings struct {
	SelfRegistration    bool
	AllowedEmailDomains []string // empty: any domain
	DefaultTimeZone     string
	DefaultLanguage     string
}

// Defaults for a new portal.
const (
	DefaultPrimaryColor = "#1f5fa8"
	DefaultPlan         = "standard"
	DefaultSeatLimit    = 100
)

// ShownOnHome reports whether the platform's public home page lists the
// portal: an active one an operator listed, never a reseller's client,
// whose white label hides that it runs on Upward.
func (t Tenant) ShownOnHome() bool {
	return t.Listed && t.Status == Active && t.ResellerID == nil
}

// ChangeStatus makes the portal active or suspended at by's request. A
// suspension records who made it: a reseller lifts its own but never the
// operator's, which only the operator lifts; the operator's suspension
// replaces a reseller's, and a reseller's leaves the operator's as it is.
func (t *Tenant) ChangeStatus(want Status, by Authority) error {
	switch want {
	case Active:
		if t.Status == Suspended && t.SuspendedBy == ByOperator && by != ByOperator {
			return &apperr.Error{Code: apperr.EFORBIDDEN, Field: "status",
				Message: "Upward suspended this portal: only Upward can reactivate it."}
		}
		t.Status, t.SuspendedBy = Active, ""
	case Suspended:
		if t.Status == Suspended && t.SuspendedBy == ByOperator {
			return nil
		}
		t.Status, t.SuspendedBy = Suspended, by
	default:
		return &apperr.Error{Code: apperr.EINVALID, Field: "status", Message: "Choose active or suspended."}
	}
	return nil
}

// AllowsEmail reports whether someone with this address may register
// themselves: the address's domain must be one of the allowed domains, or
// any domain when none are set.
func (s Settings) AllowsEmail(email string) bool {
	if len(s.AllowedEmailDomains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	return slices.Contains(s.AllowedEmailDomains, strings.ToLower(email[at+1:]))
}

var (
	slugRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	colorRE  = regexp.MustCompile(`^#[0-9a-f]{6}$`)
	domainRE = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
)

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

// Audiences are whom a portal may train.
var Audiences = []string{"employees", "customers", "partners", "other"}

// Normalize trims the free-text fields and fills defaults.
func (t *Tenant) Normalize() {
	t.Slug = strings.ToLower(strings.TrimSpace(t.Slug))
	t.Name = strings.TrimSpace(t.Name)
	t.Plan = strings.TrimSpace(t.Plan)
	if t.Plan == "" {
		t.Plan = DefaultPlan
	}
	if t.Status == "" {
		t.Status = Active
	}
	t.Audience = strings.TrimSpace(t.Audience)
	if t.Audience == "" {
		t.Audience = "employees"
	}
	b := &t.Branding
	b.PrimaryColor = strings.ToLower(strings.TrimSpace(b.PrimaryColor))
	if b.PrimaryColor == "" {
		b.PrimaryColor = DefaultPrimaryColor
	}
	b.WelcomeText = strings.TrimSpace(b.WelcomeText)
	b.ContactEmail = strings.TrimSpace(b.ContactEmail)
	s := &t.Settings
	if s.DefaultTimeZone == "" {
		s.DefaultTimeZone = "UTC"
	}
	if s.DefaultLanguage == "" {
		s.DefaultLanguage = "en"
	}
	domains := make([]string, 0, len(s.AllowedEmailDomains))
	for _, d := range s.AllowedEmailDomains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if d != "" && !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	s.AllowedEmailDomains = domains
}

// Validate checks a new or edited portal and reports every problem by field.
func (t Tenant) Validate() error {
	f := apperr.Fields{}
	if err := ValidateSlug(t.Slug); err != nil {
		f.Add("slug", apperr.Message(err))
	}
	if t.Name == "" || len(t.Name) > 200 {
		f.Add("name", "Enter a name of 1 to 200 characters.")
	}
	if !slices.Contains(Audiences, t.Audience) {
		f.Add("audience", "Choose employees, customers, partners or other.")
	}
	if t.Status != Active && t.Status != Suspended {
		f.Add("status", "Choose active or suspended.")
	} else if (t.Status == Suspended) != (t.SuspendedBy != "") {
		f.Add("status", "A suspension says who made it (ChangeStatus).")
	}
	if t.SeatLimit < 0 || t.SeatLimit > 1_000_000 {
		f.Add("seat_limit", "Enter a seat limit between 0 and 1,000,000.")
	}
	if _, ok := plan.Find(t.Plan); !ok {
		names := make([]string, len(plan.Plans))
		for i, p := range plan.Plans {
			names[i] = p.Name
		}
		f.Add("plan", "Choose one of the plans: "+strings.Join(names, ", ")+".")
	}
	if !colorRE.MatchString(t.Branding.PrimaryColor) {
		f.Add("primary_color", "Enter a colour as # and six hexadecimal digits, like #1f5fa8.")
	}
	if len(t.Branding.WelcomeText) > 2000 {
		f.Add("welcome_text", "Keep the welcome text under 2,000 characters.")
	}
	if c := t.Branding.ContactEmail; c != "" {
		if _, err := mail.ParseAddress(c); err != nil || len(c) > 254 {
			f.Add("contact_email", "Enter a valid e-mail address, or leave it empty.")
		}
	}
	for _, d := range t.Settings.AllowedEmailDomains {
		if !domainRE.MatchString(d) {
			f.Add("allowed_email_domains", "“"+d+"” is not a domain name like example.com.")
		}
	}
	if _, err := time.LoadLocation(t.Settings.DefaultTimeZone); err != nil {
		f.Add("default_time_zone", "Choose a time zone such as Europe/London.")
	}
	return f.Err()
}

// MaxLogoBytes caps a logo upload.
const MaxLogoBytes = 512 << 10

// logoTypes are the image formats a logo may have, by sniffed type. SVG is
// not among them: it can carry script.
var logoTypes = map[string]string{"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif"}

// CheckLogo checks an uploaded logo: small, a PNG, JPEG or GIF by its
// content (not its name), and a decodable image of sane size. It returns the
// file extension to store it under.
func CheckLogo(data []byte) (ext string, err error) {
	bad := func(msg string) (string, error) {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "logo", Message: msg}
	}
	if len(data) == 0 {
		return bad("Choose an image file.")
	}
	if len(data) > MaxLogoBytes {
		return bad("The logo must be 512 KB or smaller.")
	}
	ext, ok := logoTypes[http.DetectContentType(data)]
	if !ok {
		return bad("Upload a PNG, JPEG or GIF image.")
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return bad("That file is not a readable image.")
	}
	if cfg.Width < 1 || cfg.Height < 1 || cfg.Width > 2000 || cfg.Height > 2000 {
		return bad("Use an image at most 2000 pixels wide and high.")
	}
	// The header alone passes a file that is an image only in its first
	// bytes (a GIF header on an HTML page): read the pixels too, now that
	// the size is known to be small.
	if _, _, err := image.Decode(bytes.NewReader(data)); err != nil {
		return bad("That file is not a readable image.")
	}
	return ext, nil
}
