// Package user owns the people of a portal: their roles, the rules for
// names, e-mail addresses and passwords, and the single-use tokens that
// verify an address, accept an invitation or reset a password.
package user

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/mail"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"

	"github.com/upward-lms/upward/internal/apperr"
)

// Role is what a user may do in their portal; a user may hold several.
type Role string

// Roles.
const (
	Learner    Role = "learner"
	Instructor Role = "instructor"
	Admin      Role = "admin"
)

// AllRoles lists the roles in the order they are shown.
var AllRoles = []Role{Learner, Instructor, Admin}

// Status is where a user's account stands.
type Status string

// Account statuses.
const (
	Invited     Status = "invited"
	Active      Status = "active"
	Deactivated Status = "deactivated"
)

// User is a person in one portal.
type User struct {
	TenantID      int64
	ID            int64
	Email         string
	Name          string
	ManagerID     *int64
	TimeZone      string
	Status        Status
	Roles         []Role
	EmailVerified bool
	SessionEpoch  int
	CreatedAt     time.Time
	UpdatedAt     time.Time // when an account field last changed
}

// Has reports whether the user holds role r.
func (u User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// Token lifetimes.
const (
	VerifyEmailTTL   = 48 * time.Hour
	InvitationTTL    = 7 * 24 * time.Hour
	PasswordResetTTL = time.Hour
	ChangeEmailTTL   = 24 * time.Hour
)

// Token purposes, as stored.
const (
	PurposeVerifyEmail   = "verify_email"
	PurposeInvitation    = "invitation"
	PurposePasswordReset = "password_reset"
	PurposeChangeEmail   = "change_email"
)

// NewToken returns a random secret for a link and the hash to store.
func NewToken() (secret string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("user: no randomness: " + err.Error()) // the kernel's RNG does not fail
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, HashToken(secret)
}

// HashToken is how a token's secret is stored and looked up.
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// NormalizeEmail trims an address and checks its form. Addresses are
// compared without regard to case.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "email", Message: "Enter your e-mail address."}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "email", Message: "Enter an e-mail address like name@example.com."}
	}
	return s, nil
}

// ValidateName checks a person's display name.
func ValidateName(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch n := utf8.RuneCountInString(s); {
	case n == 0:
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "name", Message: "Enter your name."}
	case n > 200:
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "name", Message: "Keep the name to 200 characters or fewer."}
	}
	return s, nil
}

// MinPasswordLength follows current guidance: length over composition rules.
const MinPasswordLength = 10

// ValidatePassword checks a new password: long enough, not absurdly long,
// and not one of the passwords attackers try first.
func ValidatePassword(pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return &apperr.Error{Code: apperr.EINVALID, Field: "password", Message: "Use at least 10 characters."}
	case len(pw) > 512:
		return &apperr.Error{Code: apperr.EINVALID, Field: "password", Message: "Use at most 512 characters."}
	case commonPasswords[strings.ToLower(pw)]:
		return &apperr.Error{Code: apperr.EINVALID, Field: "password", Message: "That password is too common; choose another."}
	}
	return nil
}

// ValidateRoles checks a role set: at least one, each known.
func ValidateRoles(roles []Role) error {
	if len(roles) == 0 {
		return &apperr.Error{Code: apperr.EINVALID, Field: "roles", Message: "Choose at least one role."}
	}
	for _, r := range roles {
		if !slices.Contains(AllRoles, r) {
			return &apperr.Error{Code: apperr.EINVALID, Field: "roles", Message: "Choose learner, instructor or admin."}
		}
	}
	return nil
}

// HashCost names the argon2id parameters new password hashes are made
// with. A stored hash carries its own parameters, so a hash made at one
// cost is checked correctly at any other.
type HashCost string

const (
	// StandardCost follows RFC 9106's second recommended option (64 MiB
	// memory), tuned down in time to stay near 50 ms on a small server.
	StandardCost HashCost = "standard"
	// TestCost is for test suites, which make and sign in thousands of
	// accounts: 64 KiB and one pass take microseconds and protect nothing.
	// A production configuration refuses it.
	TestCost HashCost = "test"
)

// hashing is one cost's parameters, and a hash made with them that no
// password matches: a sign-in for an address without an account checks
// against it, so that it takes the time a real check takes.
type hashing struct {
	params *argon2id.Params
	dummy  string
}

var costs = map[HashCost]*hashing{
	StandardCost: {
		params: &argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32},
		dummy:  "$argon2id$v=19$m=65536,t=1,p=2$c29tZXNhbHRzb21lc2FsdA$4bUnKsmN3w7eQ8fTjH4BPmI0UJxJVRsh6t2cPsGx8Ss",
	},
	TestCost: {
		params: &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		dummy:  "$argon2id$v=19$m=64,t=1,p=1$NCAGgHUHLVw3hOyW83aqjg$QvIKSKbN9PROI+CkQ6Bs5o3lCtc6No+M/+5+UniTMxk",
	},
}

// current is the process's cost: one process serves one configuration,
// and the composition root sets it from there before serving.
var current atomic.Pointer[hashing]

func init() { current.Store(costs[StandardCost]) }

// ValidHashCost reports whether c names a known cost.
func ValidHashCost(c HashCost) bool { return costs[c] != nil }

// SetHashCost makes c the cost of every hash made from now on in this
// process; an unknown cost is refused and changes nothing.
func SetHashCost(c HashCost) error {
	h := costs[c]
	if h == nil {
		return fmt.Errorf("user: unknown password hash cost %q", c)
	}
	current.Store(h)
	return nil
}

// hashSlots bounds the argon2id computations running at once. Each holds
// 64 MiB while it runs: twenty sign-ins at the same moment would hold 1.3
// GB, and the CPU serves no more of them at once than it has cores anyway.
// The others wait their turn.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

func withHashSlot[T any](f func() T) T {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	return f()
}

// HashPassword hashes a password with argon2id at the process's cost.
func HashPassword(pw string) (string, error) {
	type result struct {
		hash string
		err  error
	}
	r := withHashSlot(func() result {
		h, err := argon2id.CreateHash(pw, current.Load().params)
		return result{h, err}
	})
	return r.hash, r.err
}

// CheckPassword reports whether pw matches hash. An empty hash (an
// invitation not yet accepted) matches nothing.
func CheckPassword(pw, hash string) bool {
	if hash == "" {
		// Spend the same time as a real check, so that timing does not tell
		// whether the account exists.
		dummy := current.Load().dummy
		withHashSlot(func() bool { argon2id.ComparePasswordAndHash(pw, dummy); return false })
		return false
	}
	return withHashSlot(func() bool {
		ok, err := argon2id.ComparePasswordAndHash(pw, hash)
		return err == nil && ok
	})
}

// commonPasswords are among the most used passwords that are 10 or more
// characters long, in lower case; shorter ones fail the length rule anyway.
var commonPasswords = setOf(strings.Fields(`
		1234567890 0123456789 1234567891 12345678910 qwertyuiop 1q2w3e4r5t 1qaz2wsx3edc
		password1! password12 password123 password1234 passw0rd123 iloveyou12 qwerty1234
		qwerty12345 qwerty123456 asdfghjkl1 zaq12wsxcv abc1234567 abcdefghij 0987654321
		9876543210 1111111111 0000000000 2222222222 5555555555 aaaaaaaaaa 123qweasdzxc
		letmein123 welcome123 welcome1234 football123 baseball123 sunshine123 princess123
		trustno1234 changeme123 administrator admin12345 admin123456 superman123 starwars123
		michael123 jennifer123 monkey1234 dragon1234 master1234 whatever123 qazwsxedcrfv
		1qazxsw23edc passwordpassword 123456789a a123456789 123456789q q123456789
		1234qwerasdf 1234567890q iloveyou123 myspace123 computer123 internet123
		summer2024 winter2024 spring2024 autumn2024 summer2025 winter2025 password2024
		password2025 password2026 welcome2024 welcome2025 welcome2026 upward1234 upward12345`))

func setOf(words []string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}

// ValidateTimeZone checks an IANA time zone name such as Europe/Paris.
func ValidateTimeZone(tz string) (string, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" || strings.EqualFold(tz, "local") {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "time_zone", Message: "Enter a time zone such as Europe/Paris or America/New_York."}
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return "", &apperr.Error{Code: apperr.EINVALID, Field: "time_zone", Message: "“" + tz + "” is not a time zone we know; try one such as Europe/Paris."}
	}
	return tz, nil
}
