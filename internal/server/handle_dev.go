package server

import (
	"net/http"
	"regexp"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/web/pages"
)

// The dev mailbox shows the mail Upward would have sent, when no SMTP
// server is configured. It exists only with ENV=dev.

func (s *Server) handleMailbox(w http.ResponseWriter, r *http.Request) {
	msgs, err := s.db.FindOutboxMessages(r.Context(), 200)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.MailboxView{}
	for _, m := range msgs {
		v.Items = append(v.Items, pages.MailboxItem{ID: m.ID, To: m.To, Subject: m.Subject, CreatedAt: m.CreatedAt, Delivered: m.Transport})
	}
	s.render(w, r, http.StatusOK, s.page(r, "Dev mailbox"), pages.Mailbox(v))
}

var linkRE = regexp.MustCompile(`https?://[^\s<>"]+`)

func (s *Server) handleMail(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		s.notFound(w, r)
		return
	}
	m, err := s.db.FindOutboxMessage(r.Context(), id)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	v := pages.MailView{To: m.To, Subject: m.Subject}
	last := 0
	for _, loc := range linkRE.FindAllStringIndex(m.Text, -1) {
		v.Parts = append(v.Parts, pages.MailPart{Text: m.Text[last:loc[0]]}, pages.MailPart{Text: m.Text[loc[0]:loc[1]], Link: true})
		last = loc[1]
	}
	v.Parts = append(v.Parts, pages.MailPart{Text: m.Text[last:]})
	s.render(w, r, http.StatusOK, s.page(r, m.Subject), pages.Mail(v))
}
