package postgres

import (
	"io/fs"

	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/tenant"
)

// Services are the storage services of one database. The composition root
// makes them once and hands the same ones to the pages, the API and the
// commands, so that a service's settings (where SCORM packages live,
// whether webhooks may reach private addresses) are decided in one place.
type Services struct {
	Tenants       *TenantService
	Users         *UserService
	Operators     *OperatorService
	Resellers     *ResellerService
	Groups        *GroupService
	Courses       *CourseService
	Learning      *LearningService
	Paths         *PathService
	Console       *ConsoleService
	Accounts      *AccountService
	AuditLog      *AuditService
	Reports       *ReportService
	Webhooks      *WebhookService
	OrgWebhooks   *OrgWebhookService
	APIKeys       *APIKeyService
	Scorm         *ScormService
	Notifications *NotificationService
	LiveSessions  *LiveSessionService
	Discussions   *DiscussionService
	Activity      *ActivityService
	// Provisioner opens portals for the console and the provisioning API.
	Provisioner *Provisioner
	// RateCounter counts rate-limited requests for every server.
	RateCounter *RateCounter
}

// ServiceOptions are what some services need besides the database.
type ServiceOptions struct {
	Outbox    *Outbox                    // mail, sent with the transaction that causes it
	PortalURL func(tenant.Tenant) string // a portal's address, for links in mail
	ScormDir  string                     // where SCORM packages are extracted
	// AllowPrivateNetworks lets webhook endpoints be on this machine or a
	// private network: for development only.
	AllowPrivateNetworks bool
	PutFile              func(name string, data []byte) error // uploads (a new portal's logo)
	LibraryFS            fs.FS                                // the built-in course library
	Library              []library.Loaded                     // ... as loaded from LibraryFS
}

// NewServices makes every service of db.
func NewServices(db *DB, o ServiceOptions) *Services {
	s := &Services{
		Tenants:       NewTenantService(db),
		Users:         NewUserService(db, o.Outbox, o.PortalURL),
		Operators:     NewOperatorService(db),
		RateCounter:   NewRateCounter(db),
		Resellers:     NewResellerService(db),
		Groups:        NewGroupService(db),
		Courses:       NewCourseService(db),
		Learning:      NewLearningService(db),
		Paths:         NewPathService(db),
		Console:       NewConsoleService(db),
		Accounts:      NewAccountService(db),
		AuditLog:      NewAuditService(db),
		Reports:       NewReportService(db),
		Webhooks:      NewWebhookService(db, o.AllowPrivateNetworks),
		OrgWebhooks:   NewOrgWebhookService(db, o.AllowPrivateNetworks),
		APIKeys:       NewAPIKeyService(db),
		Scorm:         NewScormService(db, o.ScormDir),
		Notifications: NewNotificationService(db),
		LiveSessions:  NewLiveSessionService(db),
		Discussions:   NewDiscussionService(db),
		Activity:      NewActivityService(db),
	}
	s.Provisioner = NewProvisioner(db, s.Tenants, s.Users, o.PutFile, o.LibraryFS, o.Library)
	return s
}
