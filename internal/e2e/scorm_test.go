package e2e

import (
	stdzip "archive/zip"
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
	"github.com/upward-lms/upward/internal/scormexport"
	"github.com/upward-lms/upward/internal/tenant"
)

// scormPortal starts Upward with a portal whose learner is enrolled in a
// published course imported from scormtest's package pkg; it returns the
// browser signed in as the learner.
func scormPortal(t *testing.T, pkg string) (*browsertest.Server, tenant.Tenant, postgres.CourseRecord, *browsertest.Browser) {
	t.Helper()
	return scormPortalFrom(t, scormtest.Zip(t, scormtest.Fixture(t, pkg)))
}

// scormPortalFrom is scormPortal for a package's zip.
func scormPortalFrom(t *testing.T, zip []byte) (*browsertest.Server, tenant.Tenant, postgres.CourseRecord, *browsertest.Browser) {
	t.Helper()
	srv := browsertest.StartServer(t)
	ctx := context.Background()
	by := fixture.By
	acme := fixture.Build(t, srv.Main.DB, fixture.Spec{Slug: "acme", Name: "Acme Learning", Plan: "enterprise",
		People: []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"}}})
	// The SCORM course, published, and Lee's enrolment in it.
	rec, _, err := postgres.NewScormService(srv.Main.DB, filepath.Join(srv.Main.Config.DataDir, "scorm")).
		ImportPackage(ctx, acme.ID, postgres.ScormImport{Zip: bytes.NewReader(zip), Size: int64(len(zip))}, by)
	if err != nil {
		t.Fatal(err)
	}
	courses := postgres.NewCourseService(srv.Main.DB)
	if _, err := courses.Publish(ctx, acme.ID, rec.ID, "", by); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewLearningService(srv.Main.DB).Enrol(ctx, acme.ID, acme.Person(t, "lee@acme.test").ID, rec.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	b := browsertest.NewBrowser(t)
	signIn(b, srv.PortalURL("acme")+"/login", "lee@acme.test")
	return srv, acme.Tenant, rec, b
}

// sco opens a lesson, checks that its SCO frame loads unhindered, then
// opens that frame's launch page (on the content host) in the tab itself
// and returns the SCO's frame within it once the SCO has found its API.
// Chromium runs the content host's frame in a process of its own (another
// site), out of the lesson page's reach, which is the point; the launch
// page and the SCO share one origin, so the test can reach the SCO there.
func sco(t *testing.T, b *browsertest.Browser, lessonURL string) *chromedp.Node {
	t.Helper()
	frame := scoFrame(t, b, lessonURL, `[data-testid="next"]`)
	b.Do(chromedp.WaitEnabled(chromedp.CSS(`[data-testid="next"]`), chromedp.FromNode(frame)))
	return frame
}

// scoFrame is sco for any SCO: ready is a selector in the SCO's page that
// says it found its API.
func scoFrame(t *testing.T, b *browsertest.Browser, lessonURL, ready string) *chromedp.Node {
	t.Helper()
	b.Visit(lessonURL)
	launch := browsertest.Run(b, chromedp.AttributeValue(chromedp.CSS(`iframe[data-testid="sco-frame"]`), "src"))
	// The page's load event waits for its frames: once the page is
	// complete, the SCO's frame has loaded or been refused, and chromium
	// has logged a refusal (the Content Security Policy's frame-src or
	// frame-ancestors) before it told the page.
	for deadline := time.Now().Add(10 * time.Second); !browsertest.Run(b, chromedp.Evaluate[bool](`document.readyState === "complete"`)); {
		if time.Now().After(deadline) {
			t.Fatal("the lesson page with the SCO's frame did not finish loading")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, line := range b.Log() {
		if strings.Contains(line, "Content Security Policy") || strings.Contains(line, "Refused") {
			t.Fatalf("the lesson's SCO frame was blocked: %s", line)
		}
	}
	b.Do(chromedp.Navigate(launch.Value), chromedp.WaitReady(chromedp.CSS(`#sco`)))
	var frame []*chromedp.Node
	for deadline := time.Now().Add(15 * time.Second); ; {
		frame = browsertest.Run(b, chromedp.Nodes(chromedp.CSS(`#sco`)))
		if frame[0].ContentDocument != nil && strings.Contains(frame[0].ContentDocument.DocumentURL, "/files/") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the SCO did not load")
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Do(chromedp.WaitReady(chromedp.CSS(ready), chromedp.FromNode(frame[0])))
	return frame[0]
}

// clickIn clicks the element of a frame's document as a script would:
// chromedp's mouse clicks do not reach a frame within a frame.
func clickIn(t *testing.T, b *browsertest.Browser, frame *chromedp.Node, selector string) {
	t.Helper()
	nodes := browsertest.Run(b, chromedp.Nodes(chromedp.CSS(selector), chromedp.FromNode(frame)))
	b.Do(func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		res, err := cdp.Call(ctx, tg, dom.ResolveNode, dom.ResolveNodeParams{BackendNodeID: nodes[0].BackendNodeID})
		if err != nil {
			return chromedp.Void{}, err
		}
		_, err = cdp.Call(ctx, tg, runtime.CallFunctionOn, runtime.CallFunctionOnParams{
			FunctionDeclaration: "function () { this.click(); }", ObjectID: res.Object.ObjectID})
		return chromedp.Void{}, err
	})
}

// attempt reads the learner's latest attempt at the block from the database,
// waiting (up to a few seconds) until want holds.
type storedAttempt struct {
	LessonStatus, Completion, Success, Location, Suspend string
	Raw, Scaled                                          *float64
	Attempt                                              int
}

func waitAttempt(t *testing.T, srv *browsertest.Server, acme tenant.Tenant, block string, want func(a storedAttempt) bool) storedAttempt {
	t.Helper()
	ctx := context.Background()
	var a storedAttempt
	for deadline := time.Now().Add(10 * time.Second); ; {
		srv.Main.DB.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT lesson_status, completion, success, location, suspend_data, score_raw, score_scaled, attempt
				FROM scorm_attempts WHERE block_key = $1 ORDER BY attempt DESC LIMIT 1`, block).
				Scan(&a.LessonStatus, &a.Completion, &a.Success, &a.Location, &a.Suspend, &a.Raw, &a.Scaled, &a.Attempt)
		})
		if want(a) {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("the stored attempt is still %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A SCORM 1.2 SCO runs in the lesson: what it commits is in the database,
// closing and reopening the lesson resumes it with the same suspend data,
// and passing completes the course.
func TestJourney_ASCORM12SCOCommitsResumesAndCompletes(t *testing.T) {
	t.Parallel()
	srv, acme, rec, b := scormPortal(t, "sco12")
	lesson := rec.Draft.Modules[0].Lessons[0]
	block := lesson.Blocks[0].Key
	url := srv.PortalURL("acme") + "/courses/" + rec.Slug + "/lessons/" + lesson.Key

	frame := sco(t, b, url)
	clickIn(t, b, frame, `[data-testid="next"]`)
	a := waitAttempt(t, srv, acme, block, func(a storedAttempt) bool { return a.Location == scormtest.Location })
	if a.Suspend != scormtest.SuspendData12() || a.LessonStatus != "incomplete" {
		t.Fatalf("after next: %+v", a)
	}
	b.Screenshot("scorm12-lesson")

	// The learner leaves and comes back: the SCO is given what it wrote.
	b.Visit(srv.PortalURL("acme") + "/learn")
	frame = sco(t, b, url)
	got := browsertest.Run(b, chromedp.TextContent(chromedp.CSS(`[data-testid="suspend"]`), chromedp.FromNode(frame)))
	if got != scormtest.SuspendData12() {
		t.Fatalf("resumed with %d characters of suspend data, want the 3,000 written", len(got))
	}
	if loc := browsertest.Run(b, chromedp.TextContent(chromedp.CSS(`[data-testid="location"]`), chromedp.FromNode(frame))); loc != scormtest.Location {
		t.Errorf("resumed at %q", loc)
	}

	clickIn(t, b, frame, `[data-testid="finish"]`)
	a = waitAttempt(t, srv, acme, block, func(a storedAttempt) bool { return a.LessonStatus == "passed" })
	if a.Raw == nil || *a.Raw != 80 || a.Completion != "completed" || a.Success != "passed" {
		t.Errorf("after finish: %+v", a)
	}
	b.Visit(srv.PortalURL("acme") + "/courses/" + rec.Slug)
	if got := b.Text("main"); !strings.Contains(got, "100%") && !strings.Contains(strings.ToLower(got), "completed") {
		t.Errorf("the course page after passing: %q", got)
	}
}

// A SCORM 2004 package with three SCOs taken in order: the second is
// locked until the first is done; each commits 10,000 characters of
// suspend data, interactions and objectives; the manifest's thresholds
// decide completion and success.
func TestJourney_ASCORM2004PackageInForcedOrder(t *testing.T) {
	t.Parallel()
	srv, acme, rec, b := scormPortal(t, "sco2004")
	lessons := rec.Draft.Modules[0].Lessons
	if len(lessons) != 3 {
		t.Fatalf("%d lessons, want 3", len(lessons))
	}
	base := srv.PortalURL("acme") + "/courses/" + rec.Slug + "/lessons/"
	b.Visit(base + lessons[1].Key)
	if got := b.Text(`[data-testid="sco-locked"]`); !strings.Contains(got, lessons[0].Title) {
		t.Errorf("the second SCO before the first: %q", got)
	}

	frame := sco(t, b, base+lessons[0].Key)
	clickIn(t, b, frame, `[data-testid="next"]`)
	a := waitAttempt(t, srv, acme, lessons[0].Blocks[0].Key, func(a storedAttempt) bool { return a.Location == scormtest.Location })
	if a.Suspend != scormtest.SuspendData2004() || a.Completion != "incomplete" {
		t.Fatalf("after next: %d characters, %+v", len(a.Suspend), a.Completion)
	}
	frame = sco(t, b, base+lessons[0].Key)
	if got := browsertest.Run(b, chromedp.TextContent(chromedp.CSS(`[data-testid="suspend"]`), chromedp.FromNode(frame))); got != scormtest.SuspendData2004() {
		t.Fatalf("resumed with %d characters", len(got))
	}
	clickIn(t, b, frame, `[data-testid="finish"]`)
	a = waitAttempt(t, srv, acme, lessons[0].Blocks[0].Key, func(a storedAttempt) bool { return a.Completion == "completed" })
	if a.Success != "passed" || a.Scaled == nil || *a.Scaled != 0.8 {
		t.Errorf("after finish: %+v", a)
	}
	ctx := context.Background()
	var interactions int
	srv.Main.DB.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		return tx.QueryRow(ctx, `SELECT count(*) FROM scorm_attempts, jsonb_object_keys(data) k WHERE k LIKE 'cmi.interactions.0.%' OR k LIKE 'cmi.objectives.0.%'`).Scan(&interactions)
	})
	if interactions < 6 {
		t.Errorf("%d interaction and objective elements stored", interactions)
	}
	// Now the second SCO may start.
	sco(t, b, base+lessons[1].Key)
	b.Screenshot("scorm2004-lesson")
}

// An Upward course exported for SCORM 2004 imports into Upward again and
// completes in the browser through the real runtime: every lesson visited,
// every quiz passed; the score, completion and success are in the database
// and the course is complete.
func TestJourney_AnExportedCourseReimportsAndCompletesWithItsScore(t *testing.T) {
	t.Parallel()
	loaded, _ := library.LoadAll(courses.FS, ".")
	var c course.Course
	var dir string
	for _, l := range loaded {
		if l.Course.Slug == "no-surprises" {
			c, dir = l.Course, l.Dir
		}
	}
	zip, err := scormexport.Export(c, scormexport.SCORM2004, func(name string) ([]byte, error) {
		return fs.ReadFile(courses.FS, path.Join(dir, name))
	})
	if err != nil {
		t.Fatal(err)
	}
	pkg := t.TempDir()
	zr, err := stdzip.NewReader(bytes.NewReader(zip), int64(len(zip)))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(pkg, zr); err != nil {
		t.Fatal(err)
	}
	srv, acme, rec, b := scormPortalFrom(t, scormtest.Zip(t, pkg))
	lesson := rec.Draft.Modules[0].Lessons[0]
	if rec.Draft.Title != c.Title {
		t.Errorf("re-imported as %q", rec.Draft.Title)
	}
	scoFrame(t, b, srv.PortalURL("acme")+"/courses/"+rec.Slug+"/lessons/"+lesson.Key, `#lms-status[data-connected="yes"]`)
	run := &scormRun{t: t, b: b, course: c} // drives the package in the launch page's frame
	quizN := 0
	for _, l := range c.Lessons() {
		run.visit(l.Key)
		for _, blk := range l.Blocks {
			if blk.Quiz != nil {
				run.eval(answerJS(fmt.Sprintf(`d.querySelector('form[data-quiz="%d"]')`, quizN), *blk.Quiz, true))
				quizN++
			}
		}
	}
	a := waitAttempt(t, srv, acme, lesson.Blocks[0].Key, func(a storedAttempt) bool { return a.Completion == "completed" })
	if a.Success != "passed" || a.Scaled == nil || *a.Scaled != 1 || a.Raw == nil || *a.Raw != 100 {
		t.Errorf("the stored attempt: %+v", a)
	}
	ctx := context.Background()
	var status string
	var passed int
	srv.Main.DB.InTenantTx(ctx, acme.ID, func(tx *postgres.Tx) error {
		tx.QueryRow(ctx, `SELECT status FROM enrolments`).Scan(&status)
		return tx.QueryRow(ctx, `SELECT count(*) FROM statements WHERE object_type = 'sco' AND verb LIKE '%/passed' AND (result->'score'->>'scaled')::float = 1`).Scan(&passed)
	})
	if status != string(learning.Completed) || passed != 1 {
		t.Errorf("enrolment %s, %d passed records with the score", status, passed)
	}
}

// An asset (content that does not talk to the runtime) completes its
// lesson once opened, as SCORM has the LMS do for assets.
func TestJourney_AnAssetCompletesWhenOpened(t *testing.T) {
	t.Parallel()
	manifest := strings.Replace(scormtest.Manifest, `adlcp:scormtype="sco"`, `adlcp:scormtype="asset"`, 1)
	srv, acme, rec, b := scormPortalFrom(t, scormtest.Build(t,
		scormtest.Entry{Name: "imsmanifest.xml", Body: []byte(manifest)},
		scormtest.Entry{Name: "index.html", Body: []byte("<!DOCTYPE html><html lang=\"en\"><title>Page</title><p id=\"page\">A page to read.</p></html>\n")}))
	lesson := rec.Draft.Modules[0].Lessons[0]
	scoFrame(t, b, srv.PortalURL("acme")+"/courses/"+rec.Slug+"/lessons/"+lesson.Key, "#page")
	a := waitAttempt(t, srv, acme, lesson.Blocks[0].Key, func(a storedAttempt) bool { return a.Completion == "completed" })
	if a.LessonStatus != "completed" {
		t.Errorf("the asset's attempt: %+v", a)
	}
}
