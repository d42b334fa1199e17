package user_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	if got, err := user.NormalizeEmail("  Jo.Doe@Example.com "); err != nil || got != "Jo.Doe@Example.com" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"", "jo", "jo@", "@example.com", "Jo <jo@example.com>", "jo@localhost", "a b@example.com", strings.Repeat("a", 250) + "@example.com"} {
		if _, err := user.NormalizeEmail(bad); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("NormalizeEmail(%q) accepted", bad)
		}
	}
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	if _, err := user.ValidateName(strings.Repeat("x", 300)); apperr.Code(err) != apperr.EINVALID {
		t.Error("a 300-character name was accepted")
	}
	if got, err := user.ValidateName("  Amara Okafor "); err != nil || got != "Amara Okafor" {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		"short":                  false,
		"1234567890":             false, // common
		"Password123":            false, // common, whatever the case
		"correct horse battery":  true,
		"ten chars!":             true,
		strings.Repeat("x", 600): false,
	}
	for pw, ok := range cases {
		err := user.ValidatePassword(pw)
		if (err == nil) != ok {
			t.Errorf("ValidatePassword(%.20q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := user.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$") {
		t.Errorf("hash %q is not argon2id", h)
	}
	if !user.CheckPassword("correct horse battery", h) || user.CheckPassword("wrong horse battery", h) {
		t.Error("CheckPassword does not tell right from wrong")
	}
	if user.CheckPassword("anything", "") {
		t.Error("an account without a password accepted one")
	}
}

func TestNewToken(t *testing.T) {
	t.Parallel()
	a, ha := user.NewToken()
	b, _ := user.NewToken()
	if a == b || len(a) < 40 {
		t.Errorf("tokens %q and %q are not long random secrets", a, b)
	}
	if string(user.HashToken(a)) != string(ha) {
		t.Error("HashToken does not match the hash NewToken gave")
	}
}

func TestValidateTimeZone(t *testing.T) {
	t.Parallel()
	if got, err := user.ValidateTimeZone(" Asia/Kolkata "); err != nil || got != "Asia/Kolkata" {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd"} {
		if _, err := user.ValidateTimeZone(bad); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("ValidateTimeZone(%q) accepted", bad)
		}
	}
}
