package server_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/fixture"
)

// A manager sees exactly their reports, and of each only what they chose
// to share; another manager's people and anyone's unshared answers stay
// out of sight.
func TestTeam_AManagerSeesTheirReportsAndOnlyWhatTheyShared(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People,
			fixture.Person{Email: "mona@acme.test", Name: "Mona Manager"},
			fixture.Person{Email: "otto@acme.test", Name: "Otto Othermanager"},
			fixture.Person{Email: "rita@acme.test", Name: "Rita Report", Manager: "mona@acme.test"},
			fixture.Person{Email: "sam@acme.test", Name: "Sam Sharesnothing", Manager: "mona@acme.test"},
			fixture.Person{Email: "oscar@acme.test", Name: "Oscar Otherteam", Manager: "otto@acme.test"})
	})
	rec := acme.Courses[fixture.ExampleSlug]

	// Each learner answers the reflection; Rita shares hers, the others do not.
	answer := func(email, text string, share bool) {
		t.Helper()
		c := newClient(t, s, "acme.localhost")
		signIn(c, email, goodPassword)
		c.get("/courses/" + rec.Slug)
		lesson := c.get(c.post("/courses/"+rec.Slug+"/enrol", nil).header.Get("Location"))
		action, _ := lesson.doc.Find(`form.reflection-form`).Attr("action")
		form := url.Values{"text": {text}}
		if share {
			form.Set("share", "on")
		}
		c.post(action, form)
	}
	answer("rita@acme.test", "Rita's shared thought about deadlines", true)
	answer("sam@acme.test", "Sam's private worry", false)
	answer("oscar@acme.test", "Oscar's thought for Otto", true)

	mc := newClient(t, s, "acme.localhost")
	signIn(mc, "mona@acme.test", goodPassword)
	if mc.get("/learn").doc.Find(`[data-testid="team-link"]`).Length() != 1 {
		t.Error("a manager's dashboard has no way to the team")
	}
	team := mc.get("/team")
	var names []string
	team.doc.Find(`[data-testid="team-member"] h2`).Each(func(_ int, sel *goquery.Selection) { names = append(names, strings.Fields(sel.Text())[0]) })
	if strings.Join(names, ",") != "Rita,Sam" {
		t.Errorf("Mona's team: %v", names)
	}
	body := team.doc.Text()
	if !strings.Contains(body, "Rita's shared thought about deadlines") {
		t.Error("Rita's shared reflection is missing")
	}
	for _, secret := range []string{"Sam's private worry", "Oscar", "Oscar's thought for Otto"} {
		if strings.Contains(body, secret) {
			t.Errorf("Mona sees %q", secret)
		}
	}
	if !strings.Contains(team.doc.Find(`[data-testid="team-member"]`).First().Text(), rec.Draft.Title) {
		t.Error("the report's course is not listed")
	}

	// Unsharing takes it away again.
	rc := newClient(t, s, "acme.localhost")
	signIn(rc, "rita@acme.test", goodPassword)
	lesson := rc.get("/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[0].Lessons[0].Key)
	action, _ := lesson.doc.Find(`form.reflection-form`).Attr("action")
	if lesson.doc.Find(`input[name="share"][checked]`).Length() != 1 {
		t.Error("the share box does not show Rita's choice")
	}
	rc.post(action, url.Values{"text": {"Rita's shared thought about deadlines"}})
	if strings.Contains(mc.get("/team").doc.Text(), "Rita's shared thought") {
		t.Error("an unshared reflection is still shown")
	}

	oc := newClient(t, s, "acme.localhost")
	signIn(oc, "otto@acme.test", goodPassword)
	otherTeam := oc.get("/team").doc.Text()
	if !strings.Contains(otherTeam, "Oscar's thought for Otto") || strings.Contains(otherTeam, "Rita") {
		t.Errorf("Otto's team page: %q", otherTeam)
	}
	nobody := newClient(t, s, "acme.localhost")
	signIn(nobody, "ana@acme.test", goodPassword)
	if nobody.get("/team").doc.Find(`[data-testid="no-team"]`).Length() != 1 {
		t.Error("someone without reports sees a team")
	}
}
