package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/storage"
)

// A learner takes a course of the shipped library from the catalog to its
// certificate in the browser: reflections, a failed quiz with its
// feedback, the quiz passed, every lesson complete. Screenshots of the
// lesson, the feedback, the dashboard and the certificate are kept.
func TestJourney_ALearnerTakesALibraryCourseToItsCertificate(t *testing.T) {
	t.Parallel()
	const slug = "no-surprises"
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"}}})
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.InstallLibrary(ctx, srv.Main.DB, files, courses.FS, acme.ID, app.LibraryInstall{Courses: []string{slug}, Publish: true}, fixture.By, t.Logf); err != nil {
		t.Fatal(err)
	}
	var c course.Course
	loaded, _ := library.LoadAll(courses.FS, ".")
	for _, l := range loaded {
		if l.Course.Slug == slug {
			c = l.Course
		}
	}
	portal := srv.PortalURL("acme")

	b := browsertest.NewBrowser(t)
	signIn(b, portal+"/login", "lee@acme.test")
	b.Visit(portal + "/courses")
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="catalog"] a[href="/courses/`+slug+`"]`)))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="enrol"]`)))

	failedOnce := false
	for li, l := range c.Lessons() {
		if url := portal + "/courses/" + slug + "/lessons/" + l.Key; browsertest.Run(b, chromedp.Location()) != url {
			b.Visit(url)
		} else {
			b.CheckAccessibility() // enrolling opened the first lesson
		}
		for _, blk := range l.Blocks {
			switch {
			case blk.Reflection != nil:
				b.Do(typeText(chromedp.CSS("#reflect-"+blk.Key), "I will tell my manager about the supplier delay on Monday, with two options."))
				afterReload(t, b, chromedp.Click(chromedp.CSS(`#block-`+blk.Key+` button[type="submit"]`)))
			case blk.Writing != nil:
				practise(t, b, blk)
			case blk.Quiz != nil:
				if !failedOnce {
					answer(b, blk, false)
					afterReload(t, b, chromedp.Click(chromedp.CSS(`#block-`+blk.Key+` [data-testid="quiz-form"] button[type="submit"]`)))
					if got := b.Text(`#block-` + blk.Key + ` [data-testid="quiz-result"]`); !strings.Contains(got, "You scored 0%") {
						t.Fatalf("after wrong answers: %q", got)
					}
					b.CheckAccessibility()
					b.Screenshot("learner-quiz-feedback")
					afterReload(t, b, chromedp.Click(chromedp.CSS(`#block-`+blk.Key+` [data-testid="retry"]`)))
					failedOnce = true
				}
				answer(b, blk, true)
				afterReload(t, b, chromedp.Click(chromedp.CSS(`#block-`+blk.Key+` [data-testid="quiz-form"] button[type="submit"]`)))
				if got := b.Text(`#block-` + blk.Key + ` [data-testid="quiz-result"]`); !strings.Contains(got, "You passed") {
					t.Fatalf("%s: after the right answers: %q", l.Title, got)
				}
			}
		}
		if browsertest.Run(b, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid="mark-complete"]')`)) {
			afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="mark-complete"]`)))
		}
		if got := b.Text(`[data-testid="lesson-status"]`); !strings.HasPrefix(got, "Lesson complete.") {
			t.Fatalf("lesson %d %q: status %q", li+1, l.Title, got)
		}
		if li == 0 {
			b.Screenshot("learner-lesson")
		}
	}
	if b.Text(`[data-testid="course-done"]`) == "" {
		t.Fatal("the course is not complete after every lesson")
	}

	b.Visit(portal + "/learn")
	b.Screenshot("learner-dashboard")
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="certificates"] a`)))
	if got := b.Text(`[data-testid="certificate-name"]`); got != "Lee Learner" {
		t.Errorf("the certificate is for %q", got)
	}
	b.CheckAccessibility()
	b.Screenshot("learner-certificate")
	code := b.Text(`[data-testid="certificate-code"]`)
	b.Visit(srv.URL + "/verify/" + code)
	if got := b.Text(`[data-testid="valid"]`); !strings.Contains(got, "Lee Learner") || !strings.Contains(got, c.Title) {
		t.Errorf("verification says %q", got)
	}
}

// answer gives the right answer to every question of a quiz, or a wrong
// one: the options (a wrong option where there is one), each step's place
// (all of them, reversed), both decisions of a branching question.
// Radios and places are set by script where a click would need the
// question's own steps first (a branching question's second decision
// shows once the first is confirmed).
func answer(b *browsertest.Browser, blk course.Block, right bool) {
	pick := learning.RightAnswers(*blk.Quiz)
	for qi, q := range blk.Quiz.Questions {
		if !right {
			pick[qi] = learning.WrongAnswer(q)
		}
		id := fmt.Sprintf("o-%s-%d-", blk.Key, qi)
		switch q.Type {
		case course.Ordering:
			for oi, place := range pick[qi] {
				b.Do(chromedp.SetValue(chromedp.CSS(fmt.Sprintf(`select[name="q%d.%d"]`, qi, oi)), strconv.Itoa(place+1)))
			}
		case course.Branching:
			browsertest.Run(b, chromedp.Evaluate[bool](fmt.Sprintf(`document.getElementById("%s%d").checked = document.getElementById("%s%d-%d").checked = true`,
				id, pick[qi][0], id, pick[qi][0], pick[qi][1])))
		default:
			for _, oi := range pick[qi] {
				b.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf("#%s%d", id, oi))))
			}
		}
	}
}

// practise writes a draft long enough to open the model answer, saves it,
// rates it against every statement and saves again.
func practise(t *testing.T, b *browsertest.Browser, blk course.Block) {
	t.Helper()
	draft := strings.Repeat("I will tell my manager early, with two options and the date I need a decision by. ", 1+blk.Writing.MinWords/15)
	form := `#block-` + blk.Key
	b.Do(chromedp.SetValue(chromedp.CSS(form+` textarea`), draft))
	afterReload(t, b, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
	for i := range blk.Writing.Rubric {
		b.Do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s input[name="rating%d"][value="yes"]`, form, i))))
	}
	afterReload(t, b, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
}
