// Package scim holds the rules of SCIM 2.0 provisioning (RFC 7643 and
// 7644) in Upward's terms: what a User resource says of a person, the
// filters and PATCH operations identity providers send (Entra ID's and
// Okta's shapes included), and SCIM's errors. It imports no
// infrastructure: internal/api serves it, internal/postgres stores it.
package scim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Schema URNs.
const (
	SchemaUser              = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup             = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaListResponse      = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaError             = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaPatchOp           = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaServiceProvider   = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType      = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema            = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	SchemaEnterpriseUser    = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	MediaType               = "application/scim+json"
	MaxPageSize             = 200
	defaultPageSize         = 100
	maxOperationsInOnePatch = 100
)

// Error is a SCIM error: an HTTP status, the scimType RFC 7644 §3.12
// names for it, and a detail for a person.
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string { return fmt.Sprintf("scim %d %s: %s", e.Status, e.ScimType, e.Detail) }

func invalidValue(format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: fmt.Sprintf(format, args...)}
}

// Person is what a User resource says of a person, as Upward keeps it:
// userName is the sign-in e-mail address.
type Person struct {
	UserName    string
	ExternalID  string
	GivenName   string
	FamilyName  string
	Formatted   string
	DisplayName string
	Email       string // the primary (or first) e-mail, when userName is not one
	Active      bool
}

// Name is the person's name as Upward shows it: the display name, the
// formatted name, or the given and family names.
func (p Person) Name() string {
	for _, n := range []string{p.DisplayName, p.Formatted, strings.TrimSpace(p.GivenName + " " + p.FamilyName)} {
		if n = strings.TrimSpace(n); n != "" {
			return n
		}
	}
	return ""
}

// Address is the person's sign-in address: userName when it is an e-mail
// address (Entra sends the UPN, Okta the login), else the e-mail.
func (p Person) Address() string {
	if strings.Contains(p.UserName, "@") {
		return strings.TrimSpace(p.UserName)
	}
	return strings.TrimSpace(p.Email)
}

// SplitName gives a single name's given and family parts, for the
// resources Upward returns: the first word and the rest.
func SplitName(name string) (given, family string) {
	given, family, _ = strings.Cut(strings.TrimSpace(name), " ")
	return given, strings.TrimSpace(family)
}

// lower turns a decoded JSON value's object keys to lower case, all the
// way down: attribute names are case-insensitive (RFC 7643 §2.1).
func lower(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[strings.ToLower(k)] = lower(x)
		}
		return out
	case []any:
		for i := range t {
			t[i] = lower(t[i])
		}
	}
	return v
}

// Decode reads a JSON body into attributes with lower-case names.
func Decode(data []byte) (map[string]any, error) {
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, &Error{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: "The body is not JSON: " + err.Error()}
	}
	m, ok := lower(v).(map[string]any)
	if !ok {
		return nil, &Error{Status: http.StatusBadRequest, ScimType: "invalidSyntax", Detail: "The body is not a JSON object."}
	}
	return m, nil
}

// ParseUser reads a User resource (a POST or PUT body). userName is
// required; active defaults to true.
func ParseUser(attrs map[string]any) (Person, error) {
	p := Person{Active: true}
	for k, v := range attrs {
		if err := set(&p, k, v); err != nil {
			return Person{}, err
		}
	}
	if strings.TrimSpace(p.UserName) == "" {
		return Person{}, invalidValue("userName is required.")
	}
	return p, nil
}

// set applies one attribute (a top-level name, or a dotted sub-attribute
// such as name.givenname) to p. Attributes Upward does not keep (phone
// numbers, the enterprise extension, roles) are accepted and ignored, as
// identity providers send them whatever the service provider supports.
func set(p *Person, attr string, v any) error {
	str := func() (string, error) {
		switch t := v.(type) {
		case string:
			return t, nil
		case nil:
			return "", nil
		}
		return "", invalidValue("%s must be a string.", attr)
	}
	var err error
	switch attr {
	case "username":
		p.UserName, err = str()
	case "externalid":
		p.ExternalID, err = str()
	case "displayname":
		p.DisplayName, err = str()
	case "name.givenname":
		p.GivenName, err = str()
	case "name.familyname":
		p.FamilyName, err = str()
	case "name.formatted":
		p.Formatted, err = str()
	case "name":
		m, ok := v.(map[string]any)
		if !ok {
			return invalidValue("name must be an object.")
		}
		for k, x := range m {
			if err := set(p, "name."+k, x); err != nil {
				return err
			}
		}
	case "active":
		p.Active, err = boolean(v)
	case "emails":
		list, ok := v.([]any)
		if !ok {
			return invalidValue("emails must be a list.")
		}
		p.Email = ""
		for _, e := range list {
			m, _ := e.(map[string]any)
			value, _ := m["value"].(string)
			if primary, _ := m["primary"].(bool); primary || p.Email == "" {
				p.Email = value
			}
		}
	default:
		if strings.HasPrefix(attr, "emails[") {
			// emails[type eq "work"].value, as Entra sends it.
			p.Email, err = str()
		}
	}
	return err
}

// boolean reads a boolean, or the strings "True" and "False" that Entra
// sends in PATCH operations.
func boolean(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		b, err := strconv.ParseBool(strings.ToLower(t))
		if err == nil {
			return b, nil
		}
	}
	return false, invalidValue("active must be true or false.")
}

// Operation is one operation of a PATCH request.
type Operation struct {
	Op    string // add, replace or remove (any case: Entra capitalises)
	Path  string
	Value any
}

// ParsePatch reads a PatchOp body.
func ParsePatch(attrs map[string]any) ([]Operation, error) {
	list, ok := attrs["operations"].([]any)
	if !ok || len(list) == 0 {
		return nil, invalidValue("A PATCH request needs Operations.")
	}
	if len(list) > maxOperationsInOnePatch {
		return nil, &Error{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("At most %d operations in one PATCH request.", maxOperationsInOnePatch)}
	}
	var ops []Operation
	for i, o := range list {
		m, ok := o.(map[string]any)
		if !ok {
			return nil, invalidValue("Operation %d is not an object.", i+1)
		}
		op, _ := m["op"].(string)
		path, _ := m["path"].(string)
		op = strings.ToLower(op)
		if op != "add" && op != "replace" && op != "remove" {
			return nil, invalidValue("Operation %d: op must be add, replace or remove.", i+1)
		}
		ops = append(ops, Operation{Op: op, Path: strings.ToLower(strings.TrimSpace(path)), Value: m["value"]})
	}
	return ops, nil
}

// Apply applies PATCH operations to a person: with a path, to that
// attribute; without one, the value is an object of attributes (Okta's
// {"active": false}; Entra's {"name.givenName": …}).
func Apply(p Person, ops []Operation) (Person, error) {
	for _, o := range ops {
		if o.Path == "" {
			m, ok := o.Value.(map[string]any)
			if !ok {
				return Person{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidPath", Detail: "An operation without a path needs an object of attributes as its value."}
			}
			for k, v := range m {
				if o.Op == "remove" {
					v = nil
				}
				if err := set(&p, k, v); err != nil {
					return Person{}, err
				}
			}
			continue
		}
		v := o.Value
		if o.Op == "remove" {
			if o.Path == "active" || o.Path == "username" {
				return Person{}, &Error{Status: http.StatusBadRequest, ScimType: "mutability", Detail: o.Path + " cannot be removed."}
			}
			v = nil
		}
		if list, ok := v.([]any); ok && len(list) == 1 && o.Path != "emails" {
			v = list[0] // Entra sends single values as one-item lists
		}
		if m, ok := v.(map[string]any); ok && o.Path != "name" {
			if x, has := m["value"]; has {
				v = x // {"value": …}, as some providers wrap a value
			}
		}
		if err := set(&p, o.Path, v); err != nil {
			return Person{}, err
		}
	}
	return p, nil
}

// Filter is a list's filter: one attribute equal to a value. The
// attributes Upward can find people by are userName, externalId and
// emails.value.
type Filter struct {
	Attr  string // username, externalid or emails.value; "" for none
	Value string
}

var filterRE = regexp.MustCompile(`(?i)^\s*(userName|externalId|emails(?:\.value)?|emails\[type eq "work"\]\.value)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$`)

// ParseFilter reads a filter parameter. Anything but one supported
// attribute compared with eq is refused as invalidFilter.
func ParseFilter(s string) (Filter, error) {
	if strings.TrimSpace(s) == "" {
		return Filter{}, nil
	}
	m := filterRE.FindStringSubmatch(s)
	if m == nil {
		return Filter{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidFilter",
			Detail: `Filter by userName, externalId or emails.value with eq, like userName eq "ana@example.com".`}
	}
	value, err := strconv.Unquote(`"` + m[2] + `"`)
	if err != nil {
		return Filter{}, &Error{Status: http.StatusBadRequest, ScimType: "invalidFilter", Detail: "The filter's value is not a valid string."}
	}
	attr := strings.ToLower(m[1])
	if strings.HasPrefix(attr, "emails") {
		attr = "emails.value"
	}
	return Filter{Attr: attr, Value: value}, nil
}

// Page is a list's window: startIndex from 1, count at most MaxPageSize.
type Page struct {
	Start int // 1-based
	Count int
}

// ParsePage reads startIndex and count; out-of-range values are brought
// into range, as RFC 7644 §3.4.2.4 asks.
func ParsePage(startIndex, count string) Page {
	p := Page{Start: 1, Count: defaultPageSize}
	if n, err := strconv.Atoi(startIndex); err == nil && n > 1 {
		p.Start = n
	}
	if n, err := strconv.Atoi(count); err == nil {
		p.Count = min(max(n, 0), MaxPageSize)
	}
	return p
}
