package e2e

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// xssPayloads reads the corpus the server's tests use.
func xssPayloads(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../server/testdata/xss.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.TrimSpace(line) != "" && line != "#" && !strings.HasPrefix(line, "# ") {
			out = append(out, line)
		}
	}
	return out
}

// Every payload of the corpus is in a course (its title, a lesson's text
// blocks, a callout, a quiz) and in a learner's name; a real browser opens
// the pages that show them. None runs: window.__xss, which each payload
// would set, stays unset, and no dialog opens.
func TestXSS_NoPayloadRunsInABrowser(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := fixture.By
	payloads := xssPayloads(t)
	// The course is published, and Lee enrolled, once the payloads are in.
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{{Email: "lee@acme.test", Name: payloads[7]}},
		Courses: []fixture.Course{{Draft: true}}})
	courses := postgres.NewCourseService(srv.Main.DB)
	rec := acme.Courses[fixture.ExampleSlug]
	lesson := rec.Draft.Modules[0].Lessons[0].Key
	rec, err := courses.EditDraft(ctx, acme.ID, rec.ID, rec.DraftRevision, by, func(c *course.Course) error {
		c.Title = payloads[0] + " " + payloads[15]
		c.Summary = payloads[1]
		for _, p := range payloads {
			if _, err := c.AddBlock(lesson, course.Block{Kind: course.KindText, Text: &course.Text{Markdown: p}}); err != nil {
				return err
			}
			if _, err := c.AddBlock(lesson, course.Block{Kind: course.KindCallout, Callout: &course.Callout{Style: "note", Title: p, Markdown: p}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", by); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewLearningService(srv.Main.DB).Enrol(ctx, acme.ID, acme.Person(t, "lee@acme.test").ID, rec.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}

	b := browsertest.NewBrowser(t)
	dialogs := b.CountDialogs()
	portal := srv.PortalURL("acme")
	b.Visit(portal + "/login")
	b.Do(
		typeText(chromedp.CSS("#f-email"), "lee@acme.test"),
		typeText(chromedp.CSS("#f-password"), fixture.Password),
		chromedp.Click(chromedp.CSS(`main button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="signed-in-as"]`)),
	)
	for _, path := range []string{"/learn", "/courses", "/courses/" + rec.Slug, "/courses/" + rec.Slug + "/lessons/" + lesson, "/account"} {
		// Not Visit: payload text is no accessibility fixture; the point
		// here is that nothing runs.
		b.Do(chromedp.Navigate(portal+path), chromedp.WaitReady(chromedp.CSS("body")))
		if ran := browsertest.Run(b, chromedp.Evaluate[bool](`window.__xss !== undefined`)); ran {
			t.Errorf("%s: a payload ran", path)
		}
		if n := dialogs(); n > 0 {
			t.Fatalf("%s: %d dialogs opened", path, n)
		}
	}
}
