package scim_test

import (
	"errors"
	"testing"

	"github.com/upward-lms/upward/internal/scim"
)

// Whatever a client sends, parsing never panics, and every refusal is a
// SCIM error with a status a client can act on.
func FuzzRequests(f *testing.F) {
	for _, s := range []string{
		`{"userName":"ana@acme.test","active":true,"name":{"givenName":"Ana"}}`,
		`{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		`{"Operations":[{"op":"replace","value":{"active":false,"name.familyName":"X"}}]}`,
		`{"Operations":[{"op":"add","path":"emails[type eq \"work\"].value","value":["a@b"]}]}`,
		`[]`, `null`, `{"emails":"x"}`, `{"Operations":[{}]}`,
	} {
		f.Add(s, `userName eq "a@b"`)
	}
	f.Fuzz(func(t *testing.T, body, filter string) {
		check := func(err error) {
			if err == nil {
				return
			}
			var se *scim.Error
			if !errors.As(err, &se) || se.Status < 400 || se.Status > 499 || se.Detail == "" {
				t.Fatalf("%q: %v is not a SCIM client error", body, err)
			}
		}
		_, err := scim.ParseFilter(filter)
		check(err)
		attrs, err := scim.Decode([]byte(body))
		check(err)
		if err != nil {
			return
		}
		_, err = scim.ParseUser(attrs)
		check(err)
		ops, err := scim.ParsePatch(attrs)
		check(err)
		if err == nil {
			_, err = scim.Apply(scim.Person{UserName: "a@b", Active: true}, ops)
			check(err)
		}
	})
}
