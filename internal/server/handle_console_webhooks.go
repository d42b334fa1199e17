package server

import (
	"net/http"
	"strconv"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// The console's webhooks: endpoints of an account, which hear every event
// of its portals, or of a reseller, which hear only events about its
// clients' portals themselves. The same pages and rules as a portal's
// webhooks; every call is keyed by the member's org, so another org's
// endpoint is not found.

const consoleWebhooks = "/console/webhooks"

func consoleWebhookAudience(m postgres.ConsoleMember) (lede, told string) {
	told = "your console's members"
	if m.IsReseller() {
		return "Upward can tell your other systems when a portal is opened for one of your clients: it sends each event you choose, as JSON, to an address of yours, signed so that you can check it came from here. Resellers hear about portals, never about the people in them.", told
	}
	return "Upward can tell your other systems what happens in all of your account's portals, and when a new one is opened: it sends each event you choose, as JSON, to an address of yours, signed so that you can check it came from here.", told
}

func (s *Server) renderConsoleWebhooks(w http.ResponseWriter, r *http.Request, m postgres.ConsoleMember, status int, v pages.AdminWebhooksView) {
	list, err := s.orgWebhooks.FindEndpoints(r.Context(), m.Org)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Base, v.Endpoints, v.CSRF = consoleWebhooks, webhookRows(list), s.csrfToken(r)
	v.Lede, _ = consoleWebhookAudience(m)
	if v.Events == nil {
		v.Events = eventChoices(m.Org.WebhookOwner(), nil)
	}
	s.render(w, r, status, s.consolePage(r, m, "Webhooks"), pages.AdminWebhooks(v))
}

func (s *Server) handleConsoleWebhooks(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	s.renderConsoleWebhooks(w, r, m, http.StatusOK, pages.AdminWebhooksView{Notice: s.popFlash(r)})
}

func (s *Server) handleConsoleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	in := webhookForm(r)
	e, secret, err := s.orgWebhooks.CreateEndpoint(r.Context(), m.Org, in, consoleActor(r, m))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderConsoleWebhooks(w, r, m, http.StatusUnprocessableEntity, webhookFormErrors(m.Org.WebhookOwner(), in, fields))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.webhookCreated(w, r, consoleWebhooks, e.ID, secret)
}

func (s *Server) handleConsoleWebhook(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	e, err := s.orgWebhooks.FindEndpoint(r.Context(), m.Org, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	before := logBefore(r)
	deliveries, more, err := s.orgWebhooks.FindDeliveries(r.Context(), m.Org, id, before, webhookLogPageSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	_, told := consoleWebhookAudience(m)
	v := s.webhookPage(w, r, consoleWebhooks, told, e, deliveries, more, before)
	s.render(w, r, http.StatusOK, s.consolePage(r, m, "Webhook "+e.URL), pages.AdminWebhook(v))
}

func (s *Server) handleConsoleWebhookTest(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if err := s.orgWebhooks.SendTestEvent(r.Context(), m.Org, id, consoleActor(r, m)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, testEventQueued)
	http.Redirect(w, r, consoleWebhooks+"/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// handleConsoleWebhookEnabled enables or disables one of the org's
// endpoints.
func (s *Server) handleConsoleWebhookEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := consoleOf(r)
		id, ok := s.idParam(w, r, "id")
		if !ok {
			return
		}
		if err := s.orgWebhooks.SetEndpointEnabled(r.Context(), m.Org, id, enabled, consoleActor(r, m)); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.flash(r, webhookFlash(enabled))
		http.Redirect(w, r, consoleWebhooks+"/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}

func (s *Server) handleConsoleWebhookRotate(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	secret, err := s.orgWebhooks.RotateSecret(r.Context(), m.Org, id, consoleActor(r, m))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.showSecretOnce(w, r, consoleWebhooks, id, secret, secretRotated)
}

func (s *Server) handleConsoleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	m := consoleOf(r)
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if err := s.orgWebhooks.DeleteEndpoint(r.Context(), m.Org, id, consoleActor(r, m)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Endpoint deleted.")
	http.Redirect(w, r, consoleWebhooks, http.StatusSeeOther)
}
