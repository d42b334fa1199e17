package server_test

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
)

// The suites that cover every route (isolation, access matrix, hardening)
// walk the routers with chi.Walk, so a new route is in them or fails them,
// and fill each route's parameters with real objects.

// routeParamRE matches a URL parameter with the segment before it
// ("users/{id}"), which says what kind of object the parameter names.
var routeParamRE = regexp.MustCompile(`[a-zA-Z0-9-]+/\{[a-zA-Z]+\}`)

// fillRoute puts a value into each of a route's parameters, looked up by
// its segment and parameter ("users/{id}"), and drops a trailing slash.
// missing is the first parameter with no value (the path is then "").
// A wildcard is left to the caller.
func fillRoute(route string, value func(param string) (string, bool)) (path, missing string) {
	path = route
	if path != "/" {
		path = strings.TrimSuffix(path, "/")
	}
	for _, p := range routeParamRE.FindAllString(path, -1) {
		v, ok := value(p)
		if !ok {
			return "", p
		}
		path = strings.Replace(path, p, p[:strings.Index(p, "{")]+v, 1)
	}
	return path, ""
}

// hasParams reports whether a route names an object in its path.
func hasParams(route string) bool { return routeParamRE.MatchString(route) }

// walk calls f with each route of the router, in a stable order.
func walk(t *testing.T, r chi.Router, f func(method, route string)) {
	t.Helper()
	type route struct{ method, route string }
	var routes []route
	err := chi.Walk(r, func(method, r string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routes = append(routes, route{method, r})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(routes) == 0 {
		t.Fatal("no routes to walk")
	}
	slices.SortFunc(routes, func(a, b route) int { return strings.Compare(a.route+a.method, b.route+b.method) })
	for _, rt := range routes {
		f(rt.method, rt.route)
	}
}
