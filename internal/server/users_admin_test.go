package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

func TestUsers_SearchFilterAndPage(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, func(acme, _ *fixture.Spec) {
		for i := range 120 {
			role := user.Learner
			if i%10 == 0 {
				role = user.Instructor
			}
			acme.People = append(acme.People, fixture.Person{Email: fmt.Sprintf("p%03d@acme.test", i), Name: fmt.Sprintf("Person %03d", i), Roles: []user.Role{role}})
		}
	}, withAdmin)
	admin := adminClient(t, s)
	seen := map[string]bool{}
	next := "/admin/users"
	pages := 0
	for next != "" {
		p := admin.get(next)
		p.doc.Find(`[data-testid="users"] tbody tr td:nth-child(2)`).Each(func(_ int, sel *goquery.Selection) {
			if seen[sel.Text()] {
				t.Errorf("%s shown twice", sel.Text())
			}
			seen[sel.Text()] = true
		})
		next, _ = p.doc.Find(`[data-testid="next-page"]`).Attr("href")
		pages++
	}
	// 120 people, Ana and the admin: three pages of at most 50.
	if len(seen) != 122 || pages != 3 {
		t.Errorf("%d people over %d pages, want 122 over 3", len(seen), pages)
	}
	rows := func(query string) int {
		return admin.get("/admin/users?" + query).doc.Find(`[data-testid="users"] tbody tr`).Length()
	}
	for query, want := range map[string]int{
		"q=P007%40ACME":            1, // e-mail, any case
		"role=instructor":          12,
		"status=deactivated":       0,
		"q=%25":                    0, // % is only text
		"q=person&role=instructor": 12,
		"q=nobody-here":            0,
	} {
		if got := rows(query); got != want {
			t.Errorf("?%s: %d rows, want %d", query, got, want)
		}
	}
}

func TestUsers_ResetLinkExportAndErasure(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, withAdmin)
	ctx := context.Background()
	rec := acme.Courses[fixture.ExampleSlug]
	// Ana takes the course far enough to leave answers and a certificate.
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)
	ana.get("/courses/" + rec.Slug)
	lesson := ana.get(ana.post("/courses/"+rec.Slug+"/enrol", nil).header.Get("Location"))
	action, _ := lesson.doc.Find(`form.reflection-form`).Attr("action")
	ana.post(action, url.Values{"text": {"Ana's private reflection"}})
	lessonTwo := "/courses/" + rec.Slug + "/lessons/" + rec.Draft.Modules[1].Lessons[0].Key
	quiz, _ := ana.get(lessonTwo).doc.Find(`[data-testid="quiz-form"]`).Attr("action")
	ana.post(quiz, url.Values{"number": {"1"}, "q0": {"0"}, "q1": {"1"}})
	certs, _ := postgres.NewLearningService(s.db).FindCertificates(ctx, acme.ID, userID(t, s, acme.ID, "ana@acme.test"))
	if len(certs) != 1 {
		t.Fatalf("%d certificates", len(certs))
	}

	admin := adminClient(t, s)
	userPage := "/admin/users/" + fmt.Sprint(userID(t, s, acme.ID, "ana@acme.test"))
	admin.get(userPage)
	if p := admin.post(userPage+"/password-reset", nil); p.status != http.StatusSeeOther {
		t.Errorf("reset link: %d", p.status)
	}
	resets := 0
	for _, m := range storedMailTo(t, s, "ana@acme.test") {
		if strings.Contains(strings.ToLower(m.Subject), "password") {
			resets++
		}
	}
	if resets != 1 {
		t.Errorf("%d reset mails queued", resets)
	}

	res, body := admin.raw(userPage + "/export")
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		b, _ := io.ReadAll(rc)
		files[f.Name] = string(b)
	}
	for name, want := range map[string]string{
		"profile.json": "ana@acme.test", "enrolments.csv": rec.Slug, "answers.csv": "Ana's private reflection",
		"quiz_attempts.csv": "true", "certificates.csv": certs[0].Code, "learning_records.csv": "completed",
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	if strings.Contains(string(body), "boss@acme.test") {
		t.Error("the export holds someone else's data")
	}

	admin.get(userPage)
	if p := admin.post(userPage+"/erase", url.Values{"confirm": {"someone@else.test"}}); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-confirm"]`) == "" {
		t.Errorf("erase with the wrong confirmation: %d", p.status)
	}
	admin.get(userPage)
	if p := admin.post(userPage+"/erase", url.Values{"confirm": {"ANA@acme.test"}}); p.status != http.StatusSeeOther {
		t.Fatalf("erase: %d", p.status)
	}
	if ana.get("/learn").status != http.StatusSeeOther {
		t.Error("the erased person's session still works")
	}
	var leftovers int
	s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM users WHERE email = 'ana@acme.test' OR name = 'Ana')
			+ (SELECT count(*) FROM block_responses) + (SELECT count(*) FROM certificates WHERE learner_name = 'Ana')
			+ (SELECT count(*) FROM audit_events WHERE actor_label = 'ana@acme.test' OR subject = 'ana@acme.test')`).Scan(&leftovers)
	})
	if leftovers != 0 {
		t.Errorf("%d traces of Ana remain", leftovers)
	}
	again := newClient(t, s, "acme.localhost")
	if p := signIn(again, "ana@acme.test", goodPassword); p.status == http.StatusSeeOther {
		t.Error("the erased person can still sign in")
	}
	public := newClient(t, s, "localhost")
	if strings.Contains(public.get("/verify/"+certs[0].Code).doc.Text(), "Ana") {
		t.Error("the verification page still names Ana")
	}
}

func userID(t *testing.T, s *testServer, tenantID int64, email string) int64 {
	t.Helper()
	var id int64
	if err := s.db.InTenantTx(context.Background(), tenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestUsers_GroupsAreEditedFromThePersonsPage(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) { acme.Groups = []fixture.Group{{Name: "Support"}} })
	team := acme.Groups["Support"]
	admin := adminClient(t, s)
	page := "/admin/users/" + fmt.Sprint(userID(t, s, acme.ID, "ana@acme.test"))
	admin.get(page)
	if p := admin.post(page+"/groups", url.Values{"group_id": {fmt.Sprint(team.ID)}}); p.status != http.StatusSeeOther {
		t.Fatalf("join: %d", p.status)
	}
	if got := admin.get(page).text(`[data-testid="user-groups"]`); !strings.Contains(got, "Support") {
		t.Errorf("groups after joining: %q", got)
	}
	admin.post(fmt.Sprintf("%s/groups/%d/remove", page, team.ID), nil)
	if admin.get(page).doc.Find(`[data-testid="user-groups"]`).Length() != 0 {
		t.Error("still in the group after removal")
	}
}
