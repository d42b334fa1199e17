package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// reportPortal is acme with three learners who did everything today:
// Ana (in the Sales group, with Bo) took the example course and its path
// to the end, answering the quiz right at once (100); Bo was assigned the
// course with a due date long past and failed the quiz (0); Cy enrolled
// and did nothing more.
type reportPortal struct {
	s        *testServer
	tenantID int64
	course   postgres.CourseRecord
	pathID   int64
	sales    int64
	ana, bo  int64
}

func newReportPortal(t *testing.T) reportPortal {
	t.Helper()
	due := time.Date(2020, 1, 31, 0, 0, 0, 0, time.UTC)
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "bo@acme.test", Name: "Bo"}, fixture.Person{Email: "cy@acme.test", Name: "Cy"}, bossOfAcme)
		acme.Groups = []fixture.Group{{Name: "Sales", Members: []string{"ana@acme.test", "bo@acme.test"}}}
		acme.Paths = []fixture.Path{{Slug: "example-path", Title: "Example Path", Courses: []string{fixture.ExampleSlug}}}
		acme.Progress = []fixture.Progress{
			{Who: "ana@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed},
			{Who: "bo@acme.test", Course: fixture.ExampleSlug, Step: fixture.Failed, Due: &due},
			{Who: "cy@acme.test", Course: fixture.ExampleSlug},
		}
	})
	p := reportPortal{s: s, tenantID: acme.ID, course: acme.Courses[fixture.ExampleSlug], pathID: acme.Paths["example-path"].ID, sales: acme.Groups["Sales"].ID,
		ana: acme.Person(t, "ana@acme.test").ID, bo: acme.Person(t, "bo@acme.test").ID}
	// Ana took the path too (a Spec's progress is in courses): it is
	// complete at once, her course being complete.
	if err := postgres.NewPathService(s.db).StartPath(context.Background(), acme.ID, p.ana, p.pathID); err != nil {
		t.Fatal(err)
	}
	return p
}

func figures(p page) map[string]string {
	out := map[string]string{}
	p.doc.Find(`[data-testid^="figure-"]`).Each(func(_ int, s *goquery.Selection) {
		key, _ := s.Attr("data-testid")
		out[strings.TrimPrefix(key, "figure-")] = strings.TrimSpace(s.Text())
	})
	return out
}

// tableText is a table's body, a row a line and cells joined by "|".
func tableText(p page, id string) string {
	var rows []string
	p.doc.Find(`table[data-testid="` + id + `"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		var cells []string
		tr.Find("td").Each(func(_ int, td *goquery.Selection) {
			cells = append(cells, strings.Join(strings.Fields(td.Text()), " "))
		})
		rows = append(rows, strings.Join(cells, "|"))
	})
	return strings.Join(rows, "\n")
}

func TestReports_TheAdminReadsFiguresChartsAndTables(t *testing.T) {
	t.Parallel()
	rp := newReportPortal(t)
	admin := adminClient(t, rp.s)
	today := time.Now().UTC().Format(time.DateOnly)

	if href, _ := admin.get("/admin").doc.Find(`[data-testid="reports-link"]`).Attr("href"); href != "/admin/reports" {
		t.Errorf("the admin home links the reports at %q", href)
	}
	learnersPage := admin.get("/admin/courses/" + strconv.FormatInt(rp.course.ID, 10) + "/learners")
	if href, _ := learnersPage.doc.Find(`[data-testid="course-report-link"]`).Attr("href"); href != "/admin/reports/courses/"+strconv.FormatInt(rp.course.ID, 10) {
		t.Errorf("the course's learners page links its report at %q", href)
	}

	overview := admin.get("/admin/reports")
	if overview.status != http.StatusOK {
		t.Fatalf("overview: %d", overview.status)
	}
	// Three enrolments, Ana's completed, Bo's overdue; best scores 100 and
	// 0; all three were active today.
	want := map[string]string{"active7": "3", "active30": "3", "enrolments": "3", "completions": "1",
		"completion-rate": "33.3%", "average-score": "50.0%", "overdue": "1"}
	if got := figures(overview); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("figures\n got %v\nwant %v", got, want)
	}
	if got := tableText(overview, "states"); got != "Completed|1\nOverdue|1\nIn progress|0\nNot started|1" {
		t.Errorf("states table:\n%s", got)
	}
	if got := tableText(overview, "courses"); got != rp.course.Title+"|3|1|33.3%|1|50.0%" {
		t.Errorf("courses table: %s", got)
	}
	if got := tableText(overview, "paths"); got != "Example Path|1|1|100.0%" {
		t.Errorf("paths table: %s", got)
	}

	t.Run("ChartsAreAccessibleSVGBesideTheirNumbers", func(t *testing.T) {
		for _, id := range []string{"completions-chart", "states-chart"} {
			svg := overview.doc.Find(`svg[data-testid="` + id + `"]`)
			if svg.Length() != 1 || svg.AttrOr("role", "") != "img" {
				t.Fatalf("%s: no SVG image", id)
			}
			title := svg.ChildrenFiltered("title")
			if title.Length() != 1 || strings.TrimSpace(title.Text()) == "" || !strings.Contains(svg.AttrOr("aria-labelledby", ""), title.AttrOr("id", "?")) {
				t.Errorf("%s: its title does not label it", id)
			}
			if svg.Parent().Find("table").Length() != 1 {
				t.Errorf("%s: no table beside the chart", id)
			}
		}
		// The last 30 days, a bar a day; today's holds the completion.
		bars := overview.doc.Find(`svg[data-testid="completions-chart"] rect.bar`)
		rows := overview.doc.Find(`table[data-testid="completions"] tbody tr`)
		if bars.Length() != 30 || rows.Length() != 30 || strings.TrimSpace(rows.Last().Find("td").Last().Text()) != "1" {
			t.Errorf("%d bars and %d rows, want 30 ending with today's completion", bars.Length(), rows.Length())
		}
		if desc := overview.doc.Find(`svg[data-testid="states-chart"] desc`).Text(); desc != "Of 3 enrolments: 1 completed, 1 overdue, 0 in progress, 1 not started." {
			t.Errorf("status chart description %q", desc)
		}
	})

	t.Run("TheGroupAndDatesChangeTheFigures", func(t *testing.T) {
		sales := admin.get("/admin/reports?group=" + strconv.FormatInt(rp.sales, 10))
		want := map[string]string{"active7": "2", "active30": "2", "enrolments": "2", "completions": "1",
			"completion-rate": "50.0%", "average-score": "50.0%", "overdue": "1"}
		if got := figures(sales); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Sales\n got %v\nwant %v", got, want)
		}
		if sel := sales.doc.Find(`select[name="group"] option[selected]`).Text(); sel != "Sales" {
			t.Errorf("the group select shows %q", sel)
		}
		csvLink, _ := sales.doc.Find(`[data-testid="courses-csv"]`).Attr("href")
		if csvLink != "/admin/reports/courses.csv?group="+strconv.FormatInt(rp.sales, 10) {
			t.Errorf("the CSV link drops the filter: %q", csvLink)
		}
		tomorrow := time.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
		later := admin.get("/admin/reports?from=" + tomorrow)
		if got := figures(later); got["enrolments"] != "0" || got["completions"] != "0" || got["completion-rate"] != "–" || got["average-score"] != "–" || got["active7"] != "3" {
			t.Errorf("from tomorrow: %v", got)
		}
		if got := figures(admin.get("/admin/reports?from=" + today + "&to=" + today)); got["enrolments"] != "3" || got["completions"] != "1" {
			t.Errorf("today only: %v", got)
		}
	})

	t.Run("ABadFilterIsShownAtItsField", func(t *testing.T) {
		p := admin.get("/admin/reports?from=yesterday&to=" + today)
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-from"]`) == "" || p.doc.Find(`[data-testid="figures"]`).Length() != 0 {
			t.Errorf("a bad date: %d %q", p.status, p.text(`[data-testid="error-from"]`))
		}
		if p := admin.get("/admin/reports?group=999999"); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-group"]`) == "" {
			t.Errorf("an unknown group: %d", p.status)
		}
	})

	courseReport := "/admin/reports/courses/" + strconv.FormatInt(rp.course.ID, 10)
	t.Run("CourseReport", func(t *testing.T) {
		p := admin.get(courseReport)
		if p.status != http.StatusOK || p.text(`[data-testid="report-heading"]`) != rp.course.Title {
			t.Fatalf("course report: %d %q", p.status, p.text(`[data-testid="report-heading"]`))
		}
		learners := strings.Split(tableText(p, "learners"), "\n")
		if len(learners) != 3 || !strings.HasPrefix(learners[0], "Ana ana@acme.test|Completed|100%|100.0%|") ||
			!strings.HasPrefix(learners[1], "Bo bo@acme.test|Overdue|50%|0.0%|") || !strings.HasPrefix(learners[2], "Cy cy@acme.test|Not started|0%|–|") {
			t.Errorf("learners:\n%s", strings.Join(learners, "\n"))
		}
		// First tries: Ana right on both, Bo wrong on both.
		questions := strings.Split(tableText(p, "questions"), "\n")
		if len(questions) != 2 || !strings.HasSuffix(questions[0], "|2|1|50.0%") || !strings.HasSuffix(questions[1], "|2|1|50.0%") {
			t.Errorf("questions:\n%s", strings.Join(questions, "\n"))
		}
		ana, _ := p.doc.Find(`table[data-testid="learners"] a`).First().Attr("href")
		if ana != "/admin/reports/learners/"+strconv.FormatInt(rp.ana, 10) {
			t.Errorf("Ana's link %q", ana)
		}
		sales := admin.get(courseReport + "?group=" + strconv.FormatInt(rp.sales, 10))
		if n := sales.doc.Find(`table[data-testid="learners"] tbody tr`).Length(); n != 2 || figures(sales)["completion-rate"] != "50.0%" {
			t.Errorf("Sales on the course: %d learners, %v", n, figures(sales))
		}
	})

	t.Run("LearnerReport", func(t *testing.T) {
		p := admin.get("/admin/reports/learners/" + strconv.FormatInt(rp.ana, 10))
		if p.status != http.StatusOK || p.text(`[data-testid="report-heading"]`) != "Ana" || p.doc.Find(`select[name="group"]`).Length() != 0 {
			t.Fatalf("learner report: %d", p.status)
		}
		if got := tableText(p, "courses"); !strings.HasPrefix(got, rp.course.Title+"|Completed|100%|100.0%|") {
			t.Errorf("Ana's courses: %s", got)
		}
		if got := tableText(p, "quizzes"); !strings.Contains(got, "|1|1|100%|Passed|") {
			t.Errorf("Ana's quizzes: %s", got)
		}
		if got := tableText(p, "paths"); !strings.HasPrefix(got, "Example Path|1 of 1|100.0%|") {
			t.Errorf("Ana's paths: %s", got)
		}
	})

	t.Run("PathReport", func(t *testing.T) {
		p := admin.get("/admin/reports/paths/" + strconv.FormatInt(rp.pathID, 10))
		want := map[string]string{"learners": "1", "completed": "1", "completion-rate": "100.0%"}
		if got := figures(p); p.status != http.StatusOK || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("path figures %d %v", p.status, got)
		}
		if got := tableText(p, "steps"); got != "1|"+rp.course.Title+"|1|1|100.0%" {
			t.Errorf("steps: %s", got)
		}
		if got := tableText(p, "learners"); !strings.HasPrefix(got, "Ana ana@acme.test|Completed|1 of 1|100.0%|") {
			t.Errorf("path learners: %s", got)
		}
	})

	t.Run("EveryTableDownloads", func(t *testing.T) {
		for _, page := range []string{"/admin/reports", courseReport, "/admin/reports/learners/" + strconv.FormatInt(rp.ana, 10), "/admin/reports/paths/" + strconv.FormatInt(rp.pathID, 10)} {
			p := admin.get(page)
			links := p.doc.Find(`a[data-testid$="-csv"]`)
			if links.Length() < 3 {
				t.Errorf("%s: %d CSV links", page, links.Length())
			}
			links.Each(func(_ int, a *goquery.Selection) {
				href, _ := a.Attr("href")
				res, body := admin.raw(href)
				records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
				if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || err != nil || len(records) < 2 {
					t.Errorf("%s: %d %s, %d records, %v", href, res.StatusCode, res.Header.Get("Content-Type"), len(records), err)
				}
			})
		}
		_, body := admin.raw(courseReport + "/summary.csv")
		if !strings.Contains(string(body), "Completion rate (%),33.3\r\n") {
			t.Errorf("the course's figures as CSV:\n%s", body)
		}
	})

	t.Run("OnlyAdminsReadReports", func(t *testing.T) {
		ana := newClient(t, rp.s, "acme.localhost")
		signIn(ana, "ana@acme.test", goodPassword)
		for _, path := range []string{"/admin/reports", courseReport, courseReport + "/learners.csv"} {
			if p := ana.get(path); p.status != http.StatusForbidden {
				t.Errorf("a learner on %s: %d", path, p.status)
			}
		}
	})
}

// A course of 5,000 learners: its report runs one statement per table
// (as for a course of three), lists the first 500 learners, and its CSV
// streams all 5,000 rows, quoted as RFC 4180 says and with formulas
// neutralised.
func TestReports_ACourseOf5000LearnersRendersInOneStatementPerTableAndStreamsItsCSV(t *testing.T) {
	t.Parallel()
	counter := &postgres.QueryCounter{}
	s := startServer(t, nil, counter)
	ctx := context.Background()
	acme := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme", People: []fixture.Person{bossOfAcme},
		Courses: []fixture.Course{{}, {Slug: "big", Title: "A Course Everyone Takes"}}})
	small, big := acme.Courses[fixture.ExampleSlug], acme.Courses["big"]
	quizKey := ""
	for _, b := range small.Draft.Modules[1].Lessons[0].Blocks {
		if b.Kind == course.KindQuiz {
			quizKey = b.Key
		}
	}
	// Learners, their enrolments and a first try at the quiz, inserted in
	// a few statements; two of them have names a spreadsheet would choke on.
	enrolMany := func(courseID int64, from, to int) {
		t.Helper()
		err := s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			if _, err := tx.Exec(ctx, `
				INSERT INTO users (tenant_id, email, name)
				SELECT current_tenant_id(), 'learner' || n || '@acme.test',
					CASE n WHEN 1 THEN '=cmd|'' /C calc''!A0' WHEN 2 THEN 'Doe, "Jo"' ELSE 'Learner ' || lpad(n::text, 5, '0') END
				FROM generate_series($1::int, $2::int) n
				ON CONFLICT DO NOTHING`, from, to); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO enrolments (tenant_id, course_id, user_id, version, source, enrolled_at, started_at, first_access_at, percent)
				SELECT current_tenant_id(), $1, u.id, 1, 'self', now(), now(), now(), 50
				FROM users u WHERE u.tenant_id = current_tenant_id() AND u.email LIKE 'learner%'
					AND substring(u.email from '[0-9]+')::int BETWEEN $2 AND $3`, courseID, from, to); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `
				INSERT INTO quiz_attempts (tenant_id, enrolment_id, attempt, block_key, number, answers, score, passed, submitted_at)
				SELECT current_tenant_id(), e.id, 1, $2, 1, CASE WHEN e.id % 4 = 0 THEN '[[0],[1]]'::jsonb ELSE '[[1],[1]]'::jsonb END,
					CASE WHEN e.id % 4 = 0 THEN 100 ELSE 50 END, true, now()
				FROM enrolments e WHERE e.tenant_id = current_tenant_id() AND e.course_id = $1`, courseID, quizKey)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	enrolMany(small.ID, 1, 3)
	enrolMany(big.ID, 1, 5000)
	admin := newClient(t, s, "acme.localhost")
	signIn(admin, "boss@acme.test", goodPassword)

	statements := func(path string) (int64, page) {
		t.Helper()
		admin.get(path) // warm: the session, the statement cache
		before := counter.Count()
		p := admin.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		return counter.Count() - before, p
	}
	frame, _ := statements("/admin/users/import") // signing in, the session, the portal: what every admin page costs
	few, _ := statements("/admin/reports/courses/" + strconv.FormatInt(small.ID, 10))
	many, p := statements("/admin/reports/courses/" + strconv.FormatInt(big.ID, 10))
	// The report's own: begin with the tenant, JIT off, the course's
	// title, the groups for the filter, commit; and one per table: the
	// figures, the learners, the questions.
	const setUp, tables = 5, 3
	t.Logf("statements: %d for the page frame, %d for a course of 3, %d for a course of 5,000", frame, few, many)
	if many != few || many != frame+setUp+tables {
		t.Errorf("the report ran %d statements for 5,000 learners and %d for 3; want %d for both (%d for the frame, %d to set up, one per table)",
			many, few, frame+setUp+tables, frame, setUp)
	}
	if n := p.doc.Find(`table[data-testid="learners"] tbody tr`).Length(); n != 500 || !strings.Contains(p.doc.Text(), "The first 500 of 5000 learners") {
		t.Errorf("the page lists %d learners", n)
	}
	if got := figures(p)["enrolments"]; got != "5000" {
		t.Errorf("enrolments figure %q", got)
	}
	if got := tableText(p, "questions"); !strings.HasSuffix(strings.Split(got, "\n")[0], "|5000|1250|25.0%") {
		t.Errorf("questions: %s", got)
	}

	if p := admin.get("/admin/reports"); p.status != http.StatusOK || figures(p)["enrolments"] != "5003" {
		t.Errorf("the overview of 5,003 enrolments: %d %v", p.status, figures(p))
	}

	csvURL := "/admin/reports/courses/" + strconv.FormatInt(big.ID, 10) + "/learners.csv"
	before := counter.Count()
	res, body := admin.raw(csvURL)
	if res.StatusCode != http.StatusOK || res.ContentLength != -1 || len(res.TransferEncoding) != 1 || res.TransferEncoding[0] != "chunked" {
		t.Fatalf("CSV: %d, length %d, transfer encoding %v; want it sent in chunks as it streams", res.StatusCode, res.ContentLength, res.TransferEncoding)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != fmt.Sprintf(`attachment; filename="course-%d-learners.csv"`, big.ID) {
		t.Errorf("Content-Disposition %q", cd)
	}
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 5001 || records[0][0] != "User ID" || records[0][1] != "Name" {
		t.Fatalf("%d records, header %v", len(records), records[0])
	}
	names := map[string]bool{}
	for _, r := range records[1:] {
		names[r[1]] = true
	}
	if !names[`'=cmd|' /C calc'!A0`] || names[`=cmd|' /C calc'!A0`] {
		t.Error("a name starting with = was not neutralised")
	}
	if !names[`Doe, "Jo"`] || !bytes.Contains(body, []byte(`,"Doe, ""Jo""",`)) {
		t.Error(`"Doe, "Jo"" is not quoted as RFC 4180 says`)
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Count(body, []byte("\r\n")) != 5001 {
		t.Error("records do not end with CRLF")
	}
	// The course looked up (begin with the tenant, title, commit), then
	// the stream (begin with the tenant, JIT off, the learners, commit).
	if n := counter.Count() - before; n != frame+3+4 {
		t.Errorf("the CSV ran %d statements", n)
	}

	// More downloads at once than the pool has connections, each holding
	// one for its stream and saving its session (touched: the clock has
	// moved on) as it writes its first byte: every one finishes.
	t.Run("FortyDownloadsAtOnceAllFinish", func(t *testing.T) {
		later := time.Now().Add(time.Hour)
		s.db.Now = func() time.Time { return later }
		t.Cleanup(func() { s.db.Now = time.Now })
		const downloads = 40
		lines := make(chan int, downloads)
		var wg sync.WaitGroup
		for range downloads {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, admin.base+csvURL, nil)
				res, err := admin.hc.Do(req)
				if err != nil {
					lines <- -1
					return
				}
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				if err != nil {
					lines <- -1
					return
				}
				lines <- bytes.Count(b, []byte("\r\n"))
			})
		}
		wg.Wait()
		close(lines)
		for n := range lines {
			if n != 5001 {
				t.Errorf("a download ended after %d lines, want 5001", n)
			}
		}
	})

	t.Run("AnotherPortalsCourseIsNotFound", func(t *testing.T) {
		fixture.Build(t, s.db, fixture.Spec{Slug: "globex", Name: "Globex",
			People: []fixture.Person{{Email: "boss@globex.test", Name: "Globex Boss", Roles: []user.Role{user.Admin}}}})
		g := newClient(t, s, "globex.localhost")
		signIn(g, "boss@globex.test", goodPassword)
		for _, path := range []string{"/admin/reports/courses/" + strconv.FormatInt(big.ID, 10), csvURL} {
			if p := g.get(path); p.status != http.StatusNotFound || strings.Contains(p.doc.Text(), "Learner 00003") {
				t.Errorf("%s from globex: %d", path, p.status)
			}
		}
		if p := g.get("/admin/reports/courses/" + strconv.FormatInt(big.ID, 10) + "?" + url.Values{"from": {"x"}}.Encode()); p.status != http.StatusNotFound && p.status != http.StatusUnprocessableEntity {
			t.Errorf("a bad filter on another portal's course: %d", p.status)
		}
	})
}
