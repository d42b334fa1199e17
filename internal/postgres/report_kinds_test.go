package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/report"
)

// The question report marks ordering and branching questions as the
// quiz does: right when every step is in place, when both decisions are.
func TestReport_OrderingAndBranchingQuestions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	var people []fixture.Person
	for _, n := range []string{"ana", "bo", "cy"} {
		people = append(people, fixture.Person{Email: n + "@acme.test", Name: n})
	}
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme", People: people})
	then := func(right int) *course.FollowUp {
		f := &course.FollowUp{Prompt: "And then?", Options: []course.Option{{Text: "x", Feedback: "f"}, {Text: "y", Feedback: "f"}}}
		f.Options[right].Correct = true
		return f
	}
	c := fixture.ExampleCourse(t)
	c.Slug, c.Title = "kinds", "Kinds"
	quiz := &course.Quiz{PassMark: 0, Questions: []course.Question{
		{Type: course.Ordering, Prompt: "Order them", Options: []course.Option{{Text: "one"}, {Text: "two"}, {Text: "three"}}},
		{Type: course.Branching, Scenario: "A scene", Prompt: "First?", Options: []course.Option{
			{Text: "good", Correct: true, Consequence: "fine", Then: then(1)},
			{Text: "poor", Consequence: "worse", Then: then(0)}}},
	}}
	for i, b := range c.Modules[1].Lessons[0].Blocks {
		if b.Quiz != nil {
			c.Modules[1].Lessons[0].Blocks[i].Quiz = quiz
		}
	}
	courses := postgres.NewCourseService(db)
	rec, err := courses.ImportCourse(ctx, acme.ID, c, "", by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", by); err != nil {
		t.Fatal(err)
	}
	learn := postgres.NewLearningService(db)
	// Ana: all right. Bo: the order wrong, both decisions right. Cy: the
	// order right, a poor first move recovered (one mark of two).
	for who, a := range map[string]learning.Answers{
		"ana": {{0, 1, 2}, {0, 1}},
		"bo":  {{1, 0, 2}, {0, 1}},
		"cy":  {{0, 1, 2}, {1, 0}},
	} {
		id := acme.People[who+"@acme.test"].ID
		if _, err := learn.Enrol(ctx, acme.ID, id, rec.ID, learning.SelfEnrolled); err != nil {
			t.Fatal(err)
		}
		lc, err := learn.FindLearnerCourse(ctx, acme.ID, id, rec.Slug)
		if err != nil {
			t.Fatal(err)
		}
		l := lc.Content.Modules[1].Lessons[0]
		if _, err := learn.SubmitQuiz(ctx, acme.ID, lc, l.Key, blockOf(lc, l.Key, course.KindQuiz), 1, a); err != nil {
			t.Fatalf("%s: %v", who, err)
		}
	}
	cr, err := postgres.NewReportService(db).CourseReport(ctx, acme.ID, rec.ID, report.Filter{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, q := range cr.Questions {
		got = append(got, fmt.Sprintf("q%d %d/%d", q.Number, q.Right, q.Answered))
	}
	if want := "q1 2/3; q2 2/3"; strings.Join(got, "; ") != want {
		t.Errorf("questions %s, want %s", strings.Join(got, "; "), want)
	}
}
