package postgres_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

type orgWebhookFixture struct {
	webhookFixture
	orgs    *postgres.OrgWebhookService
	tenants *postgres.TenantService
	acme    postgres.Org // the account of the fixture's portal
}

func newOrgWebhookFixture(t *testing.T) orgWebhookFixture {
	t.Helper()
	f := newWebhookFixture(t)
	tenants := postgres.NewTenantService(f.db)
	acme, err := tenants.FindTenantByID(f.ctx, f.tenantID)
	if err != nil {
		t.Fatal(err)
	}
	return orgWebhookFixture{webhookFixture: f, orgs: postgres.NewOrgWebhookService(f.db, true), tenants: tenants,
		acme: postgres.Org{AccountID: &acme.AccountID}}
}

func (f orgWebhookFixture) orgEndpoint(t *testing.T, org postgres.Org, url string, events ...string) (postgres.WebhookEndpoint, string) {
	t.Helper()
	e, secret, err := f.orgs.CreateEndpoint(f.ctx, org, webhook.Endpoint{URL: url, Events: events}, f.by)
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

func (f orgWebhookFixture) reseller(t *testing.T, slug string) postgres.Org {
	t.Helper()
	r, err := postgres.NewResellerService(f.db).CreateReseller(f.ctx, slug, strings.ToUpper(slug[:1])+slug[1:], f.by)
	if err != nil {
		t.Fatal(err)
	}
	return postgres.Org{ResellerID: &r.ID}
}

func (f orgWebhookFixture) portal(t *testing.T, p tenant.Tenant) tenant.Tenant {
	t.Helper()
	created, err := f.tenants.CreateTenant(f.ctx, p, f.by)
	if err != nil {
		t.Fatal(err)
	}
	return created
}

// orgLog reads an org endpoint's whole delivery log, oldest first.
func (f orgWebhookFixture) orgLog(t *testing.T, org postgres.Org, endpointID int64) []postgres.WebhookDelivery {
	t.Helper()
	ds, _, err := f.orgs.FindDeliveries(f.ctx, org, endpointID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

func eventTypes(ds []postgres.WebhookDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.EventType)
	}
	return out
}

// deliverOrgDue makes every attempt at an org endpoint's deliveries that
// is due by now, as River would.
func (f orgWebhookFixture) deliverOrgDue(t *testing.T, org postgres.Org, endpointID int64, now time.Time) {
	t.Helper()
	for _, d := range f.orgLog(t, org, endpointID) {
		if d.Status == "pending" && d.NextAttemptAt != nil && !d.NextAttemptAt.After(now) {
			if _, err := f.worker.DeliverOrg(f.ctx, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestOrgWebhooks_APortalsEventsReachItsAccountAndOnlyPortalEventsItsReseller(t *testing.T) {
	t.Parallel()
	f := newOrgWebhookFixture(t)
	f.publish(t)
	const hook = "http://127.0.0.1:9/hook"
	account, _ := f.orgEndpoint(t, f.acme, hook, webhook.UserCreated, webhook.LessonCompleted, webhook.PortalCreated)
	resell := f.reseller(t, "resell")
	reseller, _ := f.orgEndpoint(t, resell, hook, webhook.PortalCreated)
	globex := f.portal(t, tenant.Tenant{Slug: "globex", Name: "Globex"})
	globexOrg := postgres.Org{AccountID: &globex.AccountID}
	all := []string{webhook.UserCreated, webhook.EnrolmentCreated, webhook.LessonCompleted, webhook.CourseCompleted,
		webhook.PathCompleted, webhook.CertificateIssued, webhook.PortalCreated}
	other, _ := f.orgEndpoint(t, globexOrg, hook, all...)

	t.Run("AResellerCannotSubscribeToLearnersEvents", func(t *testing.T) {
		for _, e := range webhook.EventTypes {
			_, _, err := f.orgs.CreateEndpoint(f.ctx, resell, webhook.Endpoint{URL: hook, Events: []string{e.Name}}, f.by)
			if fields, ok := apperr.FieldsOf(err); !ok || fields["events"] == "" {
				t.Errorf("a reseller's endpoint for %s: %v", e.Name, err)
			}
		}
	})

	// Kim joins Acme and completes a lesson: Acme's account hears both.
	kim := f.person(t, "kim@acme.test", "Kim Learner")
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, kim, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	lc, err := f.learning.FindLearnerCourse(f.ctx, f.tenantID, kim, f.course.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), "private", false); err != nil {
		t.Fatal(err)
	}
	if got := eventTypes(f.orgLog(t, f.acme, account.ID)); !slices.Equal(got, []string{webhook.UserCreated, webhook.LessonCompleted}) {
		t.Errorf("Acme's account heard %v", got)
	}
	var completed struct {
		Portal string                      `json:"portal"`
		Data   webhook.LessonCompletedData `json:"data"`
	}
	json.Unmarshal([]byte(f.orgLog(t, f.acme, account.ID)[1].Body), &completed)
	if completed.Portal != "acme" || completed.Data.User.Email != "kim@acme.test" || completed.Data.Lesson.Key != lessonOne {
		t.Errorf("lesson.completed: %+v", completed)
	}

	// The reseller opens a client's portal: it hears portal.created, and
	// nothing of what people then do there.
	client := f.portal(t, tenant.Tenant{Slug: "client", Name: "Client Co", ResellerID: resell.ResellerID, Plan: "standard", SeatLimit: 40})
	if _, err := f.users.EnsureUser(f.ctx, client, postgres.NewUser{Email: "zoe@client.test", Name: "Zoe", Password: "correct horse battery staple", Roles: []user.Role{user.Learner}}, f.by); err != nil {
		t.Fatal(err)
	}
	log := f.orgLog(t, resell, reseller.ID)
	if got := eventTypes(log); !slices.Equal(got, []string{webhook.PortalCreated}) {
		t.Fatalf("the reseller heard %v", got)
	}
	var created struct {
		Type   string                    `json:"type"`
		Portal string                    `json:"portal"`
		Data   webhook.PortalCreatedData `json:"data"`
	}
	if err := json.Unmarshal([]byte(log[0].Body), &created); err != nil {
		t.Fatal(err)
	}
	d := created.Data
	if created.Portal != "client" || d.Portal.ID != client.ID || d.Portal.Slug != "client" || d.Portal.Name != "Client Co" ||
		d.Portal.Audience != "employees" || d.Portal.Plan != "standard" || d.Portal.SeatLimit != 40 ||
		d.Account.ID != client.AccountID || d.Account.Slug != "client" || d.Account.Name != "Client Co" ||
		d.Reseller == nil || d.Reseller.ID != *resell.ResellerID || d.Reseller.Slug != "resell" {
		t.Errorf("portal.created: %s", log[0].Body)
	}

	// Acme's account opens a second portal: its account hears it, with no
	// reseller, and the reseller does not.
	f.portal(t, tenant.Tenant{Slug: "acme-partners", Name: "Acme Partners", AccountID: *f.acme.AccountID, Audience: "partners"})
	acmeLog := f.orgLog(t, f.acme, account.ID)
	if got := eventTypes(acmeLog); !slices.Equal(got, []string{webhook.UserCreated, webhook.LessonCompleted, webhook.PortalCreated}) {
		t.Errorf("Acme's account heard %v", got)
	}
	if !strings.Contains(acmeLog[2].Body, `"reseller":null`) || !strings.Contains(acmeLog[2].Body, `"audience":"partners"`) {
		t.Errorf("Acme's portal.created: %s", acmeLog[2].Body)
	}
	if n := len(f.orgLog(t, resell, reseller.ID)); n != 1 {
		t.Errorf("the reseller heard %d events, want 1", n)
	}

	// Globex's account hears nothing of the others' portals.
	if got := f.orgLog(t, globexOrg, other.ID); len(got) != 0 {
		t.Errorf("another account heard %v", eventTypes(got))
	}

	// Erasing Kim takes her out of her account's delivery log too.
	if err := f.users.EraseUser(f.ctx, f.tenantID, kim, "kim@acme.test", f.by); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.orgLog(t, f.acme, account.ID)[:2] {
		if strings.Contains(d.Body, "kim@acme.test") || strings.Contains(d.Body, "Kim Learner") || d.Status != "skipped" {
			t.Errorf("after erasing Kim: %s %s", d.Status, d.Body)
		}
	}
}

func TestOrgWebhooks_EndpointsElsewhereCostAPortalNothing(t *testing.T) {
	t.Parallel()
	f := newOrgWebhookFixture(t)
	var counter postgres.QueryCounter
	counted, err := postgres.Open(f.ctx, f.db.Pool.Config().ConnString(), 2, postgres.WithTracer(&counter))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(counted.Close)
	users := postgres.NewUserService(counted, nil, nil)
	acme, err := f.tenants.FindTenantByID(f.ctx, f.tenantID)
	if err != nil {
		t.Fatal(err)
	}
	create := func(email string) int64 {
		before := counter.Count()
		if _, err := users.EnsureUser(f.ctx, acme, postgres.NewUser{Email: email, Name: "X", Password: "correct horse battery staple", Roles: []user.Role{user.Learner}}, f.by); err != nil {
			t.Fatal(err)
		}
		return counter.Count() - before
	}
	alone := create("a@acme.test")

	// Another account's endpoint, a reseller's, and the portal's own
	// endpoint for another event: none listens to Acme's user.created.
	globex := f.portal(t, tenant.Tenant{Slug: "globex", Name: "Globex"})
	f.orgEndpoint(t, postgres.Org{AccountID: &globex.AccountID}, "http://127.0.0.1:9/hook", webhook.UserCreated)
	f.orgEndpoint(t, f.reseller(t, "resell"), "http://127.0.0.1:9/hook", webhook.PortalCreated)
	f.endpoint(t, "http://127.0.0.1:9/hook", webhook.EnrolmentCreated)
	if n := create("b@acme.test"); n != alone {
		t.Errorf("creating a person took %d statements with endpoints elsewhere, %d without", n, alone)
	}
	// Acme's account listening costs the delivery's statements on top.
	f.orgEndpoint(t, f.acme, "http://127.0.0.1:9/hook", webhook.UserCreated)
	if n := create("c@acme.test"); n <= alone {
		t.Errorf("creating a person took %d statements with its account listening, %d without", n, alone)
	}
}

func TestOrgWebhooks_ASignedPortalCreatedReachesTheReceiver(t *testing.T) {
	t.Parallel()
	f := newOrgWebhookFixture(t)
	rc := newReceiver(t, http.StatusAccepted)
	resell := f.reseller(t, "resell")
	ep, secret := f.orgEndpoint(t, resell, rc.URL+"/upward", webhook.PortalCreated)
	client := f.portal(t, tenant.Tenant{Slug: "client", Name: "Client Co", ResellerID: resell.ResellerID})

	if n := len(rc.received()); n != 0 {
		t.Fatalf("%d requests before any delivery ran", n)
	}
	f.deliverOrgDue(t, resell, ep.ID, time.Now())
	got := rc.received()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	if err := webhook.Verify(secret, got[0].header.Get(webhook.SignatureHeader), got[0].body, time.Now(), webhook.DefaultTolerance); err != nil {
		t.Errorf("signature: %v", err)
	}
	if got[0].header.Get(webhook.EventHeader) != webhook.PortalCreated || got[0].header.Get(webhook.DeliveryHeader) == "" {
		t.Errorf("headers %v", got[0].header)
	}
	var e struct {
		webhook.Event
		Data webhook.PortalCreatedData `json:"data"`
	}
	if err := json.Unmarshal(got[0].body, &e); err != nil || e.Type != webhook.PortalCreated || e.Data.Portal.ID != client.ID || !strings.HasPrefix(e.ID, "evt_") {
		t.Errorf("body %s (%v)", got[0].body, err)
	}
	if l := f.orgLog(t, resell, ep.ID); l[0].Status != "delivered" || *l[0].LastStatus != http.StatusAccepted || l[0].Attempts != 1 {
		t.Errorf("log %+v", l[0])
	}

	// A test event is sent once, signed, and names no portal.
	if err := f.orgs.SendTestEvent(f.ctx, resell, ep.ID, f.by); err != nil {
		t.Fatal(err)
	}
	f.deliverOrgDue(t, resell, ep.ID, time.Now())
	got = rc.received()
	if len(got) != 2 || got[1].header.Get(webhook.EventHeader) != webhook.Ping || strings.Contains(string(got[1].body), `"portal"`) {
		t.Fatalf("ping: %d requests, %s", len(got), got[len(got)-1].body)
	}
	if err := webhook.Verify(secret, got[1].header.Get(webhook.SignatureHeader), got[1].body, time.Now(), webhook.DefaultTolerance); err != nil {
		t.Errorf("ping signature: %v", err)
	}
}

func TestOrgWebhooks_AFailingReceiverEndsWithTheEndpointDisabled(t *testing.T) {
	t.Parallel()
	f := newOrgWebhookFixture(t)
	clock := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	f.db.Now = func() time.Time { return clock }
	if _, err := postgres.NewConsoleService(f.db).CreateConsoleMember(f.ctx, "acme", "", "owner@acme.test", "Olga Owner", "correct horse battery staple", f.by); err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, http.StatusInternalServerError)
	ep, _ := f.orgEndpoint(t, f.acme, rc.URL, webhook.PortalCreated)
	f.portal(t, tenant.Tenant{Slug: "acme-two", Name: "Acme Two", AccountID: *f.acme.AccountID})
	f.portal(t, tenant.Tenant{Slug: "acme-three", Name: "Acme Three", AccountID: *f.acme.AccountID})

	for step := 0; step < 40; step++ {
		f.deliverOrgDue(t, f.acme, ep.ID, clock)
		e, err := f.orgs.FindEndpoint(f.ctx, f.acme, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Enabled() {
			break
		}
		var next *time.Time
		for _, d := range f.orgLog(t, f.acme, ep.ID) {
			if d.NextAttemptAt != nil && (next == nil || d.NextAttemptAt.Before(*next)) {
				next = d.NextAttemptAt
			}
		}
		if next == nil {
			t.Fatal("nothing more to try, and the endpoint is still enabled")
		}
		clock = *next
	}
	if n := len(rc.received()); n < webhook.DisableAfter {
		t.Errorf("%d attempts before disabling, want at least %d", n, webhook.DisableAfter)
	}
	e, err := f.orgs.FindEndpoint(f.ctx, f.acme, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enabled() || !strings.Contains(e.DisabledReason, "500") {
		t.Fatalf("endpoint %+v", e)
	}
	if l := f.orgLog(t, f.acme, ep.ID); l[0].Status != "failed" || l[1].Status != "skipped" {
		t.Errorf("log: %s, %s", l[0].Status, l[1].Status)
	}

	// The account's console members are told by mail, with a link to the
	// endpoint's page in the console.
	mails, err := f.db.FindOutboxMessages(f.ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	var notices []postgres.OutboxMessage
	for _, m := range mails {
		if strings.HasPrefix(m.Subject, "Webhook endpoint disabled") {
			notices = append(notices, m)
		}
	}
	if len(notices) != 1 || notices[0].To != "owner@acme.test" || !strings.Contains(notices[0].Text, rc.URL) ||
		!strings.Contains(notices[0].Text, "/console/webhooks/") {
		t.Fatalf("notices %+v", notices)
	}

	// Disabled, it hears no more; enabled again, it does.
	f.portal(t, tenant.Tenant{Slug: "acme-four", Name: "Acme Four", AccountID: *f.acme.AccountID})
	if n := len(f.orgLog(t, f.acme, ep.ID)); n != 2 {
		t.Errorf("%d deliveries after disabling, want 2", n)
	}
	if err := f.orgs.SetEndpointEnabled(f.ctx, f.acme, ep.ID, true, f.by); err != nil {
		t.Fatal(err)
	}
	f.portal(t, tenant.Tenant{Slug: "acme-five", Name: "Acme Five", AccountID: *f.acme.AccountID})
	if n := len(f.orgLog(t, f.acme, ep.ID)); n != 3 {
		t.Errorf("%d deliveries after enabling, want 3", n)
	}
}

func TestOrgWebhooks_AnEndpointIsItsOrgsAlone(t *testing.T) {
	t.Parallel()
	f := newOrgWebhookFixture(t)
	ep, _ := f.orgEndpoint(t, f.acme, "http://127.0.0.1:9/hook", webhook.UserCreated)
	globex := f.portal(t, tenant.Tenant{Slug: "globex", Name: "Globex"})
	for name, org := range map[string]postgres.Org{
		"another account": {AccountID: &globex.AccountID},
		"a reseller":      f.reseller(t, "resell"),
	} {
		if _, err := f.orgs.FindEndpoint(f.ctx, org, ep.ID); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("%s finds the endpoint: %v", name, err)
		}
		if _, _, err := f.orgs.FindDeliveries(f.ctx, org, ep.ID, 0, 10); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("%s reads the log: %v", name, err)
		}
		for action, do := range map[string]func() error{
			"enable":  func() error { return f.orgs.SetEndpointEnabled(f.ctx, org, ep.ID, true, f.by) },
			"disable": func() error { return f.orgs.SetEndpointEnabled(f.ctx, org, ep.ID, false, f.by) },
			"test":    func() error { return f.orgs.SendTestEvent(f.ctx, org, ep.ID, f.by) },
			"delete":  func() error { return f.orgs.DeleteEndpoint(f.ctx, org, ep.ID, f.by) },
		} {
			if err := do(); apperr.Code(err) != apperr.ENOTFOUND {
				t.Errorf("%s may %s the endpoint: %v", name, action, err)
			}
		}
		if list, _ := f.orgs.FindEndpoints(f.ctx, org); len(list) != 0 {
			t.Errorf("%s lists %+v", name, list)
		}
	}
	if list, err := f.orgs.FindEndpoints(f.ctx, f.acme); err != nil || len(list) != 1 {
		t.Errorf("Acme lists %+v, %v", list, err)
	}
	// A portal's own endpoints do not see the org's, and the other way round.
	if list, _ := f.hooks.FindEndpoints(f.ctx, f.tenantID); len(list) != 0 {
		t.Errorf("the portal lists its account's endpoints: %+v", list)
	}
	if err := f.orgs.DeleteEndpoint(f.ctx, f.acme, ep.ID, f.by); err != nil {
		t.Fatal(err)
	}
}
