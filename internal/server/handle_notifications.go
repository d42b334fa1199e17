package server

import (
	"net/http"
	"strconv"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/web/pages"
)

// notificationsPage is how many notifications a page lists.
const notificationsPage = 30

func (s *Server) handleNotifications(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, more, err := s.notifications.FindNotifications(r.Context(), st.Tenant.ID, st.User.ID, before, notificationsPage)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	zone := s.viewerZone(r)
	v := pages.NotificationsView{CSRF: s.csrfToken(r), Unread: st.Unread, Notice: s.popFlash(r)}
	for _, n := range list {
		v.Rows = append(v.Rows, pages.NotificationRow{ID: n.ID, Title: n.Title, Body: n.Body, Read: n.Read, HasURL: n.URL != "",
			When: n.CreatedAt.In(zone).Format("Mon 2 Jan 15:04")})
	}
	if more {
		v.OlderURL = "/notifications?before=" + strconv.FormatInt(list[len(list)-1].ID, 10)
	}
	s.render(w, r, http.StatusOK, s.page(r, "Notifications"), pages.Notifications(v))
}

// handleNotificationsUnread answers the bell's poll.
func (s *Server) handleNotificationsUnread(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	n, err := s.notifications.Unread(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.serverError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]int{"unread": n})
}

// handleNotificationRead marks one notification read and goes where it
// points; another person's is not found.
func (s *Server) handleNotificationRead(w http.ResponseWriter, r *http.Request) {
	id, ok := s.idParam(w, r, "id")
	if !ok {
		return
	}
	st := stateOf(r)
	to, err := s.notifications.MarkRead(r.Context(), st.Tenant.ID, st.User.ID, id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	if to == "" {
		to = "/notifications"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) handleNotificationsReadAll(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	if err := s.notifications.MarkAllRead(r.Context(), st.Tenant.ID, st.User.ID); err != nil {
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "All read.")
	http.Redirect(w, r, "/notifications", http.StatusSeeOther)
}

func (s *Server) renderNotificationPreferences(w http.ResponseWriter, r *http.Request, status int, prefs map[notify.Kind]notify.Channel, v pages.NotificationPreferencesView) {
	for _, k := range notify.Kinds {
		v.Prefs = append(v.Prefs, pages.NotificationPreference{Kind: string(k), Description: notify.Describe(k), Channel: string(prefs[k])})
	}
	v.CSRF = s.csrfToken(r)
	s.render(w, r, status, s.page(r, "E-mail notifications"), pages.NotificationPreferences(v))
}

func (s *Server) handleNotificationPreferences(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	prefs, err := s.notifications.Preferences(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	s.renderNotificationPreferences(w, r, http.StatusOK, prefs, pages.NotificationPreferencesView{Notice: s.popFlash(r)})
}

func (s *Server) handleNotificationPreferencesSave(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	prefs := map[notify.Kind]notify.Channel{}
	for _, k := range notify.Kinds {
		if c := r.PostFormValue(string(k)); c != "" {
			prefs[k] = notify.Channel(c)
		}
	}
	if err := s.notifications.SavePreferences(r.Context(), st.Tenant.ID, st.User.ID, prefs); err != nil {
		if apperr.Code(err) == apperr.EINVALID {
			current, _ := s.notifications.Preferences(r.Context(), st.Tenant.ID, st.User.ID)
			s.renderNotificationPreferences(w, r, http.StatusUnprocessableEntity, current, pages.NotificationPreferencesView{Error: apperr.Message(err)})
			return
		}
		s.renderError(w, r, err)
		return
	}
	s.flash(r, "Saved.")
	http.Redirect(w, r, "/account/notifications", http.StatusSeeOther)
}
