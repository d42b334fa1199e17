package main

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

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// benchPortal is the seeded portal the scenarios load: the first, with
// the course report's 5,000 learners.
const benchPortal = "scale-0001"

const password = "upward-demo-password"

// fixture is what the scenarios need to know about the seeded portal.
type fixture struct {
	tenantID int64
	courses  []benchCourse // by title
	learners []benchLearner
}

type benchCourse struct {
	id       int64
	slug     string
	lessons  []string // every lesson's key, in order
	markable []string // the lessons a learner marks complete
}

type benchLearner struct {
	id     int64
	email  string
	cookie string // the session, once signed in
	csrf   string
}

// readFixture reads the portal's courses and its first learners.
func readFixture(ctx context.Context, db *postgres.DB, learners int) (fixture, error) {
	p, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, benchPortal)
	if err != nil {
		return fixture{}, fmt.Errorf("the benchmark portal %s: %w (run upward seed --scale)", benchPortal, err)
	}
	f := fixture{tenantID: p.ID}
	err = db.InTenantTx(ctx, p.ID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT c.id, c.slug, v.content FROM courses c
			JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id AND v.version = c.published_version
			WHERE c.tenant_id = current_tenant_id() AND c.status = 'published' ORDER BY lower(c.title)`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c benchCourse
			var content []byte
			if err := rows.Scan(&c.id, &c.slug, &content); err != nil {
				return err
			}
			var v course.Course
			if err := json.Unmarshal(content, &v); err != nil {
				return err
			}
			for _, m := range v.Modules {
				for _, l := range m.Lessons {
					c.lessons = append(c.lessons, l.Key)
					if learning.NeedsMarking(l) {
						c.markable = append(c.markable, l.Key)
					}
				}
			}
			f.courses = append(f.courses, c)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `
			SELECT u.id, u.email FROM generate_series(1, $1) g
			JOIN users u ON u.tenant_id = current_tenant_id() AND u.email = 'learner-' || g || '@`+benchPortal+`.test'
			ORDER BY g`, learners)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l benchLearner
			if err := rows.Scan(&l.id, &l.email); err != nil {
				return err
			}
			f.learners = append(f.learners, l)
		}
		return rows.Err()
	})
	if err != nil {
		return fixture{}, err
	}
	if len(f.courses) == 0 || len(f.learners) < learners {
		return fixture{}, fmt.Errorf("the benchmark portal has %d courses and %d of the %d learners wanted", len(f.courses), len(f.learners), learners)
	}
	return f, nil
}

// reopenCompletions makes the lessons the scenario marks complete
// incomplete again, so that each round starts with real completions.
func reopenCompletions(ctx context.Context, db *postgres.DB, f fixture) error {
	ids := make([]int64, len(f.learners))
	for i, l := range f.learners {
		ids[i] = l.id
	}
	var keys []string
	for _, c := range f.courses {
		keys = append(keys, c.markable...)
	}
	return db.InTenantTx(ctx, f.tenantID, func(tx *postgres.Tx) error {
		_, err := tx.Exec(ctx, `
			UPDATE lesson_progress p SET completed_at = NULL
			FROM enrolments e
			WHERE p.tenant_id = current_tenant_id() AND e.tenant_id = p.tenant_id AND e.id = p.enrolment_id
				AND e.user_id = ANY ($1) AND p.lesson_key = ANY ($2) AND p.completed_at IS NOT NULL`, ids, keys)
		return err
	})
}

// site is a running server seen from the runner: its address and the
// host name its portal answers on.
type site struct {
	addr string // 127.0.0.1:port
	host string
}

func (s site) do(method, path, cookie, forwardedFor string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://"+s.addr+path, body)
	if err != nil {
		return nil, "", err
	}
	req.Host = s.host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, string(b), err
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn signs a person in through the sign-in form, from an address of
// their own (the server trusts the runner as its proxy, as it would a load
// balancer: sign-ins are throttled per address), and returns the session
// cookie and its CSRF token, read from page.
func signIn(s site, email, from, page string) (cookie, csrf string, err error) {
	res, body, err := s.do("GET", "/login", "", from, nil)
	if err != nil {
		return "", "", err
	}
	m := csrfRE.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		return "", "", fmt.Errorf("sign-in page: %d", res.StatusCode)
	}
	cookie = cookiesOf(res, "")
	res, _, err = s.do("POST", "/login", cookie, from, url.Values{"email": {email}, "password": {password}, "csrf_token": {html.UnescapeString(m[1])}})
	if err != nil {
		return "", "", err
	}
	if res.StatusCode != http.StatusSeeOther {
		return "", "", fmt.Errorf("signing in as %s: %d", email, res.StatusCode)
	}
	cookie = cookiesOf(res, cookie)
	res, body, err = s.do("GET", page, cookie, from, nil)
	if err != nil {
		return "", "", err
	}
	if m = csrfRE.FindStringSubmatch(body); res.StatusCode != http.StatusOK || m == nil {
		return "", "", fmt.Errorf("%s as %s: %d", page, email, res.StatusCode)
	}
	return cookiesOf(res, cookie), html.UnescapeString(m[1]), nil
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
		set(c.Name, c.Value)
	}
	var out []string
	for _, name := range order {
		out = append(out, name+"="+jar[name])
	}
	return strings.Join(out, "; ")
}
