package server

import (
	"net/http"
	"net/url"

	"github.com/upward-lms/upward/internal/access"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/auditlog"
	"github.com/upward-lms/upward/web/pages"
)

// auditPageSize is how many events a page of the audit log shows.
const auditPageSize = 50

// auditFilter reads the audit log's filter from the query string. The view
// carries the filter as typed, to show it again.
func auditFilter(r *http.Request) (pages.AdminAuditView, auditlog.Filter, error) {
	q := r.URL.Query()
	v := pages.AdminAuditView{Action: q.Get("action"), Actor: q.Get("actor"), From: q.Get("from"), To: q.Get("to")}
	f, err := auditlog.ParseFilter(v.Action, v.Actor, v.From, v.To)
	v.Filtered = err != nil || !f.IsZero()
	return v, f, err
}

// auditFilterQuery is the query string of a filter; links to other pages and to
// the CSV keep it.
func auditFilterQuery(f auditlog.Filter) url.Values {
	q := url.Values{}
	from, to := f.Dates()
	for k, v := range map[string]string{"action": f.Action, "actor": f.Actor, "from": from, "to": to} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// renderAuditFilterErrors shows the filter with a message at each bad
// field, and no events.
func (s *Server) renderAuditFilterErrors(w http.ResponseWriter, r *http.Request, v pages.AdminAuditView, fields apperr.Fields) {
	v.Errors, v.Error = fields, "Please correct the filter fields marked below."
	s.render(w, r, http.StatusUnprocessableEntity, s.page(r, "Audit log"), pages.AdminAudit(v))
}

func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAudit) {
		return
	}
	v, f, err := auditFilter(r)
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAuditFilterErrors(w, r, v, fields)
		return
	}
	var before *auditlog.Cursor
	if raw := r.URL.Query().Get("before"); raw != "" {
		c, err := auditlog.ParseCursor(raw)
		if err != nil {
			s.renderError(w, r, err)
			return
		}
		before = &c
	}
	page, err := s.auditLog.FindAuditEvents(r.Context(), stateOf(r).Tenant.ID, f, before, auditPageSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	for _, e := range page.Events {
		v.Rows = append(v.Rows, pages.AuditRow{At: e.At, Actor: e.ActorLabel, Action: e.Action, Subject: e.Subject, IP: e.IP})
	}
	q := auditFilterQuery(f)
	v.CSVURL = withQuery("/admin/audit.csv", q)
	if before != nil {
		v.NewestURL = withQuery("/admin/audit", q)
	}
	if page.Older != nil {
		q.Set("before", page.Older.String())
		v.OlderURL = withQuery("/admin/audit", q)
	}
	s.render(w, r, http.StatusOK, s.page(r, "Audit log"), pages.AdminAudit(v))
}

// handleAdminAuditCSV downloads every event the filter keeps, newest
// first, streamed as the rows come from the database.
func (s *Server) handleAdminAuditCSV(w http.ResponseWriter, r *http.Request) {
	if !s.allow(w, r, access.ViewAudit) {
		return
	}
	v, f, err := auditFilter(r)
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderAuditFilterErrors(w, r, v, fields)
		return
	}
	t := stateOf(r).Tenant
	header := []string{"When (UTC)", "Who", "What", "About", "From", "Detail"}
	s.streamCSV(w, r, "audit-"+t.Slug+".csv", header, func(emit func(cells ...string) error) error {
		return s.auditLog.EachAuditEvent(r.Context(), t.ID, f, func(e auditlog.Event) error {
			return emit(e.At.UTC().Format("2006-01-02 15:04:05"), e.ActorLabel, e.Action, e.Subject, e.IP, e.Detail)
		})
	})
}
