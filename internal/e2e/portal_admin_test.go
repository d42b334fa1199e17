package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/mail/smtptest"
	"github.com/upward-lms/upward/internal/user"
)

// A portal's day: the admin imports people from a CSV file (one of them
// reporting to a manager), assigns a path to their group; the newcomer
// accepts the mailed invitation, finds the path on their dashboard and
// completes a lesson; the admin's course report and the manager's team
// page both show it.
func TestJourney_ImportAssignLearnAndSeeItInReportsAndTheTeamPage(t *testing.T) {
	t.Parallel()
	browsertest.Long(t)
	smtp := smtptest.Start(t)
	srv := browsertest.StartServer(t, func(c *config.Config) { fixture.WithJobs(c); c.SMTPURL = smtp.URL() })
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People:  []fixture.Person{{Email: "ada@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}}, {Email: "mo@acme.test", Name: "Mo Manager"}},
		Groups:  []fixture.Group{{Name: "New managers"}},
		Courses: []fixture.Course{{}},
		Paths:   []fixture.Path{{Slug: "first-steps", Title: "First Steps", Courses: []string{fixture.ExampleSlug}}}})
	group, rec, path := acme.Groups["New managers"], acme.Courses[fixture.ExampleSlug], acme.Paths["first-steps"]
	portal := srv.PortalURL("acme")

	// The admin imports Lee, who reports to Mo, into the group.
	file := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(file, []byte("email,name,groups,manager_email\nlee@acme.test,Lee Learner,New managers,mo@acme.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	admin := browsertest.NewBrowser(t)
	signIn(admin, portal+"/login", "ada@acme.test")
	admin.Visit(portal + "/admin/users/import")
	admin.Do(
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}),
		chromedp.Click(chromedp.CSS(`form[action="/admin/users/import"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-summary"]`)),
	)
	afterReload(t, admin, chromedp.Click(chromedp.CSS(`button[name="mode"]`)))
	if got := admin.Text(`[data-testid="notice"]`); !strings.HasPrefix(got, "Imported 1 person") {
		t.Fatalf("after the import: %q", got)
	}

	// The admin assigns the path to the group, due at the end of next month.
	due := time.Now().AddDate(0, 1, 0).Format(time.DateOnly)
	admin.Visit(portal + "/admin/paths/" + strconv.FormatInt(path.ID, 10))
	admin.Do(chromedp.SetValue(chromedp.CSS("#f-group"), strconv.FormatInt(group.ID, 10)), chromedp.SetValue(chromedp.CSS("#f-due"), due))
	afterReload(t, admin, chromedp.Click(chromedp.CSS(`form[action$="/assign"] button`)))
	if got := admin.Text(`[data-testid="notice"]`); !strings.HasPrefix(got, "Assigned.") {
		t.Fatalf("after assigning: %q", got)
	}

	// Lee accepts the invitation from the mail.
	lee := acceptInvitation(t, smtp, "lee@acme.test", "Lee Learner")
	lee.Visit(portal + "/learn")
	if got := lee.Text(`[data-testid="my-paths"]`); !strings.Contains(got, "First Steps") {
		t.Fatalf("Lee's paths: %q", got)
	}
	afterReload(t, lee, chromedp.Click(chromedp.CSS(`[data-testid="my-paths"] a`)))
	afterReload(t, lee, chromedp.Click(chromedp.CSS(`[data-testid="path-steps"] form button`)))
	afterReload(t, lee, chromedp.Click(chromedp.CSS(`[data-testid="continue"]`)))
	lee.Do(typeText(chromedp.CSS("form.reflection-form textarea"), "I will ask Mo what success looks like this quarter."))
	afterReload(t, lee, chromedp.Click(chromedp.CSS(`form.reflection-form button[type="submit"]`)))
	if got := lee.Text(`[data-testid="lesson-status"]`); !strings.HasPrefix(got, "Lesson complete.") {
		t.Fatalf("the lesson: %q", got)
	}

	// The admin's course report has Lee at half way.
	admin.Visit(portal + "/admin/reports/courses/" + strconv.FormatInt(rec.ID, 10))
	if got := admin.Text(`[data-testid="learners"]`); !strings.Contains(got, "Lee Learner") || !strings.Contains(got, "50%") {
		t.Errorf("the course report's learners: %q", got)
	}
	admin.Screenshot("admin-course-report")

	// Mo sees Lee's progress on the team page.
	mo := browsertest.NewBrowser(t)
	signIn(mo, portal+"/login", "mo@acme.test")
	mo.Visit(portal + "/team")
	if got := mo.Text(`[data-testid="team-member"]`); !strings.Contains(got, "Lee Learner") || !strings.Contains(got, "50%") {
		t.Errorf("Mo's team page: %q", got)
	}
	mo.Screenshot("manager-team")
}
