package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/user"
)

// An administrator uploads a spreadsheet's CSV (a byte order mark, CRLF
// line ends, a quoted comma, one line naming a group the portal lacks),
// reads the preview, and imports the valid lines: the file makes the round
// trip through the browser's hidden field intact.
func TestJourney_AdminImportsPeopleFromACSVFile(t *testing.T) {
	t.Parallel()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning",
		People: []fixture.Person{{Email: "admin@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin}}},
		Groups: []fixture.Group{{Name: "Sales"}}})
	file := filepath.Join(t.TempDir(), "people.csv")
	csv := "\xEF\xBB\xBFemail,name,roles,groups,manager_email\r\n" +
		"amara@acme.test,Amara Okafor,learner;instructor,Sales,\r\n" +
		"li@acme.test,\"Wei, Li\",,Sales,amara@acme.test\r\n" +
		"jo@acme.test,Jo Smith,,Marketing,\r\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}

	b := browsertest.NewBrowser(t)
	portal := srv.PortalURL("acme")
	signIn(b, portal+"/login", "admin@acme.test")
	b.Visit(portal + "/admin/users")
	// Each click leads to a new page: afterReload waits for it, so that
	// what follows reads the new page and not a node of the old one.
	afterReload(t, b, chromedp.Click(chromedp.CSS(`[data-testid="import-link"]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-example"]`)))
	b.CheckAccessibility()
	b.Do(chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	afterReload(t, b, chromedp.Click(chromedp.CSS(`form[action="/admin/users/import"] button[type="submit"]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="import-summary"]`)))
	b.CheckAccessibility()
	b.Screenshot("users-import-preview")
	if got := b.Text(`[data-testid="import-summary"]`); !strings.Contains(got, "2 valid, 1 with problems") {
		t.Errorf("summary %q", got)
	}
	if got := b.Text(`tr[data-line="4"] ul.problems`); !strings.Contains(got, "no group called “Marketing”") {
		t.Errorf("line 4: %q", got)
	}
	afterReload(t, b, chromedp.Click(chromedp.CSS(`button[name="mode"][value="valid"]`)))
	b.Do(chromedp.WaitVisible(chromedp.CSS(`[data-testid="notice"]`)))
	if got := b.Text(`[data-testid="notice"]`); got != "Imported 2 people; invitations are on their way." {
		t.Errorf("notice %q", got)
	}
	users, err := srv.Main.Users.FindUsers(ctx, acme.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range users {
		if u.Status == user.Invited {
			names = append(names, u.Name)
		}
	}
	if strings.Join(names, "|") != "Amara Okafor|Wei, Li" {
		t.Errorf("invited %q", names)
	}
}
