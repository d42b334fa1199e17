package server

import (
	"context"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/api"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scormexport"
	"github.com/upward-lms/upward/internal/tenant"
)

// compressible lists the content types worth gzipping.
var compressible = []string{"text/html", "text/css", "text/plain", "text/csv", "text/javascript",
	"application/javascript", "application/json", "application/problem+json", "image/svg+xml"}

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.realIP, s.logRequests, s.recoverPanics, s.secureHeaders, s.crossOriginProtection, s.dropNULFromQuery)
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)

	// On every host. Probes: no sessions, no compression, nothing that
	// could fail but the thing they check.
	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Group(func(r chi.Router) {
		r.Use(middleware.Compress(5, compressible...))
		r.Method(http.MethodGet, "/static/*", s.assets)
		r.Method(http.MethodHead, "/static/*", s.assets)
		r.Get("/brand/{color}.css", s.handleBrandCSS)
		r.Get("/accent/{color}.css", s.handleAccentCSS)
	})

	// Everything else depends on the host: the bare BASE_DOMAIN is the
	// platform, any other host a portal.
	s.platform = s.platformRoutes()
	s.portal = s.portalRoutes()
	s.api = s.apiRoutes()
	s.content = s.contentRoutes()
	r.Handle("/*", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The REST API has a request path of its own: keys, not sessions;
		// JSON problems, not pages (internal/api).
		isAPI := r.URL.Path == api.Prefix || strings.HasPrefix(r.URL.Path, api.Prefix+"/")
		isSCIM := r.URL.Path == api.SCIMPrefix || strings.HasPrefix(r.URL.Path, api.SCIMPrefix+"/")
		switch {
		case s.isContentHost(r):
			// SCORM packages and their runtime, on an origin of their own
			// (content.go): no sessions, no pages.
			s.content.ServeHTTP(w, r)
		case s.isPlatformHost(r) && isAPI:
			s.api.ServePlatform(w, r)
		case s.isPlatformHost(r):
			s.platform.ServeHTTP(w, r)
		case isAPI:
			s.api.ServeHTTP(w, r)
		case isSCIM:
			// SCIM 2.0 provisioning, with the same keys (internal/api/scim.go).
			s.api.ServeSCIM(w, r)
		default:
			s.portal.ServeHTTP(w, r)
		}
	}))
	return r
}

// pageMiddleware is what every HTML page passes through after the host's
// own middleware: no caching unless the handler says so, compression, a
// time limit, the session and CSRF.
func (s *Server) pageMiddleware(r chi.Router) {
	r.Use(noStore, middleware.Compress(5, compressible...), middleware.Timeout(s.cfg.RequestTimeout), s.sessions.LoadAndSave, s.endIdleSessions)
}

// noStore keeps pages out of every cache: they carry a person's data and
// a CSRF token, which neither a shared proxy nor the back button of a
// shared computer should replay. Handlers of files that may be cached (a
// logo, an upload, named by its content) set their own Cache-Control.
func noStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func (s *Server) platformRoutes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	s.pageMiddleware(r)
	r.Use(s.checkCSRF, s.loadOperator)
	r.Get("/", s.handleHome)
	r.Get("/verify/{code}", s.handleVerify)
	// The console: the members of an account or a reseller.
	r.Group(func(r chi.Router) {
		r.Get("/console/login", s.handleConsoleLoginShow)
		r.With(s.throttleSignIn).Post("/console/login", s.handleConsoleLogin)
		r.Post("/console/logout", s.handleConsoleLogout)
		r.Get(postgres.ConsoleInvitationPath, s.handleConsoleInvitationShow)
		r.Post(postgres.ConsoleInvitationPath, s.handleConsoleInvitationAccept)
		r.Group(func(r chi.Router) {
			r.Use(s.requireConsole)
			r.Get("/console", s.handleConsole)
			r.Get("/console/usage.csv", s.handleConsoleUsageCSV)
			r.Get("/console/portals/new", s.handleConsoleNewPortal)
			r.Post("/console/portals", s.handleConsoleCreatePortal)
			r.Get("/console/portals/{id}", s.handleConsolePortal)
			r.Post("/console/portals/{id}", s.handleConsolePortalSave)
			r.Post("/console/portals/{id}/copy", s.handleConsoleCopyCourse)
			r.Post("/console/portals/{id}/copy-path", s.handleConsoleCopyPath)
			r.Get("/console/api-keys", s.handleConsoleAPIKeys)
			r.Post("/console/api-keys", s.handleConsoleAPIKeyCreate)
			r.Post("/console/api-keys/{id}/revoke", s.handleConsoleAPIKeyRevoke)
			r.Get("/console/members", s.handleConsoleMembers)
			r.Post("/console/members", s.handleConsoleInvite)
			r.Post("/console/members/{id}/remove", s.handleConsoleMemberRemove)
			r.Post("/console/invitations/{id}/cancel", s.handleConsoleInvitationCancel)
			r.Get("/console/webhooks", s.handleConsoleWebhooks)
			r.Post("/console/webhooks", s.handleConsoleWebhookCreate)
			r.Get("/console/webhooks/{id}", s.handleConsoleWebhook)
			r.Post("/console/webhooks/{id}/test", s.handleConsoleWebhookTest)
			r.Post("/console/webhooks/{id}/enable", s.handleConsoleWebhookEnabled(true))
			r.Post("/console/webhooks/{id}/disable", s.handleConsoleWebhookEnabled(false))
			r.Post("/console/webhooks/{id}/rotate-secret", s.handleConsoleWebhookRotate)
			r.Post("/console/webhooks/{id}/delete", s.handleConsoleWebhookDelete)
			// A reseller's white label.
			r.Get("/console/branding", s.handleConsoleBranding)
			r.Post("/console/branding", s.handleConsoleBrandingSave)
			r.Get("/console/branding/{name}", s.handleConsoleBrandingLogo)
		})
	})
	r.Get("/platform/login", s.handleOperatorLoginShow)
	r.With(s.throttleSignIn).Post("/platform/login", s.handleOperatorLogin)
	r.Post("/platform/logout", s.handleLogout)
	r.Group(func(r chi.Router) {
		r.Use(s.requireOperator, s.require(access.ManagePlatform))
		r.Get("/platform", s.handlePlatformTenants)
		r.Get("/platform/tenants/new", s.handlePlatformTenantNew)
		r.Post("/platform/tenants", s.handlePlatformTenantCreate)
		r.Get("/platform/tenants/{id}", s.handlePlatformTenantShow)
		r.Post("/platform/tenants/{id}", s.handlePlatformTenantUpdate)
		r.Post("/platform/tenants/{id}/domains/verify", s.handlePlatformDomainVerify)
		r.Get("/platform/resellers", s.handlePlatformResellers)
		r.Post("/platform/resellers", s.handlePlatformResellerCreate)
		r.Post("/platform/resellers/{id}/status", s.handlePlatformResellerStatus)
		r.Post("/platform/resellers/invite", s.handlePlatformResellerInvite)
		r.Get("/platform/accounts", s.handlePlatformAccounts)
		r.Post("/platform/accounts", s.handlePlatformAccountCreate)
		r.Post("/platform/accounts/invite", s.handlePlatformAccountInvite)
		r.Post("/platform/accounts/{id}/status", s.handlePlatformAccountStatus)
		r.Post("/platform/resellers/{id}/domain", s.handlePlatformResellerDomain)
	})
	if !s.cfg.Production() {
		r.Get("/dev/mailbox", s.handleMailbox)
		r.Get("/dev/mailbox/{id}", s.handleMail)
	}
	return r
}

func (s *Server) portalRoutes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(s.notFound)
	r.MethodNotAllowed(s.methodNotAllowed)
	r.Use(s.resolveTenant)
	s.pageMiddleware(r)
	r.Use(s.checkCSRF, s.loadPortalUser)

	r.Get("/", s.handlePortalHome)
	r.Get("/logo/{name}", s.handleLogo)
	r.With(s.requireSignIn).Get("/files/{name}", s.handleFile)
	r.Get("/login", s.handleLoginShow)
	r.With(s.throttleSignIn).Post("/login", s.handleLogin)
	r.Post("/logout", s.handleLogout)
	r.Get("/register", s.handleRegisterShow)
	r.Post("/register", s.handleRegister)
	r.Get("/verify-email", s.handleVerifyEmail)
	r.Get("/password/forgot", s.handleForgotShow)
	r.Post("/password/forgot", s.handleForgot)
	r.Get("/password/reset", s.handleResetShow)
	r.Post("/password/reset", s.handleReset)
	r.Get("/account/email/confirm", s.handleEmailConfirm)
	r.Get("/invitations/accept", s.handleInvitationShow)
	r.Post("/invitations/accept", s.handleInvitationAccept)
	// A calendar program has no session: the feed's secret token is its key.
	r.Get("/calendar/{token}/sessions.ics", s.handleCalendarFeed)

	r.Group(func(r chi.Router) {
		r.Use(s.requireSignIn)
		r.Get("/account", s.handleAccount)
		r.Post("/account/profile", s.handleProfileSave)
		r.Post("/account/password", s.handlePasswordChange)
		r.Post("/account/email", s.handleEmailChange)
		r.Post("/account/sign-out-everywhere", s.handleSignOutEverywhere)

		r.Get("/learn", s.handleDashboard)
		r.Get("/learn/plan", s.handleMyPlan)
		r.Get("/notifications", s.handleNotifications)
		r.Get("/notifications/unread", s.handleNotificationsUnread)
		r.Post("/notifications/read", s.handleNotificationsReadAll)
		r.Post("/notifications/{id}/read", s.handleNotificationRead)
		r.Get("/account/notifications", s.handleNotificationPreferences)
		r.Post("/account/notifications", s.handleNotificationPreferencesSave)
		r.Get("/team", s.handleTeam)
		r.Group(func(r chi.Router) {
			// A manager acts for their direct reports (handle_team.go).
			r.Use(s.require(access.LeadTeam))
			r.Post("/team/{id}/assign", s.handleTeamAssign)
			r.Post("/team/{id}/nudge", s.handleTeamNudge)
			r.Post("/team/{id}/comments", s.handleTeamComment)
		})
		r.Get("/courses", s.handleCatalog)
		r.Post("/enrol-code", s.handleEnrolCode)
		r.Get("/courses/{slug}", s.handleLearnerCourse)
		r.Post("/courses/{slug}/enrol", s.handleEnrol)
		r.Post("/courses/{slug}/unenrol", s.handleUnenrol)
		r.Post("/courses/{slug}/restart", s.handleRestart)
		r.Get("/courses/{slug}/lessons/{key}", s.handleLesson)
		r.Post("/courses/{slug}/lessons/{key}/complete", s.handleMarkComplete)
		r.Post("/courses/{slug}/lessons/{key}/beat", s.handleBeat)
		r.Post("/courses/{slug}/lessons/{key}/quizzes/{block}", s.handleQuizSubmit)
		r.Post("/courses/{slug}/lessons/{key}/reflections/{block}", s.handleReflectionSave)
		r.Post("/courses/{slug}/lessons/{key}/writing/{block}", s.handleWritingSave)
		r.Post("/courses/{slug}/lessons/{key}/checklists/{block}", s.handleChecklistSave)
		r.Get("/paths/{slug}", s.handlePath)
		r.Post("/paths/{slug}/start", s.handlePathStart)
		r.Post("/paths/{slug}/self-assessment", s.handlePathSelfRate)
		r.Post("/paths/{slug}/steps/{step}/start", s.handleStepStart)
		// Live sessions, for learners.
		r.Get("/sessions", s.handleMySessions)
		r.Get("/sessions/{id}", s.handleSession)
		r.Post("/sessions/{id}/register", s.handleSessionRegister)
		r.Post("/sessions/{id}/cancel", s.handleSessionCancelPlace)
		r.Get("/sessions/{id}/calendar.ics", s.handleSessionICS)
		r.Post("/account/calendar", s.handleCalendarNew)
		r.Post("/account/calendar/revoke", s.handleCalendarRevoke)
		r.Get("/certificates/{code}", s.handleCertificate)
		r.Get("/certificates/{code}/pdf", s.handleCertificatePDF)
		r.Get("/certificate-signature/{name}", s.handleCertificateSignature)
		// Discussions (handle_discussions.go) and the activity feed.
		r.Post("/courses/{slug}/posts", s.handleCoursePost)
		r.Get("/courses/{slug}/lessons/{key}/discussion", s.handleLessonDiscussion)
		r.Post("/courses/{slug}/lessons/{key}/posts", s.handleLessonPost)
		r.Get("/posts/{id}/edit", s.handlePostEditShow)
		r.Post("/posts/{id}/edit", s.handlePostEdit)
		r.Post("/posts/{id}/delete", s.handlePostDelete)
		r.Post("/posts/{id}/helpful", s.handlePostHelpful)
		r.Get("/posts/{id}/report", s.handlePostReportShow)
		r.Post("/posts/{id}/report", s.handlePostReport)
		r.Post("/posts/{id}/pin", s.handlePostPin)
		r.Post("/posts/{id}/hide", s.handlePostHide)
		r.Get("/activity", s.handleActivity)
		r.Post("/account/activity", s.handleActivityOptOut)

		r.Route("/admin", func(r chi.Router) {
			r.Route("/courses", func(r chi.Router) {
				r.Use(s.require(access.AuthorCourses))
				r.Get("/", s.handleAdminCourses)
				r.Post("/", s.handleCourseCreate)
				r.Post("/library", s.handleCourseFromLibrary)
				r.Post("/import", s.handleCourseImport)
				r.Post("/import-scorm", s.handleScormImport)
				r.Get("/{id}", s.handleCourseEdit)
				r.Post("/{id}/details", s.handleCourseDetails)
				r.Post("/{id}/uploads", s.handleCourseUpload)
				r.Get("/{id}/cover", s.handleCourseCover)
				r.Post("/{id}/cover", s.handleCourseCoverUpload)
				r.Post("/{id}/cover/remove", s.handleCourseCoverRemove)
				r.Get("/{id}/export", s.handleCourseExport)
				r.Post("/{id}/scorm", s.handleScormNewVersion)
				r.Get("/{id}/export/scorm12", s.handleCourseSCORMExport(scormexport.SCORM12))
				r.Get("/{id}/export/scorm2004", s.handleCourseSCORMExport(scormexport.SCORM2004))
				r.Post("/{id}/duplicate", s.handleCourseDuplicate)
				r.Post("/{id}/archive", s.handleCourseArchive)
				r.Get("/{id}/learners", s.handleCourseLearners)
				r.Post("/{id}/enrolment", s.handleCourseEnrolment)
				r.Post("/{id}/assign", s.handleCourseAssign)
				r.Post("/{id}/modules", s.handleModuleAdd)
				r.Post("/{id}/modules/{key}", s.handleModuleRename)
				r.Post("/{id}/modules/{key}/lessons", s.handleLessonAdd)
				r.Post("/{id}/modules/{key}/move", s.handleModuleMove)
				r.Post("/{id}/publish", s.handleCoursePublish)
				r.Post("/{id}/rollback", s.handleCourseRollback)
				r.Get("/{id}/lessons/{key}", s.handleLessonEdit)
				r.Post("/{id}/lessons/{key}", s.handleLessonRename)
				r.Post("/{id}/lessons/{key}/move", s.handleLessonMove)
				r.Post("/{id}/lessons/{key}/blocks", s.handleBlockSave)
				r.Post("/{id}/lessons/{key}/blocks/{block}/move", s.handleBlockMove)
				r.Post("/{id}/lessons/{key}/blocks/{block}/delete", s.handleBlockDelete)
				r.Post("/{id}/lessons/{key}/blocks/undo", s.handleBlockUndo)
				r.Post("/{id}/lessons/{key}/blocks/preview", s.handleBlockPreview)
				r.Get("/{id}/lessons/{key}/preview", s.handleLessonPreview)
				r.Post("/{id}/lessons/{key}/preview", s.handleLessonPreviewAnswer)
			})
			r.Route("/paths", func(r chi.Router) {
				r.Use(s.require(access.AuthorCourses))
				r.Get("/", s.handleAdminPaths)
				r.Post("/", s.handleAdminPathCreate)
				r.Get("/{id}", s.handleAdminPath)
				r.Post("/{id}", s.handleAdminPathSave)
				r.Post("/{id}/status", s.handleAdminPathStatus)
				r.Post("/{id}/assign", s.handleAdminPathAssign)
				r.Post("/{id}/steps", s.handleAdminStepAdd)
				r.Post("/{id}/steps/{course}/move", s.handleAdminStepMove)
				r.Post("/{id}/steps/{course}/unlock", s.handleAdminStepUnlock)
				r.Post("/{id}/steps/{course}/delete", s.handleAdminStepDelete)
			})
			r.Route("/sessions", func(r chi.Router) {
				r.Use(s.require(access.ScheduleSessions))
				r.Get("/", s.handleAdminSessions)
				r.Get("/new", s.handleAdminSessionNew)
				r.Post("/", s.handleAdminSessionCreate)
				r.Get("/{id}", s.handleAdminSession)
				r.Post("/{id}", s.handleAdminSessionSave)
				r.Post("/{id}/cancel", s.handleAdminSessionCancel)
				r.Post("/{id}/attendance", s.handleAdminSessionAttendance)
			})
			r.Route("/reports", func(r chi.Router) {
				r.Use(s.require(access.ViewReports))
				r.Get("/", s.handleReportOverview)
				r.Get("/summary.csv", s.handleReportCSV(csvSummary))
				r.Get("/completions.csv", s.handleReportCSV(csvCompletions))
				r.Get("/states.csv", s.handleReportCSV(csvStates))
				r.Get("/courses.csv", s.handleReportCSV(csvCourses))
				r.Get("/paths.csv", s.handleReportCSV(csvPaths))
				r.Get("/courses/{id}", s.handleCourseReport)
				r.Get("/courses/{id}/summary.csv", s.handleReportCSV(csvCourseSummary))
				r.Get("/courses/{id}/learners.csv", s.handleReportCSV(csvCourseLearners))
				r.Get("/courses/{id}/questions.csv", s.handleReportCSV(csvQuestions))
				r.Get("/learners/{id}", s.handleLearnerReport)
				r.Get("/learners/{id}/courses.csv", s.handleReportCSV(csvLearnerCourses))
				r.Get("/learners/{id}/quizzes.csv", s.handleReportCSV(csvLearnerQuizzes))
				r.Get("/learners/{id}/paths.csv", s.handleReportCSV(csvLearnerPaths))
				r.Get("/paths/{id}", s.handlePathReport)
				r.Get("/paths/{id}/summary.csv", s.handleReportCSV(csvPathSummary))
				r.Get("/paths/{id}/steps.csv", s.handleReportCSV(csvPathSteps))
				r.Get("/paths/{id}/learners.csv", s.handleReportCSV(csvPathLearners))
			})
			r.Get("/discussions", s.handleModerationQueue)
			r.Post("/discussions/{id}/dismiss", s.handleReportsDismiss)
			r.Route("/webhooks", func(r chi.Router) {
				r.Use(s.require(access.ManageIntegrations))
				r.Get("/", s.handleWebhooks)
				r.Post("/", s.handleWebhookCreate)
				r.Get("/{id}", s.handleWebhook)
				r.Post("/{id}/test", s.handleWebhookTest)
				r.Post("/{id}/enable", s.handleWebhookEnabled(true))
				r.Post("/{id}/disable", s.handleWebhookEnabled(false))
				r.Post("/{id}/rotate-secret", s.handleWebhookRotate)
				r.Post("/{id}/delete", s.handleWebhookDelete)
			})
			r.Group(func(r chi.Router) {
				r.Use(s.require(access.ManageUsers))
				r.Get("/", s.handleAdminHome)
				r.Get("/users", s.handleAdminUsers)
				r.Post("/users/invite", s.handleAdminInvite)
				r.Get("/users/import", s.handleAdminUsersImportShow)
				r.Post("/users/import", s.handleAdminUsersImportPreview)
				r.Post("/users/import/confirm", s.handleAdminUsersImport)
				r.Get("/users/{id}", s.handleAdminUser)
				r.Post("/users/{id}", s.handleAdminUserUpdate)
				r.Post("/users/{id}/password-reset", s.handleAdminPasswordReset)
				r.Get("/users/{id}/export", s.handleAdminUserExport)
				r.Post("/users/{id}/erase", s.handleAdminUserErase)
				r.Post("/users/{id}/groups", s.handleAdminUserJoin)
				r.Post("/users/{id}/groups/{groupID}/remove", s.handleAdminUserLeave)
				r.Get("/groups", s.handleAdminGroups)
				r.Post("/groups", s.handleAdminGroupCreate)
				r.Get("/groups/{id}", s.handleAdminGroup)
				r.Post("/groups/{id}/members", s.handleAdminGroupAddMember)
				r.Post("/groups/{id}/members/{userID}/remove", s.handleAdminGroupRemoveMember)
				r.Get("/settings", s.handleAdminSettings)
				r.Post("/settings", s.handleAdminSettingsSave)
				r.Post("/settings/logo", s.handleLogoUpload)
				r.Post("/settings/preview", s.handleAdminSettingsPreview)
				r.Post("/settings/domains", s.handleDomainRequest)
				r.Post("/settings/domains/withdraw", s.handleDomainWithdraw)
				r.Group(func(r chi.Router) {
					r.Use(s.require(access.ManagePortal))
					r.Get("/settings/certificates", s.handleCertificateDesign)
					r.Post("/settings/certificates", s.handleCertificateDesignSave)
				})
				r.Get("/audit", s.handleAdminAudit)
				r.Get("/audit.csv", s.handleAdminAuditCSV)
				r.Get("/api-keys", s.handleAdminAPIKeys)
				r.Post("/api-keys", s.handleAdminAPIKeyCreate)
				r.Post("/api-keys/{id}/revoke", s.handleAdminAPIKeyRevoke)
			})
		})
	})
	return r
}

// apiRoutes builds the REST API (internal/api) with the server's services.
func (s *Server) apiRoutes() *api.API {
	return api.New(api.Deps{
		DB: s.db, Services: s.services,
		BaseDomain: s.cfg.BaseDomain, Production: s.cfg.Production(),
		RateLimit: s.cfg.APIRateLimit, RequestTimeout: s.cfg.RequestTimeout,
		Assets: s.assets, Logger: s.log,
		NoteTenant: func(ctx context.Context, slug string) { infoFrom(ctx).Tenant = slug },
		PortalURL:  func(r *http.Request, t tenant.Tenant) string { return s.portalURL(r, t) },
	})
}
