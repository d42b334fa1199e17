package server_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// The tests of this file put a party in a state (suspended, deactivated)
// and check that every credential it holds stops at once.

// A reseller the operator suspends loses its console at once: the open
// session ends, signing in again is refused with the reason, and its
// clients' portals cannot be changed through it. Reinstated, it signs in.
func TestState_ASuspendedResellerLosesItsConsoleAtOnce(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s := f.s
	rae := consoleClient(t, s, "rae@northwind.test")
	op := operatorClient(t, s)
	portal := "/console/portals/" + fmt.Sprint(f.contoso.ID)
	if p := rae.get(portal); p.status != http.StatusOK {
		t.Fatalf("the client's portal before: %d", p.status)
	}
	setStatus := func(status string) {
		t.Helper()
		op.get("/platform/resellers")
		if p := op.post("/platform/resellers/"+fmt.Sprint(f.reseller.ID)+"/status", url.Values{"status": {status}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s the reseller: %d", status, p.status)
		}
	}
	setStatus("suspended")

	// The open session: every console page sends it to sign in.
	for _, path := range []string{"/console", portal, "/console/api-keys", "/console/members"} {
		if p := rae.get(path); p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/login" {
			t.Errorf("GET %s after the suspension: %d to %q", path, p.status, p.header.Get("Location"))
		}
	}
	if p := rae.post(portal, url.Values{"seat_limit": {"100000"}, "plan": {"enterprise"}, "status": {"active"}}); p.status == http.StatusSeeOther && p.header.Get("Location") != "/console/login" {
		t.Errorf("a change after the suspension went through: %d %q", p.status, p.header.Get("Location"))
	}
	if after, _ := s.main.Tenants.FindTenantBySlug(context.Background(), "contoso"); after.SeatLimit == 100000 || after.Plan == "enterprise" {
		t.Errorf("the client changed: %+v", after)
	}

	// A new sign-in, with the right password, is refused with the reason.
	again := newClient(t, s, "localhost")
	again.get("/console/login")
	p := again.post("/console/login", url.Values{"email": {"rae@northwind.test"}, "password": {goodPassword}})
	if p.status != http.StatusForbidden || !strings.Contains(p.text("main"), "suspended") {
		t.Errorf("sign-in while suspended: %d %q", p.status, p.text("main"))
	}
	// A wrong password says only that.
	if p := again.post("/console/login", url.Values{"email": {"rae@northwind.test"}, "password": {"not the password at all"}}); p.status != http.StatusUnauthorized {
		t.Errorf("a wrong password while suspended: %d", p.status)
	}

	setStatus("active")
	consoleClient(t, s, "rae@northwind.test")
}

// An account the operator suspends loses its console and its API keys at
// once; reinstated, both work again.
func TestState_ASuspendedAccountLosesItsConsoleAndKeys(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	demo := fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company"})
	if _, err := postgres.NewConsoleService(s.db).CreateConsoleMember(ctx, "demo", "", "ari@demo.test", "Ari", goodPassword, fixture.By); err != nil {
		t.Fatal(err)
	}
	ari := consoleClient(t, s, "ari@demo.test")
	ari.get("/console/api-keys")
	created := ari.post("/console/api-keys", url.Values{"name": {"CRM"}, "permissions": {"portals:read"}})
	token, _ := created.doc.Find(`[data-testid="new-key-token"]`).Attr("value")
	if token == "" {
		t.Fatalf("no key shown: %d", created.status)
	}
	platform := newClient(t, s, "localhost")
	apiStatus := func() int {
		t.Helper()
		status, _ := platform.callAPI("GET", "/api/v1/portals", token, nil)
		return status
	}
	if got := apiStatus(); got != http.StatusOK {
		t.Fatalf("the key before: %d", got)
	}
	op := operatorClient(t, s)
	setStatus := func(status string) {
		t.Helper()
		list := op.get("/platform/accounts")
		if status == "suspended" && list.doc.Find(`[data-testid="account-suspended"]`).Length() != 0 {
			t.Errorf("an account shows suspended before it is")
		}
		if p := op.post("/platform/accounts/"+fmt.Sprint(demo.AccountID)+"/status", url.Values{"status": {status}}); p.status != http.StatusSeeOther {
			t.Fatalf("%s the account: %d", status, p.status)
		}
	}
	setStatus("suspended")
	if n := op.get("/platform/accounts").doc.Find(`[data-testid="account-suspended"]`).Length(); n != 1 {
		t.Errorf("%d accounts show suspended", n)
	}
	if p := ari.get("/console"); p.status != http.StatusSeeOther {
		t.Errorf("the console after the suspension: %d", p.status)
	}
	if got := apiStatus(); got != http.StatusForbidden {
		t.Errorf("the key after the suspension: %d", got)
	}
	if p := op.post("/platform/accounts/"+fmt.Sprint(demo.AccountID)+"/status", url.Values{"status": {"gone"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a status that does not exist: %d", p.status)
	}
	setStatus("active")
	if got := apiStatus(); got != http.StatusOK {
		t.Errorf("the key after reinstatement: %d", got)
	}
	consoleClient(t, s, "ari@demo.test")
}

// A portal the operator suspended stays suspended whatever its reseller
// asks; a reseller's own suspension it lifts itself.
func TestState_AResellerCannotLiftTheOperatorsSuspension(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s := f.s
	ctx := context.Background()
	rae := consoleClient(t, s, "rae@northwind.test")
	op := operatorClient(t, s)
	portal := "/console/portals/" + fmt.Sprint(f.contoso.ID)
	status := func() (tenant.Status, tenant.Authority) {
		t.Helper()
		c, err := s.main.Tenants.FindTenantBySlug(ctx, "contoso")
		if err != nil {
			t.Fatal(err)
		}
		return c.Status, c.SuspendedBy
	}
	resellerSets := func(want string) page {
		t.Helper()
		rae.get(portal)
		return rae.post(portal, url.Values{"seat_limit": {"100"}, "plan": {"standard"}, "status": {want}})
	}
	operatorSets := func(want string) {
		t.Helper()
		c, err := s.main.Tenants.FindTenantBySlug(ctx, "contoso")
		if err != nil {
			t.Fatal(err)
		}
		path := "/platform/tenants/" + fmt.Sprint(c.ID)
		op.get(path)
		v := url.Values{"name": {c.Name}, "status": {want}, "plan": {c.Plan}, "seat_limit": {fmt.Sprint(c.SeatLimit)},
			"primary_color": {c.Branding.PrimaryColor}, "default_time_zone": {c.Settings.DefaultTimeZone},
			"default_language": {c.Settings.DefaultLanguage}, "audience": {c.Audience}}
		if p := op.post(path, v); p.status != http.StatusSeeOther {
			t.Fatalf("the operator sets %s: %d %s", want, p.status, p.text("main"))
		}
	}

	// The reseller's own suspension, lifted by the reseller.
	if p := resellerSets("suspended"); p.status != http.StatusSeeOther {
		t.Fatalf("the reseller suspends: %d", p.status)
	}
	if st, by := status(); st != tenant.Suspended || by != tenant.ByReseller {
		t.Errorf("after the reseller's suspension: %s by %q", st, by)
	}
	if p := resellerSets("active"); p.status != http.StatusSeeOther {
		t.Fatalf("the reseller reactivates: %d", p.status)
	}

	// The operator's: the reseller's reactivation is refused and changes
	// nothing; its own suspension leaves the operator's in place.
	operatorSets("suspended")
	p := resellerSets("active")
	if p.status != http.StatusForbidden && p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text("main"), "only Upward can reactivate") {
		t.Errorf("the reseller lifting the operator's suspension: %d %q", p.status, p.text("main"))
	}
	if st, by := status(); st != tenant.Suspended || by != tenant.ByOperator {
		t.Errorf("after the reseller's attempt: %s by %q", st, by)
	}
	if p := resellerSets("suspended"); p.status != http.StatusSeeOther {
		t.Errorf("the reseller suspending again: %d", p.status)
	}
	if _, by := status(); by != tenant.ByOperator {
		t.Errorf("the operator's suspension became the reseller's")
	}
	operatorSets("active")
	if st, by := status(); st != tenant.Active || by != "" {
		t.Errorf("after the operator's reactivation: %s by %q", st, by)
	}
}

// A SCORM launch is a bearer credential: once its learner is deactivated
// (or the portal suspended), its launch page, files and commits answer
// 404 at once, and nothing is recorded; reactivated, the same launch works.
func TestState_ALaunchStopsWithItsLearner(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "lee@acme.test", Name: "Lee Learner"})
	})
	ctx := context.Background()
	admin := adminClient(t, s)
	enterprise(t, s, "acme")
	rec := scormCourse(t, s, admin, "sco12")
	_, launch := enrolledLaunch(t, s, "lee@acme.test", rec)
	finish := map[string]any{"cmi.core.lesson_status": "completed", "cmi.core.exit": "", "cmi.core.session_time": "00:05:00"}
	leeID := acme.Person(t, "lee@acme.test").ID
	setStatus := func(status string) {
		t.Helper()
		err := s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE users SET status = $2 WHERE tenant_id = current_tenant_id() AND id = $1`, leeID, status)
			if err == nil && tag.RowsAffected() != 1 {
				err = fmt.Errorf("%d rows", tag.RowsAffected())
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setStatus("deactivated")
	if res, _ := contentGet(t, s, launch); res.StatusCode != http.StatusNotFound {
		t.Errorf("the launch page of a deactivated learner: %d", res.StatusCode)
	}
	if res, _ := contentGet(t, s, strings.TrimSuffix(launch, "/launch")+"/files/sco12.js"); res.StatusCode != http.StatusNotFound {
		t.Errorf("a file of a deactivated learner's launch: %d", res.StatusCode)
	}
	if status, _ := commit(t, s, launch, finish); status == http.StatusOK {
		t.Errorf("a deactivated learner's commit was accepted")
	}
	var done int
	s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM enrolments WHERE user_id = $1 AND completed_at IS NOT NULL`, leeID).Scan(&done)
	})
	if done != 0 {
		t.Errorf("the course completed for a deactivated learner")
	}

	setStatus("active")
	if res, _ := contentGet(t, s, launch); res.StatusCode != http.StatusOK {
		t.Errorf("the launch page once reactivated: %d", res.StatusCode)
	}
	// A suspended portal stops its launches too.
	if _, err := s.db.Pool.Exec(ctx, `UPDATE tenants SET status = 'suspended', suspended_by = 'operator' WHERE id = $1`, acme.ID); err != nil {
		t.Fatal(err)
	}
	if status, _ := commit(t, s, launch, finish); status == http.StatusOK {
		t.Errorf("a commit in a suspended portal was accepted")
	}
}

// The console's invitation form does not tell whether an address
// administers another organisation: the answer and the members page are
// those of any invitation. The mail to that address carries no link and
// says why; an address already an admin here is named, as the page shows.
func TestState_TheConsoleInviteFormKeepsOtherOrgsMembersSecret(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	console := postgres.NewConsoleService(s.db)
	fixture.Build(t, s.db, fixture.Spec{Slug: "demo", Name: "Demo Company"})
	fixture.Build(t, s.db, fixture.Spec{Slug: "globex", Name: "Globex"})
	for _, m := range []struct{ org, email string }{{"demo", "ari@demo.test"}, {"globex", "gil@globex.test"}} {
		if _, err := console.CreateConsoleMember(ctx, m.org, "", m.email, "Member", goodPassword, fixture.By); err != nil {
			t.Fatal(err)
		}
	}
	ari := consoleClient(t, s, "ari@demo.test")
	invite := func(email string) (page, string) {
		t.Helper()
		ari.get("/console/members")
		p := ari.post("/console/members", url.Values{"email": {email}})
		notice := ari.get("/console/members")
		return p, strings.ReplaceAll(notice.text(`[data-testid="notice"]`)+"|"+notice.text(`[data-testid="console-invitations"]`), email, "ADDRESS")
	}
	elsewhere, shownElsewhere := invite("gil@globex.test")
	nobody, shownNobody := invite("new@globex.test")
	if elsewhere.status != nobody.status || elsewhere.status != http.StatusSeeOther {
		t.Errorf("statuses differ: %d and %d", elsewhere.status, nobody.status)
	}
	shownNobody = strings.ReplaceAll(shownNobody, "new@globex.test", "ADDRESS")
	if !strings.Contains(shownElsewhere, "ADDRESS") || strings.Count(shownElsewhere, "ADDRESS") != strings.Count(shownNobody, "ADDRESS") {
		t.Errorf("the pages differ:\n%s\n%s", shownElsewhere, shownNobody)
	}
	msgs, _ := s.db.FindOutboxMessages(ctx, 50)
	for _, m := range msgs {
		if m.To == "gil@globex.test" && (strings.Contains(m.Text, "/console/invitations/accept") || !strings.Contains(m.Text, "another organisation")) {
			t.Errorf("the mail to a member elsewhere: %s", m.Text)
		}
	}
	mailedLink(t, s, "new@globex.test", "/console/invitations/accept")
	if p := ari.post("/console/members", url.Values{"email": {"ari@demo.test"}}); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text("main"), "already an admin here") {
		t.Errorf("inviting an admin of this account: %d", p.status)
	}
}

// A quiz of one attempt stays used up: restarting the course is refused
// unless a newer version is published, so the answers it then shows
// cannot be carried into a fresh attempt, and no certificate follows.
func TestState_AUsedUpQuizCannotBeRestartedIntoACertificate(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	ctx := context.Background()
	acme := fixture.Build(t, s.db, fixture.Spec{Slug: "acme", Name: "Acme",
		People:  []fixture.Person{{Email: "lee@acme.test", Name: "Lee"}},
		Courses: []fixture.Course{{}}})
	rec := acme.Courses[fixture.ExampleSlug]
	courses := postgresCourses(s)
	if _, err := courses.EditDraft(ctx, acme.ID, rec.ID, rec.DraftRevision, fixture.By, func(c *course.Course) error {
		for _, m := range c.Modules {
			for _, l := range m.Lessons {
				for i := range l.Blocks {
					if l.Blocks[i].Quiz != nil {
						l.Blocks[i].Quiz.Attempts = 1
					}
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", fixture.By); err != nil {
		t.Fatal(err)
	}
	learn := postgres.NewLearningService(s.db)
	lee := acme.Person(t, "lee@acme.test")
	if _, err := learn.Enrol(ctx, acme.ID, lee.ID, rec.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	if err := fixture.TakeExample(ctx, learn, acme.ID, lee.ID, rec.Slug, learning.Answers{{1}, {0}}); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s, "acme.localhost")
	signIn(c, "lee@acme.test", goodPassword)
	c.get("/courses/" + rec.Slug)
	if p := c.post("/courses/"+rec.Slug+"/restart", url.Values{"attempt": {"1"}}); p.status != http.StatusConflict {
		t.Errorf("a restart with no newer version: %d", p.status)
	}
	lc, err := learn.FindLearnerCourse(ctx, acme.ID, lee.ID, rec.Slug)
	if err != nil {
		t.Fatal(err)
	}
	quizLesson := lc.Content.Modules[1].Lessons[0]
	var quiz string
	for _, b := range quizLesson.Blocks {
		if b.Quiz != nil {
			quiz = b.Key
		}
	}
	if _, err := learn.SubmitQuiz(ctx, acme.ID, lc, quizLesson.Key, quiz, 2, learning.Answers{{0}, {1}}); err == nil {
		t.Error("a second attempt at a one-attempt quiz was taken")
	}
	var certs int
	s.db.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM certificates WHERE tenant_id = current_tenant_id() AND user_id = $1`, lee.ID).Scan(&certs)
	})
	if certs != 0 {
		t.Errorf("%d certificates after a used-up quiz", certs)
	}

	// A newer version earns a fresh attempt.
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", fixture.By); err != nil {
		t.Fatal(err)
	}
	c.get("/courses/" + rec.Slug)
	if p := c.post("/courses/"+rec.Slug+"/restart", url.Values{"attempt": {"1"}}); p.status != http.StatusSeeOther {
		t.Errorf("a restart onto a newer version: %d", p.status)
	}
}

// A person an admin deactivates is signed out at once: their open
// session goes to the sign-in page, and signing in again is refused.
func TestState_ADeactivatedPersonIsSignedOutAtOnce(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "lee@acme.test", Name: "Lee"})
	})
	admin := adminClient(t, s)
	lee := newClient(t, s, "acme.localhost")
	signIn(lee, "lee@acme.test", goodPassword)
	if p := lee.get("/account"); p.status != http.StatusOK {
		t.Fatalf("before: %d", p.status)
	}
	page := "/admin/users/" + fmt.Sprint(acme.Person(t, "lee@acme.test").ID)
	admin.get(page)
	if p := admin.post(page, url.Values{"name": {"Lee"}, "roles": {"learner"}, "status": {"deactivated"}}); p.status != http.StatusSeeOther {
		t.Fatalf("deactivate: %d", p.status)
	}
	if p := lee.get("/account"); p.status != http.StatusSeeOther {
		t.Errorf("the open session after deactivation: %d", p.status)
	}
	again := newClient(t, s, "acme.localhost")
	again.get("/login")
	if p := again.post("/login", url.Values{"email": {"lee@acme.test"}, "password": {goodPassword}}); p.status == http.StatusSeeOther {
		t.Errorf("a deactivated person signed in")
	}
}

// The links mailed to a person (an invitation, a password reset) stop
// the moment the person is deactivated: the invitee cannot join, the
// reset changes nothing. Reactivated within the link's time, the reset
// link works again.
func TestState_ADeactivatedPersonsLinksStopAtOnce(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "lee@acme.test", Name: "Lee"})
	})
	admin := adminClient(t, s)
	admin.get("/admin/users")
	if p := admin.post("/admin/users/invite", url.Values{"name": {"Ivy"}, "email": {"ivy@acme.test"}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
		t.Fatalf("invite: %d", p.status)
	}
	anon := newClient(t, s, "acme.localhost")
	anon.get("/password/forgot")
	anon.post("/password/forgot", url.Values{"email": {"lee@acme.test"}})
	invitation := mailedLink(t, s, "ivy@acme.test", "/invitations/accept")
	reset := mailedLink(t, s, "lee@acme.test", "/password/reset")
	tokenOf := func(link string) string {
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		return u.Query().Get("token")
	}

	people, err := s.main.Users.FindUsers(context.Background(), acme.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	setStatus := func(email, status string) {
		t.Helper()
		for _, u := range people {
			if u.Email == email {
				page := "/admin/users/" + fmt.Sprint(u.ID)
				admin.get(page)
				if p := admin.post(page, url.Values{"name": {u.Name}, "roles": {"learner"}, "status": {status}}); p.status != http.StatusSeeOther {
					t.Fatalf("%s %s: %d %s", status, email, p.status, p.text("main"))
				}
				return
			}
		}
		t.Fatalf("no %s", email)
	}
	setStatus("ivy@acme.test", "deactivated")
	setStatus("lee@acme.test", "deactivated")

	ivy := newClient(t, s, "acme.localhost")
	ivy.get(invitation)
	if p := ivy.post("/invitations/accept", url.Values{"token": {tokenOf(invitation)}, "name": {"Ivy"}, "password": {goodPassword}}); p.status == http.StatusSeeOther {
		t.Errorf("a withdrawn invitation was accepted")
	}
	if p := ivy.get("/account"); p.status == http.StatusOK {
		t.Errorf("the withdrawn invitee is signed in")
	}
	const newPassword = "a brand new passphrase for lee"
	lee := newClient(t, s, "acme.localhost")
	lee.get(reset)
	if p := lee.post("/password/reset", url.Values{"token": {tokenOf(reset)}, "password": {newPassword}}); p.status == http.StatusSeeOther {
		t.Errorf("a deactivated person's reset link changed the password")
	}

	setStatus("lee@acme.test", "active")
	lee.get(reset)
	if p := lee.post("/password/reset", url.Values{"token": {tokenOf(reset)}, "password": {newPassword}}); p.status != http.StatusSeeOther {
		t.Errorf("the reset link after reactivation: %d %s", p.status, p.text("main"))
	}
	if p := signIn(newClient(t, s, "acme.localhost"), "lee@acme.test", newPassword); p.status != http.StatusSeeOther {
		t.Errorf("sign-in with the new password: %d", p.status)
	}
}

// A console invitation cannot be accepted while its organisation is
// suspended: nobody joins, and the link stays unused for when the
// suspension is lifted.
func TestState_ASuspendedOrgsInvitationWaits(t *testing.T) {
	t.Parallel()
	f := newResellerFixture(t, nil)
	s := f.s
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	consoles := postgres.NewConsoleService(s.db)
	if _, err := consoles.InviteConsoleMember(ctx, postgres.Org{ResellerID: &f.reseller.ID},
		postgres.ConsoleInvite{Email: "nia@northwind.test", Inviter: "Rae", ConsoleURL: "http://localhost"}, by); err != nil {
		t.Fatal(err)
	}
	link := mailedLink(t, s, "nia@northwind.test", "/console/invitations/accept")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	resellers := postgres.NewResellerService(s.db)
	if _, err := resellers.SetResellerStatus(ctx, f.reseller.ID, "suspended", by); err != nil {
		t.Fatal(err)
	}
	accept := func() page {
		nia := newClient(t, s, "localhost")
		nia.get(link)
		return nia.post("/console/invitations/accept", url.Values{"token": {u.Query().Get("token")}, "name": {"Nia"}, "password": {goodPassword}})
	}
	if p := accept(); p.status == http.StatusSeeOther {
		t.Errorf("joined a suspended reseller's console")
	}
	var members int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM console_members WHERE email = 'nia@northwind.test'`).Scan(&members); err != nil || members != 0 {
		t.Errorf("%d members made while suspended (%v)", members, err)
	}
	if _, err := resellers.SetResellerStatus(ctx, f.reseller.ID, "active", by); err != nil {
		t.Fatal(err)
	}
	if p := accept(); p.status != http.StatusSeeOther {
		t.Errorf("accepting after reinstatement: %d %s", p.status, p.text("main"))
	}
}
