package postgres_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/auditlog"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// receiver is a webhook receiver on a local HTTP server: it keeps what
// it is sent and answers with status.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []delivery
	status int
}

type delivery struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	t.Helper()
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, delivery{header: r.Header.Clone(), body: body})
		status := rc.status
		rc.mu.Unlock()
		w.WriteHeader(status)
		if status >= 300 {
			io.WriteString(w, "<p>receiver is down for maintenance</p>")
		}
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) received() []delivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

type webhookFixture struct {
	learningFixture
	hooks  *postgres.WebhookService
	worker *postgres.WebhookWorker
	users  *postgres.UserService
	by     postgres.AuditActor
}

func newWebhookFixture(t *testing.T) webhookFixture {
	t.Helper()
	f := newLearningFixture(t)
	return webhookFixture{
		learningFixture: f,
		hooks:           postgres.NewWebhookService(f.db, true),
		worker: &postgres.WebhookWorker{DB: f.db, Logger: slog.New(slog.DiscardHandler), AllowPrivateNetworks: true,
			PortalURL:   func(t tenant.Tenant) string { return "http://" + t.Slug + ".localhost" },
			PlatformURL: func() string { return "http://localhost" }},
		users: postgres.NewUserService(f.db, nil, nil),
		by:    postgres.AuditActor{Label: "admin@acme.test"},
	}
}

func (f webhookFixture) endpoint(t *testing.T, url string, events ...string) (postgres.WebhookEndpoint, string) {
	t.Helper()
	e, secret, err := f.hooks.CreateEndpoint(f.ctx, f.tenantID, webhook.Endpoint{URL: url, Events: events}, f.by)
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

func (f webhookFixture) person(t *testing.T, email, name string, roles ...user.Role) int64 {
	t.Helper()
	if len(roles) == 0 {
		roles = []user.Role{user.Learner}
	}
	acme := tenant.Tenant{ID: f.tenantID, Slug: "acme", Name: "Acme", Settings: tenant.Settings{DefaultTimeZone: "UTC"}}
	u, err := f.users.EnsureUser(f.ctx, acme, postgres.NewUser{Email: email, Name: name, Password: "correct horse battery staple", Roles: roles}, f.by)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// log reads an endpoint's whole delivery log, oldest first.
func (f webhookFixture) log(t *testing.T, endpointID int64) []postgres.WebhookDelivery {
	t.Helper()
	ds, _, err := f.hooks.FindDeliveries(f.ctx, f.tenantID, endpointID, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

// deliverDue makes every attempt that is due by now, as River would.
func (f webhookFixture) deliverDue(t *testing.T, endpointID int64, now time.Time) {
	t.Helper()
	for _, d := range f.log(t, endpointID) {
		if d.Status == "pending" && d.NextAttemptAt != nil && !d.NextAttemptAt.After(now) {
			if _, err := f.worker.Deliver(f.ctx, f.tenantID, d.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestWebhooks_ALearnersJourneyArrivesSignedAtTheReceiver(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	f.publish(t)
	path, err := postgres.NewPathService(f.db).CreatePath(f.ctx, f.tenantID, course.Path{Slug: "starter", Title: "Starter path",
		Steps: []course.PathStep{{Course: f.course.Slug, Unlock: course.Free}}}, "", true, f.by)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, http.StatusNoContent)
	all := []string{webhook.UserCreated, webhook.EnrolmentCreated, webhook.LessonCompleted, webhook.CourseCompleted, webhook.PathCompleted, webhook.CertificateIssued}
	ep, secret := f.endpoint(t, rc.URL+"/upward", all...)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}

	// Kim joins, starts the path, and completes its one course.
	kim := f.person(t, "kim@acme.test", "Kim Learner")
	if err := postgres.NewPathService(f.db).StartPath(f.ctx, f.tenantID, kim, path.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, kim, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	lc, err := f.learning.FindLearnerCourse(f.ctx, f.tenantID, kim, f.course.Slug)
	if err != nil {
		t.Fatal(err)
	}
	const private = "Kim's private reflection about her manager"
	if err := f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), private, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, blockOf(lc, lessonTwo, course.KindQuiz), 1, right); err != nil {
		t.Fatal(err)
	}

	// Queued, not sent: nothing leaves before the worker runs.
	if n := len(rc.received()); n != 0 {
		t.Fatalf("%d requests before any delivery ran", n)
	}
	f.deliverDue(t, ep.ID, time.Now())

	got := rc.received()
	var types []string
	events := map[string][]webhook.Event{}
	data := map[string][]map[string]any{}
	for _, d := range got {
		if err := webhook.Verify(secret, d.header.Get(webhook.SignatureHeader), d.body, time.Now(), webhook.DefaultTolerance); err != nil {
			t.Errorf("signature: %v", err)
		}
		if d.header.Get("Content-Type") != "application/json" || d.header.Get(webhook.DeliveryHeader) == "" {
			t.Errorf("headers %v", d.header)
		}
		if strings.Contains(string(d.body), private) {
			t.Errorf("a delivery carries the learner's reflection: %s", d.body)
		}
		var e webhook.Event
		var raw struct {
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(d.body, &e); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(d.body, &raw)
		if d.header.Get(webhook.EventHeader) != e.Type || e.Portal != "acme" || !strings.HasPrefix(e.ID, "evt_") || e.CreatedAt.IsZero() {
			t.Errorf("event %+v with header %q", e, d.header.Get(webhook.EventHeader))
		}
		types = append(types, e.Type)
		events[e.Type] = append(events[e.Type], e)
		data[e.Type] = append(data[e.Type], raw.Data)
	}
	want := []string{webhook.UserCreated, webhook.EnrolmentCreated, webhook.LessonCompleted, webhook.LessonCompleted,
		webhook.CourseCompleted, webhook.CertificateIssued, webhook.PathCompleted, webhook.CertificateIssued}
	if !slices.Equal(types, want) {
		t.Fatalf("events in order\n got %v\nwant %v", types, want)
	}

	userOf := func(d map[string]any) map[string]any { u, _ := d["user"].(map[string]any); return u }
	if u := userOf(data[webhook.UserCreated][0]); u["email"] != "kim@acme.test" || u["name"] != "Kim Learner" || u["status"] != "active" {
		t.Errorf("user.created: %v", data[webhook.UserCreated][0])
	}
	completed := data[webhook.CourseCompleted][0]
	if c, _ := completed["course"].(map[string]any); c["slug"] != f.course.Slug || c["title"] != f.course.Title || userOf(completed)["email"] != "kim@acme.test" {
		t.Errorf("course.completed: %v", completed)
	}
	if l, _ := data[webhook.LessonCompleted][0]["lesson"].(map[string]any); l["key"] != lessonOne {
		t.Errorf("lesson.completed: %v", data[webhook.LessonCompleted][0])
	}
	if e, _ := data[webhook.EnrolmentCreated][0]["enrolment"].(map[string]any); e["source"] != "self" || e["id"] == nil {
		t.Errorf("enrolment.created: %v", data[webhook.EnrolmentCreated][0])
	}
	if p, _ := data[webhook.PathCompleted][0]["path"].(map[string]any); p["slug"] != "starter" {
		t.Errorf("path.completed: %v", data[webhook.PathCompleted][0])
	}
	certs, err := f.learning.FindCertificates(f.ctx, f.tenantID, kim)
	if err != nil || len(certs) != 2 {
		t.Fatalf("certificates %v %v", certs, err)
	}
	courseCert, pathCert := data[webhook.CertificateIssued][0], data[webhook.CertificateIssued][1]
	if c, _ := courseCert["certificate"].(map[string]any); c["code"] != certs[0].Code && c["code"] != certs[1].Code {
		t.Errorf("certificate.issued names no certificate of Kim's: %v", courseCert)
	}
	if courseCert["course"] == nil || courseCert["path"] != nil || pathCert["path"] == nil || pathCert["course"] != nil {
		t.Errorf("certificates for the course and the path: %v, %v", courseCert, pathCert)
	}

	// The log: every delivery sent once, with the receiver's answer.
	for _, d := range f.log(t, ep.ID) {
		if d.Status != "delivered" || d.Attempts != 1 || d.LastStatus == nil || *d.LastStatus != http.StatusNoContent ||
			d.DeliveredAt == nil || d.NextAttemptAt != nil || d.LastError != "" {
			t.Errorf("log: %+v", d)
		}
	}
	// Delivering again sends nothing more.
	f.deliverDue(t, ep.ID, time.Now().Add(time.Hour))
	if n := len(rc.received()); n != len(want) {
		t.Errorf("%d requests after delivering twice, want %d", n, len(want))
	}
}

func TestWebhooks_AnEndpointOnlyHearsWhatItSubscribedTo(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	f.publish(t)
	rc := newReceiver(t, http.StatusOK)
	users, _ := f.endpoint(t, rc.URL, webhook.UserCreated)
	courses, _ := f.endpoint(t, rc.URL, webhook.EnrolmentCreated)
	kim := f.person(t, "kim@acme.test", "Kim")
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, kim, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	if l := f.log(t, users.ID); len(l) != 1 || l[0].EventType != webhook.UserCreated {
		t.Errorf("users endpoint's log: %+v", l)
	}
	if l := f.log(t, courses.ID); len(l) != 1 || l[0].EventType != webhook.EnrolmentCreated {
		t.Errorf("courses endpoint's log: %+v", l)
	}
	// Someone who already exists is not created again.
	f.person(t, "kim@acme.test", "Kim")
	if l := f.log(t, users.ID); len(l) != 1 {
		t.Errorf("EnsureUser of an existing account emitted an event: %+v", l)
	}
}

func TestWebhooks_AFailingReceiverIsRetriedThenItsEndpointDisabled(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	start := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	clock := start
	f.db.Now = func() time.Time { return clock }
	f.person(t, "ada@acme.test", "Ada Admin", user.Admin)
	rc := newReceiver(t, http.StatusInternalServerError)
	ep, secret := f.endpoint(t, rc.URL, webhook.UserCreated)
	f.person(t, "kim@acme.test", "Kim")
	f.person(t, "lou@acme.test", "Lou")

	// Step through the attempts as River would, moving the clock to the
	// next one due, until the endpoint is disabled.
	var seen []time.Time
	for step := 0; step < 40; step++ {
		f.deliverDue(t, ep.ID, clock)
		seen = append(seen, clock)
		e, err := f.hooks.FindEndpoint(f.ctx, f.tenantID, ep.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Enabled() {
			break
		}
		var next *time.Time
		for _, d := range f.log(t, ep.ID) {
			if d.NextAttemptAt != nil && (next == nil || d.NextAttemptAt.Before(*next)) {
				next = d.NextAttemptAt
			}
		}
		if next == nil {
			t.Fatal("nothing more to try, and the endpoint is still enabled")
		}
		clock = *next
	}

	// The attempts followed the schedule: each wait longer than the last.
	var waited time.Duration
	for i := 1; i < len(seen); i++ {
		if want := webhook.RetryDelay(i); seen[i].Sub(seen[i-1]) != want {
			t.Errorf("wait before attempt %d: %v, want %v", i+1, seen[i].Sub(seen[i-1]), want)
		}
		waited += seen[i].Sub(seen[i-1])
	}
	if waited < webhook.DisableAfterFailingFor {
		t.Errorf("disabled after failing for %v only", waited)
	}

	// Every attempt reached the receiver, signed at its time.
	got := rc.received()
	if len(got) < webhook.DisableAfter {
		t.Fatalf("%d attempts before disabling, want at least %d", len(got), webhook.DisableAfter)
	}
	for _, d := range got {
		if err := webhook.Verify(secret, d.header.Get(webhook.SignatureHeader), d.body, clock, webhook.DefaultTolerance*1000); err != nil {
			t.Errorf("signature: %v", err)
		}
	}

	e, err := f.hooks.FindEndpoint(f.ctx, f.tenantID, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Enabled() || !strings.Contains(e.DisabledReason, "failed") || !strings.Contains(e.DisabledReason, "500") {
		t.Errorf("endpoint %+v", e)
	}
	log := f.log(t, ep.ID)
	if len(log) != 2 {
		t.Fatalf("log %+v", log)
	}
	first, second := log[0], log[1]
	if first.Status != "failed" || first.Attempts != webhook.MaxAttempts || first.LastStatus == nil || *first.LastStatus != 500 ||
		!strings.Contains(first.LastError, "500 Internal Server Error") || !strings.Contains(first.LastError, "down for maintenance") || first.NextAttemptAt != nil {
		t.Errorf("the first delivery: %+v", first)
	}
	// The second's last attempt came after the endpoint was disabled.
	if second.Status != "skipped" || second.Attempts != webhook.MaxAttempts-1 || second.NextAttemptAt != nil {
		t.Errorf("the second delivery: %+v", second)
	}

	// The administrators are told, and the audit log says so.
	mails, err := f.db.FindOutboxMessages(f.ctx, 50)
	if err != nil {
		t.Fatal(err)
	}
	var notice *postgres.OutboxMessage
	for i := range mails {
		if strings.HasPrefix(mails[i].Subject, "Webhook endpoint disabled") {
			notice = &mails[i]
		}
	}
	if notice == nil || notice.To != "ada@acme.test" || !strings.Contains(notice.Text, rc.URL) ||
		!strings.Contains(notice.Text, "/admin/webhooks/") {
		t.Fatalf("notice %+v", notice)
	}
	audited, err := postgres.NewAuditService(f.db).FindAuditEvents(f.ctx, f.tenantID, auditlog.Filter{Action: "webhook.disabled"}, nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(audited.Events) != 1 {
		t.Error("no webhook.disabled in the audit log")
	}

	// A disabled endpoint hears no more events…
	f.person(t, "max@acme.test", "Max")
	if n := len(f.log(t, ep.ID)); n != 2 {
		t.Errorf("%d deliveries after disabling, want 2", n)
	}
	// …until an administrator enables it again, which starts the count
	// of failures afresh.
	if err := f.hooks.SetEndpointEnabled(f.ctx, f.tenantID, ep.ID, true, f.by); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.hooks.FindEndpoint(f.ctx, f.tenantID, ep.ID); !e.Enabled() || e.ConsecutiveFailures != 0 || e.DisabledReason != "" {
		t.Errorf("after enabling: %+v", e)
	}
	rc.mu.Lock()
	rc.status = http.StatusOK
	rc.mu.Unlock()
	f.person(t, "noa@acme.test", "Noa")
	f.deliverDue(t, ep.ID, clock)
	if log := f.log(t, ep.ID); len(log) != 3 || log[2].Status != "delivered" {
		t.Errorf("after enabling: %+v", log)
	}
}

func TestWebhooks_ASuccessEndsAFailureStreak(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	rc := newReceiver(t, http.StatusBadGateway)
	ep, _ := f.endpoint(t, rc.URL, webhook.UserCreated)
	f.person(t, "kim@acme.test", "Kim")
	f.deliverDue(t, ep.ID, time.Now())
	if e, _ := f.hooks.FindEndpoint(f.ctx, f.tenantID, ep.ID); e.ConsecutiveFailures != 1 || e.FailingSince == nil {
		t.Fatalf("after a failure: %+v", e)
	}
	rc.mu.Lock()
	rc.status = http.StatusOK
	rc.mu.Unlock()
	f.deliverDue(t, ep.ID, time.Now().Add(webhook.RetryDelay(1)))
	if e, _ := f.hooks.FindEndpoint(f.ctx, f.tenantID, ep.ID); e.ConsecutiveFailures != 0 || e.FailingSince != nil {
		t.Errorf("after a success: %+v", e)
	}
	if l := f.log(t, ep.ID); l[0].Status != "delivered" || l[0].Attempts != 2 || *l[0].LastStatus != 200 {
		t.Errorf("log %+v", l)
	}
}

func TestWebhooks_ATestEventIsSentOnceEvenToADisabledEndpoint(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	rc := newReceiver(t, http.StatusOK)
	ep, secret := f.endpoint(t, rc.URL, webhook.CourseCompleted)
	if err := f.hooks.SetEndpointEnabled(f.ctx, f.tenantID, ep.ID, false, f.by); err != nil {
		t.Fatal(err)
	}
	if e, _ := f.hooks.FindEndpoint(f.ctx, f.tenantID, ep.ID); e.Enabled() || e.DisabledReason != "Disabled by admin@acme.test." {
		t.Errorf("disabled by hand: %+v", e)
	}
	if err := f.hooks.SendTestEvent(f.ctx, f.tenantID, ep.ID, f.by); err != nil {
		t.Fatal(err)
	}
	f.deliverDue(t, ep.ID, time.Now())
	got := rc.received()
	if len(got) != 1 || got[0].header.Get(webhook.EventHeader) != webhook.Ping {
		t.Fatalf("received %d", len(got))
	}
	if err := webhook.Verify(secret, got[0].header.Get(webhook.SignatureHeader), got[0].body, time.Now(), webhook.DefaultTolerance); err != nil {
		t.Error(err)
	}
	var e webhook.Event
	json.Unmarshal(got[0].body, &e)
	if e.Type != webhook.Ping || e.Portal != "acme" {
		t.Errorf("ping %s", got[0].body)
	}
	if l := f.log(t, ep.ID); len(l) != 1 || l[0].Status != "delivered" || *l[0].LastStatus != 200 || l[0].MaxAttempts != 1 {
		t.Errorf("log %+v", l)
	}

	// A failed test is not retried: the administrator reads it and tries again.
	rc.mu.Lock()
	rc.status = http.StatusNotFound
	rc.mu.Unlock()
	if err := f.hooks.SendTestEvent(f.ctx, f.tenantID, ep.ID, f.by); err != nil {
		t.Fatal(err)
	}
	f.deliverDue(t, ep.ID, time.Now())
	if l := f.log(t, ep.ID); l[1].Status != "failed" || l[1].Attempts != 1 || *l[1].LastStatus != 404 || l[1].NextAttemptAt != nil {
		t.Errorf("failed test: %+v", l[1])
	}
}

func TestWebhooks_NoEventIsSentWhenItsTransactionRollsBack(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	f.publish(t)
	acme, err := postgres.NewTenantService(f.db).FindTenantByID(f.ctx, f.tenantID)
	if err != nil {
		t.Fatal(err)
	}
	acme.SeatLimit = 1
	if _, err := postgres.NewTenantService(f.db).UpdateTenant(f.ctx, acme, f.by); err != nil {
		t.Fatal(err)
	}
	kim := f.person(t, "kim@acme.test", "Kim")
	rc := newReceiver(t, http.StatusOK)
	ep, _ := f.endpoint(t, rc.URL, webhook.EnrolmentCreated)

	// Assigning to two people with one seat enrols the first (an event
	// queued), then fails on the second: the whole assignment, event
	// included, is rolled back.
	_, err = f.learning.Assign(f.ctx, f.tenantID, postgres.Assignment{CourseID: f.course.ID, UserIDs: []int64{f.learner, kim}}, f.by)
	if apperr.Code(err) != apperr.ECONFLICT {
		t.Fatalf("assigning past the seat limit: %v", err)
	}
	if l := f.log(t, ep.ID); len(l) != 0 {
		t.Errorf("deliveries of a rolled-back enrolment: %+v", l)
	}
	var jobs int
	if err := f.db.Pool.QueryRow(f.ctx, `SELECT count(*) FROM river_job WHERE kind = 'webhook.deliver'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	if jobs != 0 {
		t.Errorf("%d delivery jobs of a rolled-back enrolment", jobs)
	}
	// The same with one person commits, and queues its delivery and job.
	if _, err := f.learning.Assign(f.ctx, f.tenantID, postgres.Assignment{CourseID: f.course.ID, UserIDs: []int64{kim}}, f.by); err != nil {
		t.Fatal(err)
	}
	f.db.Pool.QueryRow(f.ctx, `SELECT count(*) FROM river_job WHERE kind = 'webhook.deliver'`).Scan(&jobs)
	if l := f.log(t, ep.ID); len(l) != 1 || jobs != 1 {
		t.Errorf("%d deliveries and %d jobs, want 1 and 1", len(l), jobs)
	}
}

func TestWebhooks_AnImportSendsOneEventAPerson(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	rc := newReceiver(t, http.StatusOK)
	ep, _ := f.endpoint(t, rc.URL, webhook.UserCreated)
	outbox := insertOnlyOutbox(t)
	users := postgres.NewUserService(f.db, outbox, func(tenant.Tenant) string { return "http://acme.localhost" })
	acme, err := postgres.NewTenantService(f.db).FindTenantByID(f.ctx, f.tenantID)
	if err != nil {
		t.Fatal(err)
	}
	file := []byte("email,name,roles,groups,manager_email\nana@acme.test,Ana,learner,,\nbo@acme.test,Bo,learner;instructor,,\n")
	if _, n, err := users.ImportUsers(f.ctx, acme, file, postgres.ImportAll, 2, f.by); err != nil || n != 2 {
		t.Fatalf("import: %d, %v", n, err)
	}
	f.deliverDue(t, ep.ID, time.Now())
	var emails []string
	for _, d := range rc.received() {
		var e struct {
			Data webhook.UserCreatedData `json:"data"`
		}
		json.Unmarshal(d.body, &e)
		emails = append(emails, e.Data.User.Email+" "+e.Data.User.Status+" "+strings.Join(e.Data.User.Roles, "+"))
	}
	slices.Sort(emails)
	if want := []string{"ana@acme.test invited learner", "bo@acme.test invited learner+instructor"}; !slices.Equal(emails, want) {
		t.Errorf("user.created for %v, want %v", emails, want)
	}
}

func TestWebhooks_ErasingAPersonClearsThemFromTheLog(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	f.publish(t)
	rc := newReceiver(t, http.StatusOK)
	ep, _ := f.endpoint(t, rc.URL, webhook.UserCreated, webhook.EnrolmentCreated)
	kim := f.person(t, "kim@acme.test", "Kim Doe")
	f.deliverDue(t, ep.ID, time.Now()) // user.created is sent
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, kim, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	f.person(t, "lou@acme.test", "Lou Other")
	if err := f.users.EraseUser(f.ctx, f.tenantID, kim, "kim@acme.test", f.by); err != nil {
		t.Fatal(err)
	}
	log := f.log(t, ep.ID)
	if len(log) != 3 {
		t.Fatalf("log %+v", log)
	}
	for _, d := range log[:2] {
		if strings.Contains(d.Body, "kim@acme.test") || strings.Contains(d.Body, "Kim Doe") || !strings.Contains(d.Body, postgres.ErasedName) {
			t.Errorf("the log still names the erased person: %s", d.Body)
		}
	}
	if log[0].Status != "delivered" || log[1].Status != "skipped" {
		t.Errorf("sent %q, unsent %q", log[0].Status, log[1].Status)
	}
	if log[2].Status != "pending" || !strings.Contains(log[2].Body, "lou@acme.test") {
		t.Errorf("another person's delivery changed: %+v", log[2])
	}
	f.deliverDue(t, ep.ID, time.Now())
	if n := len(rc.received()); n != 2 {
		t.Errorf("%d requests, want 2 (Kim's creation before erasing, and Lou's)", n)
	}
}

func TestWebhooks_EndpointsAreCheckedAndKeptPerPortal(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	_, _, err := f.hooks.CreateEndpoint(f.ctx, f.tenantID, webhook.Endpoint{URL: "ftp://example.com"}, f.by)
	if fields, ok := apperr.FieldsOf(err); !ok || fields["url"] == "" || fields["events"] == "" {
		t.Errorf("bad endpoint: %v", err)
	}
	prod := postgres.NewWebhookService(f.db, false)
	if _, _, err := prod.CreateEndpoint(f.ctx, f.tenantID, webhook.Endpoint{URL: "http://127.0.0.1:9/hook", Events: []string{webhook.UserCreated}}, f.by); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("a local receiver in production: %v", err)
	}
	ep, _ := f.endpoint(t, "http://127.0.0.1:9/hook", webhook.UserCreated)

	globex, err := postgres.NewTenantService(f.db).CreateTenant(f.ctx, tenant.Tenant{Slug: "globex", Name: "Globex"}, f.by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.hooks.FindEndpoint(f.ctx, globex.ID, ep.ID); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("another portal finds the endpoint: %v", err)
	}
	if _, _, err := f.hooks.FindDeliveries(f.ctx, globex.ID, ep.ID, 0, 10); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("another portal reads the log: %v", err)
	}
	for name, do := range map[string]func() error{
		"enable":  func() error { return f.hooks.SetEndpointEnabled(f.ctx, globex.ID, ep.ID, true, f.by) },
		"disable": func() error { return f.hooks.SetEndpointEnabled(f.ctx, globex.ID, ep.ID, false, f.by) },
		"test":    func() error { return f.hooks.SendTestEvent(f.ctx, globex.ID, ep.ID, f.by) },
		"delete":  func() error { return f.hooks.DeleteEndpoint(f.ctx, globex.ID, ep.ID, f.by) },
	} {
		if err := do(); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("another portal may %s the endpoint: %v", name, err)
		}
	}
	if list, _ := f.hooks.FindEndpoints(f.ctx, globex.ID); len(list) != 0 {
		t.Errorf("globex lists %+v", list)
	}

	// Deleting takes the log with it; its queued jobs then find nothing to send.
	f.person(t, "kim@acme.test", "Kim")
	d := f.log(t, ep.ID)[0]
	if err := f.hooks.DeleteEndpoint(f.ctx, f.tenantID, ep.ID, f.by); err != nil {
		t.Fatal(err)
	}
	if a, err := f.worker.Deliver(f.ctx, f.tenantID, d.ID); err != nil || a.Sent {
		t.Errorf("delivering for a deleted endpoint: %+v, %v", a, err)
	}
	if list, _ := f.hooks.FindEndpoints(f.ctx, f.tenantID); len(list) != 0 {
		t.Errorf("after deleting: %+v", list)
	}
}

func TestWebhooks_TheLogPagesNewestFirst(t *testing.T) {
	t.Parallel()
	f := newWebhookFixture(t)
	ep, _ := f.endpoint(t, "http://127.0.0.1:9/hook", webhook.UserCreated)
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		f.person(t, name+"@acme.test", name)
	}
	page1, more, err := f.hooks.FindDeliveries(f.ctx, f.tenantID, ep.ID, 0, 2)
	if err != nil || len(page1) != 2 || !more || page1[0].ID < page1[1].ID {
		t.Fatalf("page 1: %+v %v %v", page1, more, err)
	}
	page2, _, _ := f.hooks.FindDeliveries(f.ctx, f.tenantID, ep.ID, page1[1].ID, 2)
	page3, more, _ := f.hooks.FindDeliveries(f.ctx, f.tenantID, ep.ID, page2[1].ID, 2)
	if len(page2) != 2 || page2[0].ID >= page1[1].ID || len(page3) != 1 || more {
		t.Errorf("pages 2 and 3: %+v %+v %v", page2, page3, more)
	}
	list, err := f.hooks.FindEndpoints(f.ctx, f.tenantID)
	if err != nil || len(list) != 1 || list[0].LastDelivery == nil || list[0].LastDelivery.ID != page1[0].ID {
		t.Errorf("the list's last delivery: %+v, %v", list, err)
	}
}

// insertOnlyOutbox is an outbox whose jobs are stored and never run.
func insertOnlyOutbox(t *testing.T) *postgres.Outbox {
	t.Helper()
	jobs, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return postgres.NewOutbox(jobs)
}
