package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/certificate"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// Every route of the portal router, requested by an administrator of acme
// (who manages someone, so that My team's routes pass the policy too)
// with the IDs of globex's objects, answers 404 and shows none of globex's
// data; POSTs change nothing. The routes come from chi.Walk, so a new route
// is covered, or fails this test until its parameters are mapped.
func TestEveryPortalRouteHidesAnotherTenantsObjects(t *testing.T) {
	t.Parallel()
	s, _, globex := twoPortals(t, withAdmin, func(acme, globex *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "rae@acme.test", Name: "Rae Report", Manager: bossOfAcme.Email})
		globex.People = []fixture.Person{
			{Email: "secret.person@globex.test", Name: "Globex Secret Person"},
			{Email: "teacher@globex.test", Name: "Globex Teacher", Roles: []user.Role{user.Instructor}},
		}
		globex.Groups = []fixture.Group{{Name: "Globex Secret Group", Members: []string{"secret.person@globex.test"}}}
		globex.Courses = []fixture.Course{{Slug: fixture.ExampleSlug, Title: "Globex Secret Course"}}
		globex.Paths = []fixture.Path{{Slug: "globex-path", Title: "Globex Secret Path", Courses: []string{fixture.ExampleSlug}}}
		globex.Progress = []fixture.Progress{{Who: "secret.person@globex.test", Course: fixture.ExampleSlug}}
	})
	ctx := context.Background()
	by := postgres.AuditActor{Label: "test"}
	secret, gTeacher := globex.Person(t, "secret.person@globex.test"), globex.Person(t, "teacher@globex.test")
	secretGroup, gc, gPath := globex.Groups["Globex Secret Group"], globex.Courses[fixture.ExampleSlug], globex.Paths["globex-path"]
	if err := s.main.Tenants.SetLogo(ctx, globex.ID, "logo-globex-secret.png", by); err != nil {
		t.Fatal(err)
	}
	if _, err := s.main.Tenants.RequestDomain(ctx, globex.ID, "secret-domain.globex.example", "localhost", by); err != nil {
		t.Fatal(err)
	}
	gLesson := gc.Draft.Modules[0].Lessons[0]
	// The secret learner completes the course: answers, a certificate.
	learn := postgres.NewLearningService(s.db)
	glc, err := learn.FindLearnerCourse(ctx, globex.ID, secret.ID, gc.Slug)
	if err != nil {
		t.Fatal(err)
	}
	blockOf := func(lessonIndex int, kind course.Kind) string {
		for _, b := range glc.Content.Modules[lessonIndex].Lessons[0].Blocks {
			if b.Kind == kind {
				return b.Key
			}
		}
		return ""
	}
	lessonTwo := glc.Content.Modules[1].Lessons[0].Key
	if err := learn.SaveReflection(ctx, globex.ID, glc, gLesson.Key, blockOf(0, course.KindReflection), "Globex Secret Reflection", false); err != nil {
		t.Fatal(err)
	}
	if _, err := learn.SubmitQuiz(ctx, globex.ID, glc, lessonTwo, blockOf(1, course.KindQuiz), 1, learning.Answers{{0}, {1}}); err != nil {
		t.Fatal(err)
	}
	gCerts, err := learn.FindCertificates(ctx, globex.ID, secret.ID)
	if err != nil || len(gCerts) != 1 {
		t.Fatalf("globex certificates: %v %v", gCerts, err)
	}
	secretFile := "f-0123456789abcdef0123456789abcdef.png"
	if err := postgres.NewCourseService(s.db).RecordUpload(ctx, globex.ID, secretFile, by); err != nil {
		t.Fatal(err)
	}
	secretHook, _, err := postgres.NewWebhookService(s.db, true).CreateEndpoint(ctx, globex.ID,
		webhook.Endpoint{URL: "http://127.0.0.1:9/globex-secret-hook", Events: []string{webhook.UserCreated}}, by)
	if err != nil {
		t.Fatal(err)
	}
	gKey, _, err := postgres.NewAPIKeyService(s.db).CreatePortalKey(ctx, globex.ID, "Globex Secret Key", []apikey.Permission{apikey.UsersRead}, by)
	if err != nil {
		t.Fatal(err)
	}
	notes := postgres.NewNotificationService(s.db)
	if err := notes.Notify(ctx, globex.ID, notify.Note{UserID: secret.ID, Kind: notify.Mention, Title: "Globex Secret Notification"}); err != nil {
		t.Fatal(err)
	}
	gNotes, _, _ := notes.FindNotifications(ctx, globex.ID, secret.ID, 0, 1)
	liveSessions := postgres.NewLiveSessionService(s.db)
	gStart := time.Now().Add(72 * time.Hour)
	gSession, err := liveSessions.CreateSession(ctx, globex.ID, postgres.SessionPlan{CourseID: gc.ID, Instructors: []int64{gTeacher.ID},
		Details: livesession.Details{Title: "Globex Secret Session", Start: gStart, End: gStart.Add(time.Hour), TimeZone: "UTC", Capacity: 5, Room: "Globex room"}}, by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := liveSessions.Register(ctx, globex.ID, gSession.ID, secret.ID); err != nil {
		t.Fatal(err)
	}
	gFeed, err := liveSessions.NewCalendarFeed(ctx, globex.ID, secret.ID)
	if err != nil {
		t.Fatal(err)
	}
	talk := postgres.NewDiscussionService(s.db)
	gPost, err := talk.CreatePost(ctx, globex.ID, postgres.Viewer{UserID: secret.ID}, postgres.ThreadRef{CourseID: gc.ID, Lesson: gLesson.Key}, 0, "Globex Secret Post")
	if err != nil {
		t.Fatal(err)
	}
	gSignature := "signature-" + strconv.FormatInt(globex.ID, 10) + "-fedcba9876543210.png"
	if _, err := postgres.NewTenantService(s.db).SaveCertificateDesign(ctx, globex.ID, certificate.Design{Layout: certificate.Minimal,
		SignatureFile: gSignature, SignerName: "Globex Secret Signer"}, fixture.By); err != nil {
		t.Fatal(err)
	}
	leaks := []string{"Globex Secret Signer", "Globex Secret Session", "Globex Secret Post", "Globex Secret Notification", "globex-secret-hook", "Globex Secret Key", "Globex Secret Person", "secret.person@globex.test", "Globex Secret Group", "Globex Secret Course", "Globex Secret Path", "Globex Secret Reflection", "secret-domain.globex.example"}

	// What each URL parameter is filled with, by the path segment before it.
	params := map[string]string{
		"users/{id}":                   strconv.FormatInt(secret.ID, 10),
		"learners/{id}":                strconv.FormatInt(secret.ID, 10),
		"groups/{id}":                  strconv.FormatInt(secretGroup.ID, 10),
		"groups/{groupID}":             strconv.FormatInt(secretGroup.ID, 10),
		"members/{userID}":             strconv.FormatInt(secret.ID, 10),
		"logo/{name}":                  "logo-globex-secret.png",
		"courses/{id}":                 strconv.FormatInt(gc.ID, 10),
		"courses/{slug}":               gc.Slug,
		"paths/{slug}":                 gPath.Slug,
		"paths/{id}":                   strconv.FormatInt(gPath.ID, 10),
		"steps/{course}":               gc.Slug,
		"steps/{step}":                 "1",
		"certificates/{code}":          gCerts[0].Code,
		"quizzes/{block}":              blockOf(1, course.KindQuiz),
		"reflections/{block}":          blockOf(0, course.KindReflection),
		"writing/{block}":              glc.Content.Modules[1].Lessons[1].Blocks[1].Key,
		"checklists/{block}":           blockOf(1, course.KindChecklist),
		"modules/{key}":                gc.Draft.Modules[0].Key,
		"lessons/{key}":                gLesson.Key,
		"blocks/{block}":               gLesson.Blocks[0].Key,
		"files/{name}":                 secretFile,
		"webhooks/{id}":                strconv.FormatInt(secretHook.ID, 10),
		"api-keys/{id}":                gKey.ID,
		"notifications/{id}":           strconv.FormatInt(gNotes[0].ID, 10),
		"sessions/{id}":                strconv.FormatInt(gSession.ID, 10),
		"calendar/{token}":             gFeed,
		"posts/{id}":                   strconv.FormatInt(gPost.PostID, 10),
		"discussions/{id}":             strconv.FormatInt(gPost.PostID, 10),
		"team/{id}":                    strconv.FormatInt(secret.ID, 10),
		"certificate-signature/{name}": gSignature,
	}

	c := newClient(t, s, "acme.localhost")
	globexState := func() string {
		var members, name string
		s.db.InTenantTx(ctx, globex.ID, func(tx *postgres.Tx) error {
			tx.QueryRow(ctx, "SELECT string_agg(user_id::text, ',') FROM group_members").Scan(&members)
			var hooks string
			tx.QueryRow(ctx, "SELECT string_agg(url || coalesce(disabled_at::text, 'on'), ',') || (SELECT count(*) FROM webhook_deliveries)::text FROM webhook_endpoints").Scan(&hooks)
			members += "|" + hooks
			var live string
			tx.QueryRow(ctx, "SELECT (SELECT string_agg(status || title || starts_at::text, ',') FROM live_sessions) || (SELECT string_agg(status || coalesce(attendance, ''), ',') FROM live_session_registrations) || (SELECT count(*) FROM calendar_feeds)::text").Scan(&live)
			members += "|" + live
			return tx.QueryRow(ctx, "SELECT name || status || array_to_string(roles, ',') FROM users WHERE id = $1", secret.ID).Scan(&name)
		})
		return members + "|" + name
	}
	before := globexState()

	routes := 0
	walk(t, s.PortalRouter(), func(method, route string) {
		path, missing := fillRoute(route, func(p string) (string, bool) { v, ok := params[p]; return v, ok })
		if missing != "" {
			t.Errorf("%s %s: no ID mapping for %q; add it to this test", method, route, missing)
			return
		}
		withIDs := hasParams(route)
		routes++
		t.Run(method+" "+route, func(t *testing.T) {
			// Walking /logout and sign-out-everywhere ends the session: sign
			// in again when needed, and read a fresh CSRF token.
			if c.get("/account").status != http.StatusOK {
				signIn(c, "boss@acme.test", goodPassword)
			}
			c.get("/admin")
			var p page
			if method == http.MethodGet {
				p = c.get(path)
			} else {
				p = c.post(path, url.Values{"name": {"Hacked"}, "user_id": {strconv.FormatInt(secret.ID, 10)}, "status": {"deactivated"}, "roles": {"admin"}})
			}
			if withIDs && p.status != http.StatusNotFound {
				t.Errorf("status %d, want 404", p.status)
			}
			body := p.doc.Text()
			for _, leak := range leaks {
				if strings.Contains(body, leak) {
					t.Errorf("the page shows globex's %q", leak)
				}
			}
		})
	})
	if routes < 20 {
		t.Errorf("walked only %d routes", routes)
	}
	if after := globexState(); after != before {
		t.Errorf("globex's data changed: %q -> %q", before, after)
	}
}
