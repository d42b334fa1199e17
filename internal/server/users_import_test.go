package server_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// postMultipart posts a multipart form without a file, as a browser sends
// a form with enctype="multipart/form-data", with the CSRF token.
func (c *client) postMultipart(path string, fields url.Values) page {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", c.csrf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// importForm is what the preview's import button posts: the carried file,
// the count shown and the button's mode.
func importForm(t *testing.T, p page) url.Values {
	t.Helper()
	form := p.doc.Find(`[data-testid="import-form"]`)
	if form.Length() != 1 {
		t.Fatalf("the preview offers no import (status %d): %s", p.status, p.text(`[data-testid="import-summary"]`))
	}
	csv, _ := form.Find(`input[name="csv"]`).Attr("value")
	count, _ := form.Find(`input[name="count"]`).Attr("value")
	mode, _ := form.Find(`button[name="mode"]`).Attr("value")
	return url.Values{"csv": {csv}, "count": {count}, "mode": {mode}}
}

// acmePeople counts acme's accounts and returns the invited ones by address.
func acmePeople(t *testing.T, s *testServer, acmeID int64) (int, map[string]int64) {
	t.Helper()
	users, err := s.main.Users.FindUsers(context.Background(), acmeID, 10000)
	if err != nil {
		t.Fatal(err)
	}
	invited := map[string]int64{}
	for _, u := range users {
		if u.Status == "invited" {
			invited[u.Email] = u.ID
		}
	}
	return len(users), invited
}

func TestAdmin_ImportsAThousandPeopleFromACSVFile(t *testing.T) {
	t.Parallel()
	// Sales has a course assigned, which Ana takes: one of five seats used.
	s, acme, _ := twoPortals(t, withAdmin, withExample, func(acme, globex *fixture.Spec) {
		acme.Groups = []fixture.Group{{Name: "Sales", Members: []string{"ana@acme.test"}}, {Name: "Support"}}
		globex.Groups = []fixture.Group{{Name: "Globex Secret Group"}}
	})
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	admin := adminClient(t, s) // boss@acme.test: with Ana, two people
	sales, rec := acme.Groups["Sales"], acme.Courses[fixture.ExampleSlug]
	// Assigned to the group, the course reaches whoever joins it: not a Spec's.
	if _, err := postgres.NewLearningService(s.db).Assign(ctx, acme.ID, postgres.Assignment{CourseID: rec.ID, GroupID: sales.ID}, by); err != nil {
		t.Fatal(err)
	}
	// The seats: not a Spec's.
	acme.SeatLimit = 5
	if _, err := s.main.Tenants.UpdateTenant(ctx, acme.Tenant, by); err != nil {
		t.Fatal(err)
	}

	// A thousand people, one per line after the header (person i on line
	// i+1), in Support unless said otherwise; a BOM and CRLF line ends as
	// a spreadsheet writes them.
	address := func(i int) string { return fmt.Sprintf("p%04d@acme.test", i) }
	bad := map[int]string{ // line -> the problem it must show
		100:  "also on line 101",
		101:  "also on line 100",
		201:  "is not an e-mail address",
		301:  "no group called “Globex Secret Group”",
		401:  "already has an account here",
		901:  "Too many seats",
		1001: "Too many seats",
	}
	var b strings.Builder
	b.WriteString("\xEF\xBB\xBFemail,name,roles,groups,manager_email\r\n")
	for i := 1; i <= 1000; i++ {
		email, name, roles, group, manager := address(i), fmt.Sprintf("Person %d", i), "", "Support", ""
		if i%10 == 0 {
			name = fmt.Sprintf(`"Person, %d"`, i) // a quoted comma
		}
		if i%50 == 0 {
			manager = address(i - 1)
		}
		switch i {
		case 3:
			roles = "learner;instructor"
		case 7:
			manager = address(500) // a later line
		case 100:
			email = address(99)
		case 200:
			email = "p0200-at-acme.test"
		case 300:
			group = "Globex Secret Group"
		case 400:
			email = "ana@acme.test"
		case 500, 600, 700, 800, 900, 1000:
			group = "Sales" // four seats free: the last two are too many
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s\r\n", email, name, roles, group, manager)
	}
	b.WriteString("\r\n")
	csv := []byte(b.String())
	valid := 1000 - len(bad)

	users0, _ := acmePeople(t, s, acme.ID)
	if link := admin.get("/admin/users").doc.Find(`a[href="/admin/users/import"]`); link.Length() != 1 {
		t.Error("the people page has no link to the import")
	}
	form := admin.get("/admin/users/import")
	if form.status != http.StatusOK || !strings.Contains(form.text(`[data-testid="import-example"]`), "email,name,roles,groups,manager_email") {
		t.Fatalf("import page: %d, example %q", form.status, form.text(`[data-testid="import-example"]`))
	}

	preview := admin.upload("/admin/users/import", "file", "people.csv", csv)
	if preview.status != http.StatusOK {
		t.Fatalf("preview: %d %s %s", preview.status, preview.text(`[data-testid="error-file"]`), preview.text(`[data-testid="form-error"]`))
	}
	t.Run("ThePreviewReportsEachBadLineByItsNumber", func(t *testing.T) {
		summary := preview.text(`[data-testid="import-summary"]`)
		if !strings.Contains(summary, fmt.Sprintf("%d valid, %d with problems", valid, len(bad))) {
			t.Errorf("summary %q", summary)
		}
		rows := preview.doc.Find(`[data-testid="import-rows"] tbody tr`)
		if rows.Length() != 1000 {
			t.Errorf("%d rows in the preview, want 1000", rows.Length())
		}
		for line, want := range bad {
			row := preview.doc.Find(fmt.Sprintf(`[data-testid="import-rows"] tr[data-line="%d"]`, line))
			if row.AttrOr("data-ok", "") != "false" || !strings.Contains(row.Find("ul.problems").Text(), want) {
				t.Errorf("line %d: %q, want a problem saying %q", line, strings.Join(strings.Fields(row.Text()), " "), want)
			}
		}
		if n := rows.Filter(`[data-ok="false"]`).Length(); n != len(bad) {
			t.Errorf("%d lines with problems, want %d", n, len(bad))
		}
		if !strings.Contains(preview.text(`[data-testid="import-rows"] tr[data-line="901"] ul.problems`), "limit of 5 seats") {
			t.Errorf("the seat problem does not name the limit: %q", preview.text(`tr[data-line="901"] ul.problems`))
		}
		if got := preview.text(`tr[data-line="11"] td:nth-of-type(2)`); got != "Person, 10" {
			t.Errorf("a quoted name reads %q", got)
		}
		if preview.doc.Find(`button[name="mode"][value="all"]`).Length() != 0 {
			t.Error("importing everything is offered though lines have problems")
		}
		if got := preview.text(`button[name="mode"][value="valid"]`); got != fmt.Sprintf("Import the %d valid rows", valid) {
			t.Errorf("button %q", got)
		}
	})
	t.Run("NothingIsImportedByThePreview", func(t *testing.T) {
		if n, invited := acmePeople(t, s, acme.ID); n != users0 || len(invited) != 0 {
			t.Errorf("%d people and %d invited after the preview, want %d and none", n, len(invited), users0)
		}
	})
	carried := importForm(t, preview)
	t.Run("ImportingEverythingIsRefusedWhileALineIsBad", func(t *testing.T) {
		forged := url.Values{"csv": carried["csv"], "count": carried["count"], "mode": {"all"}}
		p := admin.postMultipart("/admin/users/import/confirm", forged)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="form-error"]`), "nothing was imported") {
			t.Errorf("import all: %d %q", p.status, p.text(`[data-testid="form-error"]`))
		}
		if p.doc.Find(`tr[data-line="201"][data-ok="false"]`).Length() != 1 {
			t.Error("the refusal does not show the lines again")
		}
		if n, invited := acmePeople(t, s, acme.ID); n != users0 || len(invited) != 0 {
			t.Errorf("%d people and %d invited after a refused import", n, len(invited))
		}
	})

	admin.get("/admin/users/import")
	p := admin.postMultipart("/admin/users/import/confirm", carried)
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/admin/users" {
		t.Fatalf("import the valid rows: %d %q", p.status, p.text(`[data-testid="form-error"]`))
	}
	if notice := admin.get("/admin/users").text(`[data-testid="notice"]`); notice != fmt.Sprintf("Imported %d people; invitations are on their way.", valid) {
		t.Errorf("notice %q", notice)
	}

	t.Run("ExactlyTheValidLinesAreImported", func(t *testing.T) {
		n, invited := acmePeople(t, s, acme.ID)
		if n != users0+valid || len(invited) != valid {
			t.Fatalf("%d people, %d invited; want %d and %d", n, len(invited), users0+valid, valid)
		}
		for i := 1; i <= 1000; i++ {
			_, in := invited[address(i)]
			if want := bad[i+1] == ""; in != want {
				t.Errorf("%s (line %d) imported: %v, want %v", address(i), i+1, in, want)
			}
		}
		var roles []string
		var manager7, manager50 int64
		var support, salesMembers, mails, jobs int
		addresses := make([]string, 0, len(invited))
		for a := range invited {
			addresses = append(addresses, a)
		}
		err := s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			if err := tx.QueryRow(ctx, `SELECT roles FROM users WHERE email = $1`, address(3)).Scan(&roles); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT manager_id FROM users WHERE email = $1`, address(7)).Scan(&manager7); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT manager_id FROM users WHERE email = $1`, address(50)).Scan(&manager50); err != nil {
				return err
			}
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM group_members m JOIN groups g ON g.tenant_id = m.tenant_id AND g.id = m.group_id WHERE g.name = 'Support'`).Scan(&support); err != nil {
				return err
			}
			return tx.QueryRow(ctx, `SELECT count(*) FROM group_members WHERE group_id = $1`, sales.ID).Scan(&salesMembers)
		})
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(roles, ",") != "learner,instructor" {
			t.Errorf("roles of line 4: %v", roles)
		}
		if manager7 != invited[address(500)] || manager50 != invited[address(49)] {
			t.Errorf("managers: line 8 has %d (want %d), line 51 has %d (want %d)", manager7, invited[address(500)], manager50, invited[address(49)])
		}
		if support != valid-4 || salesMembers != 1+4 {
			t.Errorf("Support has %d members (want %d), Sales %d (want 5)", support, valid-4, salesMembers)
		}
		owner := ownerConn(t, s)
		if _, err := owner.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE slug = 'acme'), false)`); err != nil {
			t.Fatal(err)
		}
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM mail_outbox WHERE to_address = ANY($1) AND subject = 'You are invited to Acme'`, addresses).Scan(&mails); err != nil {
			t.Fatal(err)
		}
		if err := owner.QueryRow(ctx, `SELECT count(*) FROM river_job j JOIN mail_outbox m ON m.id = (j.args->>'outbox_id')::bigint
			WHERE j.kind = 'mail.deliver' AND m.to_address = ANY($1)`, addresses).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if mails != valid || jobs != valid {
			t.Errorf("%d invitations queued with %d delivery jobs, want %d", mails, jobs, valid)
		}
		var detail string
		if err := s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT detail::text FROM audit_events WHERE tenant_id = $1 AND action = 'user.import'`, acme.ID).Scan(&detail)
		}); err != nil {
			t.Fatalf("no audit event: %v", err)
		}
		if !strings.Contains(detail, `"invited": `+strconv.Itoa(valid)) || !strings.Contains(detail, `"left_out": `+strconv.Itoa(len(bad))) {
			t.Errorf("audit detail %s", detail)
		}
	})
	t.Run("AnImportedPersonAcceptsTheirInvitation", func(t *testing.T) {
		// The file's last valid line: its mail is among the newest.
		link := mailedLink(t, s, address(999), "/invitations/accept")
		token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/invitations/accept?token="))
		newcomer := newClient(t, s, "acme.localhost")
		newcomer.get(link)
		if p := newcomer.post("/invitations/accept", url.Values{"token": {token}, "name": {"Person 999"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
			t.Fatalf("accept: %d", p.status)
		}
		if got := newcomer.get("/account").text(`[data-testid="account-email"]`); got != address(999) {
			t.Errorf("signed in as %q", got)
		}
	})
	t.Run("TheSameFileAgainImportsNoOne", func(t *testing.T) {
		// Lines 901 and 1001 are new still, but the seats left are kept for
		// the four invited into Sales.
		admin.get("/admin/users/import")
		again := admin.upload("/admin/users/import", "file", "people.csv", csv)
		if again.doc.Find(`[data-testid="import-form"]`).Length() != 0 || again.doc.Find(`[data-testid="import-none"]`).Length() != 1 {
			t.Errorf("the same file again offers an import: %s", again.text(`[data-testid="import-summary"]`))
		}
		if got := again.text(`tr[data-line="1001"] ul.problems`); !strings.Contains(got, "4 kept for people invited earlier") {
			t.Errorf("line 1001: %q", got)
		}
	})
}

func TestAdmin_ImportChecksTheCarriedFileAgain(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	good := "email,name\nann@acme.test,Ann\nben@acme.test,Ben\ncat@acme.test,Cat\n"
	admin.get("/admin/users/import")
	preview := admin.upload("/admin/users/import", "file", "people.csv", []byte(good))
	carried := importForm(t, preview)
	if carried.Get("mode") != "all" || preview.text(`button[name="mode"]`) != "Import all 3 people" {
		t.Fatalf("a clean file offers %q (%s)", preview.text(`button[name="mode"]`), carried.Get("mode"))
	}
	users0, _ := acmePeople(t, s, acme.ID)
	nothingImported := func(t *testing.T) {
		t.Helper()
		if n, invited := acmePeople(t, s, acme.ID); n != users0 || len(invited) != 0 {
			t.Errorf("%d people, %d invited: something was imported", n, len(invited))
		}
	}

	t.Run("ABadLineSlippedIntoTheHiddenFileIsCaught", func(t *testing.T) {
		tampered := url.Values{"csv": {good + "ana@acme.test,Ana Again\n"}, "count": {"4"}, "mode": {"all"}}
		p := admin.postMultipart("/admin/users/import/confirm", tampered)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`tr[data-line="5"] ul.problems`), "already has an account") {
			t.Errorf("status %d, line 5: %q", p.status, p.text(`tr[data-line="5"] ul.problems`))
		}
		nothingImported(t)
	})
	t.Run("AFileThatNoLongerMatchesThePreviewIsShownAgain", func(t *testing.T) {
		tampered := url.Values{"csv": {good + "dan@acme.test,Dan\n"}, "count": carried["count"], "mode": {"valid"}}
		p := admin.postMultipart("/admin/users/import/confirm", tampered)
		if p.status != http.StatusConflict || !strings.Contains(p.text(`[data-testid="form-error"]`), "checked again") {
			t.Errorf("status %d, %q", p.status, p.text(`[data-testid="form-error"]`))
		}
		if p.doc.Find(`[data-testid="import-rows"] tbody tr`).Length() != 4 {
			t.Error("the lines as checked now are not shown")
		}
		nothingImported(t)
	})
	t.Run("AnUnreadableFileIsRefused", func(t *testing.T) {
		for _, csv := range []string{"", "not,a,header\nx,y,z\n", "email,name\n\"unclosed,Ann\n"} {
			p := admin.postMultipart("/admin/users/import/confirm", url.Values{"csv": {csv}, "count": {"1"}, "mode": {"valid"}})
			if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-file"]`) == "" {
				t.Errorf("%q: status %d", csv, p.status)
			}
		}
		nothingImported(t)
	})
	t.Run("AnAddressTakenSinceThePreviewIsCaught", func(t *testing.T) {
		admin.get("/admin/users")
		if p := admin.post("/admin/users/invite", url.Values{"name": {"Ben"}, "email": {"BEN@acme.test"}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", p.status)
		}
		admin.get("/admin/users/import")
		p := admin.postMultipart("/admin/users/import/confirm", carried)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`tr[data-line="3"] ul.problems`), "already has an account") {
			t.Errorf("status %d, line 3: %q", p.status, p.text(`tr[data-line="3"] ul.problems`))
		}
		if n, invited := acmePeople(t, s, acme.ID); n != users0+1 || len(invited) != 1 {
			t.Errorf("%d people, %d invited: want only Ben, invited by hand", n, len(invited))
		}
	})
	t.Run("LearnersCannotImport", func(t *testing.T) {
		ana := newClient(t, s, "acme.localhost")
		signIn(ana, "ana@acme.test", goodPassword)
		if p := ana.get("/admin/users/import"); p.status != http.StatusForbidden {
			t.Errorf("GET: %d", p.status)
		}
		ana.get("/learn") // a page with the session's CSRF token
		if p := ana.postMultipart("/admin/users/import/confirm", carried); p.status != http.StatusForbidden {
			t.Errorf("POST: %d", p.status)
		}
		if n, _ := acmePeople(t, s, acme.ID); n != users0+1 {
			t.Errorf("%d people after a learner's import", n)
		}
	})
}
