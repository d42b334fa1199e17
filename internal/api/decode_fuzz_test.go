package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// requestBodies are every JSON body the API decodes, with the members a
// problem may point at. A new endpoint's body belongs here.
var requestBodies = []struct {
	name   string
	new    func() any
	fields bodyFields
}{
	{"group create", func() any { return new(groupCreateBody) }, groupCreateFields},
	{"group member", func() any { return new(memberBody) }, memberFields},
	{"enrolment create", func() any { return new(enrolmentCreateBody) }, enrolmentCreateFields},
	{"assignment create", func() any { return new(assignmentCreateBody) }, assignmentCreateFields},
	{"portal create", func() any { return new(portalCreateBody) }, portalCreateFields},
	{"portal update", func() any { return new(portalUpdateBody) }, portalUpdateFields},
	{"user create", func() any { return new(userCreateBody) }, userCreateFields},
	{"user update", func() any { return new(userUpdateBody) }, userUpdateFields},
}

// FuzzDecode sends arbitrary bodies to every body the API decodes. It
// never panics; it accepts only one JSON object; whatever it refuses is
// answered with a problem document of a client status, whose field errors
// carry a JSON Pointer exactly when they name a member of the body.
// The seed corpus is in testdata/fuzz/FuzzDecode; go test replays it.
func FuzzDecode(f *testing.F) {
	f.Add(uint8(0), true, []byte(`{"name":"Sales","kind":"team"}`))
	f.Add(uint8(4), true, []byte(`{"slug":"acme","name":"Acme","seat_limit":20,"library_courses":["a","b"],"plan":null}`))
	f.Add(uint8(7), true, []byte(`{"manager_id":null,"roles":["learner"],"status":"active"}`))
	f.Add(uint8(2), true, []byte(`{"user_id":"7"}`))
	f.Add(uint8(1), true, []byte(`{"user_id":1}{"user_id":2}`))
	f.Add(uint8(6), false, []byte(`email=a@b.c`))
	f.Add(uint8(3), true, []byte(`null`))
	f.Add(uint8(5), true, []byte(`{"name":1,"a/b~c":2}`))
	f.Fuzz(func(t *testing.T, kind uint8, asJSON bool, body []byte) {
		b := requestBodies[int(kind)%len(requestBodies)]
		r := httptest.NewRequest(http.MethodPost, Prefix+"/things", bytes.NewReader(body))
		if asJSON {
			r.Header.Set("Content-Type", "application/json")
		} else {
			r.Header.Set("Content-Type", "text/plain")
		}
		w := httptest.NewRecorder()
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)

		if decode(w, r, b.new(), b.fields) {
			if w.Body.Len() != 0 {
				t.Fatalf("%s: accepted and answered %q", b.name, w.Body)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
				t.Fatalf("%s: accepted %q, which is not one JSON object", b.name, body)
			}
			return
		}
		switch w.Code {
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		default:
			t.Fatalf("%s: refused %q with status %d", b.name, body, w.Code)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%s: problem sent as %q", b.name, ct)
		}
		var p struct {
			Type   string `json:"type"`
			Title  string `json:"title"`
			Status int    `json:"status"`
			Errors []struct {
				Field   string `json:"field"`
				Pointer string `json:"pointer"`
				Detail  string `json:"detail"`
			} `json:"errors"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
			t.Fatalf("%s: the problem is not JSON: %v: %s", b.name, err, w.Body)
		}
		if p.Status != w.Code || p.Title == "" || !strings.Contains(p.Type, "#problem-") {
			t.Fatalf("%s: incomplete problem %s", b.name, w.Body)
		}
		if w.Code == http.StatusUnprocessableEntity && len(p.Errors) == 0 {
			t.Fatalf("%s: a 422 names no field: %s", b.name, w.Body)
		}
		for _, e := range p.Errors {
			if e.Field == "" || e.Detail == "" {
				t.Fatalf("%s: a field error without its field or detail: %s", b.name, w.Body)
			}
			// A member of the body (known, or unknown and refused) has its
			// JSON Pointer; a query parameter or header has none.
			if (e.Pointer != "" && memberOf(e.Pointer) != e.Field) || (b.fields[e.Field] && e.Pointer == "") {
				t.Fatalf("%s: field %q has pointer %q", b.name, e.Field, e.Pointer)
			}
		}
	})
}

// memberOf reads the member a JSON Pointer fragment points at, undoing
// the fragment's percent-encoding, then the pointer's escapes (RFC 6901).
func memberOf(pointer string) string {
	s, err := url.PathUnescape(strings.TrimPrefix(pointer, "#/"))
	if err != nil || !strings.HasPrefix(pointer, "#/") || strings.Contains(s, "/") {
		return "\x00not a pointer to a member: " + pointer
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
}
