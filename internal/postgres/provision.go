package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// NewPortal is a portal an account or a reseller asks for, in the console
// or over the API.
type NewPortal struct {
	Portal tenant.Tenant
	// The first administrator, invited by e-mail.
	AdminEmail, AdminName string
	// LibraryCourses are the slugs of library courses to install,
	// published.
	LibraryCourses []string
}

// Provisioner opens portals for accounts and resellers: the portal, its
// first administrator's invitation and the chosen library courses. The
// console and the API both provision through it, so the two cannot drift.
type Provisioner struct {
	db      *DB
	tenants *TenantService
	users   *UserService
	put     func(name string, data []byte) error
	library LoadedLibrary
	// catalog lists the library's courses, read once.
	catalog []LibraryCourse
}

// LibraryCourse is a course of the built-in library a new portal may
// start with.
type LibraryCourse struct {
	Slug, Title, Summary string
}

// NewProvisioner returns the provisioner; put stores course files,
// libraryFS is the course library and loaded its courses, as the caller
// read them once.
func NewProvisioner(db *DB, tenants *TenantService, users *UserService, put func(string, []byte) error, libraryFS fs.FS, loaded []library.Loaded) *Provisioner {
	lib, _ := NewLoadedLibrary(libraryFS, loaded) // a path with problems is left out
	p := &Provisioner{db: db, tenants: tenants, users: users, put: put, library: lib}
	for _, l := range loaded {
		p.catalog = append(p.catalog, LibraryCourse{Slug: l.Course.Slug, Title: l.Course.Title, Summary: l.Course.Summary})
	}
	return p
}

// LibraryCourses lists the courses a new portal may start with.
func (p *Provisioner) LibraryCourses() []LibraryCourse { return p.catalog }

// Provision checks the whole request first, so that bad input changes
// nothing; then it creates the portal (for the org's account, or for a
// reseller a new client account named after the portal), invites its
// first administrator and installs the courses.
//
// Only an infrastructure failure can stop it half-way, and then the
// portal exists: its administrator can be invited again from it, and the
// courses installed again (installing skips what is there).
func (p *Provisioner) Provision(ctx context.Context, org Org, np NewPortal, by AuditActor) (tenant.Tenant, error) {
	t := np.Portal
	if !org.IsReseller() {
		// Plans and seats are what a reseller sells; an account's portal
		// takes the defaults and the platform's operators change them.
		t.Plan, t.SeatLimit = "", 0
	}
	if t.Plan == "" {
		t.Plan = tenant.DefaultPlan
	}
	if t.SeatLimit == 0 {
		t.SeatLimit = tenant.DefaultSeatLimit
		if pl, ok := plan.Find(t.Plan); ok {
			t.SeatLimit = pl.SeatLimit
		}
	}
	t.Status = tenant.Active
	t.Normalize()
	f := apperr.Fields{}
	if err := t.Validate(); err != nil {
		fields, ok := apperr.FieldsOf(err)
		if !ok {
			return tenant.Tenant{}, err
		}
		for k, msg := range fields {
			f.Add(k, msg)
		}
	}
	if strings.TrimSpace(np.AdminEmail) == "" {
		f.Add("admin_email", "Give the address of the portal's first administrator.")
	} else if _, err := user.NormalizeEmail(np.AdminEmail); err != nil {
		f.Add("admin_email", apperr.Message(err))
	}
	if strings.TrimSpace(np.AdminName) == "" {
		np.AdminName = strings.TrimSpace(np.AdminEmail) // they can change it when they accept
	} else if _, err := user.ValidateName(np.AdminName); err != nil {
		f.Add("admin_name", apperr.Message(err))
	}
	for _, slug := range np.LibraryCourses {
		if !slices.ContainsFunc(p.catalog, func(c LibraryCourse) bool { return c.Slug == slug }) {
			f.Add("library_courses", fmt.Sprintf("The library has no course %q.", slug))
			break
		}
	}
	if err := f.Err(); err != nil {
		return tenant.Tenant{}, err
	}

	if org.AccountID != nil {
		t.AccountID = *org.AccountID
		// A reseller's client account makes its portals the reseller's too.
		if err := p.db.Pool.QueryRow(ctx, `SELECT reseller_id FROM accounts WHERE id = $1`, *org.AccountID).Scan(&t.ResellerID); err != nil {
			return tenant.Tenant{}, fmt.Errorf("provision: account: %w", Error(err, "Account"))
		}
	} else {
		t.AccountID, t.ResellerID = 0, org.ResellerID // the trigger makes the client's account
	}
	created, err := p.tenants.CreateTenant(ctx, t, by)
	if err != nil {
		return tenant.Tenant{}, err
	}
	if _, err := p.users.Invite(ctx, created, Invitation{Email: np.AdminEmail, Name: np.AdminName, Roles: []user.Role{user.Admin, user.Learner}}, by); err != nil {
		return created, fmt.Errorf("provision %s: invite the administrator: %w", created.Slug, err)
	}
	if len(np.LibraryCourses) > 0 {
		if err := p.library.Install(ctx, p.db, p.put, created.ID, LibraryInstall{Courses: np.LibraryCourses, Publish: true, KeepExisting: true},
			by, func(string, ...any) {}); err != nil {
			return created, fmt.Errorf("provision %s: install courses: %w", created.Slug, err)
		}
	}
	return created, nil
}
