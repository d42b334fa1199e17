// Package apikey owns the REST API's keys: their format, how a secret is
// made, stored and checked, their scopes and the fixed set of permissions
// a key may hold. It imports no infrastructure.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
)

// Prefix starts every key, so that a key is recognisable in a file or a
// leak report.
const Prefix = "upw_"

// Scope is whom a key belongs to.
type Scope string

// Scopes. Account and reseller keys provision portals; portal keys manage
// one portal's people and read its learning.
const (
	ScopeAccount  Scope = "account"
	ScopeReseller Scope = "reseller"
	ScopePortal   Scope = "portal"
)

// Permission is one thing a key may do.
type Permission string

// The permissions of portal keys.
const (
	UsersRead      Permission = "users:read"
	UsersWrite     Permission = "users:write"
	GroupsRead     Permission = "groups:read"
	GroupsWrite    Permission = "groups:write"
	EnrolmentsRead Permission = "enrolments:read"
	// EnrolmentsWrite enrols, withdraws and assigns.
	EnrolmentsWrite Permission = "enrolments:write"
	CoursesRead     Permission = "courses:read"
	// CoursesWrite imports SCORM packages as courses.
	CoursesWrite Permission = "courses:write"
	// ProgressRead reads progress, completions and certificates.
	ProgressRead Permission = "progress:read"
	// RecordsRead reads the learning records (the statements).
	RecordsRead Permission = "records:read"
	// SCIMProvision is an identity provider's: SCIM 2.0 provisioning at
	// /scim/v2 (people created, changed, deactivated).
	SCIMProvision Permission = "scim:provision"
)

// The permissions of account and reseller keys.
const (
	// PortalsRead lists the organisation's portals and reads their usage.
	PortalsRead Permission = "portals:read"
	// PortalsWrite provisions portals and changes them.
	PortalsWrite Permission = "portals:write"
)

// PortalPermissions lists every permission of a portal key, in the order
// the consoles show them.
var PortalPermissions = []Permission{UsersRead, UsersWrite, GroupsRead, GroupsWrite,
	EnrolmentsRead, EnrolmentsWrite, CoursesRead, CoursesWrite, ProgressRead, RecordsRead, SCIMProvision}

// OrgPermissions lists every permission of an account's or a reseller's
// key.
var OrgPermissions = []Permission{PortalsRead, PortalsWrite}

// PermissionsOf lists the permissions a key of the scope may hold.
func PermissionsOf(s Scope) []Permission {
	if s == ScopePortal {
		return PortalPermissions
	}
	return OrgPermissions
}

// Describe says in a few words what a permission allows.
func Describe(p Permission) string {
	switch p {
	case UsersRead:
		return "List and read people"
	case UsersWrite:
		return "Invite people, change their names, roles, managers and status"
	case GroupsRead:
		return "List groups and their members"
	case GroupsWrite:
		return "Create groups, add and remove members"
	case EnrolmentsRead:
		return "List enrolments and assignments"
	case EnrolmentsWrite:
		return "Enrol, withdraw, assign courses to groups"
	case CoursesRead:
		return "List published courses and their outlines"
	case CoursesWrite:
		return "Import SCORM packages as courses"
	case ProgressRead:
		return "Read progress, completions and certificates"
	case RecordsRead:
		return "Read learning records (xAPI-shaped statements)"
	case SCIMProvision:
		return "Provision people from an identity provider over SCIM 2.0 (/scim/v2)"
	case PortalsRead:
		return "List portals and read their usage"
	case PortalsWrite:
		return "Open portals, change their plan, seats, status and branding"
	}
	return string(p)
}

// Key is an API key as stored: everything but its secret.
type Key struct {
	ID          string
	Name        string
	Scope       Scope
	ScopeID     int64 // the portal's (tenant's), account's or reseller's ID
	Permissions []Permission
	CreatedAt   time.Time
	CreatedBy   string // who made it, for the consoles
	RevokedAt   *time.Time
	LastUsedAt  *time.Time
}

// Active reports whether the key may still be used.
func (k Key) Active() bool { return k.RevokedAt == nil }

// Can reports whether the key holds permission p.
func (k Key) Can(p Permission) bool { return slices.Contains(k.Permissions, p) }

// RoleGrants is what a portal role can do, in the permissions of a key:
// an administrator can do anything (and make a key with every
// permission); an instructor authors courses; a learner nothing of this.
func RoleGrants(r user.Role) []Permission {
	switch r {
	case user.Admin:
		return PortalPermissions
	case user.Instructor:
		return []Permission{CoursesRead, CoursesWrite}
	}
	return nil
}

// MayManage checks that the key may set a person's roles from current to
// next (inviting someone: current is nil): a key never gives a role that
// grants what the key does not hold, nor changes someone who holds more
// than it does, so no key can make or unmake a party stronger than
// itself.
func (k Key) MayManage(current, next []user.Role) error {
	for _, set := range [][]user.Role{current, next} {
		for _, r := range set {
			for _, p := range RoleGrants(r) {
				if k.Can(p) {
					continue
				}
				msg := "This key cannot give the " + string(r) + " role: the role can do more than the key (" + string(p) + "). An administrator can, at /admin/users."
				if slices.Contains(current, r) {
					msg = "This key cannot change someone with the " + string(r) + " role, who can do more than the key (" + string(p) + "). An administrator can, at /admin/users."
				}
				return &apperr.Error{Code: apperr.EFORBIDDEN, Field: "roles", Message: msg}
			}
		}
	}
	return nil
}

// LastUsedGranularity is how stale last_used_at may be: it moves on at
// most this often, so that a busy key does not write on every request.
const LastUsedGranularity = time.Minute

// encoding is lower-case base32 without padding: letters and digits only,
// so a key survives being double-clicked, and '_' can separate its parts.
var encoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// Lengths of a key's parts: 10 random bytes of id (16 characters), 32 of
// secret (52 characters).
const (
	idBytes     = 10
	secretBytes = 32
	idLen       = 16
	secretLen   = 52
)

// New makes a key's id, its token (what the user is shown, once) and the
// hash of its secret (what is stored).
func New() (id, token string, hash []byte) {
	id = random(idBytes)
	secret := random(secretBytes)
	return id, Prefix + id + "_" + secret, HashSecret(secret)
}

func random(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("apikey: no randomness: " + err.Error()) // the kernel's RNG does not fail
	}
	return encoding.EncodeToString(b)
}

// HashSecret is how a secret is stored: SHA-256 is enough for 256 random
// bits, which no one can guess, so no slow hash is needed.
func HashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Parse splits a token into its id and secret. ok is false for anything
// not shaped like a key.
func Parse(token string) (id, secret string, ok bool) {
	rest, found := strings.CutPrefix(token, Prefix)
	if !found {
		return "", "", false
	}
	id, secret, found = strings.Cut(rest, "_")
	if !found || len(id) != idLen || len(secret) != secretLen || !alphabet(id) || !alphabet(secret) {
		return "", "", false
	}
	return id, secret, true
}

func alphabet(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '2' || c > '7') {
			return false
		}
	}
	return true
}

// Matches compares a secret with a stored hash in constant time.
func Matches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(HashSecret(secret), hash) == 1
}

// ValidateName checks a key's name: what it is for, so that an
// administrator knows which one to revoke.
func ValidateName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "name", Message: "Name the key after what will use it, such as “HR system sync”."}
	case n > 100:
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "name", Message: "Keep the name to 100 characters or fewer."}
	}
	return s, nil
}

// ValidatePermissions checks the permissions of a key of the scope: at
// least one, each one a key of that scope may hold; they come back in the
// usual order without repeats.
func ValidatePermissions(scope Scope, perms []Permission) ([]Permission, error) {
	if len(perms) == 0 {
		return nil, &apperr.Error{Code: apperr.EINVALID, Field: "permissions", Message: "Choose at least one permission."}
	}
	known := PermissionsOf(scope)
	for _, p := range perms {
		if !slices.Contains(known, p) {
			return nil, &apperr.Error{Code: apperr.EINVALID, Field: "permissions", Message: "“" + string(p) + "” is not a permission of this kind of key."}
		}
	}
	out := make([]Permission, 0, len(perms))
	for _, p := range known {
		if slices.Contains(perms, p) {
			out = append(out, p)
		}
	}
	return out, nil
}
