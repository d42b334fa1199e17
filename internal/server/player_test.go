package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// A learner takes the example course over HTTP: answers the reflection,
// fails the quiz (seeing feedback but not the right answers), passes it,
// and holds a certificate anyone can verify.
func TestPlayer_ACourseToItsVerifiedCertificate(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, withAdmin)
	rec := acme.Courses[fixture.ExampleSlug]
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	link := "/courses/" + rec.Slug
	ana.get(link)
	first := ana.get(ana.post(link+"/enrol", nil).header.Get("Location"))

	action, ok := first.doc.Find(`form.reflection-form`).Attr("action")
	if !ok {
		t.Fatal("no reflection form")
	}
	if p := ana.post(action, url.Values{"text": {"My manager is measured on on-time delivery."}}); p.status != http.StatusSeeOther {
		t.Fatalf("save reflection: %d", p.status)
	}
	first = ana.get(strings.Split(action, "/reflections/")[0])
	if first.text(`[data-testid="lesson-status"]`) != "Lesson complete." {
		t.Errorf("lesson status %q after the reflection", first.text(`[data-testid="lesson-status"]`))
	}
	if got := first.doc.Find("textarea").Text(); got != "My manager is measured on on-time delivery." {
		t.Errorf("the saved answer shows as %q", got)
	}

	lessonTwo := link + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key
	second := ana.get(lessonTwo)
	form := second.doc.Find(`[data-testid="quiz-form"]`)
	quizAction, _ := form.Attr("action")
	html, _ := form.Html()
	for _, secret := range []string{"Right, a recurring slot", "Correct, both sides", "correct", "right answer"} {
		if strings.Contains(html, secret) {
			t.Errorf("the quiz form gives away %q before submission", secret)
		}
	}

	t.Run("BadAnswersAreRefusedAndChangeNothing", func(t *testing.T) {
		for name, form := range map[string]url.Values{
			"a tampered attempt number":      {"number": {"9"}, "q0": {"0"}, "q1": {"1"}},
			"an answer for another question": {"number": {"1"}, "q0": {"0"}, "q1": {"1"}, "q7": {"0"}},
			"an option the question lacks":   {"number": {"1"}, "q0": {"5"}, "q1": {"1"}},
			"an option that is not a number": {"number": {"1"}, "q0": {"x"}, "q1": {"1"}},
		} {
			ana.get(lessonTwo)
			if p := ana.post(quizAction, form); p.status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", name, p.status)
			}
		}
		ana.get(lessonTwo)
		p := ana.post(quizAction, url.Values{"number": {"1"}, "q0": {"0"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), "Answer question 2") {
			t.Errorf("a question left out: %d %q", p.status, p.text(`[data-testid="form-error"]`))
		}
		if checked, _ := p.doc.Find(`input[name="q0"][value="0"]`).Attr("checked"); checked != "checked" && p.doc.Find(`input[name="q0"][value="0"][checked]`).Length() == 0 {
			t.Error("the answer given was lost from the form")
		}
		if ana.get(lessonTwo).doc.Find(`[data-testid="quiz-result"]`).Length() != 0 {
			t.Error("a refused submission left a result")
		}
	})

	ana.get(lessonTwo)
	failed := ana.get(ana.post(quizAction, url.Values{"number": {"1"}, "q0": {"1"}, "q1": {"0"}}).header.Get("Location"))
	if got := failed.text(`[data-testid="quiz-result"]`); !strings.Contains(got, "You scored 0%") {
		t.Errorf("result %q", got)
	}
	if fb := failed.doc.Find(`[data-testid="feedback"]`); fb.Length() != 2 || !strings.Contains(fb.Text(), "Ending early loses") {
		t.Errorf("feedback on the chosen answers: %q", fb.Text())
	}
	if strings.Contains(failed.doc.Find(".quiz").Text(), "right answer") {
		t.Error("the right answers are shown while attempts remain")
	}
	retry, ok := failed.doc.Find(`[data-testid="retry"]`).Attr("href")
	if !ok || failed.doc.Find(`[data-testid="course-done"]`).Length() != 0 {
		t.Fatal("no retry after failing, or the course completed")
	}
	ana.get(retry)
	passed := ana.get(ana.post(quizAction, url.Values{"number": {"2"}, "q0": {"0"}, "q1": {"1"}}).header.Get("Location"))
	if !strings.Contains(passed.text(`[data-testid="quiz-result"]`), "You passed with 100%") || passed.doc.Find(`[data-testid="course-done"]`).Length() != 1 {
		t.Fatalf("after passing: %q", passed.text(`[data-testid="quiz-result"]`))
	}

	dash := ana.get("/learn")
	certLink, ok := dash.doc.Find(`[data-testid="certificates"] a`).Attr("href")
	if !ok || dash.doc.Find(`[data-testid="completed"] li`).Length() != 1 {
		t.Fatal("the dashboard shows no completed course or certificate")
	}
	cert := ana.get(certLink)
	code := cert.text(`[data-testid="certificate-code"]`)
	if cert.text(`[data-testid="certificate-name"]`) != "Ana" || len(code) != 16 {
		t.Errorf("certificate for %q, code %q", cert.text(`[data-testid="certificate-name"]`), code)
	}
	res, body := ana.raw(certLink + "/pdf")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "%PDF") || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("PDF: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}

	public := newClient(t, s, "localhost")
	v := public.get("/verify/" + code)
	if v.status != http.StatusOK || !strings.Contains(v.text(`[data-testid="valid"]`), "Ana") || strings.Contains(v.doc.Text(), "ana@acme.test") {
		t.Errorf("verification: %d %q", v.status, v.text(`[data-testid="valid"]`))
	}
	if p := public.get("/verify/AAAAAAAAAAAAAAAA"); p.status != http.StatusNotFound || p.doc.Find(`[data-testid="invalid"]`).Length() != 1 {
		t.Errorf("an unknown code: %d", p.status)
	}

	// Another learner of the portal cannot open Ana's certificate.
	other := adminClient(t, s)
	if p := other.get(certLink); p.status != http.StatusNotFound {
		t.Errorf("someone else's certificate: %d", p.status)
	}
}

// The lesson page costs the same number of SQL statements for a course of
// two lessons as for one of sixty with quizzes and answers in them.
func TestPlayer_TheLessonPageRunsABoundedNumberOfStatements(t *testing.T) {
	t.Parallel()
	counter := &postgres.QueryCounter{}
	s := startServer(t, nil, counter)
	ctx := context.Background()
	acme := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme", People: []fixture.Person{anaOfAcme}, Courses: []fixture.Course{{}}})
	small := acme.Courses[fixture.ExampleSlug]

	big := small.Draft
	big.Slug, big.Title = "big", "A Big Course"
	example := small.Draft.Modules[1].Lessons[0]
	for m := range 6 {
		mod := course.Module{Key: fmt.Sprintf("bm%d", m), Title: fmt.Sprintf("Module %d", m)}
		for l := range 10 {
			lesson := example
			lesson.Key = fmt.Sprintf("bl%d-%d", m, l)
			lesson.Blocks = nil
			for _, b := range example.Blocks {
				b.Key = fmt.Sprintf("%s-%s", lesson.Key, b.Key)
				lesson.Blocks = append(lesson.Blocks, b)
			}
			mod.Lessons = append(mod.Lessons, lesson)
		}
		big.Modules = append(big.Modules, mod)
	}
	courses := postgresCourses(s)
	bigRec, err := courses.ImportCourse(ctx, acme.ID, big, "", postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, bigRec.ID, "", postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}

	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	statements := func(slug, lesson string) int64 {
		ana.get("/courses/" + slug)
		ana.post("/courses/"+slug+"/enrol", nil)
		path := "/courses/" + slug + "/lessons/" + lesson
		ana.get(path) // warm: the session exists, the CSRF token too
		before := counter.Count()
		if p := ana.get(path); p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		return counter.Count() - before
	}
	few := statements(small.Slug, small.Draft.Modules[1].Lessons[0].Key)
	many := statements("big", "bl5-9")
	t.Logf("statements: %d and %d", few, many)
	// The page's own reads and the lesson's discussion (a transaction of
	// its own: the check that the learner takes part, and the thread) are
	// each a fixed number of statements; the bell's count comes with the
	// signed-in user.
	if few != many || many > 20 {
		t.Errorf("the lesson page ran %d statements for a small course and %d for a big one; want the same, and few", few, many)
	}
}

// The same completing POST, sent twenty times at once (a double click,
// retries, two tabs), completes the lesson once and records it once.
func TestPlayer_TwentyParallelCompletionPostsCountOnce(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample)
	rec := acme.Courses[fixture.ExampleSlug]
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	link := "/courses/" + rec.Slug
	ana.get(link)
	lesson := ana.get(ana.post(link+"/enrol", nil).header.Get("Location"))
	action, _ := lesson.doc.Find(`form.reflection-form`).Attr("action")
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = ana.post(action, url.Values{"text": {"The same answer from every tab."}}).status
		})
	}
	wg.Wait()
	for i, st := range statuses {
		if st != http.StatusSeeOther {
			t.Errorf("POST %d: %d", i, st)
		}
	}
	var lessons, records int
	s.db.InTenantTx(context.Background(), acme.ID, func(tx *postgres.Tx) error {
		tx.QueryRow(context.Background(), `SELECT count(*) FROM lesson_progress WHERE completed_at IS NOT NULL`).Scan(&lessons)
		return tx.QueryRow(context.Background(), `SELECT count(*) FROM statements WHERE object_type = 'lesson'`).Scan(&records)
	})
	if lessons != 1 || records != 1 {
		t.Errorf("%d lesson completions and %d records, want 1 and 1", lessons, records)
	}
}
