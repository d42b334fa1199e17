package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/httprate"
)

// Sign-in throttles: per client address, and per account (the portal and
// the e-mail address typed), whichever trips first. The sixth attempt on
// one account within a minute is refused.
const (
	signInPerIP      = 20
	signInPerAccount = 5
	signInWindow     = time.Minute
)

// throttleSignIn limits POSTs to a sign-in form.
func (s *Server) throttleSignIn(next http.Handler) http.Handler {
	onLimit := httprate.WithLimitHandler(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusTooManyRequests, "Too many attempts",
			"You have tried to sign in too many times. Please wait a minute, then try again. If you have forgotten your password, you can reset it.")
	})
	perIP := httprate.Limit(signInPerIP, signInWindow, httprate.WithKeyFuncs(httprate.KeyByIP), onLimit)
	perAccount := httprate.Limit(signInPerAccount, signInWindow, httprate.WithKeyFuncs(func(r *http.Request) (string, error) {
		var tenantID int64
		if t := stateOf(r).Tenant; t != nil {
			tenantID = t.ID
		}
		return strconv.FormatInt(tenantID, 10) + "|" + strings.ToLower(strings.TrimSpace(r.PostFormValue("email"))), nil
	}), onLimit)
	limited := perIP(perAccount(next))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		limited.ServeHTTP(w, r)
	})
}
