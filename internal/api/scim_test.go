package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/user"
)

// scimCall sends a SCIM request (the body as written, since identity
// providers' shapes are the point) and returns the status and the body.
func (e *env) scimCall(t *testing.T, portal, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, "http://"+portal+".localhost:"+e.port+"/scim/v2"+path, rd)
	req.Header.Set("Content-Type", "application/scim+json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var m map[string]any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: not JSON: %s", method, path, b)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/scim+json" {
			t.Errorf("%s %s: content type %q", method, path, ct)
		}
	}
	return res.StatusCode, m, res.Header
}

func scimErr(t *testing.T, what string, status int, m map[string]any, wantStatus int, wantType string) {
	t.Helper()
	schemas, _ := m["schemas"].([]any)
	if status != wantStatus || m["status"] != itoaInt(wantStatus) || (wantType != "" && m["scimType"] != wantType) ||
		len(schemas) != 1 || schemas[0] != "urn:ietf:params:scim:api:messages:2.0:Error" || m["detail"] == "" {
		t.Errorf("%s: %d %v, want %d %s as a SCIM error", what, status, m, wantStatus, wantType)
	}
}

func itoaInt(n int) string { b, _ := json.Marshal(n); return string(b) }

// Okta's provisioning: discovery, a lookup by userName, create, a
// conflict, deactivation and reactivation by PATCH, and a PUT.
func TestSCIM_OktaShapedProvisioning(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{People: []fixture.Person{{Email: "boss@acme.test", Name: "Acme Boss", Roles: []user.Role{user.Admin}}}}, fixture.Spec{})
	token := e.key(e.acme.Tenant, apikey.SCIMProvision)

	status, m, _ := e.scimCall(t, "acme", "GET", "/ServiceProviderConfig", token, "")
	if status != 200 || m["patch"].(map[string]any)["supported"] != true {
		t.Errorf("ServiceProviderConfig: %d %v", status, m)
	}
	for _, path := range []string{"/ResourceTypes", "/Schemas"} {
		if status, m, _ := e.scimCall(t, "acme", "GET", path, token, ""); status != 200 || m["totalResults"] != float64(2) {
			t.Errorf("%s: %d %v", path, status, m)
		}
	}
	status, m, _ = e.scimCall(t, "acme", "GET", `/Users?filter=userName+eq+%22ana.lima%40acme.test%22&startIndex=1&count=100`, token, "")
	if status != 200 || m["totalResults"] != float64(0) {
		t.Fatalf("lookup before creating: %d %v", status, m)
	}
	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"ana.lima@acme.test",
		"name":{"givenName":"Ana","familyName":"Lima"},"emails":[{"primary":true,"value":"ana.lima@acme.test","type":"work"}],
		"displayName":"Ana Lima","locale":"en-GB","externalId":"00u1abc","groups":[],"password":"ignored","active":true}`
	status, m, hdr := e.scimCall(t, "acme", "POST", "/Users", token, create)
	if status != 201 || m["userName"] != "ana.lima@acme.test" || m["active"] != true || m["externalId"] != "00u1abc" || !strings.HasSuffix(hdr.Get("Location"), "/scim/v2/Users/"+m["id"].(string)) {
		t.Fatalf("create: %d %v %s", status, m, hdr.Get("Location"))
	}
	id := m["id"].(string)
	status, m, _ = e.scimCall(t, "acme", "POST", "/Users", token, create)
	scimErr(t, "the same userName again", status, m, 409, "uniqueness")

	status, m, _ = e.scimCall(t, "acme", "GET", `/Users?filter=userName%20eq%20%22ANA.LIMA%40acme.test%22`, token, "")
	if status != 200 || m["totalResults"] != float64(1) || m["Resources"].([]any)[0].(map[string]any)["id"] != id {
		t.Errorf("lookup after creating (case differs): %d %v", status, m)
	}
	status, m, _ = e.scimCall(t, "acme", "GET", `/Users?filter=externalId%20eq%20%2200u1abc%22`, token, "")
	if status != 200 || m["totalResults"] != float64(1) {
		t.Errorf("by externalId: %d %v", status, m)
	}
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Users/"+id, token, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`)
	if status != 200 || m["active"] != false {
		t.Errorf("deactivate: %d %v", status, m)
	}
	ana := e.acme.Tenant
	u, err := e.main.Services.Users.FindUserByID(context.Background(), ana.ID, mustAtoi(t, id))
	if err != nil || u.Status != user.Deactivated {
		t.Errorf("stored status %q %v", u.Status, err)
	}
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Users/"+id, token, `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":true}}]}`)
	if status != 200 || m["active"] != true {
		t.Errorf("reactivate: %d %v", status, m)
	}
	put := strings.Replace(create, `"displayName":"Ana Lima"`, `"displayName":"Ana Souza"`, 1)
	status, m, _ = e.scimCall(t, "acme", "PUT", "/Users/"+id, token, put)
	if status != 200 || m["displayName"] != "Ana Souza" {
		t.Errorf("replace: %d %v", status, m)
	}
}

// Entra ID's provisioning: capitalised attributes and ops, string
// booleans, the work e-mail by path; a DELETE keeps the history and the
// same address comes back to the same account.
func TestSCIM_EntraShapedProvisioning(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	token := e.key(e.acme.Tenant, apikey.SCIMProvision)
	create := `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
		"externalId":"a1b2c3","UserName":"Bo.Sato@acme.test","Active":true,"DisplayName":"Bo Sato",
		"Name":{"Formatted":"Bo Sato","FamilyName":"Sato","GivenName":"Bo"},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"Sales"},"roles":[]}`
	status, m, _ := e.scimCall(t, "acme", "POST", "/Users", token, create)
	if status != 201 {
		t.Fatalf("create: %d %v", status, m)
	}
	id := m["id"].(string)
	ops := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
		{"op":"Replace","path":"displayName","value":"Bo Sato-Park"},
		{"op":"Replace","path":"emails[type eq \"work\"].value","value":"bo.park@acme.test"},
		{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department","value":"Support"},
		{"op":"Replace","path":"active","value":"False"}]}`
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Users/"+id, token, ops)
	if status != 200 || m["displayName"] != "Bo Sato-Park" || m["active"] != false || m["userName"] != "Bo.Sato@acme.test" {
		t.Errorf("patch: %d %v", status, m)
	}
	if status, _, _ := e.scimCall(t, "acme", "DELETE", "/Users/"+id, token, ""); status != 204 {
		t.Fatalf("delete: %d", status)
	}
	status, m, _ = e.scimCall(t, "acme", "GET", "/Users/"+id, token, "")
	scimErr(t, "a deleted user", status, m, 404, "")
	status, m, _ = e.scimCall(t, "acme", "POST", "/Users", token, create)
	if status != 201 || m["id"] != id || m["active"] != true {
		t.Errorf("provisioned again: %d %v, want the same account (%s), active", status, m, id)
	}
}

// Errors as SCIM errors; keys and portals kept apart.
func TestSCIM_RefusesWhatItShould(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{People: []fixture.Person{{Email: "boss@acme.test", Name: "Acme Boss", Roles: []user.Role{user.Admin}}}},
		fixture.Spec{People: []fixture.Person{{Email: "gus@globex.test", Name: "Gus"}}})
	token := e.key(e.acme.Tenant, apikey.SCIMProvision)
	status, m, _ := e.scimCall(t, "acme", "GET", "/Users", "", "")
	scimErr(t, "no token", status, m, 401, "")
	status, m, _ = e.scimCall(t, "acme", "GET", "/Users", e.key(e.acme.Tenant, apikey.UsersRead, apikey.UsersWrite), "")
	scimErr(t, "a key without the SCIM permission", status, m, 403, "")
	status, m, _ = e.scimCall(t, "globex", "GET", "/Users", token, "")
	scimErr(t, "acme's key at globex", status, m, 401, "")
	status, m, _ = e.scimCall(t, "acme", "GET", `/Users?filter=name.givenName%20eq%20%22Ana%22`, token, "")
	scimErr(t, "a filter Upward cannot answer", status, m, 400, "invalidFilter")
	status, m, _ = e.scimCall(t, "acme", "POST", "/Users", token, `{"name":{"givenName":"No"}}`)
	scimErr(t, "no userName", status, m, 400, "invalidValue")
	status, m, _ = e.scimCall(t, "acme", "POST", "/Users", token, `{"userName":"not an address"}`)
	scimErr(t, "no address", status, m, 400, "invalidValue")
	status, m, _ = e.scimCall(t, "acme", "POST", "/Users", token, `{"userName":`)
	scimErr(t, "broken JSON", status, m, 400, "invalidSyntax")
	status, m, _ = e.scimCall(t, "acme", "GET", "/Users/999999", token, "")
	scimErr(t, "an unknown user", status, m, 404, "")
	gus := e.globex.People["gus@globex.test"]
	status, m, _ = e.scimCall(t, "acme", "GET", "/Users/"+itoaInt(int(gus.ID)), token, "")
	scimErr(t, "another portal's person", status, m, 404, "")
	// A key that holds only SCIM cannot deactivate an administrator.
	boss := e.acme.People["boss@acme.test"]
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Users/"+itoaInt(int(boss.ID)), token, `{"Operations":[{"op":"replace","path":"active","value":false}]}`)
	scimErr(t, "deactivating an administrator", status, m, 403, "")
	if u, _ := e.main.Services.Users.FindUserByID(context.Background(), e.acme.ID, boss.ID); u.Status != user.Active {
		t.Error("the administrator was deactivated")
	}
	// Paging: startIndex and count.
	for _, n := range []string{"a", "b", "c"} {
		e.scimCall(t, "acme", "POST", "/Users", token, `{"userName":"`+n+`@acme.test","displayName":"`+strings.ToUpper(n)+` Person"}`)
	}
	status, m, _ = e.scimCall(t, "acme", "GET", "/Users?startIndex=2&count=2", token, "")
	if status != 200 || m["totalResults"] != float64(4) || m["itemsPerPage"] != float64(2) || m["startIndex"] != float64(2) {
		t.Errorf("paging: %d %v", status, m)
	}
}

func mustAtoi(t *testing.T, s string) int64 {
	var n int64
	if err := json.Unmarshal([]byte(s), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Groups: created with members; members
// added and removed as Entra sends them, replaced as Okta does; renamed;
// a group made in Upward cannot be deleted over SCIM, one the provider
// made can.
func TestSCIM_Groups(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{People: []fixture.Person{{Email: "ana@acme.test", Name: "Ana"}, {Email: "bo@acme.test", Name: "Bo"}},
		Groups: []fixture.Group{{Name: "Made in Upward", Members: []string{"ana@acme.test"}}}}, fixture.Spec{People: []fixture.Person{{Email: "gus@globex.test", Name: "Gus"}}})
	token := e.key(e.acme.Tenant, apikey.SCIMProvision)
	ana, bo := itoaInt(int(e.acme.People["ana@acme.test"].ID)), itoaInt(int(e.acme.People["bo@acme.test"].ID))
	gus := itoaInt(int(e.globex.People["gus@globex.test"].ID))

	status, m, _ := e.scimCall(t, "acme", "POST", "/Groups", token, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Sales","externalId":"g-1","members":[{"value":"`+ana+`"}]}`)
	if status != 201 || m["displayName"] != "Sales" || len(m["members"].([]any)) != 1 {
		t.Fatalf("create: %d %v", status, m)
	}
	id := m["id"].(string)
	status, m, _ = e.scimCall(t, "acme", "POST", "/Groups", token, `{"displayName":"sales"}`)
	scimErr(t, "the same name again", status, m, 409, "uniqueness")
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Groups/"+id, token, `{"Operations":[{"op":"Add","path":"members","value":[{"value":"`+bo+`"}]},{"op":"Remove","path":"members[value eq \"`+ana+`\"]"}]}`)
	if status != 200 || len(m["members"].([]any)) != 1 || m["members"].([]any)[0].(map[string]any)["value"] != bo {
		t.Errorf("entra's add and remove: %d %v", status, m)
	}
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Groups/"+id, token, `{"Operations":[{"op":"Add","path":"members","value":[{"value":"`+gus+`"}]}]}`)
	scimErr(t, "another portal's person as a member", status, m, 400, "invalidValue")
	status, m, _ = e.scimCall(t, "acme", "PATCH", "/Groups/"+id, token, `{"Operations":[{"op":"replace","value":{"id":"`+id+`","displayName":"Sales EMEA"}},{"op":"replace","path":"members","value":[{"value":"`+ana+`"},{"value":"`+bo+`"}]}]}`)
	if status != 200 || m["displayName"] != "Sales EMEA" || len(m["members"].([]any)) != 2 {
		t.Errorf("okta's rename and replace: %d %v", status, m)
	}
	status, m, _ = e.scimCall(t, "acme", "GET", `/Groups?filter=displayName%20eq%20%22sales%20emea%22`, token, "")
	if status != 200 || m["totalResults"] != float64(1) || len(m["Resources"].([]any)[0].(map[string]any)["members"].([]any)) != 2 {
		t.Errorf("by displayName: %d %v", status, m)
	}
	status, m, _ = e.scimCall(t, "acme", "GET", `/Groups?excludedAttributes=members&filter=displayName%20eq%20%22Sales%20EMEA%22`, token, "")
	if _, has := m["Resources"].([]any)[0].(map[string]any)["members"]; status != 200 || has {
		t.Errorf("members excluded: %d %v", status, m)
	}
	upward := itoaInt(int(e.acme.Groups["Made in Upward"].ID))
	status, m, _ = e.scimCall(t, "acme", "DELETE", "/Groups/"+upward, token, "")
	scimErr(t, "deleting a group made in Upward", status, m, 403, "")
	if status, _, _ := e.scimCall(t, "acme", "DELETE", "/Groups/"+id, token, ""); status != 204 {
		t.Errorf("delete: %d", status)
	}
	status, m, _ = e.scimCall(t, "acme", "GET", "/Groups/"+id, token, "")
	scimErr(t, "a deleted group", status, m, 404, "")
	if u, err := e.main.Services.Users.FindUserByID(context.Background(), e.acme.ID, e.acme.People["ana@acme.test"].ID); err != nil || u.Status != user.Active {
		t.Errorf("deleting the group touched its members: %v %v", u.Status, err)
	}
}
