// Package webhook holds the rules of webhooks: the events a portal sends
// and which owners of endpoints (the portal, its account, its reseller)
// may hear them, the addresses they are sent to, how a delivery is signed
// and checked, when a failed delivery is tried again, and when an
// endpoint that keeps failing is disabled. It imports no infrastructure.
package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
)

// The events an endpoint may subscribe to.
const (
	UserCreated       = "user.created"
	EnrolmentCreated  = "enrolment.created"
	LessonCompleted   = "lesson.completed"
	CourseCompleted   = "course.completed"
	PathCompleted     = "path.completed"
	CertificateIssued = "certificate.issued"
	// PortalCreated is heard by the endpoints of the new portal's account
	// and reseller: a portal has no endpoints of its own yet when it opens.
	PortalCreated = "portal.created"
	// Ping is the test event an administrator sends by hand; every endpoint
	// receives it, whatever it subscribes to.
	Ping = "ping"
)

// aliases are former names of events, still accepted when an endpoint
// subscribes. enrollment.created became enrolment.created (migration 30),
// the spelling the REST API uses (/api/v1/enrolments); subscriptions to the
// old name were moved to the new one, and deliveries carry the new one.
var aliases = map[string]string{
	"enrollment.created": EnrolmentCreated,
}

// Canonical is the current name of an event given by its current or a
// former name.
func Canonical(name string) string {
	if n, ok := aliases[name]; ok {
		return n
	}
	return name
}

// EventType is an event as the subscription form offers it.
type EventType struct {
	Name        string
	Description string
}

// Owner is who owns an endpoint, which decides the events it may hear.
type Owner string

// The owners of endpoints: a portal hears its own events; an account the
// events of all its portals (it owns their data) and their opening; a
// reseller only events about its clients' portals themselves, never about
// the people in them.
const (
	PortalOwner   Owner = "portal"
	AccountOwner  Owner = "account"
	ResellerOwner Owner = "reseller"
)

// EventTypes are the events that happen inside a portal, in the order the
// form lists them.
var EventTypes = []EventType{
	{UserCreated, "A person's account is created: registered, invited, imported or added."},
	{EnrolmentCreated, "A learner is enrolled in a course, or enrolled again after leaving it."},
	{LessonCompleted, "A learner completes a lesson."},
	{CourseCompleted, "A learner completes a course."},
	{PathCompleted, "A learner completes a learning path."},
	{CertificateIssued, "A certificate is issued for a course or a path."},
}

// PortalEventTypes are the portal-level events: about a portal itself,
// carrying no one's personal data or answers.
var PortalEventTypes = []EventType{
	{PortalCreated, "A new portal is opened: from the console, through the API or by Upward's operators."},
}

// EventTypesFor lists the events an owner's endpoint may subscribe to.
func EventTypesFor(o Owner) []EventType {
	switch o {
	case AccountOwner:
		return append(slices.Clone(EventTypes), PortalEventTypes...)
	case ResellerOwner:
		return PortalEventTypes
	default:
		return EventTypes
	}
}

// PortalLevel reports whether an event is about a portal itself, the only
// kind a reseller's endpoint is sent.
func PortalLevel(name string) bool {
	return slices.ContainsFunc(PortalEventTypes, func(e EventType) bool { return e.Name == name })
}

// Subscribable reports whether an owner's endpoint may subscribe to the
// event.
func Subscribable(o Owner, name string) bool {
	return slices.ContainsFunc(EventTypesFor(o), func(e EventType) bool { return e.Name == name })
}

// MaxURL and MaxDescription cap an endpoint's fields.
const (
	MaxURL         = 2000
	MaxDescription = 200
)

// Endpoint is what an administrator gives to register an endpoint.
type Endpoint struct {
	URL         string
	Description string
	Events      []string
}

// Validate checks an owner's endpoint and returns it cleaned up (trimmed,
// events in the form's order without repeats), or the problems by field.
// allowLocal admits plain-HTTP addresses on this machine (localhost,
// 127.0.0.1, [::1]): in development only, for receivers one runs oneself.
func (e Endpoint) Validate(o Owner, allowLocal bool) (Endpoint, error) {
	f := apperr.Fields{}
	out := Endpoint{Description: strings.TrimSpace(e.Description)}
	var err error
	if out.URL, err = validateURL(e.URL, allowLocal); err != nil {
		f.Add("url", err.Error())
	}
	if len(out.Description) > MaxDescription {
		f.Add("description", "Keep the description to 200 characters or fewer.")
	}
	events := make([]string, len(e.Events))
	for i, name := range e.Events {
		events[i] = Canonical(name)
	}
	for _, name := range events {
		if !Subscribable(o, name) {
			f.Add("events", "Choose events from the list.")
			break
		}
	}
	for _, t := range EventTypesFor(o) {
		if slices.Contains(events, t.Name) {
			out.Events = append(out.Events, t.Name)
		}
	}
	if len(out.Events) == 0 {
		f.Add("events", "Choose at least one event to send.")
	}
	if err := f.Err(); err != nil {
		return Endpoint{}, err
	}
	return out, nil
}

type problem string

func (p problem) Error() string { return string(p) }

func validateURL(raw string, allowLocal bool) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", problem("Give the address that should receive the events.")
	}
	if len(raw) > MaxURL {
		return "", problem("That address is too long (2,000 characters at most).")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", problem("Give the full address, starting with https://.")
	}
	if u.User != nil {
		return "", problem("Leave the user name and password out of the address: every delivery is signed instead.")
	}
	if u.Fragment != "" {
		return "", problem("Leave out the part after #: it is never sent.")
	}
	host := u.Hostname()
	local := isLocalHost(host)
	switch {
	case u.Scheme == "http" && allowLocal && local:
	case u.Scheme != "https":
		if allowLocal {
			return "", problem("Use an https:// address (http:// only for localhost or 127.0.0.1 while developing).")
		}
		return "", problem("Use an https:// address: deliveries carry people's names and addresses.")
	case !allowLocal && local:
		return "", problem("Give an address on the internet, not on this server.")
	}
	if ip, err := netip.ParseAddr(host); err == nil && !allowLocal && !PublicAddress(ip) {
		return "", problem("Give an address on the internet, not on a private network.")
	}
	u.Host = strings.ToLower(u.Host)
	u.Scheme = strings.ToLower(u.Scheme)
	return u.String(), nil
}

func isLocalHost(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// Ranges that IsGlobalUnicast and IsPrivate let through but that reach
// inside: "this network" (0.0.0.0/8, which Linux dials as loopback),
// carrier-grade NAT (RFC 6598), deprecated IPv6 site-local, the
// local-use NAT64 prefix (RFC 8215: a network's own translator, to any
// IPv4 address, its own included) and the deprecated IPv4-compatible
// IPv6 addresses (::a.b.c.d, which some stacks route as IPv4).
var inside = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("::/96"),
}

// sixToFour is 6to4 (RFC 3056): its addresses reach the IPv4 address in
// their bytes 2 to 5.
var sixToFour = netip.MustParsePrefix("2002::/16")

// nat64 is the well-known NAT64 prefix: its addresses reach the IPv4
// address in their last four bytes.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// PublicAddress reports whether ip is an address on the internet: not
// loopback, private, link-local, carrier-grade NAT, multicast or
// unspecified. Deliveries in production connect only to such addresses,
// checked when dialling, so a name that resolves to an inside address
// cannot turn webhooks against the network Upward runs in.
func PublicAddress(ip netip.Addr) bool {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		return PublicAddress(netip.AddrFrom4([4]byte(b[12:])))
	}
	if sixToFour.Contains(ip) {
		b := ip.As16()
		return PublicAddress(netip.AddrFrom4([4]byte(b[2:6])))
	}
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() {
		return false
	}
	for _, p := range inside {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// PublicDialAddress is PublicAddress for a dialled "host:port".
func PublicDialAddress(address string) bool {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && PublicAddress(ip)
}

// NewSecret returns a new signing secret: 32 random bytes, readable.
func NewSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// NewEventID returns a new event's ID. Every delivery of the event, and
// every attempt at it, carries the same ID, so receivers can drop repeats.
func NewEventID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "evt_" + base64.RawURLEncoding.EncodeToString(b)
}

// MaxAttempts is how many times an event is sent to an endpoint before
// its delivery is given up; a test event is sent once.
const MaxAttempts = 8

// retryDelays are the waits after each failed attempt: about two days in
// all, so a receiver down for a day still gets every event.
var retryDelays = []time.Duration{
	time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// RetryDelay is how long to wait after failed attempt n (1 for the first)
// before the next.
func RetryDelay(n int) time.Duration {
	return retryDelays[min(max(n, 1), len(retryDelays))-1]
}

// An endpoint is disabled once its attempts have failed DisableAfter times
// in a row and it has been failing for DisableAfterFailingFor: a burst of
// events while a receiver restarts does not disable it, a receiver that
// is gone does.
const (
	DisableAfter           = 10
	DisableAfterFailingFor = 24 * time.Hour
)

// ShouldDisable reports whether an endpoint with failures failed attempts
// in a row, the first of them at since, is to be disabled at now.
func ShouldDisable(failures int, since, now time.Time) bool {
	return failures >= DisableAfter && now.Sub(since) >= DisableAfterFailingFor
}
