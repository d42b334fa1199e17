package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

// groupJSON is a group as the API shows it.
type groupJSON struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
}

func toGroup(g postgres.Group) groupJSON {
	return groupJSON{ID: g.ID, Name: g.Name, Kind: g.Kind, MemberCount: g.MemberCount, CreatedAt: g.CreatedAt}
}

func (a *API) listGroups(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	k := q.keyset()
	if !q.ok(w) {
		return
	}
	gs, more, err := a.groups.FindGroupsPage(r.Context(), stateOf(r).tenant.ID, k)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[groupJSON]{Data: make([]groupJSON, len(gs))}
	for i, g := range gs {
		out.Data[i] = toGroup(g)
	}
	if len(gs) > 0 {
		out.NextCursor = next(more, time.Time{}, gs[len(gs)-1].ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	g, err := a.groups.FindGroupByID(r.Context(), stateOf(r).tenant.ID, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	a.writeJSON(w, r, http.StatusOK, toGroup(g))
}

var groupCreateFields = bodyFields{"name": true, "kind": true}

// groupCreateBody is the JSON body of a group to create.
type groupCreateBody struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request) {
	var in groupCreateBody
	if !decode(w, r, &in, groupCreateFields) {
		return
	}
	if in.Kind == "" {
		in.Kind = "team"
	}
	g, err := a.groups.CreateGroup(r.Context(), stateOf(r).tenant.ID, in.Name, in.Kind, actor(r))
	if err != nil {
		a.renderError(w, r, err, groupCreateFields)
		return
	}
	w.Header().Set("Location", Prefix+"/groups/"+strconv.FormatInt(g.ID, 10))
	a.writeJSON(w, r, http.StatusCreated, toGroup(g))
}

func (a *API) listMembers(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	q := newQuery(r)
	k := q.keyset()
	if !q.ok(w) {
		return
	}
	us, more, err := a.groups.FindGroupMembersPage(r.Context(), stateOf(r).tenant.ID, id, k)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[userJSON]{Data: toUsers(us)}
	if len(us) > 0 {
		out.NextCursor = next(more, time.Time{}, us[len(us)-1].ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

var memberFields = bodyFields{"user_id": true}

// memberBody is the JSON body of a person to add to a group.
type memberBody struct {
	UserID int64 `json:"user_id"`
}

// addMember puts a person in a group; they receive what the group was
// assigned. Adding a member again changes nothing.
func (a *API) addMember(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	// The group before the body: another portal's group is not found,
	// whatever the request says.
	if _, err := a.groups.FindGroupByID(r.Context(), stateOf(r).tenant.ID, id); err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	var in memberBody
	if !decode(w, r, &in, memberFields) {
		return
	}
	if in.UserID <= 0 {
		invalid(w, r, apperr.Fields{"user_id": "Give the ID of a person of this portal."}, memberFields)
		return
	}
	err := a.groups.AddGroupMember(r.Context(), stateOf(r).tenant.ID, id, in.UserID, actor(r))
	if errors.Is(err, postgres.ErrMemberNotFound) {
		// The group is in the URL (404 when missing); the person in the body.
		invalid(w, r, apperr.Fields{"user_id": "No person of this portal has that ID."}, memberFields)
		return
	}
	if err != nil {
		a.renderError(w, r, err, memberFields)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// removeMember takes a person out of a group; removing someone who is not
// a member changes nothing.
func (a *API) removeMember(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	uid, ok := pathID(w, r, "userID")
	if !ok {
		return
	}
	if err := a.groups.RemoveGroupMember(r.Context(), stateOf(r).tenant.ID, id, uid, actor(r)); err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
