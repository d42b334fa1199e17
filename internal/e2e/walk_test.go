package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"maps"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
	"github.com/upward-lms/upward/internal/webhook"
)

// walkRole is one role of the route walk: who signs in where, and the
// matrix column that says which routes they reach.
type walkRole struct {
	name   string
	column string   // the access matrix's party
	kinds  []string // the hosts whose routes the role walks
	email  string   // "" for nobody signed in
	at     string   // where they sign in: portal, console or platform
	// refused are routes of the column the role is refused, with why.
	refused map[string]string
}

var walkRoles = []walkRole{
	{name: "signed out", column: "anon", kinds: []string{"portal", "api", "platform", "platform-api"}},
	{name: "learner", column: "learner", kinds: []string{"portal", "api", "content"}, email: "lee@acme.test", at: "portal"},
	{name: "manager", column: "manager", kinds: []string{"portal", "api"}, email: "mo@acme.test", at: "portal"},
	{name: "instructor", column: "instructor", kinds: []string{"portal", "api"}, email: "ivy@acme.test", at: "portal"},
	{name: "portal admin", column: "admin", kinds: []string{"portal", "api"}, email: "ada@acme.test", at: "portal"},
	{name: "platform operator", column: "operator", kinds: []string{"platform", "platform-api"}, email: "op@upward.test", at: "platform"},
	{name: "reseller console", column: "console", kinds: []string{"platform", "platform-api"}, email: "rae@northwind.test", at: "console"},
	// The matrix's console column is a reseller's member; an account's
	// member reaches the same routes, with its own objects, but for the
	// white label.
	{name: "account console", column: "console", kinds: []string{"platform", "platform-api"}, email: "ari@acme-account.test", at: "console",
		refused: map[string]string{"GET platform /console/branding": "a white label is a reseller's"}},
}

// notPages are the GET routes the walk leaves out, and why. The top
// router's routes (probes, static files, brand stylesheets) are none of
// them pages, and are not walked.
var notPages = map[string]string{
	"GET content /scorm/{token}/files/*":       "the SCORM package's own files, not Upward's markup",
	"GET portal /logo/{name}":                  "a portal's logo image",
	"GET platform /console/branding/{name}":    "a reseller's logo image",
	"GET portal /certificate-signature/{name}": "a certificate's signature image",
}

// The route walk: as each role, every GET page the access matrix lets it
// reach, with every parameter filled from a portal with real data (a
// course with a lesson of every block kind, a quiz taken, a SCORM course,
// a path, a group, a live session, a discussion with a reported post, a
// certificate, webhooks, keys, console members), each checked by Visit:
// axe-core at every impact, the rendered contrast, and no wider than a
// 390 px phone. Responses that are not HTML (CSV, PDF, ICS, JSON, files)
// are left out after a look at their Content-Type. It runs in make check:
// in make test, on 2 cores, even one look at each page (95 pages, about
// 100 CPU-seconds, mostly Chromium's) took make test past five minutes;
// make test's journeys check the pages they visit the same way.
func TestRouteWalk_EveryPageOfEveryRole(t *testing.T) {
	browsertest.Long(t)
	t.Parallel()
	start := time.Now()
	srv := browsertest.StartServer(t)
	w := newWalkFixture(t, srv)
	t.Logf("fixture: %v", time.Since(start).Round(time.Millisecond))
	matrix := readMatrix(t)
	routers := map[string]func() ([]walkRoute, error){
		"portal":       func() ([]walkRoute, error) { return getRoutes("portal", srv.Main.Server.PortalRouter()) },
		"api":          func() ([]walkRoute, error) { return getRoutes("api", srv.Main.Server.APIRouter()) },
		"platform":     func() ([]walkRoute, error) { return getRoutes("platform", srv.Main.Server.PlatformRouter()) },
		"platform-api": func() ([]walkRoute, error) { return getRoutes("platform-api", srv.Main.Server.PlatformAPIRouter()) },
		"content":      func() ([]walkRoute, error) { return getRoutes("content", srv.Main.Server.ContentRouter()) },
	}
	var mu sync.Mutex
	walked := map[string]int{}
	t.Cleanup(func() {
		total := 0
		for _, r := range walkRoles {
			t.Logf("%-18s %3d pages", r.name, walked[r.name])
			total += walked[r.name]
		}
		t.Logf("%d pages in %v", total, time.Since(start).Round(time.Millisecond))
	})
	for _, role := range walkRoles {
		t.Run(strings.ReplaceAll(role.name, " ", "-"), func(t *testing.T) {
			t.Parallel()
			var routes []walkRoute
			for _, kind := range role.kinds {
				rs, err := routers[kind]()
				if err != nil {
					t.Fatal(err)
				}
				routes = append(routes, rs...)
			}
			routes, err := matrix.reachable(role.column, routes)
			if err != nil {
				t.Fatal(err)
			}
			b := browsertest.NewBrowser(t)
			w.signIn(t, b, role)
			params := w.paramsFor(t, b, role)
			seen := map[string]bool{}
			n := 0
			for _, r := range routes {
				if _, skip := notPages[r.key()]; skip {
					continue
				}
				if _, skip := role.refused[r.key()]; skip {
					continue
				}
				paths, missing := params.expand(r)
				if missing != "" {
					t.Errorf("%s: no object for %q: add one to the walk's fixture (or, if it is no page, to notPages)", r.key(), missing)
					continue
				}
				for _, p := range paths {
					u := w.base(r.kind) + p
					final, html := w.preflight(t, b, u, r)
					if !html || seen[final] {
						continue
					}
					seen[final] = true
					b.Visit(u)
					n++
				}
			}
			mu.Lock()
			walked[role.name] = n
			mu.Unlock()
			if n == 0 {
				t.Errorf("%s walked no page", role.name)
			}
		})
	}
}

// walkFixture is the walk's portal and what fills its routes.
type walkFixture struct {
	srv    *browsertest.Server
	portal string // acme's address
	hc     *http.Client
	params routeParams
	// byRole are a role's own objects, over params.
	byRole map[string]map[string]map[string]string
	// scormLesson is the SCORM course's lesson, whose frame holds a
	// launch token for the content host.
	scormLesson string
}

func (w *walkFixture) base(kind string) string {
	switch kind {
	case "portal", "api":
		return w.portal
	case "content":
		return "http://content.localhost:" + w.srv.URL[strings.LastIndex(w.srv.URL, ":")+1:]
	}
	return w.srv.URL
}

func (w *walkFixture) signIn(t *testing.T, b *browsertest.Browser, role walkRole) {
	t.Helper()
	switch role.at {
	case "":
	case "portal":
		signIn(b, w.portal+"/login", role.email)
	case "platform":
		signIn(b, w.srv.URL+"/platform/login", role.email)
	case "console":
		consoleSignIn(t, b, w.srv.URL, role.email)
	default:
		t.Fatalf("role %s signs in at %q", role.name, role.at)
	}
}

// paramsFor is the fixture's parameters with the role's own: the
// learner's SCORM launch token comes from the lesson's frame, as the
// browser gets it.
func (w *walkFixture) paramsFor(t *testing.T, b *browsertest.Browser, role walkRole) routeParams {
	t.Helper()
	p := routeParams{byKind: map[string]map[string]string{}, paths: w.params.paths}
	for kind, m := range w.params.byKind {
		p.byKind[kind] = maps.Clone(m)
		maps.Copy(p.byKind[kind], w.byRole[role.name][kind])
	}
	if role.column == "learner" {
		b.Do(chromedp.Navigate(w.portal + w.scormLesson))
		src := browsertest.Run(b, chromedp.AttributeValue(chromedp.CSS(`iframe[data-testid="sco-frame"]`), "src"))
		u, err := url.Parse(src.Value)
		if err != nil || !strings.HasPrefix(u.Path, "/scorm/") {
			t.Fatalf("the SCO frame's address: %q", src.Value)
		}
		p.byKind["content"] = map[string]string{"scorm/{token}": strings.Split(u.Path, "/")[2]}
	}
	return p
}

// preflight asks for a page outside the browser, with the browser's
// cookies, following redirects: it returns the address it ends at and
// whether that is an HTML page. A route the matrix says the role reaches
// must not end in a refusal or an error.
func (w *walkFixture) preflight(t *testing.T, b *browsertest.Browser, u string, r walkRoute) (string, bool) {
	t.Helper()
	for hops := 0; hops < 5; hops++ {
		cookies := browsertest.Run(b, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
			res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
			return res.Cookies, err
		}))
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		res, err := w.hc.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		res.Body.Close()
		if res.StatusCode >= 300 && res.StatusCode < 400 {
			next, err := res.Request.URL.Parse(res.Header.Get("Location"))
			if err != nil {
				t.Fatalf("%s: redirect to %q", u, res.Header.Get("Location"))
			}
			u = next.String()
			continue
		}
		switch res.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
			t.Errorf("%s (%s): %d, where the access matrix lets the role through: the walk's fixture is wrong", r.key(), u, res.StatusCode)
			return u, false
		}
		if res.StatusCode >= 500 {
			t.Errorf("%s (%s): %d", r.key(), u, res.StatusCode)
			return u, false
		}
		return u, strings.HasPrefix(res.Header.Get("Content-Type"), "text/html")
	}
	t.Errorf("%s: more than 5 redirects", u)
	return u, false
}

// newWalkFixture builds acme, a portal of northwind (a reseller), with
// something of every kind a page shows.
func newWalkFixture(t *testing.T, srv *browsertest.Server) *walkFixture {
	t.Helper()
	ctx := context.Background()
	db := srv.Main.DB
	by := fixture.By
	fatal := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	due := time.Now().AddDate(0, 0, 10)
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme Learning", Plan: "enterprise",
		Settings: tenant.Settings{SelfRegistration: true},
		People: []fixture.Person{
			{Email: "mo@acme.test", Name: "Mo Manager"},
			{Email: "lee@acme.test", Name: "Lee Learner", Manager: "mo@acme.test"},
			{Email: "kim@acme.test", Name: "Kim Colleague", Manager: "mo@acme.test"},
			{Email: "ivy@acme.test", Name: "Ivy Instructor", Roles: []user.Role{user.Instructor, user.Learner}},
			{Email: "ada@acme.test", Name: "Ada Admin", Roles: []user.Role{user.Admin, user.Learner}},
		},
		Groups:  []fixture.Group{{Name: "Customer support", Members: []string{"lee@acme.test", "kim@acme.test"}}},
		Courses: []fixture.Course{{}},
		Paths:   []fixture.Path{{Slug: "first-steps", Title: "First steps", Courses: []string{fixture.ExampleSlug}}},
		Progress: []fixture.Progress{{Who: "lee@acme.test", Course: fixture.ExampleSlug, Step: fixture.Passed},
			{Who: "kim@acme.test", Course: fixture.ExampleSlug, Step: fixture.Failed},
			{Who: "mo@acme.test", Course: fixture.ExampleSlug, Due: &due}},
	})
	lee, mo, ivy := acme.Person(t, "lee@acme.test"), acme.Person(t, "mo@acme.test"), acme.Person(t, "ivy@acme.test")
	example := acme.Courses[fixture.ExampleSlug]

	// A course with a lesson of every kind of block, its files stored as
	// an upload stores them.
	files, err := storage.NewDir(filepath.Join(srv.Main.Config.DataDir, "uploads"))
	fatal(err)
	courses := postgres.NewCourseService(db)
	store := func(ext string, data []byte) string {
		sum := sha256.Sum256(data)
		name := "f-" + hex.EncodeToString(sum[:16]) + ext
		fatal(files.Put(name, data))
		fatal(courses.RecordUpload(ctx, acme.ID, name, by))
		return name
	}
	var pic bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 640, 360))
	for x := 0; x < 640; x++ {
		for y := 0; y < 360; y++ {
			img.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 160, 255})
		}
	}
	fatal(png.Encode(&pic, img))
	cover := store(".png", pic.Bytes())
	// The media files are names the page refers to; the browser need not
	// play them.
	video := store(".mp4", append([]byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), make([]byte, 64)...))
	audio := store(".mp3", append([]byte("ID3\x03\x00\x00\x00\x00\x00\x00"), make([]byte, 64)...))
	doc := store(".pdf", []byte("%PDF-1.4\n%%EOF\n"))
	every := fixture.ExampleCourse(t)
	every.Slug, every.Title, every.Cover = "every-block", "Every kind of block", cover
	every.Modules = append(every.Modules, course.Module{Key: course.NewKey("m"), Title: "Media and more", Lessons: []course.Lesson{{
		Key: "media-and-more", Title: "Media, files and a live session", EstimatedMinutes: 5,
		Blocks: []course.Block{
			{Key: course.NewKey("b"), Kind: course.KindText, Text: &course.Text{Markdown: "Watch, listen, and keep the handout.\n\n| Step | What |\n|---|---|\n| 1 | Watch |\n| 2 | Listen |"}},
			{Key: course.NewKey("b"), Kind: course.KindCallout, Callout: &course.Callout{Style: "warning", Title: "Mind the time", Markdown: "Ten minutes in all."}},
			{Key: course.NewKey("b"), Kind: course.KindImage, Image: &course.Image{Src: cover, Alt: "A gradient from teal to violet", Caption: "The colours of the course."}},
			{Key: course.NewKey("b"), Kind: course.KindVideo, Media: &course.Media{Src: video, Title: "A one-on-one, acted", Transcript: "Lee: Have you got ten minutes?\nMo: Yes."}},
			{Key: course.NewKey("b"), Kind: course.KindAudio, Media: &course.Media{Src: audio, Title: "The agenda, read aloud", Transcript: "First, priorities."}},
			{Key: course.NewKey("b"), Kind: course.KindFile, File: &course.File{Src: doc, Label: "The one-on-one handout"}},
			{Key: course.NewKey("b"), Kind: course.KindLiveSession, LiveSession: &course.LiveSession{Title: "Practise with a partner", Description: "An hour of role play."}},
		},
	}}})
	rich, err := courses.ImportCourse(ctx, acme.ID, every, "", by)
	fatal(err)
	_, err = courses.Publish(ctx, acme.ID, rich.ID, "", by)
	fatal(err)
	rich, err = courses.FindCourseByID(ctx, acme.ID, rich.ID)
	fatal(err)
	learn := postgres.NewLearningService(db)
	_, err = learn.Enrol(ctx, acme.ID, lee.ID, rich.ID, learning.SelfEnrolled)
	fatal(err)

	// A SCORM course, with its frame on the content host.
	zip := scormtest.Zip(t, scormtest.Fixture(t, "sco12"))
	scorm, _, err := postgres.NewScormService(db, filepath.Join(srv.Main.Config.DataDir, "scorm")).ImportPackage(ctx, acme.ID,
		postgres.ScormImport{Zip: bytes.NewReader(zip), Size: int64(len(zip))}, by)
	fatal(err)
	_, err = courses.Publish(ctx, acme.ID, scorm.ID, "", by)
	fatal(err)
	_, err = learn.Enrol(ctx, acme.ID, lee.ID, scorm.ID, learning.SelfEnrolled)
	fatal(err)

	// Every kind of block is in a lesson the walk opens: a new kind
	// fails here until the fixture has one.
	kinds := map[course.Kind]bool{}
	for _, c := range []postgres.CourseRecord{rich, scorm} {
		for _, m := range c.Draft.Modules {
			for _, l := range m.Lessons {
				for _, b := range l.Blocks {
					kinds[b.Kind] = true
				}
			}
		}
	}
	for _, k := range course.Kinds {
		if !kinds[k] {
			t.Errorf("the walk's courses have no %s block: add one", k)
		}
	}

	paths := postgres.NewPathService(db)
	path := acme.Paths["first-steps"]
	fatal(paths.StartPath(ctx, acme.ID, lee.ID, path.ID))

	// A live session Ivy teaches, Lee has a place in, and Lee's calendar.
	live := postgres.NewLiveSessionService(db)
	at := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
	session, err := live.CreateSession(ctx, acme.ID, postgres.SessionPlan{CourseID: rich.ID, Instructors: []int64{ivy.ID},
		Details: livesession.Details{Title: "Practise with a partner", Start: at, End: at.Add(time.Hour), TimeZone: "UTC", Capacity: 8, Room: "Room 1"}}, by)
	fatal(err)
	_, err = live.Register(ctx, acme.ID, session.ID, lee.ID)
	fatal(err)
	feed, err := live.NewCalendarFeed(ctx, acme.ID, lee.ID)
	fatal(err)

	// A discussion: Lee's post, answered, and reported by Mo.
	talk := postgres.NewDiscussionService(db)
	firstLesson := example.Draft.Modules[0].Lessons[0].Key
	post, err := talk.CreatePost(ctx, acme.ID, postgres.Viewer{UserID: lee.ID}, postgres.ThreadRef{CourseID: example.ID, Lesson: firstLesson}, 0,
		"I asked about **priorities** first; it worked.")
	fatal(err)
	_, err = talk.CreatePost(ctx, acme.ID, postgres.Viewer{UserID: mo.ID}, postgres.ThreadRef{CourseID: example.ID, Lesson: firstLesson}, post.PostID, "Good call.")
	fatal(err)
	_, err = talk.ReportPost(ctx, acme.ID, postgres.Viewer{UserID: mo.ID}, post.PostID, "Off topic")
	fatal(err)

	notes := postgres.NewNotificationService(db)
	fatal(notes.Notify(ctx, acme.ID, notify.Note{UserID: lee.ID, Kind: notify.Mention, Title: "Mo replied to your post", URL: "/courses/" + example.Slug}))

	certs, err := learn.FindCertificates(ctx, acme.ID, lee.ID)
	fatal(err)
	if len(certs) == 0 {
		t.Fatal("Lee has no certificate")
	}

	hook, _, err := postgres.NewWebhookService(db, true).CreateEndpoint(ctx, acme.ID,
		webhook.Endpoint{URL: "http://127.0.0.1:9/acme-hook", Events: []string{webhook.UserCreated}}, by)
	fatal(err)
	keys := postgres.NewAPIKeyService(db)
	_, _, err = keys.CreatePortalKey(ctx, acme.ID, "HR sync", []apikey.Permission{apikey.UsersRead}, by)
	fatal(err)

	// The platform: an operator; northwind resells acme, and has a
	// console member; acme's account has one of its own.
	_, err = postgres.NewOperatorService(db).CreateOperator(ctx, "op@upward.test", "Olu Operator", fixture.Password, by)
	fatal(err)
	resellers := postgres.NewResellerService(db)
	northwind, err := resellers.EnsureReseller(ctx, "northwind", "Northwind Partners")
	fatal(err)
	owner, err := pgx.Connect(ctx, srv.DBURL)
	fatal(err)
	defer owner.Close(ctx)
	// No service moves a portal to a reseller: the rows say it here, as
	// creating the portal through the reseller would have written them.
	_, err = owner.Exec(ctx, `WITH t AS (UPDATE tenants SET reseller_id = $1 WHERE id = $2 RETURNING account_id)
		UPDATE accounts SET reseller_id = $1 WHERE id = (SELECT account_id FROM t)`, northwind.ID, acme.ID)
	fatal(err)
	console := postgres.NewConsoleService(db)
	rae, err := console.CreateConsoleMember(ctx, "", "northwind", "rae@northwind.test", "Rae Reseller", fixture.Password, by)
	fatal(err)
	ari, err := console.CreateConsoleMember(ctx, "acme", "", "ari@acme-account.test", "Ari Account", fixture.Password, by)
	fatal(err)
	northwindOrg, accountOrg := postgres.Org{ResellerID: &northwind.ID}, postgres.Org{AccountID: &acme.AccountID}
	orgHooks := postgres.NewOrgWebhookService(db, true)
	resellerHook, _, err := orgHooks.CreateEndpoint(ctx, northwindOrg, webhook.Endpoint{URL: "http://127.0.0.1:9/northwind-hook", Events: []string{webhook.PortalCreated}}, by)
	fatal(err)
	accountHook, _, err := orgHooks.CreateEndpoint(ctx, accountOrg, webhook.Endpoint{URL: "http://127.0.0.1:9/account-hook", Events: []string{webhook.PortalCreated}}, by)
	fatal(err)
	_, _, err = keys.CreateOrgKey(ctx, northwindOrg, rae.ID, "Provisioning", []apikey.Permission{apikey.PortalsRead}, by)
	fatal(err)
	_, _, err = keys.CreateOrgKey(ctx, accountOrg, ari.ID, "Provisioning", []apikey.Permission{apikey.PortalsRead}, by)
	fatal(err)
	_, err = console.InviteConsoleMember(ctx, northwindOrg, postgres.ConsoleInvite{Email: "new@northwind.test", Inviter: "Rae", ConsoleURL: srv.URL}, by)
	fatal(err)
	mails, err := db.FindOutboxMessages(ctx, 1)
	fatal(err)
	if len(mails) == 0 {
		t.Fatal("no mail for the development mailbox's page")
	}

	id := itoa
	var lessons, editorLessons []string
	for _, c := range []postgres.CourseRecord{example, rich} {
		for _, m := range c.Draft.Modules {
			for _, l := range m.Lessons {
				lessons = append(lessons, "/courses/"+c.Slug+"/lessons/"+l.Key)
				editorLessons = append(editorLessons, "/admin/courses/"+id(c.ID)+"/lessons/"+l.Key)
			}
		}
	}
	scormLesson := "/courses/" + scorm.Slug + "/lessons/" + scorm.Draft.Modules[0].Lessons[0].Key
	lessons = append(lessons, scormLesson)

	addr := srv.Main.Addr()
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	w := &walkFixture{srv: srv, portal: srv.PortalURL("acme"), scormLesson: scormLesson,
		hc: &http.Client{Transport: tr, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	w.params = routeParams{
		byKind: map[string]map[string]string{
			"portal": {
				"users/{id}": id(lee.ID), "learners/{id}": id(lee.ID), "groups/{id}": id(acme.Groups["Customer support"].ID),
				"courses/{id}": id(rich.ID), "courses/{slug}": rich.Slug, "paths/{slug}": path.Slug, "paths/{id}": id(path.ID),
				"certificates/{code}": certs[0].Code, "lessons/{key}": firstLesson, "files/{name}": cover,
				"webhooks/{id}": id(hook.ID), "sessions/{id}": id(session.ID), "calendar/{token}": feed, "posts/{id}": id(post.PostID),
			},
			"platform": {
				"verify/{code}": certs[0].Code, "portals/{id}": id(acme.ID), "tenants/{id}": id(acme.ID),
				"webhooks/{id}": id(resellerHook.ID), "mailbox/{id}": id(mails[0].ID),
			},
			"platform-api": {"portals/{id}": id(acme.ID)},
		},
		paths: map[string][]string{
			// Every lesson of both courses: the player and the editor
			// with every kind of block.
			"GET portal /courses/{slug}/lessons/{key}":     lessons,
			"GET portal /admin/courses/{id}/lessons/{key}": editorLessons,
			// The discussion of the lesson with the posts.
			"GET portal /courses/{slug}/lessons/{key}/discussion": {"/courses/" + example.Slug + "/lessons/" + firstLesson + "/discussion"},
			// A course report of a course with results, and the plain
			// course's editor page too.
			"GET portal /admin/reports/courses/{id}": {"/admin/reports/courses/" + id(example.ID), "/admin/reports/courses/" + id(rich.ID)},
			"GET portal /admin/courses/{id}":         {"/admin/courses/" + id(example.ID), "/admin/courses/" + id(rich.ID), "/admin/courses/" + id(scorm.ID)},
			"GET portal /courses/{slug}":             {"/courses/" + example.Slug, "/courses/" + rich.Slug, "/courses/" + scorm.Slug},
		},
	}
	w.byRole = map[string]map[string]map[string]string{
		"account console": {"platform": {"webhooks/{id}": id(accountHook.ID)}},
	}
	return w
}
