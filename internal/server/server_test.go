package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/server"
	"github.com/upward-lms/upward/internal/tenant"
)

type testServer struct {
	*server.Server
	db   *postgres.DB
	main *app.Main
	logs *syncBuffer
}

// newServer starts Upward through its composition root on a fresh
// database; mod adjusts the config. Tests call its handler directly.
func newServer(t testing.TB, mod func(*config.Config)) *testServer {
	t.Helper()
	return startServer(t, mod, nil)
}

func startServer(t testing.TB, mod func(*config.Config), tracer *postgres.QueryCounter) *testServer {
	t.Helper()
	cfg := fixture.Config(t)
	if mod != nil {
		mod(&cfg)
	}
	logs := &syncBuffer{}
	m := app.New(cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if tracer != nil {
		m.DBTracer = tracer
	}
	fixture.Open(t, m)
	return &testServer{Server: m.Server, db: m.DB, main: m, logs: logs}
}

// syncBuffer is a log buffer that background workers may write to while a
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *testServer) get(t testing.TB, path string, headers ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "http://localhost:8080"+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec.Result()
}

func document(t testing.TB, res *http.Response) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestHome(t *testing.T) {
	t.Parallel()
	t.Run("ListsThePortalsAnOperatorListed", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, nil)
		ctx := context.Background()
		for _, spec := range []fixture.Spec{{Slug: "globex", Name: "Globex", Listed: true}, {Slug: "acme", Name: "Acme Learning", Listed: true},
			{Slug: "quiet", Name: "A Quiet Portal"}, {Slug: "gone", Name: "A Suspended Portal", Listed: true}} {
			fixture.Build(t, s.db, spec)
		}
		gone, _ := s.main.Tenants.FindTenantBySlug(ctx, "gone")
		gone.ChangeStatus(tenant.Suspended, tenant.ByOperator)
		if _, err := s.main.Tenants.UpdateTenant(ctx, gone, fixture.By); err != nil {
			t.Fatal(err)
		}
		// A reseller's client is never listed: its white label hides Upward.
		nw, _ := postgres.NewResellerService(s.db).EnsureReseller(ctx, "northwind", "Northwind")
		if _, err := s.main.Tenants.CreateTenant(ctx, tenant.Tenant{Slug: "contoso", Name: "Contoso", ResellerID: &nw.ID, Listed: true}, fixture.By); err != nil {
			t.Fatal(err)
		}
		res := s.get(t, "/")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		doc := document(t, res)
		if h := doc.Find(`[data-testid="home-heading"]`).Text(); h == "" {
			t.Error("home page has no heading")
		}
		var names, links []string
		doc.Find(`[data-testid="portals"] li a`).Each(func(_ int, a *goquery.Selection) {
			names = append(names, a.Text())
			links = append(links, a.AttrOr("href", ""))
		})
		if strings.Join(names, ",") != "Acme Learning,Globex" {
			t.Errorf("portals = %v, want Acme Learning, Globex in name order", names)
		}
		if links[0] != "http://acme.localhost:8080/" {
			t.Errorf("portal link = %q, want it on the request's port", links[0])
		}
	})
	t.Run("SaysSoWhenThereAreNoPortals", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, nil)
		doc := document(t, s.get(t, "/"))
		if doc.Find(`[data-testid="no-portals"]`).Length() != 1 {
			t.Error("no 'no portals' notice on an empty platform")
		}
	})
}

func TestSecurityHeaders_OnEveryResponse(t *testing.T) {
	// Serial: its production server sets the process-wide password hash cost to the standard one.
	s := newServer(t, nil)
	for _, path := range []string{"/", "/no-such-page", "/healthz", "/readyz", s.staticURL(t)} {
		res := s.get(t, path)
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: weak CSP %q", path, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" {
			t.Errorf("%s: missing nosniff or Referrer-Policy", path)
		}
		if h.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS sent over plain HTTP in dev", path)
		}
	}
	t.Run("HSTSInProduction", func(t *testing.T) {
		prod := newServer(t, func(c *config.Config) { c.Env = config.EnvProd })
		if prod.get(t, "/healthz").Header.Get("Strict-Transport-Security") == "" {
			t.Error("no HSTS in production")
		}
	})
}

// staticURL returns the hashed URL of the stylesheet, as the home page links it.
func (s *testServer) staticURL(t testing.TB) string {
	t.Helper()
	doc := document(t, s.get(t, "/"))
	href, ok := doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !ok {
		t.Fatal("no stylesheet link")
	}
	return href
}

func TestStaticAssets(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	url := s.staticURL(t)
	t.Run("HashedURLIsCachedForAYear", func(t *testing.T) {
		res := s.get(t, url)
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("Cache-Control = %q", cc)
		}
	})
	t.Run("RevalidationAnswersNotModified", func(t *testing.T) {
		etag := s.get(t, url).Header.Get("ETag")
		if res := s.get(t, url, "If-None-Match", etag); res.StatusCode != http.StatusNotModified {
			t.Errorf("status %d, want 304", res.StatusCode)
		}
	})
	t.Run("Gzipped", func(t *testing.T) {
		res := s.get(t, url, "Accept-Encoding", "gzip")
		if res.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Content-Encoding = %q", res.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(zr)
		if !bytes.Contains(body, []byte("--brand")) {
			t.Error("gzipped body is not the stylesheet")
		}
	})
	t.Run("UnhashedNameIsNotFound", func(t *testing.T) {
		if res := s.get(t, "/static/css/app.css"); res.StatusCode != http.StatusNotFound {
			t.Errorf("status %d, want 404", res.StatusCode)
		}
	})
}

func TestErrorPages(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	res := s.get(t, "/no-such-page")
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", res.StatusCode)
	}
	if document(t, res).Find(`[data-testid="error-page"] h1`).Text() != "Page not found" {
		t.Error("404 page has the wrong heading")
	}

	t.Run("PanicBecomesA500PageWithTheRequestID", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, nil)
		s.Router().Get("/boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
		res := s.get(t, "/boom")
		if res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("status %d", res.StatusCode)
		}
		doc := document(t, res)
		if doc.Find(`[data-testid="request-id"]`).Text() == "" {
			t.Error("500 page shows no request reference")
		}
		if strings.Contains(doc.Text(), "kaboom") {
			t.Error("500 page leaks the panic value")
		}
		if !strings.Contains(s.logs.String(), "kaboom") {
			t.Error("the panic was not logged")
		}
	})
}

func TestCrossSitePOSTIsRefused(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	req := httptest.NewRequest(http.MethodPost, "http://localhost:8080/", strings.NewReader("x=1"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "another site") {
		t.Errorf("cross-site POST: status %d, want 403 naming the cause", rec.Code)
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	lastLine := func(t *testing.T, s *testServer) map[string]any {
		t.Helper()
		lines := strings.Split(strings.TrimSpace(s.logs.String()), "\n")
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	serve := func(s *testServer, remote, xff string) {
		req := httptest.NewRequest(http.MethodGet, "http://localhost:8080/healthz", nil)
		req.RemoteAddr = remote
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		s.ServeHTTP(httptest.NewRecorder(), req)
	}

	t.Run("OneLinePerRequestWithItsFacts", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, nil)
		serve(s, "192.0.2.1:1234", "")
		m := lastLine(t, s)
		for _, k := range []string{"method", "path", "status", "bytes", "duration", "request_id", "ip"} {
			if _, ok := m[k]; !ok {
				t.Errorf("log line lacks %q: %v", k, m)
			}
		}
		if m["path"] != "/healthz" || m["status"] != float64(200) {
			t.Errorf("log line = %v", m)
		}
	})
	t.Run("ForwardedForIsBelievedOnlyFromTrustedProxies", func(t *testing.T) {
		t.Parallel()
		s := newServer(t, func(c *config.Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
		serve(s, "10.1.2.3:5555", "198.51.100.7, 203.0.113.9, 10.0.0.2")
		if ip := lastLine(t, s)["ip"]; ip != "203.0.113.9" {
			t.Errorf("behind a trusted proxy: ip = %v, want the first untrusted hop 203.0.113.9", ip)
		}
		serve(s, "192.0.2.1:1234", "203.0.113.9")
		if ip := lastLine(t, s)["ip"]; ip != "192.0.2.1" {
			t.Errorf("from an untrusted peer: ip = %v, want the peer 192.0.2.1", ip)
		}
	})
}

func BenchmarkHome(b *testing.B) {
	s := newServer(b, nil)
	for _, slug := range []string{"acme", "globex", "initech", "umbrella", "hooli"} {
		fixture.Build(b, s.db, fixture.Spec{Slug: slug, Name: strings.ToUpper(slug[:1]) + slug[1:]})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "http://localhost:8080/", nil)
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
