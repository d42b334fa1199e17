// Package access decides who may do what, in one place. Handlers ask it
// before they act; templates ask it only to hide what a user may not do.
package access

import (
	"slices"

	"github.com/upward-lms/upward/internal/user"
)

// Actor is whoever makes a request: nobody, a portal's user, or a
// platform operator.
type Actor struct {
	TenantID   int64 // the portal of the request's host; 0 on the platform host
	UserID     int64 // 0 when not signed in to the portal
	Roles      []user.Role
	OperatorID int64 // a signed-in platform operator, on the platform host only
	// Manages: someone active has the user as their manager now. Which
	// people are theirs the services decide, object by object.
	Manages bool
}

// SignedIn reports whether the actor is a portal user.
func (a Actor) SignedIn() bool { return a.UserID != 0 }

// Operator reports whether the actor is a platform operator.
func (a Actor) Operator() bool { return a.OperatorID != 0 }

func (a Actor) has(r user.Role) bool { return slices.Contains(a.Roles, r) }

// Action is something an actor may be allowed to do.
type Action int

// Actions.
const (
	// ViewAccount: see and change one's own account.
	ViewAccount Action = iota + 1
	// ManageUsers: invite, edit and deactivate the portal's people and groups.
	ManageUsers
	// ManagePortal: change the portal's branding and settings.
	ManagePortal
	// ViewAudit: read the portal's audit log.
	ViewAudit
	// ManagePlatform: create, edit and suspend portals and resellers.
	ManagePlatform
	// AuthorCourses: create, edit, publish and import courses.
	AuthorCourses
	// ViewReports: read the portal's reports on courses, learners and
	// paths, and download them.
	ViewReports
	// ManageIntegrations: register the portal's webhook endpoints, read
	// their delivery logs (which carry people's names and addresses), and
	// send test events.
	ManageIntegrations
	// ScheduleSessions: schedule, change and cancel live sessions, see
	// who registered and mark attendance.
	ScheduleSessions
	// ModerateDiscussions: pin and hide posts in any course's discussions,
	// and see hidden posts.
	ModerateDiscussions
	// ReviewReports: work through the queue of reported posts.
	ReviewReports
	// LeadTeam: act for one's direct reports from "My team": assign them
	// a course, nudge them about one, comment on a plan they shared.
	// Only a user who manages someone now may; each report's services
	// check is theirs.
	LeadTeam
	// ViewDashboard: see the portal's dashboard (figures and charts of
	// the whole portal) on the administration home.
	ViewDashboard
)

// Allow reports whether the actor may perform the action.
func Allow(a Actor, act Action) bool {
	switch act {
	case ViewAccount:
		return a.SignedIn()
	case ManageUsers, ManagePortal, ViewAudit, ViewReports, ManageIntegrations, ReviewReports, ViewDashboard:
		return a.SignedIn() && a.has(user.Admin)
	case ManagePlatform:
		return a.Operator()
	case LeadTeam:
		return a.SignedIn() && a.Manages
	case AuthorCourses, ScheduleSessions, ModerateDiscussions:
		return a.SignedIn() && (a.has(user.Admin) || a.has(user.Instructor))
	}
	return false
}
