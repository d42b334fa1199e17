package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

// draftBlock is the block of the fixture's first lesson with kind, from
// the stored draft.
func (f lessonEditorFixture) draftBlock(t *testing.T, kind course.Kind) *course.Block {
	t.Helper()
	rec, err := postgresCourses(f.s).FindCourseByID(context.Background(), f.tenantID, f.courseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range rec.Draft.Modules[0].Lessons[0].Blocks {
		if b.Kind == kind {
			return &b
		}
	}
	return nil
}

// The editor writes ordering and branching questions and writing
// practice; a problem names its place.
func TestLessonEditor_NewKinds(t *testing.T) {
	t.Parallel()
	f := newLessonEditor(t)

	t.Run("WritingPractice", func(t *testing.T) {
		pg := f.admin.get(f.lessonPath + "?add=writing")
		if pg.doc.Find(`textarea[name="model_answer"]`).Length() != 1 {
			t.Fatal("the writing form has no model answer field")
		}
		form := url.Values{"kind": {"writing"}, "revision": {revisionOf(pg)}, "title": {"Your update"}, "prompt": {"Write this week's update."},
			"min_words": {"sixty"}, "model_answer": {"Done: the contract."}, "rubric": {"Leads with the point\n\nAsks for a decision\n"}}
		if p := f.admin.post(f.lessonPath+"/blocks", form); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`)+p.doc.Find(".field-error").Text(), "whole number") {
			t.Errorf("min_words in words: %d %q", p.status, p.doc.Find(".field-error").Text())
		}
		form.Set("min_words", "60")
		if p := f.admin.post(f.lessonPath+"/blocks", form); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.status, p.doc.Find(".field-error").Text())
		}
		w := f.draftBlock(t, course.KindWriting)
		if w == nil || w.Writing.MinWords != 60 || len(w.Writing.Rubric) != 2 || w.Writing.Rubric[1] != "Asks for a decision" {
			t.Errorf("stored %+v", w)
		}
	})

	t.Run("OrderingAndBranching", func(t *testing.T) {
		pg := f.admin.get(f.lessonPath + "?add=quiz")
		form := url.Values{"kind": {"quiz"}, "revision": {revisionOf(pg)}, "pass_mark": {"70"}, "attempts": {"3"},
			"q0_type": {"ordering"}, "q0_prompt": {"Order the steps."},
			"q0_o0_text": {"Facts"}, "q0_o0_correct": {"on"}, "q0_o1_text": {"Options"}, "q0_o2_text": {"The ask"},
			"q1_type": {"branching"}, "q1_scenario": {"Ines finds an error."}, "q1_prompt": {"First?"},
			"q1_o0_text": {"Tell her manager"}, "q1_o0_correct": {"on"}, "q1_o0_consequence": {"Her manager thanks her."},
			"q1_o0_second": {"Then?"}, "q1_o0_second_options": {"Draft the note | Facts first.\nApologise at length | The figure first."},
			"q1_o1_text": {"Fix it quietly"}, "q1_o1_consequence": {"The client signs the wrong total."},
			"q1_o1_second": {"Now?"}, "q1_o1_second_options": {"* Tell her manager today | Late beats later.\nWait for the invoice | Worst way to find out."}}
		p := f.admin.post(f.lessonPath+"/blocks", form)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-q1_o0"]`), "Question 2, option 1: give the second decision at least two options") {
			t.Errorf("no right second option: %d %q", p.status, p.text(`[data-testid="error-q1_o0"]`))
		}
		form.Set("q1_o0_second_options", "* Draft the note | Facts first.\nApologise at length | The figure first.")
		if p := f.admin.post(f.lessonPath+"/blocks", form); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.status, p.text(`[data-testid="form-error"]`))
		}
		q := f.draftBlock(t, course.KindQuiz).Quiz
		order, branch := q.Questions[0], q.Questions[1]
		if order.Type != course.Ordering || order.Options[0].Correct {
			t.Errorf("ordering stored %+v: a hidden tick must not stay", order)
		}
		then := branch.Options[0].Then
		if branch.Options[0].Consequence != "Her manager thanks her." || then == nil || !then.Options[0].Correct || then.Options[1].Feedback != "The figure first." {
			t.Errorf("branching stored %+v", branch.Options[0])
		}
		// The form shows the stored question as it was written.
		edit := f.admin.get(f.lessonPath + "?edit=" + f.draftBlock(t, course.KindQuiz).Key)
		if got := edit.doc.Find(`textarea[name="q1_o1_second_options"]`).Text(); got != "* Tell her manager today | Late beats later.\nWait for the invoice | Worst way to find out." {
			t.Errorf("the second decision reads back as %q", got)
		}
	})
}
