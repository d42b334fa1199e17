package e2e

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/user"
)

// An administrator makes an API key in the browser, copies it from the
// page, and another system calls the API with it; the key page and the
// API's reference page are checked for accessibility on the way.
func TestJourney_APIKeyMadeInTheBrowserCallsTheAPI(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	srv := browsertest.StartServer(t)
	fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "admin@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}}}})
	b := browsertest.NewBrowser(t)
	portal := srv.PortalURL("acme")
	signIn(b, portal+"/login", "admin@acme.test")
	b.Visit(portal + "/admin/api-keys")
	b.Do(
		typeText(chromedp.CSS("#f-name"), "HR system sync"),
		chromedp.Click(chromedp.CSS("#perm-users\\:read")),
		chromedp.Click(chromedp.CSS(`main form.stack button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="new-key"]`)),
	)
	b.CheckAccessibility()
	b.Screenshot("api-key-made")
	token := browsertest.Run(b, chromedp.Value(chromedp.CSS(`[data-testid="new-key-token"]`)))
	if !strings.HasPrefix(token, "upw_") {
		t.Fatalf("token %q", token)
	}

	req, _ := http.NewRequest(http.MethodGet, portal+"/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
	}}}
	res, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("the API with the new key: %d", res.StatusCode)
	}

	b.Visit(portal + "/api/v1/docs")
	b.Screenshot("api-reference")
}
