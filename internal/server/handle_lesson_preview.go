package server

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/web/pages"
)

// previewBlocks are a draft's blocks as the player shows them to a learner
// who has not answered yet: the blocks they fill in with their forms,
// which post to action (the preview, which keeps nothing).
func (s *Server) previewBlocks(r *http.Request, blocks []course.Block, action, csrf string) []pages.PlayerBlock {
	views := s.blockViews(blocks)
	out := make([]pages.PlayerBlock, len(blocks))
	today := time.Now().In(s.viewerZone(r))
	for i, b := range blocks {
		pb := pages.PlayerBlock{BlockView: views[i]}
		switch {
		case b.Quiz != nil:
			q := &pages.QuizPlay{Action: action, CSRF: csrf, Number: 1, PassMark: b.Quiz.PassMark, AttemptsLeft: -1, ShowForm: true}
			if b.Quiz.Attempts > 0 {
				q.AttemptsLeft = b.Quiz.Attempts
			}
			for qi, qu := range b.Quiz.Questions {
				order := learning.Order(qu.Type == course.Ordering, b.Key, len(qu.Options))
				q.Questions = append(q.Questions, questionPlay(qu, qi, qi+1, order, nil))
			}
			pb.Quiz = q
		case b.Reflection != nil:
			pb.Reflection = &pages.ReflectionPlay{Action: action, CSRF: csrf}
		case b.Writing != nil:
			pb.Writing = &pages.WritingPlay{Action: action, CSRF: csrf, Title: b.Writing.Title, TaskHTML: s.md.HTML(b.Writing.Prompt), MinWords: b.Writing.MinWords}
		case b.Checklist != nil:
			c := &pages.ChecklistPlay{Action: action, CSRF: csrf}
			for _, it := range b.Checklist.Items {
				item := pages.ChecklistItemPlay{Text: it.Text}
				if it.DueInDays > 0 {
					item.Due = today.AddDate(0, 0, it.DueInDays).Format(time.DateOnly)
				}
				c.Items = append(c.Items, item)
			}
			pb.Checklist = c
		}
		out[i] = pb
	}
	return out
}

// handleLessonPreview shows the draft lesson in the learner's player,
// marked as a preview: the outline and the way on lead to the other
// lessons' previews, and nothing filled in is kept.
func (s *Server) handleLessonPreview(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.editedCourse(w, r)
	if !ok {
		return
	}
	key := chi.URLParam(r, "key")
	l, err := rec.Draft.Lesson(key)
	if err != nil {
		s.notFound(w, r)
		return
	}
	base := coursePath(r) + "/lessons/"
	preview := func(k string) string { return base + k + "/preview" }
	csrf := s.csrfToken(r)
	v := pages.LessonView{CSRF: csrf, CourseTitle: rec.Draft.Title, CourseURL: coursePath(r), Title: l.Title,
		Minutes: l.EstimatedMinutes, Notice: s.popFlash(r), DoneWhen: doneWhen(*l)}
	if learning.NeedsMarking(*l) {
		v.DoneWhen = "Learners mark this lesson complete when they have read it."
	}
	v.Blocks = s.previewBlocks(r, l.Blocks, preview(key), csrf)
	for _, m := range rec.Draft.Modules {
		sm := pages.SyllabusModule{Title: m.Title}
		for _, ol := range m.Lessons {
			sm.Lessons = append(sm.Lessons, pages.SyllabusLesson{Title: ol.Title, Minutes: ol.EstimatedMinutes, Optional: !ol.Required,
				Current: ol.Key == key, URL: preview(ol.Key)})
		}
		v.Outline = append(v.Outline, sm)
	}
	prev, next := rec.Draft.Neighbours(key)
	if prev != nil {
		v.PrevURL, v.PrevTitle = preview(prev.Key), prev.Title
	}
	if next != nil {
		v.NextURL, v.NextTitle = preview(next.Key), next.Title
	}
	pv := pages.LessonPreviewView{EditURL: base + key, Lesson: v}
	s.render(w, r, http.StatusOK, s.page(r, "Preview: "+l.Title+" · "+rec.Draft.Title), pages.LessonPreview(pv))
}

// handleLessonPreviewAnswer answers what is filled in on a preview (a
// quiz, a reflection, a plan): nothing is kept, and the preview says so.
func (s *Server) handleLessonPreviewAnswer(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.editedCourse(w, r); !ok {
		return
	}
	s.flash(r, "This is a preview: what you fill in here is not kept. Learners' answers are kept once the course is published.")
	http.Redirect(w, r, s.lessonPath(r)+"/preview", http.StatusSeeOther)
}
