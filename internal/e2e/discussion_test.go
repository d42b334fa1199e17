package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
)

// Two learners discuss a lesson: Lee asks Priya by @mention, Priya sees
// the mention under the bell, follows it to the post and replies; Lee
// finds the reply under the bell and marks it helpful.
func TestJourney_TwoLearnersDiscussALesson(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	srv := browsertest.StartServer(t)
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:   []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"}, {Email: "priya@acme.test", Name: "Priya Shah"}},
		Courses:  []fixture.Course{{}},
		Progress: []fixture.Progress{{Who: "lee@acme.test", Course: fixture.ExampleSlug}, {Who: "priya@acme.test", Course: fixture.ExampleSlug}}})
	rec := acme.Courses[fixture.ExampleSlug]
	portal := srv.PortalURL("acme")
	lesson := portal + "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key

	lee := browsertest.NewBrowser(t)
	signIn(lee, portal+"/login", "lee@acme.test")
	lee.Visit(lesson)
	if got := lee.Text(`[data-testid="your-handle"]`); got != "@lee.learner" {
		t.Errorf("the form names lee's handle %q", got)
	}
	lee.Do(typeText(chromedp.CSS("#post-body"), "How did you open the conversation with your manager, @priya.shah?"))
	afterReload(t, lee, chromedp.Click(chromedp.CSS(`[data-testid="new-post"] button[type="submit"]`)))
	if got := lee.Text(`[data-testid="posts"] [data-testid="post-body"]`); !strings.Contains(got, "@priya.shah") {
		t.Fatalf("lee's post shows %q", got)
	}
	lee.CheckAccessibility()

	priya := browsertest.NewBrowser(t)
	signIn(priya, portal+"/login", "priya@acme.test")
	priya.Visit(portal + "/learn")
	if got := priya.Text(`[data-testid="bell"] [data-testid="unread"]`); got != "1" {
		t.Fatalf("priya's bell says %q, want 1", got)
	}
	afterReload(t, priya, chromedp.Click(chromedp.CSS(`[data-testid="bell"]`)))
	if got := priya.Text(`[data-testid="notifications"]`); !strings.Contains(got, "Lee Learner mentioned you in "+rec.Title) {
		t.Fatalf("priya's notifications: %q", got)
	}
	priya.CheckAccessibility()
	afterReload(t, priya, chromedp.Click(chromedp.CSS(`[data-testid="notifications"] button[type="submit"]`)))
	if url := browsertest.Run(priya, chromedp.Evaluate[string](`location.href`)); !strings.HasPrefix(url, lesson+"#post-") {
		t.Fatalf("the notification led to %s", url)
	}
	priya.Do(chromedp.Click(chromedp.CSS(`[data-testid="reply"] summary`)))
	priya.Do(typeText(chromedp.CSS(`[data-testid="reply"] textarea`), "I asked what **they** needed first, @lee.learner."))
	afterReload(t, priya, chromedp.Click(chromedp.CSS(`[data-testid="reply"] button[type="submit"]`)))
	if got := priya.Text(`.replies [data-testid="post-body"]`); !strings.Contains(got, "I asked what they needed first") {
		t.Fatalf("priya's reply shows %q", got)
	}
	priya.CheckAccessibility()
	priya.Screenshot("discussion-lesson")

	lee.Visit(portal + "/learn")
	if got := lee.Text(`[data-testid="bell"] [data-testid="unread"]`); got != "1" {
		t.Errorf("lee's bell says %q after the reply, want 1 (a mention, not also a reply)", got)
	}
	lee.Visit(lesson)
	afterReload(t, lee, chromedp.Click(chromedp.CSS(`.replies [data-testid="helpful"]`)))
	if got := lee.Text(`.replies [data-testid="helpful-count"]`); got != "1 found this helpful" {
		t.Errorf("after marking it helpful: %q", got)
	}
}
