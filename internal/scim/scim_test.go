package scim_test

import (
	"errors"
	"testing"

	"github.com/upward-lms/upward/internal/scim"
)

func mustDecode(t *testing.T, body string) map[string]any {
	t.Helper()
	m, err := scim.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestParseUser_OktaAndEntraShapes(t *testing.T) {
	t.Parallel()
	okta := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ana.lima@acme.test",
		"name":{"givenName":"Ana","familyName":"Lima"},"emails":[{"primary":true,"value":"ana.lima@acme.test","type":"work"}],
		"displayName":"Ana Lima","locale":"en-GB","externalId":"00u1","groups":[],"password":"ignored","active":true}`
	p, err := scim.ParseUser(mustDecode(t, okta))
	if err != nil || p.Address() != "ana.lima@acme.test" || p.Name() != "Ana Lima" || p.ExternalID != "00u1" || !p.Active {
		t.Errorf("okta: %+v %v", p, err)
	}
	// Entra: UPN as userName, capitalised attribute names, the enterprise
	// extension, active as a JSON boolean.
	entra := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"a1b2","UserName":"Bo.Sato@acme.test","Active":false,"Name":{"Formatted":"Bo Sato","FamilyName":"Sato","GivenName":"Bo"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"},"roles":[]}`
	p, err = scim.ParseUser(mustDecode(t, entra))
	if err != nil || p.Address() != "Bo.Sato@acme.test" || p.Name() != "Bo Sato" || p.Active {
		t.Errorf("entra: %+v %v", p, err)
	}
	// A userName that is not an address: the primary e-mail signs in.
	p, _ = scim.ParseUser(mustDecode(t, `{"userName":"cy","emails":[{"value":"old@acme.test"},{"value":"cy@acme.test","primary":true}]}`))
	if p.Address() != "cy@acme.test" {
		t.Errorf("address %q", p.Address())
	}
	for name, body := range map[string]string{
		"no userName":        `{"name":{"givenName":"Di"}}`,
		"active not a bool":  `{"userName":"di@acme.test","active":"maybe"}`,
		"name not an object": `{"userName":"di@acme.test","name":"Di"}`,
	} {
		_, err := scim.ParseUser(mustDecode(t, body))
		var se *scim.Error
		if !errors.As(err, &se) || se.Status != 400 || se.ScimType != "invalidValue" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestApply_PatchOperations(t *testing.T) {
	t.Parallel()
	start := scim.Person{UserName: "ana@acme.test", DisplayName: "Ana Lima", ExternalID: "x", Active: true}
	for name, tt := range map[string]struct {
		body  string
		check func(scim.Person) bool
	}{
		"Entra deactivates with a string": {`{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			func(p scim.Person) bool { return !p.Active }},
		"Okta deactivates without a path": {`{"Operations":[{"op":"replace","value":{"active":false}}]}`,
			func(p scim.Person) bool { return !p.Active }},
		"Entra renames by dotted attributes": {`{"Operations":[{"op":"Replace","value":{"displayName":"Ana Souza","name.familyName":"Souza"}}]}`,
			func(p scim.Person) bool { return p.Name() == "Ana Souza" && p.FamilyName == "Souza" }},
		"Entra changes the work e-mail": {`{"Operations":[{"op":"Replace","path":"emails[type eq \"work\"].value","value":"ana.souza@acme.test"}]}`,
			func(p scim.Person) bool { return p.Email == "ana.souza@acme.test" }},
		"a one-item list of values": {`{"Operations":[{"op":"Add","path":"externalId","value":["y"]}]}`,
			func(p scim.Person) bool { return p.ExternalID == "y" }},
		"remove the external id": {`{"Operations":[{"op":"remove","path":"externalId"}]}`,
			func(p scim.Person) bool { return p.ExternalID == "" }},
		"an attribute Upward does not keep": {`{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Sales"}]}`,
			func(p scim.Person) bool { return p == start }},
	} {
		ops, err := scim.ParsePatch(mustDecode(t, tt.body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := scim.Apply(start, ops)
		if err != nil || !tt.check(got) {
			t.Errorf("%s: %+v %v", name, got, err)
		}
	}
	for name, tt := range map[string]struct{ body, scimType string }{
		"no operations":         {`{"Operations":[]}`, "invalidValue"},
		"an unknown op":         {`{"Operations":[{"op":"move","path":"active"}]}`, "invalidValue"},
		"remove active":         {`{"Operations":[{"op":"remove","path":"active"}]}`, "mutability"},
		"a pathless non-object": {`{"Operations":[{"op":"replace","value":"x"}]}`, "invalidPath"},
	} {
		ops, err := scim.ParsePatch(mustDecode(t, tt.body))
		if err == nil {
			_, err = scim.Apply(start, ops)
		}
		var se *scim.Error
		if !errors.As(err, &se) || se.ScimType != tt.scimType {
			t.Errorf("%s: %v, want %s", name, err, tt.scimType)
		}
	}
}

func TestParseFilterAndPage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]scim.Filter{
		`userName eq "ana@acme.test"`:                    {Attr: "username", Value: "ana@acme.test"},
		`USERNAME EQ "a\"b"`:                             {Attr: "username", Value: `a"b`},
		`externalId eq "00u1"`:                           {Attr: "externalid", Value: "00u1"},
		`emails.value eq "bo@acme.test"`:                 {Attr: "emails.value", Value: "bo@acme.test"},
		`emails[type eq "work"].value eq "bo@acme.test"`: {Attr: "emails.value", Value: "bo@acme.test"},
		``: {},
	} {
		got, err := scim.ParseFilter(in)
		if err != nil || got != want {
			t.Errorf("%q: %+v %v", in, got, err)
		}
	}
	for _, in := range []string{`userName co "ana"`, `name.givenName eq "Ana"`, `userName eq ana`, `userName eq "a" or userName eq "b"`} {
		var se *scim.Error
		if _, err := scim.ParseFilter(in); !errors.As(err, &se) || se.ScimType != "invalidFilter" || se.Status != 400 {
			t.Errorf("%q: %v", in, err)
		}
	}
	if p := scim.ParsePage("0", "5000"); p.Start != 1 || p.Count != scim.MaxPageSize {
		t.Errorf("out of range: %+v", p)
	}
	if p := scim.ParsePage("11", "10"); p.Start != 11 || p.Count != 10 {
		t.Errorf("page: %+v", p)
	}
}

func TestGroupPatch_EntraAndOkta(t *testing.T) {
	t.Parallel()
	for name, tt := range map[string]struct {
		body  string
		check func(scim.GroupChange) bool
	}{
		"Entra adds members": {`{"Operations":[{"op":"Add","path":"members","value":[{"value":"12"},{"value":"13"}]}]}`,
			func(c scim.GroupChange) bool { return len(c.Add) == 2 && c.Add[1] == 13 && !c.ReplaceAll }},
		"Entra removes a member by filter": {`{"Operations":[{"op":"Remove","path":"members[value eq \"12\"]"}]}`,
			func(c scim.GroupChange) bool { return len(c.Remove) == 1 && c.Remove[0] == 12 }},
		"Okta replaces the members": {`{"Operations":[{"op":"replace","path":"members","value":[{"value":"7","display":"x"}]}]}`,
			func(c scim.GroupChange) bool { return c.ReplaceAll && len(c.Replace) == 1 && c.Replace[0] == 7 }},
		"Okta renames in a pathless object": {`{"Operations":[{"op":"replace","value":{"id":"5","displayName":"Sales EMEA"}}]}`,
			func(c scim.GroupChange) bool { return c.DisplayName != nil && *c.DisplayName == "Sales EMEA" }},
		"Okta removes members by value": {`{"Operations":[{"op":"remove","path":"members","value":[{"value":"9"}]}]}`,
			func(c scim.GroupChange) bool { return len(c.Remove) == 1 && c.Remove[0] == 9 }},
		"remove every member": {`{"Operations":[{"op":"remove","path":"members"}]}`,
			func(c scim.GroupChange) bool { return c.ReplaceAll && len(c.Replace) == 0 }},
	} {
		ops, err := scim.ParsePatch(mustDecode(t, tt.body))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := scim.GroupPatch(ops)
		if err != nil || !tt.check(c) {
			t.Errorf("%s: %+v %v", name, c, err)
		}
	}
	for name, body := range map[string]string{
		"a member that is no id": `{"Operations":[{"op":"add","path":"members","value":[{"value":"ana"}]}]}`,
		"an unknown attribute":   `{"Operations":[{"op":"replace","path":"owner","value":"x"}]}`,
		"remove the name":        `{"Operations":[{"op":"remove","path":"displayName"}]}`,
	} {
		ops, err := scim.ParsePatch(mustDecode(t, body))
		if err == nil {
			_, err = scim.GroupPatch(ops)
		}
		var se *scim.Error
		if !errors.As(err, &se) || se.Status != 400 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := scim.GroupFilter(`displayName eq "Sales"`); err != nil {
		t.Error(err)
	}
	if _, err := scim.GroupFilter(`members eq "1"`); err == nil {
		t.Error("a members filter was taken")
	}
}
