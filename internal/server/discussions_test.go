package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// discussionCourse is the example course in acme with people around it:
// ana and kim enrolled, ida an instructor (not enrolled), boss an admin.
type discussionCourse struct {
	s      *testServer
	rec    postgres.CourseRecord
	lesson string // the first lesson's page
	people map[string]*client
	ids    map[string]int64
}

func newDiscussionCourse(t *testing.T) discussionCourse {
	t.Helper()
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People,
			fixture.Person{Email: "kim@acme.test", Name: "Kim Park"},
			fixture.Person{Email: "olu@acme.test", Name: "Olu Outsider"},
			fixture.Person{Email: "ida@acme.test", Name: "Ida Instructor", Roles: []user.Role{user.Instructor}},
			bossOfAcme)
		acme.Progress = append(acme.Progress,
			fixture.Progress{Who: "ana@acme.test", Course: fixture.ExampleSlug},
			fixture.Progress{Who: "kim@acme.test", Course: fixture.ExampleSlug})
	})
	rec := acme.Courses[fixture.ExampleSlug]
	d := discussionCourse{s: s, rec: rec, people: map[string]*client{}, ids: map[string]int64{}}
	d.lesson = "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key
	for _, email := range []string{"ana@acme.test", "kim@acme.test", "olu@acme.test", "ida@acme.test", "boss@acme.test"} {
		c := newClient(t, s, "acme.localhost")
		signIn(c, email, goodPassword)
		who := strings.Split(email, "@")[0]
		d.people[who] = c
		d.ids[who] = acme.Person(t, email).ID
	}
	return d
}

// post writes in the first lesson's thread and returns the post's path.
func (d discussionCourse) post(t *testing.T, who, body string, parent string) string {
	t.Helper()
	c := d.people[who]
	c.get(d.lesson)
	form := url.Values{"body": {body}}
	if parent != "" {
		form.Set("parent", parent)
	}
	p := c.post(d.lesson+"/posts", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("%s posts: %d %s", who, p.status, p.text(`[data-testid="error-body"]`))
	}
	return p.header.Get("Location")
}

func postIDOf(location string) string {
	return location[strings.LastIndex(location, "#post-")+len("#post-"):]
}

func TestDiscussions_AHiddenPostIsInvisibleToLearners(t *testing.T) {
	t.Parallel()
	d := newDiscussionCourse(t)
	rude := postIDOf(d.post(t, "kim", "Something rude about Ana", ""))
	d.post(t, "ana", "A reply under the rude post", rude)
	d.post(t, "ana", "Something kind", "")

	ana, ida, boss := d.people["ana"], d.people["ida"], d.people["boss"]
	ana.get(d.lesson)
	if p := ana.post("/posts/"+rude+"/hide", url.Values{"hidden": {"true"}}); p.status != http.StatusForbidden {
		t.Errorf("a learner hides: %d", p.status)
	}
	ana.get(d.lesson)
	if p := ana.post("/posts/"+rude+"/report", url.Values{"reason": {"It is rude"}}); p.status != http.StatusSeeOther {
		t.Fatalf("report: %d", p.status)
	}
	if p := ana.post("/posts/"+rude+"/report", url.Values{"reason": {"Again"}}); p.status != http.StatusSeeOther {
		t.Errorf("a second report: %d", p.status)
	}
	queue := boss.get("/admin/discussions")
	if n := queue.doc.Find(`[data-testid="queue"] > li`).Length(); n != 1 || !strings.Contains(queue.doc.Text(), "It is rude") {
		t.Fatalf("the queue has %d posts: %s", n, queue.text(`main`))
	}
	if p := ana.get("/admin/discussions"); p.status != http.StatusForbidden {
		t.Errorf("a learner opens the queue: %d", p.status)
	}
	if p := boss.post("/posts/"+rude+"/hide", url.Values{"hidden": {"true"}, "back": {"queue"}}); p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/discussions" {
		t.Fatalf("hide from the queue: %d %q", p.status, p.header.Get("Location"))
	}
	if p := boss.get("/admin/discussions"); p.doc.Find(`[data-testid="queue-empty"]`).Length() != 1 {
		t.Error("the hidden post is still in the queue")
	}

	for _, who := range []string{"ana", "kim"} {
		page := d.people[who].get(d.lesson)
		thread := page.doc.Find(`[data-testid="discussion"]`).Text()
		if strings.Contains(thread, "rude") || !strings.Contains(thread, "Something kind") {
			t.Errorf("%s sees: %s", who, thread)
		}
		if p := d.people[who].get("/posts/" + rude + "/report"); p.status != http.StatusNotFound {
			t.Errorf("%s opens the hidden post: %d", who, p.status)
		}
	}
	// The instructor, not enrolled, is sent to the lesson's discussion.
	if p := ida.get(d.lesson); p.status != http.StatusSeeOther || p.header.Get("Location") != d.lesson+"/discussion" {
		t.Fatalf("the instructor opens the lesson: %d %q", p.status, p.header.Get("Location"))
	}
	mod := ida.get(d.lesson + "/discussion")
	hidden := mod.doc.Find(`#post-` + rude)
	if !strings.Contains(hidden.Text(), "Something rude") || hidden.Find(`[data-testid="hidden"]`).Length() != 1 {
		t.Errorf("the moderator sees: %s", mod.doc.Find(`[data-testid="discussion"]`).Text())
	}
	if p := d.people["olu"].get(d.lesson + "/discussion"); p.status != http.StatusNotFound {
		t.Errorf("someone not in the course reads the thread: %d", p.status)
	}
	if p := d.people["olu"].get("/courses/" + d.rec.Slug); p.doc.Find(`[data-testid="discussion"]`).Length() != 0 {
		t.Error("someone not in the course sees the course's discussion")
	}
}

// payloads are posts that try to run script or smuggle markup.
var payloads = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`[click me](javascript:alert(1))`,
	`[click](JaVaScRiPt:alert(1))`,
	`[click](  javascript:alert(1) )`,
	`[x](&#106;avascript:alert(1))`,
	"[x](java\tscript:alert(1))",
	`<a href="javascript:alert(1)">a</a>`,
	`<img src=x onerror=alert(1)>`,
	`![img](x" onerror="alert(1))`,
	`<svg onload=alert(1)><circle r=1 /></svg>`,
	`<svg><script>alert(1)</script></svg>`,
	`<div onclick="alert(1)">click</div>`,
	`<body onload=alert(1)>`,
	`<iframe src="data:text/html,<script>alert(1)</script>"></iframe>`,
	`[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`![d](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`<a href="data:text/html,<script>alert(1)</script>">d</a>`,
	`<p <script>alert(1)</script>>broken`,
	`<<script>script>alert(1)<</script>/script>`,
	`<style>body{background:url(javascript:alert(1))}</style>`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<object data="javascript:alert(1)"></object>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`[ref]: javascript:alert(1)` + "\n\n[ref]",
	`<https://ok.example/"onmouseover="alert(1)>`,
	"```html\n<script>alert(1)</script>\n```",
	`<a href="https://ok.example" onmouseover="alert(1)">fine link</a>`,
}

func TestDiscussions_AnXSSCorpusRendersInert(t *testing.T) {
	t.Parallel()
	d := newDiscussionCourse(t)
	for _, p := range payloads {
		d.post(t, "kim", p, "")
	}
	page := d.people["ana"].get(d.lesson)
	thread := page.doc.Find(`[data-testid="discussion"]`)
	if n := thread.Find(`[data-testid="post"]`).Length(); n != len(payloads) {
		t.Fatalf("%d posts shown, want %d", n, len(payloads))
	}
	checkInert(t, thread)
}

// checkInert fails on anything in sel that could run script.
func checkInert(t *testing.T, sel *goquery.Selection) {
	t.Helper()
	if n := sel.Find("script, iframe, object, embed, style, svg, math, form[action^=javascript], base, meta, link").Length(); n != 0 {
		t.Errorf("%d dangerous elements survive", n)
	}
	sel.Find("*").Each(func(_ int, el *goquery.Selection) {
		for _, a := range el.Nodes[0].Attr {
			name, val := strings.ToLower(a.Key), strings.ToLower(strings.Join(strings.Fields(a.Val), ""))
			if strings.HasPrefix(name, "on") {
				t.Errorf("<%s %s=%q> survives", goquery.NodeName(el), a.Key, a.Val)
			}
			if (name == "href" || name == "src" || name == "action" || name == "formaction" || name == "data") &&
				(strings.HasPrefix(val, "javascript:") || strings.HasPrefix(val, "data:") || strings.HasPrefix(val, "vbscript:")) {
				t.Errorf("<%s %s=%q> survives", goquery.NodeName(el), a.Key, a.Val)
			}
		}
	})
}

func TestDiscussions_EditWithinFifteenMinutesThenRefused(t *testing.T) {
	t.Parallel()
	d := newDiscussionCourse(t)
	start := time.Now()
	d.s.db.Now = func() time.Time { return start }
	t.Cleanup(func() { d.s.db.Now = time.Now })
	id := postIDOf(d.post(t, "ana", "First draft", ""))
	ana, kim := d.people["ana"], d.people["kim"]

	if p := kim.get("/posts/" + id + "/edit"); p.status != http.StatusForbidden {
		t.Errorf("another person's edit page: %d", p.status)
	}
	ana.get("/posts/" + id + "/edit")
	if p := ana.post("/posts/"+id+"/edit", url.Values{"body": {"  "}}); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-body"]`) == "" {
		t.Errorf("an empty edit: %d", p.status)
	}
	d.s.db.Now = func() time.Time { return start.Add(10 * time.Minute) }
	if p := ana.post("/posts/"+id+"/edit", url.Values{"body": {"Second draft"}}); p.status != http.StatusSeeOther {
		t.Fatalf("an edit within 15 minutes: %d", p.status)
	}
	post := ana.get(d.lesson).doc.Find("#post-" + id)
	if !strings.Contains(post.Text(), "Second draft") || post.Find(`[data-testid="edited"]`).Length() != 1 {
		t.Errorf("after the edit: %s", post.Text())
	}
	d.s.db.Now = func() time.Time { return start.Add(16 * time.Minute) }
	if p := ana.post("/posts/"+id+"/edit", url.Values{"body": {"Third draft"}}); p.status != http.StatusForbidden {
		t.Errorf("an edit after 15 minutes: %d", p.status)
	}
	if post := ana.get(d.lesson).doc.Find("#post-" + id); !strings.Contains(post.Text(), "Second draft") {
		t.Errorf("a refused edit changed the post: %s", post.Text())
	}

	t.Run("ADeletedPostWithRepliesShowsDeleted", func(t *testing.T) {
		d.post(t, "kim", "A reply", id)
		ana.get(d.lesson)
		if p := ana.post("/posts/"+id+"/delete", nil); p.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.status)
		}
		post := kim.get(d.lesson).doc.Find("#post-" + id)
		if post.Find(`[data-testid="deleted"]`).Length() != 1 || strings.Contains(post.Text(), "Second draft") {
			t.Errorf("the deleted post shows: %s", post.Text())
		}
	})
}

func TestDiscussions_APostTooLongIsRefusedAtItsField(t *testing.T) {
	t.Parallel()
	d := newDiscussionCourse(t)
	ana := d.people["ana"]
	ana.get("/courses/" + d.rec.Slug)
	p := ana.post("/courses/"+d.rec.Slug+"/posts", url.Values{"body": {strings.Repeat("x", 5001)}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-body"]`), "5,000") {
		t.Errorf("a long post: %d %q", p.status, p.text(`[data-testid="error-body"]`))
	}
	if got := p.doc.Find(`#post-body`).Text(); len(got) != 5001 {
		t.Errorf("the text is not kept in the form: %d characters", len(got))
	}
	if p := ana.get("/courses/" + d.rec.Slug); p.doc.Find(`[data-testid="no-posts"]`).Length() != 1 {
		t.Error("the refused post was saved")
	}
}

func TestActivity_AnOptedOutLearnerIsAbsentFromTheFeed(t *testing.T) {
	t.Parallel()
	d := newDiscussionCourse(t)
	ctx := context.Background()
	acme, _ := d.s.main.Tenants.FindTenantBySlug(ctx, "acme")
	learn := postgres.NewLearningService(d.s.db)
	// Ana and Kim complete the course.
	for _, who := range []string{"ana", "kim"} {
		if err := fixture.TakeExample(ctx, learn, acme.ID, d.ids[who], d.rec.Slug, learning.Answers{{0}, {1}}); err != nil {
			t.Fatal(err)
		}
		lc, err := learn.FindLearnerCourse(ctx, acme.ID, d.ids[who], d.rec.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if lc.Enrolment.Status != learning.Completed {
			t.Fatalf("%s did not complete the course", who)
		}
	}
	olu := d.people["olu"]
	feed := olu.get("/activity").doc.Find(`[data-testid="activity"]`).Text()
	if !strings.Contains(feed, "Ana") || !strings.Contains(feed, "Kim Park") || !strings.Contains(feed, d.rec.Draft.Title) {
		t.Fatalf("the feed: %s", feed)
	}

	kim := d.people["kim"]
	kim.get("/account")
	if p := kim.post("/account/activity", url.Values{"hide_activity": {"on"}}); p.status != http.StatusSeeOther {
		t.Fatalf("opt out: %d", p.status)
	}
	if _, ok := kim.get("/account").doc.Find(`#f-hide_activity`).Attr("checked"); !ok {
		t.Error("the account page does not show the opt-out")
	}
	for _, path := range []string{"/activity", "/learn"} {
		page := olu.get(path)
		if feed := page.doc.Find(`[data-testid="activity"]`).Text(); strings.Contains(feed, "Kim") || !strings.Contains(feed, "Ana") {
			t.Errorf("%s after kim opted out: %s", path, feed)
		}
	}
}
