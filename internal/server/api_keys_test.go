package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/postgres"
)

// apiGet calls the REST API of acme with a bearer token.
func apiGet(t *testing.T, s *testServer, token string) int {
	t.Helper()
	c := newClient(t, s, "acme.localhost")
	req, _ := http.NewRequest(http.MethodGet, c.base+"/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestAdminAPIKeys(t *testing.T) {
	t.Parallel()
	s, _, globex := twoPortals(t, withAdmin)
	c := adminClient(t, s)
	c.get("/admin/api-keys")
	p := c.post("/admin/api-keys", url.Values{"name": {"HR sync"}, "permissions": {"users:read", "groups:read"}})
	if p.status != http.StatusCreated {
		t.Fatalf("make key: %d", p.status)
	}
	token, _ := p.doc.Find(`[data-testid="new-key-token"]`).Attr("value")
	t.Run("TheNewKeyIsShownOnceAndWorks", func(t *testing.T) {
		if !strings.HasPrefix(token, "upw_") {
			t.Fatalf("token %q", token)
		}
		if cc := p.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
		if code := apiGet(t, s, token); code != http.StatusOK {
			t.Errorf("API with the new key: %d", code)
		}
		again := c.get("/admin/api-keys")
		if strings.Contains(again.doc.Text(), token) || again.doc.Find(`[data-testid="new-key"]`).Length() != 0 {
			t.Error("the list shows the secret again")
		}
		row := again.doc.Find(`[data-testid="api-keys"] tbody tr`)
		if row.Length() != 1 || !strings.Contains(row.Text(), "HR sync") || !strings.Contains(row.Text(), "users:read, groups:read") {
			t.Errorf("list: %q", row.Text())
		}
		if strings.Contains(row.Text(), "never") {
			t.Error("last used shows never after use")
		}
	})
	t.Run("ProblemsAreShownAtTheirFields", func(t *testing.T) {
		c.get("/admin/api-keys")
		p := c.post("/admin/api-keys", url.Values{"name": {""}})
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", p.status)
		}
		if p.text(`[data-testid="error-name"]`) == "" || p.text(`[data-testid="error-permissions"]`) == "" {
			t.Error("no message at name or permissions")
		}
	})
	t.Run("RevokedKeysStopWorking", func(t *testing.T) {
		id, _ := c.get("/admin/api-keys").doc.Find(`[data-testid="api-keys"] tbody tr`).Attr("data-testid")
		id = strings.TrimPrefix(id, "api-key-")
		c.get("/admin/api-keys")
		if p := c.post("/admin/api-keys/"+id+"/revoke", nil); p.status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", p.status)
		}
		if code := apiGet(t, s, token); code != http.StatusUnauthorized {
			t.Errorf("API with a revoked key: %d", code)
		}
		if !strings.Contains(c.get("/admin/api-keys").doc.Find(`[data-testid="api-keys"]`).Text(), "Revoked") {
			t.Error("the list does not say revoked")
		}
	})
	t.Run("AnotherPortalsKeyCannotBeRevokedHere", func(t *testing.T) {
		k, gToken, err := postgres.NewAPIKeyService(s.db).CreatePortalKey(context.Background(), globex.ID, "Globex", []apikey.Permission{apikey.UsersRead}, postgres.AuditActor{Label: "test"})
		if err != nil {
			t.Fatal(err)
		}
		c.get("/admin/api-keys")
		if p := c.post("/admin/api-keys/"+k.ID+"/revoke", nil); p.status != http.StatusNotFound {
			t.Errorf("status %d, want 404", p.status)
		}
		if _, err := postgres.NewAPIKeyService(s.db).AuthenticatePortalKey(context.Background(), globex.ID, gToken); err != nil {
			t.Errorf("globex's key: %v", err)
		}
	})
	t.Run("LearnersAreRefused", func(t *testing.T) {
		lc := newClient(t, s, "acme.localhost")
		signIn(lc, "ana@acme.test", goodPassword)
		lc.get("/account")
		if p := lc.get("/admin/api-keys"); p.status != http.StatusForbidden {
			t.Errorf("status %d", p.status)
		}
		if p := lc.post("/admin/api-keys", url.Values{"name": {"Mine"}, "permissions": {"users:read"}}); p.status != http.StatusForbidden {
			t.Errorf("make: status %d", p.status)
		}
	})
}
