package server

import (
	"context"
	"net/http"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// requestState is what the middleware learn about a request: its portal,
// and who is signed in. Handlers read it with s.state(r).
type requestState struct {
	Tenant *tenant.Tenant // nil on the platform host
	User   *user.User     // nil when nobody is signed in to the portal
	Unread int            // the user's unread notifications, for the bell
	// Manages: someone active reports to the user ("My team" is theirs).
	Manages bool
	Actor   access.Actor
	// OperatorName is the signed-in platform operator, on the platform host.
	OperatorName string
	// Console is the signed-in console member, on the console's routes.
	Console *postgres.ConsoleMember
}

type stateKey struct{}

func withState(r *http.Request, st *requestState) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
}

func stateOf(r *http.Request) *requestState {
	if st, ok := r.Context().Value(stateKey{}).(*requestState); ok {
		return st
	}
	return &requestState{}
}
