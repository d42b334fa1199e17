package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/upward-lms/upward/internal/api"
	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// env is a running Upward with two portals, acme and globex, and a client
// that reaches either by its host name.
type env struct {
	t      testing.TB
	main   *app.Main
	db     *postgres.DB
	keys   *postgres.APIKeyService
	acme   fixture.Portal
	globex fixture.Portal
	port   string
	hc     *http.Client
}

var by = fixture.By

// newEnv starts Upward through its composition root on a fresh database,
// with the portals acme and globex built from their specs (the slug and
// name are filled in); mod adjusts the config.
func newEnv(t testing.TB, mod func(*config.Config), acme, globex fixture.Spec) *env {
	t.Helper()
	cfg := fixture.Config(t)
	cfg.APIRateLimit = 100000
	// No test here is about the timeout, and a portal opened with library
	// courses can take longer than fixture.Config's 10 s under the race
	// detector, beside the other tests, on a busy machine.
	cfg.RequestTimeout = time.Minute
	if mod != nil {
		mod(&cfg)
	}
	m := fixture.Start(t, cfg, nil)
	e := &env{t: t, main: m, db: m.DB, keys: postgres.NewAPIKeyService(m.DB)}
	acme.Slug, acme.Name = "acme", "Acme"
	globex.Slug, globex.Name = "globex", "Globex"
	e.acme, e.globex = fixture.Build(t, m.DB, acme), fixture.Build(t, m.DB, globex)
	addr := m.Addr()
	_, e.port, _ = net.SplitHostPort(addr)
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}, MaxIdleConnsPerHost: 32}
	t.Cleanup(tr.CloseIdleConnections)
	e.hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return e
}

// key makes a key of the portal with the permissions (all when none are
// named) and returns its token.
func (e *env) key(t tenant.Tenant, perms ...apikey.Permission) string {
	e.t.Helper()
	if len(perms) == 0 {
		perms = apikey.PortalPermissions
	}
	_, token, err := e.keys.CreatePortalKey(context.Background(), t.ID, "test key", perms, by)
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// response is an API response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return v
}

// decode decodes the body into v.
func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body: %v: %s", err, r.body)
	}
}

// fieldsAtFault are the fields a 422 problem names.
func (r response) fieldsAtFault(t testing.TB) []string {
	t.Helper()
	var p struct {
		Errors []struct{ Field, Pointer, Detail string }
	}
	r.decode(t, &p)
	var out []string
	for _, e := range p.Errors {
		if e.Detail == "" {
			t.Errorf("field %s has no detail", e.Field)
		}
		out = append(out, e.Field)
	}
	return out
}

// platform names the platform host to call, where the provisioning API
// answers account and reseller keys.
const platform = ""

// orgKey makes a key of the account or reseller with the permissions (all
// when none are named) and returns its token.
func (e *env) orgKey(o postgres.Org, perms ...apikey.Permission) string {
	e.t.Helper()
	if len(perms) == 0 {
		perms = apikey.OrgPermissions
	}
	_, token, err := e.keys.CreateOrgKey(context.Background(), o, 0, "test key", perms, by)
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// call sends one request to a portal's host (acme or globex; platform for
// the platform's) with a
// token ("" for none) and a JSON body (nil for none); headers come in
// name, value pairs. Every response of the API is checked against the
// OpenAPI document: the operation must document its status, and the
// body must match the schema documented for it.
func (e *env) call(t testing.TB, portal, method, path, token string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, ok := body.([]byte)
		if !ok {
			var err error
			if b, err = json.Marshal(body); err != nil {
				t.Fatal(err)
			}
		}
		rd = bytes.NewReader(b)
	}
	host := portal + ".localhost"
	if portal == platform {
		host = "localhost"
	}
	req, err := http.NewRequest(method, "http://"+host+":"+e.port+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := e.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: b}
	checkAgainstDocument(t, method, req.URL.Path, r)
	return r
}

// The OpenAPI document, compiled once for the whole test binary.
var (
	docOnce     sync.Once
	docTree     map[string]any
	docCompiler *jsonschema.Compiler
	docSchemas  sync.Map   // JSON pointer -> *jsonschema.Schema
	docCompile  sync.Mutex // a Compiler is not safe for concurrent use
	docPaths    []docPath
)

type docPath struct {
	template string
	re       *regexp.Regexp
}

func loadDoc(t testing.TB) {
	t.Helper()
	docOnce.Do(func() {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(api.OpenAPI()))
		if err != nil {
			panic(err)
		}
		docTree = v.(map[string]any)
		docCompiler = jsonschema.NewCompiler()
		docCompiler.DefaultDraft(jsonschema.Draft2020)
		docCompiler.AssertFormat()
		if err := docCompiler.AddResource("openapi.json", v); err != nil {
			panic(err)
		}
		for p := range docTree["paths"].(map[string]any) {
			parts := strings.Split(p, "/")
			for i, part := range parts {
				if strings.HasPrefix(part, "{") {
					parts[i] = `[^/]+`
				} else {
					parts[i] = regexp.QuoteMeta(part)
				}
			}
			re := regexp.MustCompile(`^` + regexp.QuoteMeta(api.Prefix) + strings.Join(parts, "/") + `$`)
			docPaths = append(docPaths, docPath{template: p, re: re})
		}
	})
}

// schemaAt compiles (once) the schema at a JSON pointer of the document.
func schemaAt(t testing.TB, pointer string) *jsonschema.Schema {
	t.Helper()
	if s, ok := docSchemas.Load(pointer); ok {
		return s.(*jsonschema.Schema)
	}
	docCompile.Lock()
	defer docCompile.Unlock()
	s, err := docCompiler.Compile("openapi.json#" + pointer)
	if err != nil {
		t.Fatalf("compile %s: %v", pointer, err)
	}
	docSchemas.Store(pointer, s)
	return s
}

func pointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// checkAgainstDocument holds a response of an API operation to the
// document: its status documented, its content type and body as the
// documented response says.
func checkAgainstDocument(t testing.TB, method, path string, r response) {
	t.Helper()
	loadDoc(t)
	if !strings.HasPrefix(path, api.Prefix+"/") || path == api.Prefix+"/docs" || path == api.Prefix+"/openapi.json" {
		return
	}
	// The most literal template matching: /courses/scorm before
	// /courses/{id}, as the router routes.
	var tmpl string
	for _, p := range docPaths {
		if p.re.MatchString(path) && (tmpl == "" || strings.Count(p.template, "{") < strings.Count(tmpl, "{")) {
			tmpl = p.template
		}
	}
	if tmpl == "" {
		// No such endpoint: a 404 problem, which the document's Problem
		// schema describes.
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s is no documented path, yet answered %d", method, path, r.status)
		}
		validate(t, "/components/schemas/Problem", r)
		return
	}
	op, ok := docTree["paths"].(map[string]any)[tmpl].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if !ok {
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: undocumented method answered %d", method, path, r.status)
		}
		return
	}
	code := http.StatusText(r.status)
	resPointer := "/paths/" + pointerEscape(tmpl) + "/" + strings.ToLower(method) + "/responses/" + itoa(r.status)
	res, ok := op["responses"].(map[string]any)[itoa(r.status)].(map[string]any)
	if !ok && hostProblem(r) {
		// Problems of the host or of ours, which any operation may meet.
		res, ok = op["responses"].(map[string]any)["default"].(map[string]any)
	}
	if !ok {
		t.Errorf("%s %s answered %d (%s), which its operation does not document: %s", method, path, r.status, code, r.body)
		return
	}
	if ref, isRef := res["$ref"].(string); isRef {
		resPointer = strings.TrimPrefix(ref, "#")
		res = docTree["components"].(map[string]any)["responses"].(map[string]any)[ref[strings.LastIndexByte(ref, '/')+1:]].(map[string]any)
	}
	content, _ := res["content"].(map[string]any)
	if len(content) == 0 {
		if len(r.body) != 0 {
			t.Errorf("%s %s %d: documented without a body, sent %s", method, path, r.status, r.body)
		}
		return
	}
	ct := r.header.Get("Content-Type")
	if _, documented := content[ct]; !documented {
		t.Errorf("%s %s %d: content type %q is not documented", method, path, r.status, ct)
		return
	}
	validate(t, resPointer+"/content/"+pointerEscape(ct)+"/schema", r)
}

func validate(t testing.TB, pointer string, r response) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(r.body))
	if err != nil {
		t.Errorf("%s: body is not JSON: %s", pointer, r.body)
		return
	}
	if err := schemaAt(t, pointer).Validate(v); err != nil {
		body := string(r.body)
		if len(body) > 2000 {
			body = body[:2000] + "…"
		}
		t.Errorf("response does not match %s: %v\n%s", pointer, err, body)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// hostProblem reports whether r is a problem any operation may meet: no
// portal at the host, a suspended portal, an error of ours.
func hostProblem(r response) bool {
	var p struct{ Type string }
	json.Unmarshal(r.body, &p)
	for _, typ := range []string{"unknown-portal", "portal-suspended", "internal"} {
		if p.Type == api.Prefix+"/docs#problem-"+typ {
			return true
		}
	}
	return false
}
