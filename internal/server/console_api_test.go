package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/postgres"
)

// newConsoleMember makes a console member of the account or reseller and
// signs them in.
func newConsoleMember(t *testing.T, s *testServer, accountSlug, resellerSlug, email string) *client {
	t.Helper()
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(context.Background(), accountSlug, resellerSlug, email, "Member", goodPassword,
		postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	return consoleClient(t, s, email)
}

// callAPI sends a JSON request to the API on the client's host.
func (c *client) callAPI(method, path, token string, body any) (int, map[string]any) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

// A reseller makes an API key in the console (shown once), provisions a
// client portal with it, and the portal works: its first administrator
// accepts the mailed invitation, signs in and finds the preinstalled
// course. The key is revoked in the console and stops working; another
// reseller cannot revoke it.
func TestConsoleAPIKeys_AResellerProvisionsAWorkingPortalOverTheAPI(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	resellers := postgres.NewResellerService(s.db)
	for _, slug := range []string{"northwind", "southwind"} {
		if _, err := resellers.EnsureReseller(ctx, slug, strings.ToUpper(slug[:1])+slug[1:]); err != nil {
			t.Fatal(err)
		}
	}
	rae := newConsoleMember(t, s, "", "northwind", "rae@northwind.test")
	rae.get("/console/api-keys")
	if p := rae.post("/console/api-keys", url.Values{"name": {"Sign-up flow"}, "permissions": {"users:read"}}); p.status != http.StatusUnprocessableEntity ||
		p.text(`[data-testid="error-permissions"]`) == "" {
		t.Errorf("a portal permission on a reseller key: %d", p.status)
	}
	p := rae.post("/console/api-keys", url.Values{"name": {"Sign-up flow"}, "permissions": {"portals:read", "portals:write"}})
	token, _ := p.doc.Find(`[data-testid="new-key-token"]`).Attr("value")
	if p.status != http.StatusCreated || !strings.HasPrefix(token, "upw_") || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("make key: %d %q", p.status, token)
	}
	if list := rae.get("/console/api-keys"); strings.Contains(list.doc.Text(), token) || !strings.Contains(list.text(`[data-testid="api-keys"] tbody`), "portals:read, portals:write") {
		t.Error("the list shows the secret, or not the key")
	}

	platform := newClient(t, s, "localhost")
	var course string
	if status, lib := platform.callAPI("GET", "/api/v1/library/courses", token, nil); status == http.StatusOK {
		course = lib["data"].([]any)[0].(map[string]any)["slug"].(string)
	}
	status, created := platform.callAPI("POST", "/api/v1/portals", token, map[string]any{"slug": "contoso", "name": "Contoso",
		"admin_email": "chris@contoso.test", "admin_name": "Chris", "library_courses": []string{course}})
	if status != http.StatusCreated {
		t.Fatalf("provision: %d %v", status, created)
	}

	link := mailedLink(t, s, "chris@contoso.test", "/invitations/accept")
	token2, _ := url.QueryUnescape(strings.TrimPrefix(link, "/invitations/accept?token="))
	chris := newClient(t, s, "contoso.localhost")
	chris.get(link)
	if p := chris.post("/invitations/accept", url.Values{"token": {token2}, "name": {"Chris Lee"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("accept: %d", p.status)
	}
	again := newClient(t, s, "contoso.localhost")
	if p := signIn(again, "chris@contoso.test", goodPassword); p.status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.status)
	}
	if admin := again.get("/admin"); admin.status != http.StatusOK {
		t.Errorf("the first administrator's admin pages: %d", admin.status)
	}
	if catalog := again.get("/courses"); catalog.doc.Find(`a[href="/courses/`+course+`"]`).Length() == 0 {
		t.Errorf("the catalog lacks the preinstalled %s", course)
	}

	t.Run("AnotherResellerCannotRevokeTheKey", func(t *testing.T) {
		sam := newConsoleMember(t, s, "", "southwind", "sam@southwind.test")
		id := strings.Split(strings.TrimPrefix(token, "upw_"), "_")[0]
		sam.get("/console/api-keys")
		if p := sam.post("/console/api-keys/"+id+"/revoke", nil); p.status != http.StatusNotFound {
			t.Errorf("status %d, want 404", p.status)
		}
		if strings.Contains(sam.get("/console/api-keys").doc.Text(), "Sign-up flow") {
			t.Error("another reseller sees the key")
		}
		rae.get("/console/api-keys")
		if p := rae.post("/console/api-keys/"+id+"/revoke", nil); p.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", p.status)
		}
		if status, _ := platform.callAPI("GET", "/api/v1/portals", token, nil); status != http.StatusUnauthorized {
			t.Errorf("a revoked key: %d", status)
		}
	})
}
