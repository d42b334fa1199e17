package apikey_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/user"
)

// Every role a key can give grants nothing the key lacks: walked over every
// role and a key holding each single permission, and one holding all.
func TestMayManage_NoKeyMakesAPartyStrongerThanItself(t *testing.T) {
	t.Parallel()
	roles := []user.Role{user.Learner, user.Instructor, user.Admin}
	keys := [][]apikey.Permission{apikey.PortalPermissions}
	for _, p := range apikey.PortalPermissions {
		keys = append(keys, []apikey.Permission{apikey.UsersWrite, p})
	}
	for _, perms := range keys {
		k := apikey.Key{Permissions: perms}
		for _, r := range roles {
			holds := true
			for _, p := range apikey.RoleGrants(r) {
				holds = holds && k.Can(p)
			}
			for _, c := range []struct{ current, next []user.Role }{{nil, []user.Role{r}}, {[]user.Role{r}, []user.Role{user.Learner}}} {
				if err := k.MayManage(c.current, c.next); (err == nil) != holds {
					t.Errorf("key %v, %v to %v: %v", perms, c.current, c.next, err)
				}
			}
		}
	}
	if apikey.RoleGrants(user.Learner) != nil || len(apikey.RoleGrants(user.Admin)) != len(apikey.PortalPermissions) {
		t.Error("a learner grants something, or an admin less than everything")
	}
}
