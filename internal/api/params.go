package api

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

// Page sizes of the lists.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// list is one page of a list, as every list endpoint answers.
type list[T any] struct {
	Data []T `json:"data"`
	// NextCursor continues the list; null on its last page.
	NextCursor *string `json:"next_cursor"`
}

// cursor is where the next page starts: after the row with this sort time
// (for lists in time order) and ID. It is opaque to clients.
type cursor struct {
	At time.Time `json:"at,omitzero"`
	ID int64     `json:"id"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID <= 0 {
		return cursor{}, false
	}
	return c, true
}

// query reads a list's query parameters, collecting a problem per bad one.
type query struct {
	r      *http.Request
	fields apperr.Fields
}

func newQuery(r *http.Request) *query { return &query{r: r, fields: apperr.Fields{}} }

// keyset reads limit and cursor.
func (q *query) keyset() postgres.Keyset {
	k := postgres.Keyset{Limit: defaultLimit}
	if v := q.r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			q.fields.Add("limit", "Give a whole number from 1 to 200.")
		} else {
			k.Limit = n
		}
	}
	if v := q.r.URL.Query().Get("cursor"); v != "" {
		c, ok := decodeCursor(v)
		if !ok {
			q.fields.Add("cursor", "Pass the next_cursor of the previous page as it was given.")
		}
		k.AfterAt, k.AfterID = c.At, c.ID
	}
	return k
}

// id reads an optional numeric ID parameter; 0 when absent.
func (q *query) id(name string) int64 {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		q.fields.Add(name, "Give a positive whole number.")
		return 0
	}
	return n
}

// time reads an optional RFC 3339 time parameter.
func (q *query) time(name string) *time.Time {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.fields.Add(name, "Give a date and time in RFC 3339 form, such as 2026-01-31T09:00:00Z.")
		return nil
	}
	return &t
}

// oneOf reads an optional parameter that must be one of the values.
func (q *query) oneOf(name string, values ...string) string {
	v := q.r.URL.Query().Get(name)
	if v == "" {
		return ""
	}
	for _, ok := range values {
		if v == ok {
			return v
		}
	}
	q.fields.Add(name, "Give one of: "+strings.Join(values, ", ")+".")
	return ""
}

// ok sends the problem when any parameter was bad.
func (q *query) ok(w http.ResponseWriter) bool {
	if len(q.fields) == 0 {
		return true
	}
	invalid(w, q.r, q.fields, nil)
	return false
}

// next is a page's next_cursor: after its last row, when more follow.
func next(more bool, at time.Time, id int64) *string {
	if !more {
		return nil
	}
	s := cursor{At: at, ID: id}.encode()
	return &s
}

// pathID reads a numeric URL parameter; anything else is not found.
func pathID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		writeProblem(w, r, problem{Type: "not-found", Status: http.StatusNotFound, Detail: "Nothing of this portal has that ID."})
		return 0, false
	}
	return id, true
}

// decode reads a JSON body into v: JSON only, known members only, each of
// the right type. A problem is sent when it is not.
func decode(w http.ResponseWriter, r *http.Request, v any, body bodyFields) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		writeProblem(w, r, problem{Type: "unsupported-media-type", Status: http.StatusUnsupportedMediaType,
			Detail: "Send the body as JSON, with Content-Type: application/json."})
		return false
	}
	// The body is capped (maxBodyBytes), so it is read whole: a struct
	// would take a bare null as "nothing sent" and carry on.
	data, err := io.ReadAll(r.Body)
	if err == nil && holdsNUL(data) {
		writeProblem(w, r, problem{Type: "bad-request", Status: http.StatusBadRequest,
			Detail: "The body holds a NUL character (\\u0000), which no text may."})
		return false
	}
	if err == nil && !bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("{")) {
		err = errors.New("not a JSON object")
	}
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(v)
		if err == nil && dec.Decode(new(json.RawMessage)) != io.EOF {
			err = errors.New("more than one JSON value")
		}
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		return true
	case isMaxBytes(err):
		writeProblem(w, r, problem{Type: "too-large", Status: http.StatusRequestEntityTooLarge,
			Detail: "The body is larger than " + strconv.Itoa(maxBodyBytes>>10) + " KiB."})
	case errors.As(err, &typeErr) && typeErr.Field != "":
		invalid(w, r, apperr.Fields{typeErr.Field: "Give a " + jsonType(typeErr.Type.Kind().String()) + "."}, body)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json quotes the member's name with %q.
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if name == "" {
			writeProblem(w, r, problem{Type: "bad-request", Status: http.StatusBadRequest, Detail: "The body has a member with no name."})
			return false
		}
		invalid(w, r, apperr.Fields{name: "This endpoint takes no member “" + name + "”."}, bodyFields{name: true})
	default:
		writeProblem(w, r, problem{Type: "bad-request", Status: http.StatusBadRequest, Detail: "The body is not one well-formed JSON object."})
	}
	return false
}

// holdsNUL tells whether a JSON body's strings hold a NUL character:
// PostgreSQL text cannot, and a name carrying one failed with a 500.
func holdsNUL(raw []byte) bool {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return false // the only way JSON writes one
	}
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return false // not JSON: Decode says so
	}
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.IndexByte(v, 0) >= 0
		case []any:
			return slices.ContainsFunc(v, walk)
		case map[string]any:
			for k, e := range v {
				if strings.IndexByte(k, 0) >= 0 || walk(e) {
					return true
				}
			}
		}
		return false
	}
	return walk(doc)
}

// jsonType names a Go kind as JSON calls it.
func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "slice", "array":
		return "list"
	case "bool":
		return "true or false"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// optionalID is a nullable ID member whose absence differs from null.
type optionalID struct {
	Set   bool
	Value *int64
}

func (o *optionalID) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var id int64
	if err := json.Unmarshal(b, &id); err != nil {
		return err
	}
	o.Value = &id
	return nil
}
