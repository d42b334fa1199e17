package server

import (
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// writingPlay is a writing practice as the learner sees it: the task and
// their draft; once the draft is long enough, the model answer and the
// rubric to rate it against.
func (s *Server) writingPlay(b course.Block, d learning.Draft, resp postgres.Response, path, csrf string, canShare bool, zone *time.Location) *pages.WritingPlay {
	w := b.Writing
	wp := &pages.WritingPlay{Action: path + "/writing/" + b.Key, CSRF: csrf, Title: w.Title, TaskHTML: s.md.HTML(w.Prompt),
		MinWords: w.MinWords, Text: d.Text, Words: learning.Words(d.Text), CanShare: canShare, Shared: resp.Shared,
		Done: learning.DraftDone(*w, d)}
	if !resp.UpdatedAt.IsZero() && strings.TrimSpace(d.Text) != "" {
		wp.SavedAt = resp.UpdatedAt.In(zone).Format("2 Jan 15:04")
	}
	// The model answer opens on a saved draft, not on one being typed.
	if wp.SavedAt != "" && learning.ModelAnswerOpen(*w, d.Text) {
		wp.ModelHTML = s.md.HTML(w.ModelAnswer)
		for i, st := range w.Rubric {
			item := pages.RubricPlay{Field: "rating" + strconv.Itoa(i), Statement: st}
			if i < len(d.Ratings) {
				item.Rating = d.Ratings[i]
			}
			wp.Rubric = append(wp.Rubric, item)
		}
	}
	return wp
}
