package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scim"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// SCIMPrefix is where a portal's SCIM 2.0 service lives on its host.
const SCIMPrefix = "/scim/v2"

// SCIMRouter is the SCIM service's router (for the tests that walk routes).
func (a *API) SCIMRouter() chi.Router { return a.scimRouter }

// ServeSCIM serves the SCIM service of the portal of the request's host.
func (a *API) ServeSCIM(w http.ResponseWriter, r *http.Request) { a.scimRouter.ServeHTTP(w, r) }

// scimRoutes are SCIM's: portal keys with the SCIM permission, SCIM's
// JSON and errors (RFC 7644) rather than the REST API's problems.
func (a *API) scimRoutes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeSCIMError(w, &scim.Error{Status: http.StatusNotFound, Detail: "There is no SCIM endpoint at this address."})
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeSCIMError(w, &scim.Error{Status: http.StatusMethodNotAllowed, Detail: "This endpoint does not accept " + r.Method + "."})
	})
	r.Use(a.scimPortal, middleware.Timeout(a.d.RequestTimeout), limitBody, a.scimAuthenticate)
	r.Route(SCIMPrefix, func(r chi.Router) {
		r.Get("/ServiceProviderConfig", a.scimServiceProviderConfig)
		r.Get("/ResourceTypes", a.scimResourceTypes)
		r.Get("/Schemas", a.scimSchemas)
		r.Get("/Users", a.scimListUsers)
		r.Post("/Users", a.scimCreateUser)
		r.Get("/Users/{id}", a.scimGetUser)
		r.Put("/Users/{id}", a.scimReplaceUser)
		r.Patch("/Users/{id}", a.scimPatchUser)
		r.Delete("/Users/{id}", a.scimDeleteUser)
		r.Get("/Groups", a.scimListGroups)
		r.Post("/Groups", a.scimCreateGroup)
		r.Get("/Groups/{id}", a.scimGetGroup)
		r.Put("/Groups/{id}", a.scimReplaceGroup)
		r.Patch("/Groups/{id}", a.scimPatchGroup)
		r.Delete("/Groups/{id}", a.scimDeleteGroup)
	})
	return r
}

func writeSCIMError(w http.ResponseWriter, e *scim.Error) {
	body := map[string]any{"schemas": []string{scim.SchemaError}, "status": strconv.Itoa(e.Status), "detail": e.Detail}
	if e.ScimType != "" {
		body["scimType"] = e.ScimType
	}
	writeSCIM(w, e.Status, body)
}

// writeSCIMList answers a list: the page's resources of the total.
func writeSCIMList[T any](w http.ResponseWriter, start, total int, resources []T) {
	writeSCIM(w, http.StatusOK, map[string]any{"schemas": []string{scim.SchemaListResponse}, "totalResults": total,
		"startIndex": start, "itemsPerPage": len(resources), "Resources": resources})
}

// scimPathID is the URL's resource ID; anything but a positive number is a
// resource that does not exist.
func scimPathID(w http.ResponseWriter, r *http.Request, noun string) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		writeSCIMError(w, &scim.Error{Status: http.StatusNotFound, Detail: "There is no such " + noun + "."})
		return 0, false
	}
	return id, true
}

// writeSCIMCreated answers a creation with the resource and its address.
func writeSCIMCreated(w http.ResponseWriter, res map[string]any) {
	w.Header().Set("Location", res["meta"].(map[string]any)["location"].(string))
	writeSCIM(w, http.StatusCreated, res)
}

func writeSCIM(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", scim.MediaType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

// scimFail answers an error: SCIM's own, the product's (invalid, not
// found, forbidden, conflict) in SCIM's words, or a 500.
func (a *API) scimFail(w http.ResponseWriter, r *http.Request, err error) {
	var se *scim.Error
	if errors.As(err, &se) {
		writeSCIMError(w, se)
		return
	}
	switch apperr.Code(err) {
	case apperr.EINVALID:
		writeSCIMError(w, &scim.Error{Status: http.StatusBadRequest, ScimType: "invalidValue", Detail: apperr.Message(err)})
	case apperr.ENOTFOUND:
		writeSCIMError(w, &scim.Error{Status: http.StatusNotFound, Detail: "There is no such resource."})
	case apperr.EFORBIDDEN:
		writeSCIMError(w, &scim.Error{Status: http.StatusForbidden, Detail: apperr.Message(err)})
	case apperr.ECONFLICT:
		writeSCIMError(w, &scim.Error{Status: http.StatusConflict, ScimType: "uniqueness", Detail: apperr.Message(err)})
	default:
		a.d.Logger.ErrorContext(r.Context(), "scim", "err", err, "request_id", middleware.GetReqID(r.Context()), "path", r.URL.Path)
		writeSCIMError(w, &scim.Error{Status: http.StatusInternalServerError, Detail: "Something went wrong; nothing was changed. Try again."})
	}
}

// scimPortal finds the portal of the request's host, as resolvePortal
// does, answering in SCIM's words.
func (a *API) scimPortal(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := a.tenants.FindTenantByHost(r.Context(), r.Host, a.d.BaseDomain)
		if apperr.Code(err) == apperr.ENOTFOUND {
			writeSCIMError(w, &scim.Error{Status: http.StatusNotFound, Detail: "There is no portal at this host."})
			return
		}
		if err != nil {
			a.scimFail(w, r, err)
			return
		}
		a.d.NoteTenant(r.Context(), t.Slug)
		if t.Status == tenant.Suspended {
			writeSCIMError(w, &scim.Error{Status: http.StatusForbidden, Detail: t.Name + " is suspended: provisioning is closed until it is reinstated."})
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestKey{}, &request{tenant: t})))
	})
}

// scimAuthenticate admits an active key of this portal that holds the
// SCIM permission, within its rate limit.
func (a *API) scimAuthenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r)
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+st.tenant.Slug+`"`)
			writeSCIMError(w, &scim.Error{Status: http.StatusUnauthorized, Detail: postgres.ErrBadKey.Message})
			return
		}
		k, err := a.keys.AuthenticatePortalKey(r.Context(), st.tenant.ID, token)
		if apperr.Code(err) == apperr.EUNAUTHORIZED {
			w.Header().Set("WWW-Authenticate", `Bearer realm="`+st.tenant.Slug+`", error="invalid_token"`)
			writeSCIMError(w, &scim.Error{Status: http.StatusUnauthorized, Detail: apperr.Message(err)})
			return
		}
		if err != nil {
			a.scimFail(w, r, err)
			return
		}
		if !plan.Allows(st.tenant.Plan, plan.APIAccess) {
			writeSCIMError(w, &scim.Error{Status: http.StatusForbidden, Detail: "Provisioning is not part of this portal's plan."})
			return
		}
		if !k.Can(apikey.SCIMProvision) {
			writeSCIMError(w, &scim.Error{Status: http.StatusForbidden, Detail: "This key does not hold the " + string(apikey.SCIMProvision) + " permission."})
			return
		}
		if a.overLimit(w, r, k.ID) {
			return
		}
		st.key = k
		next.ServeHTTP(w, r)
	})
}

// scimBody reads a request body as SCIM attributes.
func scimBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		writeSCIMError(w, &scim.Error{Status: http.StatusRequestEntityTooLarge, Detail: "The body is too large."})
		return nil, false
	}
	m, err := scim.Decode(data)
	if err != nil {
		writeSCIMError(w, err.(*scim.Error))
		return nil, false
	}
	return m, true
}

// scimUserResource is a person as a SCIM User resource.
func (a *API) scimUserResource(r *http.Request, su postgres.SCIMUser) map[string]any {
	given, family := scim.SplitName(su.Name)
	res := map[string]any{
		"schemas":     []string{scim.SchemaUser},
		"id":          strconv.FormatInt(su.ID, 10),
		"userName":    su.Email,
		"displayName": su.Name,
		"name":        map[string]any{"formatted": su.Name, "givenName": given, "familyName": family},
		"emails":      []map[string]any{{"value": su.Email, "type": "work", "primary": true}},
		"active":      su.Status != user.Deactivated,
		"meta": map[string]any{
			"resourceType": "User",
			"created":      su.CreatedAt.UTC().Format(time.RFC3339),
			"lastModified": su.UpdatedAt.UTC().Format(time.RFC3339),
			"location":     a.d.PortalURL(r, stateOf(r).tenant) + SCIMPrefix + "/Users/" + strconv.FormatInt(su.ID, 10),
			"version":      `W/"` + strconv.FormatInt(su.UpdatedAt.UnixMicro(), 36) + `"`,
		},
	}
	if su.ExternalID != "" {
		res["externalId"] = su.ExternalID
	}
	return res
}

func (a *API) scimListUsers(w http.ResponseWriter, r *http.Request) {
	f, err := scim.ParseFilter(r.URL.Query().Get("filter"))
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	page := scim.ParsePage(r.URL.Query().Get("startIndex"), r.URL.Query().Get("count"))
	users, total, err := a.users.ListSCIMUsers(r.Context(), stateOf(r).tenant.ID, f, page)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	resources := make([]map[string]any, 0, len(users))
	for _, su := range users {
		resources = append(resources, a.scimUserResource(r, su))
	}
	writeSCIMList(w, page.Start, total, resources)
}

// scimUser is the person the URL names, as SCIM sees them.
func (a *API) scimUser(w http.ResponseWriter, r *http.Request) (postgres.SCIMUser, bool) {
	id, ok := scimPathID(w, r, "user")
	if !ok {
		return postgres.SCIMUser{}, false
	}
	su, err := a.users.FindSCIMUser(r.Context(), stateOf(r).tenant.ID, id)
	if err != nil {
		a.scimFail(w, r, err)
		return postgres.SCIMUser{}, false
	}
	return su, true
}

func (a *API) scimGetUser(w http.ResponseWriter, r *http.Request) {
	if su, ok := a.scimUser(w, r); ok {
		writeSCIM(w, http.StatusOK, a.scimUserResource(r, su))
	}
}

func (a *API) scimCreateUser(w http.ResponseWriter, r *http.Request) {
	body, ok := scimBody(w, r)
	if !ok {
		return
	}
	p, err := scim.ParseUser(body)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	su, err := a.users.ProvisionSCIMUser(r.Context(), stateOf(r).tenant, p, actor(r))
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	writeSCIMCreated(w, a.scimUserResource(r, su))
}

// personOf is what SCIM says of a person now, for a PATCH to apply to.
func personOf(su postgres.SCIMUser) scim.Person {
	given, family := scim.SplitName(su.Name)
	return scim.Person{UserName: su.Email, ExternalID: su.ExternalID, DisplayName: su.Name, GivenName: given, FamilyName: family,
		Formatted: su.Name, Active: su.Status != user.Deactivated}
}

// scimChange saves what a PUT or a PATCH makes of a person; a key may
// not change someone who can do more than it.
func (a *API) scimChange(w http.ResponseWriter, r *http.Request, su postgres.SCIMUser, p scim.Person) {
	if err := stateOf(r).key.MayManage(su.Roles, su.Roles); err != nil {
		a.scimFail(w, r, err)
		return
	}
	su, err := a.users.UpdateSCIMUser(r.Context(), stateOf(r).tenant, su.ID, p, actor(r))
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	writeSCIM(w, http.StatusOK, a.scimUserResource(r, su))
}

func (a *API) scimReplaceUser(w http.ResponseWriter, r *http.Request) {
	su, ok := a.scimUser(w, r)
	if !ok {
		return
	}
	body, ok := scimBody(w, r)
	if !ok {
		return
	}
	p, err := scim.ParseUser(body)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	a.scimChange(w, r, su, p)
}

func (a *API) scimPatchUser(w http.ResponseWriter, r *http.Request) {
	su, ok := a.scimUser(w, r)
	if !ok {
		return
	}
	body, ok := scimBody(w, r)
	if !ok {
		return
	}
	ops, err := scim.ParsePatch(body)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	p, err := scim.Apply(personOf(su), ops)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	a.scimChange(w, r, su, p)
}

func (a *API) scimDeleteUser(w http.ResponseWriter, r *http.Request) {
	su, ok := a.scimUser(w, r)
	if !ok {
		return
	}
	if err := stateOf(r).key.MayManage(su.Roles, su.Roles); err != nil {
		a.scimFail(w, r, err)
		return
	}
	if err := a.users.DeleteSCIMUser(r.Context(), stateOf(r).tenant, su.ID, actor(r)); err != nil {
		a.scimFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) scimServiceProviderConfig(w http.ResponseWriter, r *http.Request) {
	writeSCIM(w, http.StatusOK, map[string]any{
		"schemas":          []string{scim.SchemaServiceProvider},
		"documentationUri": a.d.PortalURL(r, stateOf(r).tenant) + Prefix + "/docs",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": scim.MaxPageSize},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []map[string]any{{"type": "oauthbearertoken", "name": "Bearer token",
			"description": "A portal API key holding the scim:provision permission, made at /admin/api-keys.", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": a.d.PortalURL(r, stateOf(r).tenant) + SCIMPrefix + "/ServiceProviderConfig"},
	})
}

func (a *API) scimResourceTypes(w http.ResponseWriter, r *http.Request) {
	base := a.d.PortalURL(r, stateOf(r).tenant) + SCIMPrefix
	users := map[string]any{"schemas": []string{scim.SchemaResourceType}, "id": "User", "name": "User", "endpoint": "/Users",
		"description": "A person of the portal", "schema": scim.SchemaUser,
		"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"}}
	groups := map[string]any{"schemas": []string{scim.SchemaResourceType}, "id": "Group", "name": "Group", "endpoint": "/Groups",
		"description": "A group of the portal's people", "schema": scim.SchemaGroup,
		"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"}}
	writeSCIMList(w, 1, 2, []any{users, groups})
}

func (a *API) scimSchemas(w http.ResponseWriter, r *http.Request) {
	attr := func(name, typ string, required bool, uniqueness string) map[string]any {
		return map[string]any{"name": name, "type": typ, "multiValued": false, "required": required, "caseExact": false,
			"mutability": "readWrite", "returned": "default", "uniqueness": uniqueness}
	}
	name := attr("name", "complex", false, "none")
	name["subAttributes"] = []any{attr("formatted", "string", false, "none"), attr("givenName", "string", false, "none"), attr("familyName", "string", false, "none")}
	emails := attr("emails", "complex", false, "none")
	emails["multiValued"] = true
	emails["subAttributes"] = []any{attr("value", "string", false, "none"), attr("type", "string", false, "none"), attr("primary", "boolean", false, "none")}
	userSchema := map[string]any{"schemas": []string{scim.SchemaSchema}, "id": scim.SchemaUser, "name": "User", "description": "A person of the portal",
		"attributes": []any{attr("userName", "string", true, "server"), attr("externalId", "string", false, "server"), name,
			attr("displayName", "string", false, "none"), emails, attr("active", "boolean", false, "none")},
		"meta": map[string]any{"resourceType": "Schema", "location": a.d.PortalURL(r, stateOf(r).tenant) + SCIMPrefix + "/Schemas/" + scim.SchemaUser}}
	members := attr("members", "complex", false, "none")
	members["multiValued"] = true
	members["subAttributes"] = []any{attr("value", "string", false, "none"), attr("$ref", "reference", false, "none"), attr("type", "string", false, "none")}
	groupSchema := map[string]any{"schemas": []string{scim.SchemaSchema}, "id": scim.SchemaGroup, "name": "Group", "description": "A group of the portal's people",
		"attributes": []any{attr("displayName", "string", true, "server"), attr("externalId", "string", false, "server"), members},
		"meta":       map[string]any{"resourceType": "Schema", "location": a.d.PortalURL(r, stateOf(r).tenant) + SCIMPrefix + "/Schemas/" + scim.SchemaGroup}}
	writeSCIMList(w, 1, 2, []any{userSchema, groupSchema})
}

// scimGroupResource is a group as a SCIM Group resource.
func (a *API) scimGroupResource(r *http.Request, g postgres.SCIMGroup) map[string]any {
	base := a.d.PortalURL(r, stateOf(r).tenant) + SCIMPrefix
	members := make([]map[string]any, 0, len(g.Members))
	for _, id := range g.Members {
		members = append(members, map[string]any{"value": strconv.FormatInt(id, 10), "$ref": base + "/Users/" + strconv.FormatInt(id, 10), "type": "User"})
	}
	res := map[string]any{
		"schemas":     []string{scim.SchemaGroup},
		"id":          strconv.FormatInt(g.ID, 10),
		"displayName": g.Name,
		"members":     members,
		"meta": map[string]any{"resourceType": "Group", "created": g.CreatedAt.UTC().Format(time.RFC3339),
			"location": base + "/Groups/" + strconv.FormatInt(g.ID, 10)},
	}
	if g.ExternalID != "" {
		res["externalId"] = g.ExternalID
	}
	return res
}

func (a *API) scimListGroups(w http.ResponseWriter, r *http.Request) {
	f, err := scim.GroupFilter(r.URL.Query().Get("filter"))
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	page := scim.ParsePage(r.URL.Query().Get("startIndex"), r.URL.Query().Get("count"))
	groups, total, err := a.groups.ListSCIMGroups(r.Context(), stateOf(r).tenant.ID, f, page)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	// Entra ID asks with excludedAttributes=members: a large group's
	// members are not sent when nobody wants them.
	noMembers := false
	for _, ex := range strings.Split(r.URL.Query().Get("excludedAttributes"), ",") {
		noMembers = noMembers || strings.EqualFold(strings.TrimSpace(ex), "members")
	}
	resources := make([]map[string]any, 0, len(groups))
	for _, g := range groups {
		res := a.scimGroupResource(r, g)
		if noMembers {
			delete(res, "members")
		}
		resources = append(resources, res)
	}
	writeSCIMList(w, page.Start, total, resources)
}

func (a *API) scimGroup(w http.ResponseWriter, r *http.Request) (postgres.SCIMGroup, bool) {
	id, ok := scimPathID(w, r, "group")
	if !ok {
		return postgres.SCIMGroup{}, false
	}
	g, err := a.groups.FindSCIMGroup(r.Context(), stateOf(r).tenant.ID, id)
	if err != nil {
		a.scimFail(w, r, err)
		return postgres.SCIMGroup{}, false
	}
	return g, true
}

func (a *API) scimGetGroup(w http.ResponseWriter, r *http.Request) {
	if g, ok := a.scimGroup(w, r); ok {
		writeSCIM(w, http.StatusOK, a.scimGroupResource(r, g))
	}
}

func (a *API) scimCreateGroup(w http.ResponseWriter, r *http.Request) {
	body, ok := scimBody(w, r)
	if !ok {
		return
	}
	t, err := scim.ParseGroup(body)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	g, err := a.groups.CreateSCIMGroup(r.Context(), stateOf(r).tenant.ID, t, actor(r))
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	writeSCIMCreated(w, a.scimGroupResource(r, g))
}

func (a *API) scimReplaceGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := a.scimGroup(w, r)
	if !ok {
		return
	}
	body, ok := scimBody(w, r)
	if !ok {
		return
	}
	t, err := scim.ParseGroup(body)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	a.scimChangeGroup(w, r, g, scim.GroupChange{DisplayName: &t.DisplayName, ExternalID: &t.ExternalID, Replace: t.Members, ReplaceAll: true})
}

func (a *API) scimPatchGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := a.scimGroup(w, r)
	if !ok {
		return
	}
	body, ok := scimBody(w, r)
	if !ok {
		return
	}
	ops, err := scim.ParsePatch(body)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	c, err := scim.GroupPatch(ops)
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	a.scimChangeGroup(w, r, g, c)
}

func (a *API) scimChangeGroup(w http.ResponseWriter, r *http.Request, g postgres.SCIMGroup, c scim.GroupChange) {
	g, err := a.groups.UpdateSCIMGroup(r.Context(), stateOf(r).tenant.ID, g.ID, c, actor(r))
	if err != nil {
		a.scimFail(w, r, err)
		return
	}
	writeSCIM(w, http.StatusOK, a.scimGroupResource(r, g))
}

func (a *API) scimDeleteGroup(w http.ResponseWriter, r *http.Request) {
	g, ok := a.scimGroup(w, r)
	if !ok {
		return
	}
	if err := a.groups.DeleteSCIMGroup(r.Context(), stateOf(r).tenant.ID, g.ID, actor(r)); err != nil {
		a.scimFail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
