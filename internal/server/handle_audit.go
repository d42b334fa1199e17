package server

import (
	"net/http"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/web/pages"
)

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAudit) {
		return
	}
	events, err := s.users.FindAuditEvents(r.Context(), stateOf(r).Tenant.ID, 500)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	rows := make([]pages.AuditRow, len(events))
	for i, e := range events {
		rows[i] = pages.AuditRow{At: e.At, Actor: e.ActorLabel, Action: e.Action, Subject: e.Subject, IP: e.IP}
	}
	s.render(w, r, http.StatusOK, s.page(r, "Audit log"), pages.AdminAudit(rows))
}
