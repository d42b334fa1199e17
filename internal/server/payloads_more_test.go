package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/ical/icaltest"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// savedAs is what checkPayloads reads as "saved" for a form whose
// success is not a redirect (a preview, a key shown once, "check your
// mail"): the answer itself must be inert and is then taken as saved.
func savedAs(t *testing.T, name string, ok int, p page, payload string) page {
	t.Helper()
	if p.status != ok {
		return p
	}
	if bad := activeContent(p.doc); len(bad) > 0 {
		t.Errorf("%s: the answer to saving %.80q carries %v", name, payload, bad)
	}
	p.status = http.StatusSeeOther
	return p
}

// fewPayloads are a handful of the corpus, one of each family, for fields
// whose every save costs a password hash or a new portal.
func fewPayloads(corpus []string) []string {
	var out []string
	for i, p := range corpus {
		if i%12 == 0 || i == len(corpus)-6 || i == len(corpus)-2 {
			out = append(out, p)
		}
	}
	return out
}

// icsPayloads try to end an iCalendar property early and add one of
// their own, or a whole event.
var icsPayloads = []string{
	"Title\r\nATTACH:https://evil.example/x\r\nX-INJECTED:1",
	"Title\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:X-INJECTED",
	"Title\rX-INJECTED;VALUE=TEXT:1",
	`Title\nX-INJECTED:1;,\`,
}

// checkICS reads a calendar strictly: the payload is one property's
// value, not a line of its own.
func checkICS(t *testing.T, c *client, path, field, payload string) {
	t.Helper()
	status, _, body := c.ics(path)
	if status != http.StatusOK {
		t.Errorf("%s: %s: status %d", field, path, status)
		return
	}
	_, events, err := icaltest.Parse(body)
	if err != nil {
		t.Errorf("%s: %s with %.80q is not a valid calendar: %v", field, path, payload, err)
		return
	}
	if len(events) != 1 {
		t.Errorf("%s: %s with %.80q has %d events", field, path, payload, len(events))
	}
	for _, e := range events {
		for name := range e {
			if strings.HasPrefix(name, "X-INJECTED") || name == "ATTACH" {
				t.Errorf("%s: %s with %.80q has a property %s of its own", field, path, payload, name)
			}
		}
	}
}

// TestXSS_MorePortalFieldsShownBackRenderInert carries on where
// TestXSS_EveryFieldShownBackRendersInert stops: discussions and what
// they notify, live sessions (and their calendars), learning paths, the
// portal's settings, integrations, and the names people give themselves
// at registration, at an invitation and in a CSV import.
func TestXSS_MorePortalFieldsShownBackRenderInert(t *testing.T) {
	t.Parallel()
	// Kim writes the posts Ana reports.
	pp := newPayloadPortal(t, fixture.Person{Email: "kim@acme.test", Name: "Kim"},
		fixture.Person{Email: "ines@acme.test", Name: "Ines", Roles: []user.Role{user.Instructor}})
	s := pp.s
	ctx := context.Background()
	corpus := xssCorpus(t)
	a, ana := pp.admin, pp.ana
	acme, err := s.main.Tenants.FindTenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	courseID := id64(pp.course[strings.LastIndex(pp.course, "/")+1:])
	// The course is the administrator's making (newPayloadPortal), so not a Spec's.
	if _, err := postgres.NewLearningService(s.db).Enrol(ctx, acme.ID, userID(t, s, acme.ID, "kim@acme.test"), courseID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	kim := newClient(t, s, "acme.localhost")
	signIn(kim, "kim@acme.test", goodPassword)
	lessonPost := func(c *client, body string) page {
		c.get(pp.learnerLesson)
		return c.post(pp.learnerLesson+"/posts", url.Values{"body": {body}})
	}
	first := lessonPost(ana, "A post Ana edits")
	if first.status != http.StatusSeeOther {
		t.Fatalf("first post: %d", first.status)
	}
	anaPost := postIDOf(first.header.Get("Location"))

	// A session of the course, Ana registered.
	form := a.get("/admin/sessions/new")
	instructor, _ := form.doc.Find(`#f-instructors option`).First().Attr("value")
	sessionFields := url.Values{"title": {"Live"}, "description": {"Bring a pen."}, "course": {strconv.FormatInt(courseID, 10)},
		"date": {time.Now().AddDate(0, 0, 10).Format(time.DateOnly)}, "start": {"09:30"}, "end": {"11:00"}, "time_zone": {"Europe/Paris"},
		"capacity": {"10"}, "meeting_url": {"https://meet.example/abc"}, "room": {"Room 1"}, "instructors": {instructor}}
	p := a.post("/admin/sessions", sessionFields)
	if p.status != http.StatusSeeOther {
		t.Fatalf("session: %d %s", p.status, p.doc.Find(`[data-testid^="error-"]`).Text())
	}
	adminSession := p.header.Get("Location")
	session := "/sessions/" + adminSession[strings.LastIndex(adminSession, "/")+1:]
	ana.get(session)
	if p := ana.post(session+"/register", nil); p.status != http.StatusSeeOther {
		t.Fatalf("register for the session: %d", p.status)
	}
	ana.get("/account")
	made := ana.post("/account/calendar", nil)
	feed, _ := made.doc.Find(`[data-testid="calendar-url"]`).Attr("value")
	if made.status != http.StatusOK || !strings.Contains(feed, "/calendar/") {
		t.Fatalf("calendar feed: %d %q", made.status, feed)
	}
	feed = feed[strings.Index(feed, "/calendar/"):]
	sessionViews := func(int) []view {
		return []view{{a, adminSession, false}, {a, "/admin/sessions", true}, {ana, "/sessions", true}, {ana, session, false}}
	}
	saveSession := func(field string) func(t *testing.T, i int, v string) page {
		return func(t *testing.T, i int, v string) page {
			f := url.Values{}
			for k, vs := range sessionFields {
				f[k] = vs
			}
			delete(f, "course")
			f.Set(field, v)
			a.get(adminSession)
			res := a.post(adminSession, f)
			if res.status == http.StatusSeeOther {
				checkICS(t, ana, session+"/calendar.ics", field, v)
				checkICS(t, ana, feed, field, v)
			}
			return res
		}
	}

	// A published path with the course, assigned to Ana.
	a.get("/admin/paths")
	p = a.post("/admin/paths", url.Values{"title": {"A path"}, "slug": {"payload-path"}, "course": {pp.courseSlug}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("path: %d", p.status)
	}
	adminPath := p.header.Get("Location")
	a.get(adminPath)
	if p := a.post(adminPath+"/status", url.Values{"status": {"published"}}); p.status != http.StatusSeeOther {
		t.Fatalf("publish the path: %d %s", p.status, p.text(`[data-testid="form-error"]`))
	}
	a.get(adminPath)
	if p := a.post(adminPath+"/assign", url.Values{"users": {strconv.FormatInt(pp.anaID, 10)}}); p.status != http.StatusSeeOther {
		t.Fatalf("assign the path: %d", p.status)
	}
	pathText := url.Values{"title": {"A path"}, "summary": {"In short"}, "description": {"At length"}}
	savePath := func(field string) func(t *testing.T, i int, v string) page {
		return func(t *testing.T, i int, v string) page {
			f := url.Values{}
			for k, vs := range pathText {
				f[k] = vs
			}
			f.Set(field, v)
			a.get(adminPath)
			return a.post(adminPath, f)
		}
	}
	pathViews := func(int) []view {
		return []view{{a, adminPath, false}, {ana, "/paths/payload-path", false}}
	}

	saveSettings := func(field string) func(t *testing.T, i int, v string) page {
		return func(t *testing.T, i int, v string) page {
			f := settingsForm(acme)
			f.Set(field, v)
			a.get("/admin/settings")
			return a.post("/admin/settings", f)
		}
	}
	// The portal's frame: every page, signed in or not.
	frameViews := func(int) []view {
		return []view{{a, "/admin/settings", false}, {pp.anon, "/login", false}, {ana, "/learn", true}, {ana, pp.learnerLesson, true}, {a, "/admin/users", true}}
	}

	fields := []shownField{
		{name: "LessonPost", markdown: true, save: func(t *testing.T, _ int, v string) page { return lessonPost(ana, v) },
			views: func(int) []view {
				return []view{{ana, pp.learnerLesson, false}, {kim, pp.learnerLesson + "/discussion", false}, {kim, "/activity", false}}
			}},
		{name: "LessonReply", markdown: true, save: func(t *testing.T, _ int, v string) page {
			ana.get(pp.learnerLesson)
			return ana.post(pp.learnerLesson+"/posts", url.Values{"body": {v}, "parent": {anaPost}})
		}, views: func(int) []view { return []view{{kim, pp.learnerLesson, false}} }},
		{name: "CoursePost", markdown: true, save: func(t *testing.T, _ int, v string) page {
			ana.get("/courses/payloads")
			return ana.post("/courses/payloads/posts", url.Values{"body": {v}})
		}, views: func(int) []view { return []view{{kim, "/courses/payloads", false}, {a, "/courses/payloads", false}} }},
		{name: "PostEdit", markdown: true, save: func(t *testing.T, _ int, v string) page {
			ana.get("/posts/" + anaPost + "/edit")
			return ana.post("/posts/"+anaPost+"/edit", url.Values{"body": {v}})
		}, views: func(int) []view {
			return []view{{ana, "/posts/" + anaPost + "/edit", false}, {kim, pp.learnerLesson, false}}
		}},
		{name: "ReportReason", save: func(t *testing.T, i int, v string) page {
			post := lessonPost(kim, "Kim's post "+strconv.Itoa(i))
			if post.status != http.StatusSeeOther {
				t.Fatalf("kim posts: %d", post.status)
			}
			id := postIDOf(post.header.Get("Location"))
			ana.get("/posts/" + id + "/report")
			return ana.post("/posts/"+id+"/report", url.Values{"reason": {v}})
		}, batchViews: func(*testing.T) []view { return []view{{a, "/admin/discussions", false}} }},
		{name: "MentionNotification", save: func(t *testing.T, i int, v string) page {
			ana.get("/account")
			if res := ana.post("/account/profile", url.Values{"name": {v}, "time_zone": {"Europe/Paris"}}); res.status != http.StatusSeeOther {
				return res
			}
			if res := lessonPost(ana, "@acme.boss, see: "+v); res.status != http.StatusSeeOther {
				t.Fatalf("the mention: %d", res.status)
			}
			return page{status: http.StatusSeeOther}
		}, views: func(int) []view {
			// The feed shows completions, not posts: Ana's name is in it once she completes (the certificate test).
			return []view{{a, "/notifications", false}, {kim, "/activity", true}, {a, "/admin/discussions", true}}
		}},
		{name: "SessionTitle", save: saveSession("title"), views: sessionViews},
		{name: "SessionRoom", save: saveSession("room"), views: sessionViews},
		{name: "SessionMeetingURL", save: saveSession("meeting_url"), views: sessionViews},
		{name: "SessionDescription", markdown: true, save: saveSession("description"), views: sessionViews},
		{name: "PathTitle", save: savePath("title"), views: func(int) []view {
			return []view{{a, adminPath, false}, {a, "/admin/paths", false}, {ana, "/paths/payload-path", false}, {ana, "/learn", false}}
		}},
		{name: "PathSummary", save: savePath("summary"), views: pathViews},
		{name: "PathDescription", markdown: true, save: savePath("description"), views: pathViews},
		{name: "PortalName", save: saveSettings("name"), views: func(int) []view {
			return []view{{a, "/admin/settings", false}, {pp.anon, "/login", false}, {ana, "/learn", false}, {ana, pp.learnerLesson, false}, {a, "/admin/users", false}}
		}},
		{name: "PortalWelcomeText", markdown: true, save: saveSettings("welcome_text"), views: func(int) []view {
			return []view{{a, "/admin/settings", false}, {pp.anon, "/login", false}, {pp.anon, "/", false}, {ana, "/learn", false}}
		}},
		{name: "PortalColour", save: saveSettings("primary_color"), views: frameViews},
		{name: "PortalContactEmail", save: saveSettings("contact_email"), views: func(int) []view {
			// Shown to people only when the portal is suspended.
			return []view{{a, "/admin/settings", false}, {pp.anon, "/login", true}}
		}},
		{name: "PortalEmailDomains", save: saveSettings("allowed_email_domains"), views: func(int) []view {
			return []view{{a, "/admin/settings", false}, {pp.anon, "/register", true}}
		}},
		{name: "WebhookURL", save: func(t *testing.T, _ int, v string) page {
			a.get("/admin/webhooks")
			return a.post("/admin/webhooks", url.Values{"url": {v}, "description": {"CRM"}, "events": {webhook.UserCreated}})
		}, batchViews: func(*testing.T) []view { return []view{{a, "/admin/webhooks", false}} }},
		{name: "WebhookDescription", save: func(t *testing.T, _ int, v string) page {
			a.get("/admin/webhooks")
			res := a.post("/admin/webhooks", url.Values{"url": {"https://hooks.example.com/upward"}, "description": {v}, "events": {webhook.UserCreated}})
			if res.status == http.StatusSeeOther {
				if where := res.header.Get("Location"); where != "/admin/webhooks" {
					if p := a.get(where); p.status != http.StatusOK || len(activeContent(p.doc)) > 0 || !shows(p.doc, v) {
						t.Errorf("WebhookDescription: %s with %.80q: %d %v", where, v, p.status, activeContent(p.doc))
					}
				}
			}
			return res
		}, batchViews: func(*testing.T) []view { return []view{{a, "/admin/webhooks", false}} }},
		{name: "APIKeyName", save: func(t *testing.T, _ int, v string) page {
			a.get("/admin/api-keys")
			return savedAs(t, "APIKeyName", http.StatusCreated, a.post("/admin/api-keys", url.Values{"name": {v}, "permissions": {"users:read"}}), v)
		}, batchViews: func(*testing.T) []view { return []view{{a, "/admin/api-keys", false}} }},
		{name: "NameAtRegistration", save: func(t *testing.T, i int, v string) page {
			c := newClient(t, s, "acme.localhost")
			c.get("/register")
			return savedAs(t, "NameAtRegistration", http.StatusOK,
				c.post("/register", url.Values{"name": {v}, "email": {"reg" + strconv.Itoa(i) + "@acme.test"}, "password": {goodPassword}}), v)
		}, views: func(i int) []view { return []view{{a, "/admin/users?q=reg" + strconv.Itoa(i) + "%40", false}} }},
		{name: "NameAtInvitation", save: func(t *testing.T, i int, v string) page {
			email := "accept" + strconv.Itoa(i) + "@acme.test"
			a.get("/admin/users")
			if res := a.post("/admin/users/invite", url.Values{"name": {"Plain"}, "email": {email}, "roles": {"learner"}}); res.status != http.StatusSeeOther {
				t.Fatalf("invite: %d", res.status)
			}
			token, _ := url.QueryUnescape(strings.TrimPrefix(mailedLink(t, s, email, "/invitations/accept"), "/invitations/accept?token="))
			c := newClient(t, s, "acme.localhost")
			c.get("/invitations/accept?token=" + url.QueryEscape(token))
			res := c.post("/invitations/accept", url.Values{"token": {token}, "name": {v}, "password": {goodPassword}})
			if res.status == http.StatusSeeOther {
				if p := c.get("/account"); len(activeContent(p.doc)) > 0 || !shows(p.doc, v) {
					t.Errorf("NameAtInvitation: the newcomer's account with %.80q: %v", v, activeContent(p.doc))
				}
			}
			return res
		}, views: func(i int) []view { return []view{{a, "/admin/users?q=accept" + strconv.Itoa(i) + "%40", false}} }},
		{name: "NameInCSVImport", save: func(t *testing.T, i int, v string) page {
			var b bytes.Buffer
			w := csv.NewWriter(&b)
			w.UseCRLF = true
			w.Write([]string{"email", "name", "roles", "groups", "manager_email"})
			w.Write([]string{"csv" + strconv.Itoa(i) + "@acme.test", v, "learner", "", ""})
			w.Flush()
			a.get("/admin/users/import")
			preview := a.upload("/admin/users/import", "file", "people.csv", b.Bytes())
			if preview.status != http.StatusOK {
				return preview
			}
			if bad := activeContent(preview.doc); len(bad) > 0 {
				t.Errorf("NameInCSVImport: the preview of %.80q carries %v", v, bad)
			}
			confirm := preview.doc.Find(`form[action="/admin/users/import/confirm"]`)
			if confirm.Length() == 0 {
				// The preview refused the line, saying why at the line.
				return page{status: http.StatusUnprocessableEntity, doc: preview.doc}
			}
			if !shows(preview.doc, v) {
				t.Errorf("NameInCSVImport: the preview does not show %.80q", v)
			}
			f := url.Values{}
			confirm.Find("input").Each(func(_ int, in *goquery.Selection) {
				name, _ := in.Attr("name")
				val, _ := in.Attr("value")
				f.Set(name, val)
			})
			mode, _ := confirm.Find(`button[name="mode"]`).Attr("value")
			f.Set("mode", mode)
			return a.post("/admin/users/import/confirm", f)
		}, views: func(i int) []view { return []view{{a, "/admin/users?q=csv" + strconv.Itoa(i) + "%40", false}} }},
	}
	// Rendered Markdown and the discussions take the sample of the corpus;
	// the ICS payloads go through every session field; the other fields,
	// escaped by the same templates, take a few payloads (and the fields
	// that only take a URL or an address, payloads that pass for one).
	sampled := map[string]bool{"LessonPost": true, "LessonReply": true, "CoursePost": true, "PostEdit": true, "ReportReason": true,
		"SessionDescription": true, "PathDescription": true, "PortalWelcomeText": true, "NameInCSVImport": true}
	short, few := sample(corpus), fewPayloads(corpus)
	for _, f := range fields {
		c := few
		switch {
		case sampled[f.name]:
			c = short
		case strings.HasPrefix(f.name, "Session"):
			c = append(append([]string{}, few...), icsPayloads...)
		}
		if strings.HasSuffix(f.name, "URL") {
			c = append(append([]string{}, c...), urlPayloads...)
		}
		if strings.HasSuffix(f.name, "Email") || f.name == "PortalEmailDomains" {
			c = append(append([]string{}, c...), emailPayloads...)
		}
		t.Run(f.name, func(t *testing.T) { checkPayloads(t, f, c) })
	}
}

// urlPayloads and emailPayloads are payloads that a form validating a URL
// or an e-mail address may take as one.
var (
	urlPayloads = []string{
		`https://hooks.example.com/?q="><img src=x onerror=window.__xss=1 data-xss>`,
		`https://hooks.example.com/#'><script>window.__xss=1</script>`,
		`https://hooks.example.com/x?a=1&b=<svg/onload=window.__xss=1>`,
	}
	emailPayloads = []string{
		`"<img src=x onerror=window.__xss=1 data-xss>"@acme.test`,
		`a+"><script>window.__xss=1</script>@acme.test`,
		`x@acme.test"><img src=x onerror=window.__xss=1 data-xss>`,
	}
)

// TestXSS_ConsoleFieldsShownBackRenderInert types payloads into the
// console's fields: a portal's name (shown in the console and on the
// portal's own pages), a reseller's white label (shown on its clients'
// portals), console webhooks and API keys.
func TestXSS_ConsoleFieldsShownBackRenderInert(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s := f.s
	corpus := xssCorpus(t)
	rae := consoleClient(t, s, "rae@northwind.test")
	chris := newClient(t, s, "contoso.localhost")
	logo := pngLogo(t, 8, 8)

	fields := []shownField{
		{name: "PortalNameInConsole", save: func(t *testing.T, i int, v string) page {
			rae.get("/console/portals/new")
			res := rae.post("/console/portals", url.Values{"name": {v}, "slug": {"client" + strconv.Itoa(i)}, "plan": {"standard"}, "seat_limit": {"10"},
				"audience": {"customers"}, "primary_color": {"#2d6a4f"}, "admin_email": {"admin@client" + strconv.Itoa(i) + ".test"}, "admin_name": {"Admin"}})
			if res.status == http.StatusSeeOther {
				if p := rae.get(res.header.Get("Location")); p.status != http.StatusOK || len(activeContent(p.doc)) > 0 || !shows(p.doc, v) {
					t.Errorf("PortalNameInConsole: the portal's console page with %.80q: %d %v", v, p.status, activeContent(p.doc))
				}
			}
			return res
		}, views: func(i int) []view {
			return []view{{rae, "/console", false}, {newClient(t, s, "client"+strconv.Itoa(i)+".localhost"), "/login", false}}
		}},
		{name: "PortalAdminNameInConsole", save: func(t *testing.T, i int, v string) page {
			rae.get("/console/portals/new")
			return rae.post("/console/portals", url.Values{"name": {"Named"}, "slug": {"admin" + strconv.Itoa(i)}, "plan": {"standard"}, "seat_limit": {"10"},
				"audience": {"customers"}, "admin_email": {"admin@admin" + strconv.Itoa(i) + ".test"}, "admin_name": {v}})
		}},
		{name: "ResellerBrandName", save: func(t *testing.T, _ int, v string) page {
			rae.get("/console/branding")
			return rae.uploadForm("/console/branding", url.Values{"name": {v}, "support_email": {"help@northwind.test"}}, "logo", "logo.png", logo)
		}, views: func(int) []view {
			return []view{{rae, "/console/branding", false}, {chris, "/login", false}, {chris, "/password/forgot", false}}
		}},
		{name: "ResellerSupportEmail", save: func(t *testing.T, _ int, v string) page {
			rae.get("/console/branding")
			return rae.uploadForm("/console/branding", url.Values{"name": {"Northwind"}, "support_email": {v}}, "logo", "logo.png", logo)
		}, views: func(int) []view { return []view{{rae, "/console/branding", false}, {chris, "/login", false}} }},
		{name: "ConsoleWebhookURL", save: func(t *testing.T, _ int, v string) page {
			rae.get("/console/webhooks")
			return rae.post("/console/webhooks", url.Values{"url": {v}, "description": {"CRM"}, "events": {webhook.PortalCreated}})
		}, batchViews: func(*testing.T) []view { return []view{{rae, "/console/webhooks", false}} }},
		{name: "ConsoleWebhookDescription", save: func(t *testing.T, _ int, v string) page {
			rae.get("/console/webhooks")
			res := rae.post("/console/webhooks", url.Values{"url": {"https://hooks.example.com/upward"}, "description": {v}, "events": {webhook.PortalCreated}})
			if res.status == http.StatusSeeOther {
				if where := res.header.Get("Location"); where != "/console/webhooks" {
					if p := rae.get(where); p.status != http.StatusOK || len(activeContent(p.doc)) > 0 || !shows(p.doc, v) {
						t.Errorf("ConsoleWebhookDescription: %s with %.80q: %d %v", where, v, p.status, activeContent(p.doc))
					}
				}
			}
			return res
		}, batchViews: func(*testing.T) []view { return []view{{rae, "/console/webhooks", false}} }},
		{name: "ConsoleAPIKeyName", save: func(t *testing.T, _ int, v string) page {
			rae.get("/console/api-keys")
			return savedAs(t, "ConsoleAPIKeyName", http.StatusCreated, rae.post("/console/api-keys", url.Values{"name": {v}, "permissions": {"portals:read"}}), v)
		}, batchViews: func(*testing.T) []view { return []view{{rae, "/console/api-keys", false}} }},
	}
	short, few := sample(corpus), fewPayloads(corpus)
	for _, f := range fields {
		c := short
		if strings.HasPrefix(f.name, "Portal") {
			c = few // each opens a portal
		}
		if strings.HasSuffix(f.name, "URL") {
			c = append(append([]string{}, c...), urlPayloads...)
		}
		if strings.HasSuffix(f.name, "Email") {
			c = append(append([]string{}, c...), emailPayloads...)
		}
		t.Run(f.name, func(t *testing.T) { checkPayloads(t, f, c) })
	}
}

// TestXSS_ACertificateOfALearnerNamedAsAPayload completes a course for a
// learner whose name is a payload (set through the profile form): the
// certificate page and the public verification page are inert and show
// the name, and the PDF is drawn.
func TestXSS_ACertificateOfALearnerNamedAsAPayload(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t)
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	anaID := acme.Person(t, "ana@acme.test").ID
	verifier := newClient(t, s, "localhost")
	example := fixture.ExampleCourse(t)
	courses, learn := postgresCourses(s), postgres.NewLearningService(s.db)
	// complete has Ana finish a new copy of the example course, the way
	// the hardening fixture does, and returns her newest certificate.
	complete := func(t *testing.T, i int) postgres.Certificate {
		c := example
		c.Slug = "example-" + strconv.Itoa(i)
		rec, err := courses.ImportCourse(ctx, acme.ID, c, "", by)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", by); err != nil {
			t.Fatal(err)
		}
		if _, err := learn.Enrol(ctx, acme.ID, anaID, rec.ID, learning.SelfEnrolled); err != nil {
			t.Fatal(err)
		}
		if err := fixture.TakeExample(ctx, learn, acme.ID, anaID, rec.Slug, learning.Answers{{0}, {1}}); err != nil {
			t.Fatal(err)
		}
		certs, err := learn.FindCertificates(ctx, acme.ID, anaID)
		if err != nil || len(certs) == 0 {
			t.Fatalf("certificates: %v %v", certs, err)
		}
		return certs[0]
	}
	var code string
	checkPayloads(t, shownField{name: "CertificateLearnerName", save: func(t *testing.T, i int, v string) page {
		ana.get("/account")
		res := ana.post("/account/profile", url.Values{"name": {v}, "time_zone": {"Europe/Paris"}})
		if res.status == http.StatusSeeOther {
			code = complete(t, i).Code
			pdf, body := ana.raw("/certificates/" + code + "/pdf")
			if pdf.StatusCode != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
				t.Errorf("the PDF for %.80q: %d %s %.20q", v, pdf.StatusCode, pdf.Header.Get("Content-Type"), body)
			}
		}
		return res
	}, views: func(int) []view {
		return []view{{ana, "/certificates/" + code, false}, {verifier, "/verify/" + code, false}, {ana, "/activity", false}}
	}}, fewPayloads(xssCorpus(t)))
}
