package apikey_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
)

func TestNew(t *testing.T) {
	t.Parallel()
	t.Run("TokenParsesBackToItsIDAndASecretMatchingTheHash", func(t *testing.T) {
		id, token, hash := apikey.New()
		if !strings.HasPrefix(token, "upw_"+id+"_") {
			t.Fatalf("token %q does not start with upw_%s_", token, id)
		}
		gotID, secret, ok := apikey.Parse(token)
		if !ok || gotID != id {
			t.Fatalf("Parse(%q) = %q, %v", token, gotID, ok)
		}
		if !apikey.Matches(secret, hash) {
			t.Error("the secret does not match its own hash")
		}
		if apikey.Matches(secret[:len(secret)-1]+"a", hash) && !strings.HasSuffix(secret, "a") {
			t.Error("a changed secret matches")
		}
	})
	t.Run("EveryKeyIsDifferent", func(t *testing.T) {
		seen := map[string]bool{}
		for range 100 {
			id, token, _ := apikey.New()
			if seen[id] || seen[token] {
				t.Fatal("a repeated key")
			}
			seen[id], seen[token] = true, true
		}
	})
}

func TestParse(t *testing.T) {
	t.Parallel()
	_, good, _ := apikey.New()
	id, secret, _ := apikey.Parse(good)
	for name, token := range map[string]string{
		"Empty":           "",
		"NoPrefix":        strings.TrimPrefix(good, "upw_"),
		"OtherPrefix":     "xyz_" + id + "_" + secret,
		"NoSeparator":     "upw_" + id + secret,
		"ShortID":         "upw_" + id[1:] + "_" + secret,
		"ShortSecret":     "upw_" + id + "_" + secret[1:],
		"UpperCase":       strings.ToUpper(good),
		"ForeignLetters":  "upw_" + id + "_" + secret[:51] + "é",
		"ExtraSeparator":  "upw_" + id + "_" + secret[:26] + "_" + secret[27:],
		"DigitsOutsideAl": "upw_" + id + "_" + secret[:51] + "9",
	} {
		t.Run(name, func(t *testing.T) {
			if _, _, ok := apikey.Parse(token); ok {
				t.Errorf("Parse(%q) accepted it", token)
			}
		})
	}
}

func TestValidatePermissions(t *testing.T) {
	t.Parallel()
	t.Run("SortsAndDropsRepeats", func(t *testing.T) {
		got, err := apikey.ValidatePermissions(apikey.ScopePortal, []apikey.Permission{apikey.RecordsRead, apikey.UsersRead, apikey.RecordsRead})
		if err != nil || len(got) != 2 || got[0] != apikey.UsersRead || got[1] != apikey.RecordsRead {
			t.Errorf("got %v, %v", got, err)
		}
	})
	t.Run("NoneIsAFieldError", func(t *testing.T) {
		_, err := apikey.ValidatePermissions(apikey.ScopePortal, nil)
		if f, ok := apperr.FieldsOf(err); !ok || f["permissions"] == "" {
			t.Errorf("err %v", err)
		}
	})
	t.Run("UnknownIsAFieldError", func(t *testing.T) {
		_, err := apikey.ValidatePermissions(apikey.ScopePortal, []apikey.Permission{"users:delete"})
		if f, ok := apperr.FieldsOf(err); !ok || !strings.Contains(f["permissions"], "users:delete") {
			t.Errorf("err %v", err)
		}
	})
	t.Run("APortalPermissionIsNotAnAccountKeys", func(t *testing.T) {
		_, err := apikey.ValidatePermissions(apikey.ScopeAccount, []apikey.Permission{apikey.PortalsRead, apikey.UsersRead})
		if f, ok := apperr.FieldsOf(err); !ok || !strings.Contains(f["permissions"], "users:read") {
			t.Errorf("err %v", err)
		}
		got, err := apikey.ValidatePermissions(apikey.ScopeReseller, []apikey.Permission{apikey.PortalsWrite, apikey.PortalsRead})
		if err != nil || len(got) != 2 || got[0] != apikey.PortalsRead {
			t.Errorf("got %v, %v", got, err)
		}
	})
}

func TestValidateName(t *testing.T) {
	t.Parallel()
	if n, err := apikey.ValidateName("  HR sync "); err != nil || n != "HR sync" {
		t.Errorf("got %q, %v", n, err)
	}
	if _, err := apikey.ValidateName(" "); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("blank: %v", err)
	}
	if _, err := apikey.ValidateName(strings.Repeat("x", 101)); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("long: %v", err)
	}
}
