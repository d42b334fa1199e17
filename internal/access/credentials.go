package access

// Credential is a bearer credential Upward hands out: whoever holds it
// acts with it, so each must stop the moment its holder's right to act
// does. This list is the one place that says, for each, what ends it and
// which tests prove it; a test checks that every test named exists.
type Credential struct {
	Name    string
	Revoked string   // what ends it, at once
	Tests   []string // Test functions (or Test/Subtest) that prove it
}

// Credentials lists every bearer credential.
var Credentials = []Credential{
	{Name: "portal session cookie",
		Revoked: "sign-out; the person deactivated, or their roles or status changed (session epoch); 8 idle hours; 24 hours",
		Tests: []string{"TestState_ADeactivatedPersonIsSignedOutAtOnce", "TestAdmin_RoleChangeEndsThePersonsSessions",
			"TestSession_EndsAfterEightIdleHours", "TestSession_EndsTwentyFourHoursAfterSignInHoweverBusy"}},
	{Name: "console session cookie",
		Revoked: "sign-out; the member removed; their account or reseller suspended by the operator",
		Tests:   []string{"TestState_ASuspendedResellerLosesItsConsoleAtOnce", "TestState_ASuspendedAccountLosesItsConsoleAndKeys", "TestConsoleMembers_RemovingAndCancelling"}},
	{Name: "portal API key",
		Revoked: "revoked by an admin; the portal suspended",
		Tests:   []string{"TestAdminAPIKeys/RevokedKeysStopWorking"}},
	{Name: "account or reseller API key",
		Revoked: "revoked in the console; the account or reseller suspended",
		Tests:   []string{"TestState_ASuspendedAccountLosesItsConsoleAndKeys", "TestConsoleAPIKeys_AResellerProvisionsAWorkingPortalOverTheAPI"}},
	{Name: "SCORM launch token",
		Revoked: "the learner deactivated; the portal suspended; the course restarted or left; 8 hours",
		Tests:   []string{"TestState_ALaunchStopsWithItsLearner"}},
	{Name: "calendar feed link",
		Revoked: "regenerated or revoked by its owner; the owner deactivated; the portal suspended",
		Tests:   []string{"TestLiveSessions_CalendarFeedTokens"}},
	{Name: "portal invitation link",
		Revoked: "used once; seven days; the invitee deactivated",
		Tests:   []string{"TestAdmin_InvitationIsAcceptedOnceAndExpires", "TestState_ADeactivatedPersonsLinksStopAtOnce"}},
	{Name: "console invitation link",
		Revoked: "used once; cancelled; seven days; refused while the org is suspended",
		Tests:   []string{"TestConsoleMembers_RemovingAndCancelling/ACancelledInvitationsLinkStopsWorking", "TestState_ASuspendedOrgsInvitationWaits"}},
	{Name: "password reset link",
		Revoked: "used once; one hour; refused while the person is deactivated",
		Tests:   []string{"TestPasswordReset/TheTokenWorksOnce", "TestPasswordReset/AnExpiredTokenIsRefused", "TestState_ADeactivatedPersonsLinksStopAtOnce"}},
	{Name: "webhook signing secret",
		Revoked: "replaced by an administrator (the next delivery, retries included, is signed with the new one only); the endpoint deleted or disabled",
		Tests: []string{"TestWebhooks_AnAdminAddsAnEndpointAndItReceivesSignedEvents/ReplacingTheSecretSignsWithTheNewOneAtOnce",
			"TestConsoleWebhooks_AnAccountAddsAnEndpointThatHearsItsPortals/ReplacingTheSecretSignsWithTheNewOneAtOnce",
			"TestWebhooks_AnAdminAddsAnEndpointAndItReceivesSignedEvents/DisableEnableDelete"}},
}
