package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/ratelimit"
)

// Sign-in throttles: per client address on each sign-in form (a portal's,
// the console's, the operators'), and per account (the portal and the
// e-mail address typed), whichever trips first. The sixth attempt on
// one account within a minute is refused. The counts are in PostgreSQL,
// so every server holds an account to the same five.
var (
	signInPerIP      = ratelimit.Limit{Requests: 20, Window: time.Minute}
	signInPerAccount = ratelimit.Limit{Requests: 5, Window: time.Minute}
)

// throttleSignIn limits POSTs to a sign-in form.
func (s *Server) throttleSignIn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		var tenantID int64
		if t := stateOf(r).Tenant; t != nil {
			tenantID = t.ID
		}
		account := strconv.FormatInt(tenantID, 10) + "|" + strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
		for _, c := range []struct {
			key   string
			limit ratelimit.Limit
		}{{"signin-ip:" + r.Host + r.URL.Path + "|" + clientIP(r), signInPerIP}, {"signin-account:" + r.URL.Path + "|" + account, signInPerAccount}} {
			d, err := c.limit.Check(r.Context(), s.services.RateCounter, c.key, time.Now())
			if err != nil {
				s.serverError(w, r, err)
				return
			}
			if !d.Allowed {
				w.Header().Set("Retry-After", strconv.Itoa(int(time.Until(d.Reset).Seconds())+1))
				s.errorPage(w, r, http.StatusTooManyRequests, "Too many attempts",
					"You have tried to sign in too many times. Please wait a minute, then try again. If you have forgotten your password, you can reset it.")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
