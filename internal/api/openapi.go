package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/upward-lms/upward/internal/markdown"
	"github.com/upward-lms/upward/web/layout"
	"github.com/upward-lms/upward/web/pages"
)

// openAPIYAML is the API's contract, written by hand in YAML (easier to
// read and review than JSON) and served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// document is the OpenAPI document, parsed once.
type document struct {
	tree map[string]any
	json []byte
}

func mustLoadDocument() *document {
	d, err := loadDocument()
	if err != nil {
		panic("api: openapi.yaml: " + err.Error()) // embedded and tested: cannot fail in a build that passed
	}
	return d
}

func loadDocument() (*document, error) {
	var tree map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &tree); err != nil {
		return nil, err
	}
	b, err := json.Marshal(tree)
	if err != nil {
		return nil, err
	}
	return &document{tree: tree, json: b}, nil
}

// OpenAPI returns the OpenAPI document as JSON, for tests and tools.
func OpenAPI() []byte { return mustLoadDocument().json }

func (a *API) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(a.doc.json)
}

// handleDocs renders the reference page from the same document.
func (a *API) handleDocs(w http.ResponseWriter, r *http.Request) {
	p := layout.Page{Title: "API reference", Brand: stateOf(r).tenant.Name}
	if p.Brand == "" { // the platform host
		p.Brand = "Upward"
	}
	if a.d.Assets != nil {
		p.Stylesheet, p.Favicon = a.d.Assets.URL("css/app.css"), a.d.Assets.URL("img/favicon.svg")
	}
	var buf strings.Builder
	if err := layout.Base(p, pages.APIReference(a.reference)).Render(r.Context(), &buf); err != nil {
		a.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(buf.String()))
}

// Operation is one documented operation: its method, its path under the
// server URL, the permission a key needs for it, and the host it is on:
// "portal" (a portal's address) or "platform" (the platform's, where
// account and reseller keys provision portals; x-upward-host says so).
type Operation struct {
	Method, Path, Permission, Host string
}

// httpMethods are the keys of a path item that are operations.
var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Operations lists every operation the document describes.
func Operations() []Operation { return mustLoadDocument().operations() }

func (d *document) operations() []Operation {
	var out []Operation
	for path, item := range m(d.tree["paths"]) {
		host := s(m(item)["x-upward-host"])
		if host == "" {
			host = "portal"
		}
		for method, op := range m(item) {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			perm := ""
			for _, req := range l(m(op)["security"]) {
				for _, scopes := range m(req) {
					for _, s := range l(scopes) {
						perm = fmt.Sprint(s)
					}
				}
			}
			out = append(out, Operation{Method: strings.ToUpper(method), Path: path, Permission: perm, Host: host})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path+out[i].Method < out[j].Path+out[j].Method })
	return out
}

func m(v any) map[string]any { x, _ := v.(map[string]any); return x }
func l(v any) []any          { x, _ := v.([]any); return x }
func s(v any) string         { x, _ := v.(string); return x }

// resolve follows a local $ref.
func (d *document) resolve(v any) map[string]any {
	node := m(v)
	for range 5 {
		ref := s(node["$ref"])
		if ref == "" {
			return node
		}
		var cur any = d.tree
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = m(cur)[part]
		}
		node = m(cur)
	}
	return node
}

// refName is the schema name a $ref points to.
func refName(v any) string {
	ref := s(m(v)["$ref"])
	return ref[strings.LastIndexByte(ref, '/')+1:]
}

// typeOf describes a schema in a few words.
func (d *document) typeOf(v any) string {
	if name := refName(v); name != "" {
		sch := d.resolve(v)
		if _, isObject := sch["properties"]; isObject {
			return name
		}
		v = sch
	}
	sch := m(v)
	var t string
	switch x := sch["type"].(type) {
	case string:
		t = x
	case []any:
		var parts []string
		for _, p := range x {
			parts = append(parts, fmt.Sprint(p))
		}
		t = strings.Join(parts, " or ")
	}
	if c, ok := sch["const"]; ok {
		t = fmt.Sprintf("%q", c)
	}
	if t == "array" {
		t = "list of " + d.typeOf(sch["items"])
	}
	if f := s(sch["format"]); f != "" {
		t += " (" + f + ")"
	}
	if enum := l(sch["enum"]); len(enum) > 0 {
		var vals []string
		for _, e := range enum {
			vals = append(vals, fmt.Sprint(e))
		}
		t += ": " + strings.Join(vals, ", ")
	}
	return t
}

// reference is the reference page's view of the document.
func (d *document) reference(md *markdown.Renderer) pages.APIReferenceView {
	info := m(d.tree["info"])
	v := pages.APIReferenceView{Title: s(info["title"]), Version: s(info["version"]), Intro: md.HTML(s(info["description"]))}
	byTag := map[string][]pages.APIOperationView{}
	for _, op := range d.operations() {
		item := m(m(d.tree["paths"])[op.Path])
		o := m(item[strings.ToLower(op.Method)])
		ov := pages.APIOperationView{Method: op.Method, Path: Prefix + op.Path, Anchor: s(o["operationId"]),
			Summary: s(o["summary"]), Description: s(o["description"]), Permission: op.Permission}
		for _, p := range append(l(item["parameters"]), l(o["parameters"])...) {
			p := d.resolve(p)
			req, _ := p["required"].(bool)
			ov.Parameters = append(ov.Parameters, pages.APIFieldView{Name: s(p["name"]), In: s(p["in"]), Type: d.typeOf(p["schema"]),
				Required: req, Description: s(p["description"])})
		}
		if body := m(m(m(o["requestBody"])["content"])["application/json"]); body != nil {
			ov.Body = refName(body["schema"])
		}
		codes := make([]string, 0)
		for code := range m(o["responses"]) {
			codes = append(codes, code)
		}
		slices.Sort(codes)
		for _, code := range codes {
			res := d.resolve(m(o["responses"])[code])
			rv := pages.APIResponseView{Status: code, Description: s(res["description"])}
			for _, c := range m(res["content"]) {
				rv.Schema = refName(m(c)["schema"])
			}
			ov.Responses = append(ov.Responses, rv)
		}
		tag := s(l(o["tags"])[0])
		byTag[tag] = append(byTag[tag], ov)
	}
	for _, t := range l(d.tree["tags"]) {
		name := s(m(t)["name"])
		v.Sections = append(v.Sections, pages.APISectionView{Name: name, Operations: byTag[name]})
	}
	schemas := m(m(d.tree["components"])["schemas"])
	names := make([]string, 0, len(schemas))
	for name := range schemas {
		if _, isObject := m(schemas[name])["properties"]; isObject {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		sch := m(schemas[name])
		sv := pages.APISchemaView{Name: name, Description: s(sch["description"])}
		required := map[string]bool{}
		for _, r := range l(sch["required"]) {
			required[fmt.Sprint(r)] = true
		}
		props := m(sch["properties"])
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			sv.Fields = append(sv.Fields, pages.APIFieldView{Name: k, Type: d.typeOf(props[k]), Required: required[k],
				Description: s(d.resolve(props[k])["description"])})
		}
		v.Schemas = append(v.Schemas, sv)
	}
	for name, title := range problemTitles {
		v.Problems = append(v.Problems, pages.APIProblemView{Anchor: "problem-" + name, Name: name, Title: title})
	}
	sort.Slice(v.Problems, func(i, j int) bool { return v.Problems[i].Name < v.Problems[j].Name })
	return v
}
