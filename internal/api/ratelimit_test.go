package api_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
)

// Each key may make API_RATE_LIMIT requests a minute; the next gets 429
// with Retry-After, and other keys are not held back.
func TestRateLimitPerKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *config.Config) { c.APIRateLimit = 3 }, fixture.Spec{}, fixture.Spec{})
	busy, other := e.key(e.acme.Tenant), e.key(e.acme.Tenant)
	for i := range 3 {
		r := e.call(t, "acme", "GET", "/api/v1/groups", busy, nil)
		if r.status != http.StatusOK {
			t.Fatalf("request %d: %d", i+1, r.status)
		}
		if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Errorf("request %d: limit %q, remaining %q", i+1, r.header.Get("X-RateLimit-Limit"), r.header.Get("X-RateLimit-Remaining"))
		}
	}
	r := e.call(t, "acme", "GET", "/api/v1/groups", busy, nil)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("fourth request: %d, want 429", r.status)
	}
	isProblem(t, r, "rate-limited")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Errorf("Retry-After %q", r.header.Get("Retry-After"))
	}
	if r := e.call(t, "acme", "POST", "/api/v1/groups", busy, map[string]any{"name": "Late"}); r.status != http.StatusTooManyRequests {
		t.Errorf("a POST over the limit: %d", r.status)
	}
	if r := e.call(t, "acme", "GET", "/api/v1/groups", other, nil); r.status != http.StatusOK {
		t.Errorf("another key: %d, want 200", r.status)
	}
}
