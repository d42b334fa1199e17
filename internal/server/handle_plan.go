package server

import (
	"net/http"
	"strings"

	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/web/pages"
)

// handleMyPlan is the learner's action plan: their checklists and writing
// practice from every course they take.
func (s *Server) handleMyPlan(w http.ResponseWriter, r *http.Request) {
	st := stateOf(r)
	items, err := s.learning.FindMyPlan(r.Context(), st.Tenant.ID, st.User.ID)
	if err != nil {
		s.renderError(w, r, err)
		return
	}
	var v pages.MyPlanView
	for _, it := range items {
		row := pages.MyPlanItem{Course: it.CourseTitle, Kind: it.Kind, Title: it.Prompt, Shared: it.Shared, Done: it.Done,
			URL: learnerLessonPath(it.CourseSlug, it.LessonKey) + "#block-" + it.BlockKey, Updated: s.localDate(r, it.UpdatedAt)}
		if it.Kind == "writing" {
			row.Words = learning.Words(it.Text)
			row.Excerpt = excerpt(it.Text, 40)
		}
		for _, p := range it.Items {
			row.Steps = append(row.Steps, pages.SharedPlanRow{Text: p.Text, Done: p.Done, Due: p.Due})
			if p.Done {
				row.StepsDone++
			}
		}
		v.Items = append(v.Items, row)
	}
	s.render(w, r, http.StatusOK, s.page(r, "My action plan"), pages.MyPlan(v))
}

// excerpt is a text's first n words, with an ellipsis when there is more.
func excerpt(text string, n int) string {
	words := strings.Fields(text)
	if len(words) <= n {
		return strings.Join(words, " ")
	}
	return strings.Join(words[:n], " ") + " …"
}
