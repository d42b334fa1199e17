package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// browser is one person's session with the portal, kept in a cookie
// header, as a browser without JavaScript would keep it.
type browser struct {
	addr   string
	host   string // the portal's host name
	from   string // X-Forwarded-For: each person signs in from an address of their own
	cookie string
	csrf   string
	client *http.Client
}

func newBrowser(t *testing.T, addr, from string) *browser {
	b := &browser{addr: addr, host: portal + ".localhost", from: from, client: &http.Client{
		// No request may hang: the server's own timeout is 10 s.
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Transport:     &http.Transport{MaxIdleConnsPerHost: 4},
	}}
	t.Cleanup(b.client.CloseIdleConnections)
	return b
}

// response is what came back: the status and the body.
type response struct {
	status int
	header http.Header
	body   string
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request with the session's cookie, keeps the cookies the
// response sets, and reads the whole body.
func (b *browser) do(ctx context.Context, method, path string, form url.Values) (response, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+b.addr+path, body)
	if err != nil {
		return response{}, err
	}
	return b.send(req, form != nil)
}

func (b *browser) send(req *http.Request, isForm bool) (response, error) {
	req.Host = b.host
	if isForm {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != "" {
		req.Header.Set("Cookie", b.cookie)
	}
	req.Header.Set("X-Forwarded-For", b.from)
	res, err := b.client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return response{}, err
	}
	b.cookie = cookiesOf(res, b.cookie)
	if m := csrfRE.FindStringSubmatch(string(data)); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	return response{status: res.StatusCode, header: res.Header, body: string(data)}, nil
}

// post sends a form with the session's CSRF token.
func (b *browser) post(ctx context.Context, path string, form url.Values) (response, error) {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", b.csrf)
	return b.do(ctx, "POST", path, form)
}

// signIn signs in through the form and loads page, which gives the CSRF
// token of the new session.
func (b *browser) signIn(t *testing.T, email, page string) {
	t.Helper()
	ctx := context.Background()
	if res, err := b.do(ctx, "GET", "/login", nil); err != nil || res.status != http.StatusOK {
		t.Fatalf("sign-in page: %v %d", err, res.status)
	}
	res, err := b.post(ctx, "/login", url.Values{"email": {email}, "password": {password}})
	if err != nil || res.status != http.StatusSeeOther {
		t.Fatalf("signing in as %s: %v %d", email, err, res.status)
	}
	if res, err := b.do(ctx, "GET", page, nil); err != nil || res.status != http.StatusOK {
		t.Fatalf("%s as %s: %v %d", page, email, err, res.status)
	}
}

// cookiesOf is the Cookie header after res: the cookies it sets over
// those of before.
func cookiesOf(res *http.Response, before string) string {
	jar := map[string]string{}
	var order []string
	set := func(name, value string) {
		if _, ok := jar[name]; !ok {
			order = append(order, name)
		}
		jar[name] = value
	}
	for _, c := range strings.Split(before, "; ") {
		if name, value, ok := strings.Cut(c, "="); ok {
			set(name, value)
		}
	}
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(jar, c.Name)
			continue
		}
		set(c.Name, c.Value)
	}
	var out []string
	for _, name := range order {
		if v, ok := jar[name]; ok {
			out = append(out, name+"="+v)
		}
	}
	return strings.Join(out, "; ")
}

// portalCourse is a published course of the seeded portal.
type portalCourse struct {
	id      int64
	slug    string
	content course.Course
}

// publishedCourses reads the portal's published courses, as learners
// see them.
func publishedCourses(t *testing.T, db *postgres.DB) (tenantID int64, out []portalCourse) {
	t.Helper()
	ctx := context.Background()
	p, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, portal)
	if err != nil {
		t.Fatal(err)
	}
	err = db.InTenantTx(ctx, p.ID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT c.id, c.slug, v.content FROM courses c
			JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id AND v.version = c.published_version
			WHERE c.tenant_id = current_tenant_id() AND c.status = 'published' ORDER BY c.slug`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c portalCourse
			var content []byte
			if err := rows.Scan(&c.id, &c.slug, &content); err != nil {
				return err
			}
			if err := json.Unmarshal(content, &c.content); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	if err != nil || len(out) == 0 {
		t.Fatalf("the portal's courses: %d, %v", len(out), err)
	}
	return p.ID, out
}

// write is one progress write a learner sends: a form POSTed to path.
type write struct {
	path string
	form url.Values
	// what it records, for the checks: "enrol", "lesson" or "quiz"
	kind, course, lesson string
}

// progressWrites are the writes that take a learner through a course:
// enrol, then each lesson in order, marked complete, or its quizzes
// answered right and its reflections written.
func progressWrites(c portalCourse) []write {
	base := "/courses/" + url.PathEscape(c.slug)
	out := []write{{path: base + "/enrol", kind: "enrol", course: c.slug}}
	for _, m := range c.content.Modules {
		for _, l := range m.Lessons {
			lp := base + "/lessons/" + url.PathEscape(l.Key)
			if learning.NeedsMarking(l) {
				out = append(out, write{path: lp + "/complete", kind: "lesson", course: c.slug, lesson: l.Key})
				continue
			}
			for _, b := range l.Blocks {
				switch {
				case b.Kind == course.KindQuiz && b.Quiz != nil:
					form := url.Values{"number": {"1"}}
					for i, q := range b.Quiz.Questions {
						for j, o := range q.Options {
							if o.Correct {
								form.Add(fmt.Sprintf("q%d", i), fmt.Sprint(j))
							}
						}
					}
					out = append(out, write{path: lp + "/quizzes/" + url.PathEscape(b.Key), form: form, kind: "quiz", course: c.slug, lesson: l.Key})
				case b.Kind == course.KindReflection:
					out = append(out, write{path: lp + "/reflections/" + url.PathEscape(b.Key),
						form: url.Values{"text": {"What I take from this lesson, in a few words."}}, kind: "reflection", course: c.slug, lesson: l.Key})
				}
			}
		}
	}
	return out
}
