package access_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/user"
)

func TestAllow(t *testing.T) {
	t.Parallel()
	anon := access.Actor{TenantID: 1}
	learner := access.Actor{TenantID: 1, UserID: 7, Roles: []user.Role{user.Learner}}
	instructor := access.Actor{TenantID: 1, UserID: 8, Roles: []user.Role{user.Learner, user.Instructor}}
	admin := access.Actor{TenantID: 1, UserID: 9, Roles: []user.Role{user.Admin}}
	operator := access.Actor{OperatorID: 1}
	manager := access.Actor{TenantID: 1, UserID: 10, Roles: []user.Role{user.Learner}, Manages: true}
	// Manages without a signed-in user (a forged or stale actor) is nothing.
	nobodyManaging := access.Actor{TenantID: 1, Manages: true}

	matrix := []struct {
		name  string
		actor access.Actor
		act   access.Action
		want  bool
	}{
		{"AnonymousHasNoAccount", anon, access.ViewAccount, false},
		{"LearnerSeesOwnAccount", learner, access.ViewAccount, true},
		{"LearnerCannotManageUsers", learner, access.ManageUsers, false},
		{"InstructorCannotManagePortal", instructor, access.ManagePortal, false},
		{"AdminManagesUsers", admin, access.ManageUsers, true},
		{"AdminManagesPortal", admin, access.ManagePortal, true},
		{"AdminReadsAudit", admin, access.ViewAudit, true},
		{"AdminIsNoOperator", admin, access.ManagePlatform, false},
		{"OperatorManagesPlatform", operator, access.ManagePlatform, true},
		{"OperatorIsNoPortalAdmin", operator, access.ManageUsers, false},
		{"UnknownActionIsDenied", admin, access.Action(999), false},
		{"InstructorAuthorsCourses", instructor, access.AuthorCourses, true},
		{"AdminAuthorsCourses", admin, access.AuthorCourses, true},
		{"LearnerDoesNotAuthor", learner, access.AuthorCourses, false},
		{"AdminReadsReports", admin, access.ViewReports, true},
		{"InstructorReadsNoReports", instructor, access.ViewReports, false},
		{"LearnerReadsNoReports", learner, access.ViewReports, false},
		{"OperatorReadsNoPortalReports", operator, access.ViewReports, false},
		{"AdminManagesIntegrations", admin, access.ManageIntegrations, true},
		{"InstructorManagesNoIntegrations", instructor, access.ManageIntegrations, false},
		{"OperatorManagesNoPortalIntegrations", operator, access.ManageIntegrations, false},
		{"InstructorSchedulesSessions", instructor, access.ScheduleSessions, true},
		{"AdminSchedulesSessions", admin, access.ScheduleSessions, true},
		{"LearnerSchedulesNoSessions", learner, access.ScheduleSessions, false},
		{"OperatorSchedulesNoPortalSessions", operator, access.ScheduleSessions, false},
		{"InstructorModeratesDiscussions", instructor, access.ModerateDiscussions, true},
		{"AdminModeratesDiscussions", admin, access.ModerateDiscussions, true},
		{"LearnerDoesNotModerate", learner, access.ModerateDiscussions, false},
		{"AdminReviewsReports", admin, access.ReviewReports, true},
		{"InstructorReviewsNoReportQueue", instructor, access.ReviewReports, false},
		{"ManagerLeadsTheirTeam", manager, access.LeadTeam, true},
		{"LearnerWithoutReportsLeadsNoTeam", learner, access.LeadTeam, false},
		{"AdminWithoutReportsLeadsNoTeam", admin, access.LeadTeam, false},
		{"AnonymousLeadsNoTeam", nobodyManaging, access.LeadTeam, false},
		{"OperatorLeadsNoTeam", operator, access.LeadTeam, false},
		{"AdminSeesDashboard", admin, access.ViewDashboard, true},
		{"ManagerSeesNoPortalDashboard", manager, access.ViewDashboard, false},
		{"InstructorSeesNoPortalDashboard", instructor, access.ViewDashboard, false},
	}
	for _, m := range matrix {
		t.Run(m.name, func(t *testing.T) {
			if got := access.Allow(m.actor, m.act); got != m.want {
				t.Errorf("Allow = %v, want %v", got, m.want)
			}
		})
	}
}
