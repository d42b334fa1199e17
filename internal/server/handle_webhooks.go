package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/webhook"
	"github.com/upward-lms/upward/web/pages"
)

// webhookLogPageSize is how many deliveries a page of an endpoint's log shows.
const webhookLogPageSize = 50

// sessWebhookSecret carries a new endpoint's secret, with its ID, from
// the form to the endpoint's page, which shows it once and forgets it.
const sessWebhookSecret = "webhook_secret"

func webhookTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}

// eventChoices are the events an owner's endpoint may subscribe to, as
// the form offers them.
func eventChoices(o webhook.Owner, checked []string) []pages.EventChoice {
	types := webhook.EventTypesFor(o)
	out := make([]pages.EventChoice, len(types))
	for i, e := range types {
		out[i] = pages.EventChoice{Name: e.Name, Description: e.Description, Checked: slices.Contains(checked, e.Name)}
	}
	return out
}

// webhookRows are the rows of a list of endpoints, portal's or org's.
func webhookRows(list []postgres.WebhookEndpoint) []pages.WebhookRow {
	var rows []pages.WebhookRow
	for _, e := range list {
		row := pages.WebhookRow{ID: e.ID, URL: e.URL, Description: e.Description, Events: strings.Join(e.Events, ", "), Enabled: e.Enabled()}
		if d := e.LastDelivery; d != nil {
			row.LastDelivery = d.EventType + " · " + d.Status
			if d.LastStatus != nil {
				row.LastDelivery += " · " + strconv.Itoa(*d.LastStatus)
			}
			row.LastDelivery += " · " + webhookTime(&d.CreatedAt)
		}
		rows = append(rows, row)
	}
	return rows
}

// webhookForm reads the form that registers an endpoint.
func webhookForm(r *http.Request) webhook.Endpoint {
	r.ParseForm()
	return webhook.Endpoint{URL: r.PostFormValue("url"), Description: r.PostFormValue("description"), Events: r.PostForm["events"]}
}

// webhookFormErrors is the list page re-rendered with the form as typed.
func webhookFormErrors(o webhook.Owner, in webhook.Endpoint, fields map[string]string) pages.AdminWebhooksView {
	return pages.AdminWebhooksView{URL: in.URL, Description: in.Description, Events: eventChoices(o, in.Events),
		Errors: fields, Error: "Please correct the fields marked below."}
}

// webhookCreated shows the new endpoint's page, which alone shows its
// secret, once.
func (s *Server) webhookCreated(w http.ResponseWriter, r *http.Request, base string, id int64, secret string) {
	s.showSecretOnce(w, r, base, id, secret, "Endpoint added. It receives the events you chose from now on.")
}

// showSecretOnce sends the administrator to the endpoint's page, which
// shows the secret this once (kept in their session until then).
func (s *Server) showSecretOnce(w http.ResponseWriter, r *http.Request, base string, id int64, secret, notice string) {
	s.sessions.Put(r.Context(), sessWebhookSecret, strconv.FormatInt(id, 10)+" "+secret)
	s.flash(r, notice)
	http.Redirect(w, r, base+"/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// secretRotated is told after a new signing secret is made.
const secretRotated = "New signing secret made. Deliveries are signed with it from now on, and no longer with the old one."

func (s *Server) handleWebhookRotate(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	secret, err := s.webhooks.RotateSecret(r.Context(), stateOf(r).Tenant.ID, id, s.auditActor(r))
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.showSecretOnce(w, r, "/admin/webhooks", id, secret, secretRotated)
}

// webhookPage is an endpoint's page with a page of its log; before is the
// log's page, as the URL asked.
func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request, base, told string, e postgres.WebhookEndpoint,
	deliveries []postgres.WebhookDelivery, more bool, before int64) pages.AdminWebhookView {
	page := base + "/" + strconv.FormatInt(e.ID, 10)
	v := pages.AdminWebhookView{
		Base: base, Told: told,
		CSRF: s.csrfToken(r), ID: e.ID, URL: e.URL, Description: e.Description, Events: e.Events, Enabled: e.Enabled(),
		DisabledAt: webhookTime(e.DisabledAt), DisabledReason: e.DisabledReason, Failures: e.ConsecutiveFailures,
		Created: webhookTime(&e.CreatedAt), Notice: s.popFlash(r),
	}
	if kept := s.sessions.GetString(r.Context(), sessWebhookSecret); kept != "" {
		if owner, secret, _ := strings.Cut(kept, " "); owner == strconv.FormatInt(e.ID, 10) {
			v.Secret = secret
			s.sessions.Remove(r.Context(), sessWebhookSecret)
			w.Header().Set("Cache-Control", "no-store")
		}
	}
	for _, d := range deliveries {
		v.Deliveries = append(v.Deliveries, deliveryRow(d))
	}
	if more {
		v.OlderURL = page + "?" + url.Values{"before": {strconv.FormatInt(deliveries[len(deliveries)-1].ID, 10)}}.Encode()
	}
	if before > 0 {
		v.NewestURL = page
	}
	return v
}

// logBefore is the page of the delivery log the URL asks for (0: newest).
func logBefore(r *http.Request) int64 {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	return max(before, 0)
}

// webhookFlash says what enabling or disabling did.
func webhookFlash(enabled bool) string {
	if enabled {
		return "Endpoint enabled: events are sent to it again."
	}
	return "Endpoint disabled: no events are sent to it until you enable it."
}

const testEventQueued = "Test event queued: its delivery appears in the log below within a few seconds (reload the page)."

func (s *Server) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, v pages.AdminWebhooksView) {
	list, err := s.webhooks.FindEndpoints(r.Context(), stateOf(r).Tenant.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v.Base, v.Endpoints, v.CSRF = "/admin/webhooks", webhookRows(list), s.csrfToken(r)
	v.Lede = "Upward can tell your other systems what happens in this portal: it sends each event you choose, as JSON, to an address of yours, signed so that you can check it came from here."
	if v.Events == nil {
		v.Events = eventChoices(webhook.PortalOwner, nil)
	}
	s.render(w, r, status, s.page(r, "Webhooks"), pages.AdminWebhooks(v))
}

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	s.renderWebhooks(w, r, http.StatusOK, pages.AdminWebhooksView{Notice: s.popFlash(r)})
}

func (s *Server) handleWebhookCreate(w http.ResponseWriter, r *http.Request) {
	in := webhookForm(r)
	e, secret, err := s.webhooks.CreateEndpoint(r.Context(), stateOf(r).Tenant.ID, in, s.auditActor(r))
	if fields, ok := apperr.FieldsOf(err); ok {
		s.renderWebhooks(w, r, http.StatusUnprocessableEntity, webhookFormErrors(webhook.PortalOwner, in, fields))
		return
	}
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.webhookCreated(w, r, "/admin/webhooks", e.ID, secret)
}

func (s *Server) handleWebhook(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	tid := stateOf(r).Tenant.ID
	e, err := s.webhooks.FindEndpoint(r.Context(), tid, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	before := logBefore(r)
	deliveries, more, err := s.webhooks.FindDeliveries(r.Context(), tid, id, before, webhookLogPageSize)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := s.webhookPage(w, r, "/admin/webhooks", "the portal's administrators", e, deliveries, more, before)
	s.render(w, r, http.StatusOK, s.page(r, "Webhook "+e.URL), pages.AdminWebhook(v))
}

func deliveryRow(d postgres.WebhookDelivery) pages.DeliveryRow {
	row := pages.DeliveryRow{
		ID: d.ID, EventType: d.EventType, EventID: d.EventID, Status: d.Status, Error: d.LastError, Body: d.Body,
		Attempts: strconv.Itoa(d.Attempts) + " of " + strconv.Itoa(d.MaxAttempts),
		Created:  webhookTime(&d.CreatedAt), LastAttempt: webhookTime(d.LastAttemptAt), NextAttempt: webhookTime(d.NextAttemptAt),
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(d.Body), "", "  ") == nil {
		row.Body = pretty.String()
	}
	switch {
	case d.LastStatus != nil:
		row.Response = strconv.Itoa(*d.LastStatus)
	case d.Attempts > 0:
		row.Response = "no answer"
	}
	return row
}

func (s *Server) handleWebhookTest(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if err := s.webhooks.SendTestEvent(r.Context(), stateOf(r).Tenant.ID, id, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, testEventQueued)
	http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// handleWebhookEnabled enables or disables an endpoint.
func (s *Server) handleWebhookEnabled(enabled bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, ok := s.idParam(w, r, "id")
		if !ok {
			return
		}
		if err := s.webhooks.SetEndpointEnabled(r.Context(), stateOf(r).Tenant.ID, id, enabled, s.auditActor(r)); err != nil {
			s.renderError(w, r, err)
			return
		}
		s.flash(r, webhookFlash(enabled))
		http.Redirect(w, r, "/admin/webhooks/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	}
}

func (s *Server) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	if err := s.webhooks.DeleteEndpoint(r.Context(), stateOf(r).Tenant.ID, id, s.auditActor(r)); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Endpoint deleted.")
	http.Redirect(w, r, "/admin/webhooks", http.StatusSeeOther)
}
