package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// userJSON is a person as the API shows them.
type userJSON struct {
	ID            int64     `json:"id"`
	Email         string    `json:"email"`
	Name          string    `json:"name"`
	Roles         []string  `json:"roles"`
	Status        string    `json:"status"`
	ManagerID     *int64    `json:"manager_id"`
	TimeZone      string    `json:"time_zone"`
	EmailVerified bool      `json:"email_verified"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toUser(u user.User) userJSON {
	roles := make([]string, len(u.Roles))
	for i, r := range u.Roles {
		roles[i] = string(r)
	}
	return userJSON{ID: u.ID, Email: u.Email, Name: u.Name, Roles: roles, Status: string(u.Status), ManagerID: u.ManagerID,
		TimeZone: u.TimeZone, EmailVerified: u.EmailVerified, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func toUsers(us []user.User) []userJSON {
	out := make([]userJSON, len(us))
	for i, u := range us {
		out[i] = toUser(u)
	}
	return out
}

func roles(names []string) []user.Role {
	out := make([]user.Role, len(names))
	for i, n := range names {
		out[i] = user.Role(n)
	}
	return out
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	uq := postgres.UserListQuery{Keyset: q.keyset(), UpdatedSince: q.time("updated_since"),
		Status: user.Status(q.oneOf("status", string(user.Invited), string(user.Active), string(user.Deactivated))),
		Email:  r.URL.Query().Get("email")}
	if !q.ok(w) {
		return
	}
	us, more, err := a.users.FindUsersPage(r.Context(), stateOf(r).tenant.ID, uq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[userJSON]{Data: toUsers(us)}
	if len(us) > 0 {
		last := us[len(us)-1]
		out.NextCursor = next(more, last.UpdatedAt, last.ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	u, err := a.users.FindUserByID(r.Context(), stateOf(r).tenant.ID, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	a.writeJSON(w, r, http.StatusOK, toUser(u))
}

var userCreateFields = bodyFields{"email": true, "name": true, "roles": true}

// userCreateBody is the JSON body of a person to invite.
type userCreateBody struct {
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// createUser invites a person: their account waits for them to choose a
// password with the link mailed to them.
func (a *API) createUser(w http.ResponseWriter, r *http.Request) {
	var in userCreateBody
	if !decode(w, r, &in, userCreateFields) {
		return
	}
	if in.Roles == nil {
		in.Roles = []string{string(user.Learner)}
	}
	t := stateOf(r).tenant
	if err := stateOf(r).key.MayManage(nil, roles(in.Roles)); err != nil {
		a.renderError(w, r, err, userCreateFields)
		return
	}
	u, err := a.users.Invite(r.Context(), t, postgres.Invitation{Email: in.Email, Name: in.Name, Roles: roles(in.Roles),
		Inviter: t.Name + "’s learning team"}, actor(r))
	if err != nil {
		a.renderError(w, r, err, userCreateFields)
		return
	}
	w.Header().Set("Location", Prefix+"/users/"+strconv.FormatInt(u.ID, 10))
	a.writeJSON(w, r, http.StatusCreated, toUser(u))
}

var userUpdateFields = bodyFields{"name": true, "roles": true, "manager_id": true, "status": true}

// userUpdateBody is the JSON body of the changes to a person; absent members stay as they are.
type userUpdateBody struct {
	Name      *string    `json:"name"`
	Roles     []string   `json:"roles"`
	ManagerID optionalID `json:"manager_id"`
	Status    *string    `json:"status"`
}

// updateUser changes what is sent of a person's name, roles, manager and
// status; what is not sent stays as it is.
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	var in userUpdateBody
	// The person before the body: another portal's is not found, whatever
	// the request says.
	tid := stateOf(r).tenant.ID
	u, err := a.users.FindUserByID(r.Context(), tid, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	if !decode(w, r, &in, userUpdateFields) {
		return
	}
	upd := postgres.UserUpdate{Name: u.Name, Roles: u.Roles, ManagerID: u.ManagerID, Status: u.Status}
	if in.Name != nil {
		upd.Name = *in.Name
	}
	if in.Roles != nil {
		upd.Roles = roles(in.Roles)
	}
	if in.ManagerID.Set {
		upd.ManagerID = in.ManagerID.Value
	}
	if in.Status != nil {
		if *in.Status != string(user.Active) && *in.Status != string(user.Deactivated) {
			invalid(w, r, apperr.Fields{"status": "Give active or deactivated."}, userUpdateFields)
			return
		}
		upd.Status = user.Status(*in.Status)
	}
	if err := stateOf(r).key.MayManage(u.Roles, upd.Roles); err != nil {
		a.renderError(w, r, err, userUpdateFields)
		return
	}
	u, err = a.users.UpdateUser(r.Context(), tid, id, upd, actor(r))
	if err != nil {
		a.renderError(w, r, err, userUpdateFields)
		return
	}
	a.writeJSON(w, r, http.StatusOK, toUser(u))
}
