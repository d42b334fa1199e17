package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// practiceCourse is the example course with its second lesson's quiz made
// of an ordering and a branching question (its third lesson is writing
// practice).
func practiceCourse(t *testing.T) course.Course {
	c := fixture.ExampleCourse(t)
	c.Slug, c.Title = "practice", "Practice Makes Progress"
	then := func(right int, texts ...string) *course.FollowUp {
		f := &course.FollowUp{Prompt: "What does she do next?"}
		for i, tx := range texts {
			f.Options = append(f.Options, course.Option{Text: tx, Correct: i == right, Feedback: "Because of how it lands with the client."})
		}
		return f
	}
	quiz := &course.Quiz{PassMark: 60, Questions: []course.Question{
		{Type: course.Ordering, Prompt: "Put the steps of raising a risk in order.", Explanation: "Facts, then options, then the ask.",
			Options: []course.Option{{Text: "State what you saw", Feedback: "The facts come first."},
				{Text: "Give two options", Feedback: "Options follow the facts."},
				{Text: "Ask for a decision", Feedback: "The ask closes the note."}}},
		{Type: course.Branching, Scenario: "Ines has found a pricing error in a proposal her manager sent yesterday.", Prompt: "What does she do first?",
			Explanation: "Fast and factual keeps a mistake small.",
			Options: []course.Option{
				{Text: "Tell her manager now, with a fix", Correct: true, Consequence: "Her manager thanks her and asks her to draft the note to the client.",
					Feedback: "The owner decides how to face the client.", Then: then(0, "State the error and the right figure", "Open with a long apology")},
				{Text: "Fix the shared file quietly", Consequence: "Two days later the client signs off on the wrong total.",
					Feedback: "Saving face now costs more later.", Then: then(0, "Tell her manager today, with a fix", "Wait for the invoice")},
			}},
	}}
	for i, b := range c.Modules[1].Lessons[0].Blocks {
		if b.Quiz != nil {
			c.Modules[1].Lessons[0].Blocks[i].Quiz = quiz
		}
	}
	return c
}

// A learner ranks steps, makes a branching decision and lives with it,
// then drafts a follow-up note, compares it with the model and rates it.
func TestJourney_OrderingBranchingAndWritingPractice(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	db := srv.Main.DB
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"}}})
	courses := postgres.NewCourseService(db)
	rec, err := courses.ImportCourse(ctx, acme.ID, practiceCourse(t), "", fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", fixture.By); err != nil {
		t.Fatal(err)
	}
	lee := acme.Person(t, "lee@acme.test")
	if _, err := postgres.NewLearningService(db).Enrol(ctx, acme.ID, lee.ID, rec.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	portal := srv.PortalURL("acme")
	lessons := rec.Draft.Lessons()
	quizLesson, writingLesson := portal+"/courses/practice/lessons/"+lessons[1].Key, portal+"/courses/practice/lessons/"+lessons[2].Key

	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "lee@acme.test")
	b.Visit(quizLesson)
	eval := func(js string) string { return browsertest.Run(b, chromedp.Evaluate[string](js)) }
	// The steps are shown shuffled, each with its place to choose.
	shown := eval(`[...document.querySelectorAll('[data-testid="ordering"] .step label')].map(l => l.textContent).join("|")`)
	if shown == "State what you saw|Give two options|Ask for a decision" {
		t.Errorf("the steps are shown in their right order")
	}
	place := func(step, p int) {
		eval(`(() => { const s = document.querySelector('select[name="q0.` + strconv.Itoa(step) + `"]'); s.dispatchEvent(new Event("focus"));
			s.value = "` + strconv.Itoa(p) + `"; s.dispatchEvent(new Event("change", {bubbles: true})); return "" })()`)
	}
	places := func() string {
		return eval(`[0,1,2].map(i => document.querySelector('select[name="q0.' + i + '"]').value).join(",")`)
	}
	place(0, 2)
	place(1, 2) // taking a place another step holds swaps them
	if got := places(); got != ",2," {
		t.Errorf("after the swap the places are %q, want step 2 second and step 1 unplaced", got)
	}
	place(0, 1)
	place(2, 3)

	// Branching: the consequence shows once the first decision is made,
	// and the other first choices are locked.
	consequence := `[data-testid="branching"] .branch:nth-of-type(1) .consequence`
	visible := func(sel string) bool {
		return browsertest.Run(b, chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+strconv.Quote(sel)+`); return !!e && e.checkVisibility(); })()`))
	}
	b.Do(chromedp.Click(chromedp.CSS(`#` + firstOption(b))))
	if visible(consequence) {
		t.Error("the consequence shows before the decision is made")
	}
	b.Do(chromedp.Click(chromedp.CSS(`button.decide`)))
	if !visible(consequence) {
		t.Fatal("the consequence is hidden after the decision")
	}
	if eval(`String(document.querySelectorAll('[data-testid="branching"] > .branch > input:disabled').length)`) != "1" {
		t.Error("the other first choice is not locked")
	}
	b.CheckAccessibility()
	b.Screenshot("practice-quiz-1280")
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="branching"] .branch:nth-of-type(1) .branch-then .option:nth-of-type(1) input`)))
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="quiz-form"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="quiz-result"]`)))
	if got := b.Text(`[data-testid="quiz-result"]`); !strings.Contains(got, "You passed with 100%") {
		t.Errorf("result %q", got)
	}
	if got := b.Text(`.branch-path`); !strings.Contains(got, "What happened next: Her manager thanks her") {
		t.Errorf("the branching result tells %q", got)
	}
	b.CheckAccessibility()

	// Writing practice: a short draft is kept but opens nothing.
	b.Visit(writingLesson)
	b.Do(chromedp.SetValue(chromedp.CSS(`[data-testid="writing"] textarea`), "Thanks for today."),
		chromedp.Click(chromedp.CSS(`[data-testid="writing"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="writing-short"]`)))
	if got := b.Text(`[data-testid="writing-short"]`); !strings.Contains(got, "Your draft has 3 words. Write at least 12") {
		t.Errorf("short draft: %q", got)
	}
	if visible(`[data-testid="rubric"]`) {
		t.Error("the model answer opened on a short draft")
	}
	b.Do(chromedp.SetValue(chromedp.CSS(`[data-testid="writing"] textarea`), "Thanks for today. We agreed the supplier review comes first, and I will send the plan by Thursday."),
		chromedp.Click(chromedp.CSS(`[data-testid="writing"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="rubric"]`)))
	if got := b.Text(`.model-answer`); !strings.Contains(got, "the supplier review") {
		t.Errorf("model answer %q", got)
	}
	if got := eval(`document.querySelector('[data-testid="writing"] textarea').value`); !strings.Contains(got, "by Thursday") {
		t.Errorf("the draft was not kept: %q", got)
	}
	for i, rating := range []string{"yes", "partly", "not_yet"} {
		b.Do(chromedp.Click(chromedp.CSS(`input[name="rating` + strconv.Itoa(i) + `"][value="` + rating + `"]`)))
	}
	b.CheckAccessibility()
	b.Screenshot("practice-writing-1280")
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="writing"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="rubric"]`)))
	if got := b.Text(`[data-testid="writing"] [role="status"]`); !strings.HasPrefix(got, "Done") {
		t.Errorf("after rating: %q", got)
	}
	if got := eval(`document.querySelector('input[name="rating1"]:checked').value`); got != "partly" {
		t.Errorf("rating 2 kept as %q", got)
	}
	// The action plan gathers the draft; a path's self-assessment is a
	// form of radio scales: both pass axe.
	b.Visit(portal + "/learn/plan")
	if got := b.Text(`[data-testid="my-plan"]`); !strings.Contains(got, "Write your follow-up note") {
		t.Errorf("the action plan: %q", got)
	}
	b.CheckAccessibility()
	paths := postgres.NewPathService(db)
	grow, err := paths.CreatePath(ctx, acme.ID, course.Path{Slug: "grow", Title: "Grow", Steps: []course.PathStep{{Course: rec.Slug, Unlock: course.Free}},
		SelfAssessment: &course.SelfAssessment{Items: []string{"I ask for feedback.", "I bring options.", "I send updates."}}}, "", true, fixture.By)
	if err != nil {
		t.Fatal(err)
	}
	if err := paths.StartPath(ctx, acme.ID, lee.ID, grow.ID); err != nil {
		t.Fatal(err)
	}
	b.Visit(portal + "/paths/grow")
	for i := range 3 {
		b.Do(chromedp.Click(chromedp.CSS(`input[name="item` + strconv.Itoa(i) + `"][value="` + strconv.Itoa(i+2) + `"]`)))
	}
	b.CheckAccessibility()
	b.Do(chromedp.Click(chromedp.CSS(`[data-testid="self-save"]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid="notice"]`)))
	if visible(`[data-testid="self-assessment"]`) {
		t.Error("the start's form is still shown after saving")
	}

	b.Do(chromedp.EmulateViewport(390, 844))
	b.Visit(writingLesson)
	b.CheckFitsPhone()
	b.Screenshot("practice-writing-390")
	b.Visit(quizLesson)
	b.CheckFitsPhone()
	b.Screenshot("practice-result-390")
}

// firstOption is the id of the branching question's first choice that is
// the better move (whatever order the options are shown in, the id names
// the option by its own index: o-BLOCK-1-0).
func firstOption(b *browsertest.Browser) string {
	return browsertest.Run(b, chromedp.Evaluate[string](`document.querySelector('[data-testid="branching"] input[value="0"]').id`))
}
