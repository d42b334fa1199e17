package server

import (
	"net/http"
	"sync"
	"time"

	"github.com/upward-lms/upward/internal/tenant"
)

// A reseller's clients' portals carry the reseller's name, not Upward's
// (white label). Reseller names change rarely: they are kept a minute.
type resellerNames struct {
	mu    sync.Mutex
	names map[int64]resellerName
}

type resellerName struct {
	name string
	at   time.Time
}

const resellerNameTTL = time.Minute

// poweredBy is whose platform a portal's pages say it runs on.
func (s *Server) poweredBy(r *http.Request, t *tenant.Tenant) string {
	if t == nil || t.ResellerID == nil {
		return "Upward"
	}
	id := *t.ResellerID
	s.resellerNames.mu.Lock()
	n, ok := s.resellerNames.names[id]
	s.resellerNames.mu.Unlock()
	if ok && time.Since(n.at) < resellerNameTTL {
		return n.name
	}
	rs, err := s.resellers.FindResellerByID(r.Context(), id)
	if err != nil {
		return "Upward" // the footer is no reason to fail a page
	}
	s.resellerNames.mu.Lock()
	if s.resellerNames.names == nil {
		s.resellerNames.names = map[int64]resellerName{}
	}
	s.resellerNames.names[id] = resellerName{name: rs.Name, at: time.Now()}
	s.resellerNames.mu.Unlock()
	return rs.Name
}
