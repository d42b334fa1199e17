package api_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/api"
	"github.com/upward-lms/upward/internal/fixture"
)

// The document and the router agree: every route of the API router is a
// documented operation, and every documented operation is a route. The
// routes come from chi.Walk, so a new route fails this test until it is
// documented.
func TestEveryRouteIsDocumentedAndEveryDocumentedRouteExists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	undocumented := map[string]bool{"GET " + api.Prefix + "/openapi.json": true, "GET " + api.Prefix + "/docs": true}
	var routes []string
	walk := func(host string, router chi.Router) {
		err := chi.Walk(router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if r := method + " " + route; !undocumented[r] {
				routes = append(routes, host+" "+r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	walk("portal", e.main.Server.APIRouter())
	walk("platform", e.main.Server.PlatformAPIRouter())
	var documented []string
	for _, op := range api.Operations() {
		documented = append(documented, op.Host+" "+op.Method+" "+api.Prefix+op.Path)
		if op.Permission == "" {
			t.Errorf("%s %s names no permission", op.Method, op.Path)
		}
	}
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in the OpenAPI document", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(routes, d) {
			t.Errorf("documented %s is not a route", d)
		}
	}
	if len(routes) < 25 {
		t.Errorf("only %d routes", len(routes))
	}
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil, fixture.Spec{}, fixture.Spec{})
	t.Run("IsServedAsJSONOnEveryPortalWithoutAKey", func(t *testing.T) {
		r := e.call(t, "acme", http.MethodGet, "/api/v1/openapi.json", "", nil)
		if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("status %d, type %q", r.status, r.header.Get("Content-Type"))
		}
		doc := r.json(t)
		if doc["openapi"] != "3.1.0" {
			t.Errorf("openapi %v", doc["openapi"])
		}
	})
	t.Run("EverySchemaCompiles", func(t *testing.T) {
		loadDoc(t)
		var doc map[string]any
		json.Unmarshal(api.OpenAPI(), &doc)
		for name := range doc["components"].(map[string]any)["schemas"].(map[string]any) {
			schemaAt(t, "/components/schemas/"+name)
		}
	})
	t.Run("TheReferencePageShowsEveryOperationAndProblemType", func(t *testing.T) {
		res, err := e.hc.Get("http://acme.localhost:" + e.port + "/api/v1/docs")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range api.Operations() {
			found := false
			doc.Find(`[data-testid="operation"] h3`).Each(func(_ int, s *goquery.Selection) {
				found = found || strings.TrimSpace(s.Text()) == op.Method+" "+api.Prefix+op.Path
			})
			if !found {
				t.Errorf("the page does not show %s %s", op.Method, op.Path)
			}
		}
		for _, typ := range []string{"unauthorized", "forbidden", "not-found", "invalid", "idempotency-mismatch", "rate-limited"} {
			if doc.Find("#problem-"+typ).Length() != 1 {
				t.Errorf("no section for the problem type %s", typ)
			}
		}
	})
}
