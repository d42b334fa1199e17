// Package plan names what a portal's plan gives it: a seat limit to start
// from and the features it may use. Every feature check asks Allows, so
// what a plan includes is decided here and nowhere else.
package plan

import "slices"

// Feature is something a plan may include.
type Feature string

// Features.
const (
	SCORMImport  Feature = "scorm_import"
	LiveSessions Feature = "live_sessions"
	CustomDomain Feature = "custom_domain"
	APIAccess    Feature = "api_access"
)

// Plan is a named offer.
type Plan struct {
	Name      string
	Label     string
	SeatLimit int // the seats a new portal on the plan starts with
	Features  []Feature
}

// Plans are the offers, cheapest first.
var Plans = []Plan{
	{Name: "starter", Label: "Starter", SeatLimit: 25},
	{Name: "standard", Label: "Standard", SeatLimit: 100, Features: []Feature{LiveSessions, CustomDomain, APIAccess}},
	{Name: "enterprise", Label: "Enterprise", SeatLimit: 1000, Features: []Feature{SCORMImport, LiveSessions, CustomDomain, APIAccess}},
}

// Find returns the plan with the name.
func Find(name string) (Plan, bool) {
	for _, p := range Plans {
		if p.Name == name {
			return p, true
		}
	}
	return Plan{}, false
}

// Allows reports whether the plan named planName includes the feature; an
// unknown plan includes nothing.
func Allows(planName string, f Feature) bool {
	p, ok := Find(planName)
	return ok && slices.Contains(p.Features, f)
}
