// Package browsertest drives Debian's chromium with chromedp against a real
// Upward server for end-to-end tests. Every page a test visits is checked
// with axe-core, and a serious or critical accessibility violation fails the
// test. Screenshots go to .artifacts/browser/ at the repository root.
package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
)

//go:embed axe/axe.min.js
var axeSource string

// Server is a running Upward on a fresh database, on a free loopback port.
type Server struct {
	URL   string // http://localhost:PORT
	DBURL string // the database's owner URL, to arrange data
	Main  *app.Main
	port  string
}

// StartServer starts Upward through its composition root on a fresh,
// migrated database; mods adjust the configuration. It stops when the
// test ends.
func StartServer(tb testing.TB, mods ...func(*config.Config)) *Server {
	tb.Helper()
	cfg := fixture.Config(tb)
	// Journeys run in parallel beside other packages: a page may wait.
	cfg.RequestTimeout = 30 * time.Second
	for _, mod := range mods {
		mod(&cfg)
	}
	m := fixture.Start(tb, cfg, nil)
	_, port, _ := strings.Cut(m.Addr(), ":")
	return &Server{URL: "http://localhost:" + port, DBURL: cfg.DatabaseURL, Main: m, port: port}
}

// PortalURL is the address of a portal on this server: browsers resolve
// *.localhost to the loopback address by themselves.
func (s *Server) PortalURL(slug string) string { return "http://" + slug + ".localhost:" + s.port }

// Browser is one headless chromium tab, in a browser context of its own
// (its own cookies and storage, as a private window has).
type Browser struct {
	tb    testing.TB
	ctx   context.Context
	logMu sync.Mutex
	log   []string
}

// chromiumPath finds the browser; make test installs Debian's package.
func chromiumPath() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("chromium not found: install Debian's chromium package (make test does)")
}

// shared is the package's one chromium process: starting one costs about
// a second of CPU, and each test's tab lives in a browser context of its
// own, which isolates it as a separate browser would.
var shared struct {
	once   sync.Once
	ctx    context.Context // the browser's first tab, which keeps it running
	cancel func()
	dir    string
	err    error
}

func sharedBrowser() (context.Context, error) {
	shared.once.Do(func() {
		path, err := chromiumPath()
		if err != nil {
			shared.err = err
			return
		}
		shared.dir, err = os.MkdirTemp("", "upward-chromium-")
		if err != nil {
			shared.err = err
			return
		}
		// Background networking is off: this machine has no network
		// beyond loopback, and chromium would keep trying.
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(path),
			chromedp.UserDataDir(shared.dir),
			chromedp.DisableGPU,
			chromedp.WindowSize(1280, 900),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("no-default-browser-check", true),
		)
		if os.Geteuid() == 0 {
			opts = append(opts, chromedp.NoSandbox)
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancelCtx := chromedp.NewContext(allocCtx)
		if err := chromedp.Do(ctx); err != nil { // starts the browser
			cancelCtx()
			cancelAlloc()
			shared.err = fmt.Errorf("start chromium: %w", err)
			return
		}
		shared.ctx = ctx
		shared.cancel = func() { cancelCtx(); cancelAlloc() }
	})
	return shared.ctx, shared.err
}

// Main runs a package's tests and then stops its browser: call it from
// TestMain, os.Exit(browsertest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if shared.cancel != nil {
		shared.cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

// NewBrowser opens a tab for the test in a new browser context of the
// package's chromium; the tab and its context close when the test ends.
func NewBrowser(tb testing.TB) *Browser {
	tb.Helper()
	browser, err := sharedBrowser()
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	ctx, cancelCtx := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	// The tab lives as long as the context of its first Run: bound it,
	// generously, so that a hung page fails its test rather than the run.
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	tb.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
	})
	if err := chromedp.Do(ctx); err != nil { // opens the tab
		tb.Fatalf("browsertest: open a tab: %v", err)
	}
	b := &Browser{tb: tb, ctx: ctx}
	// What the browser logs (a blocked frame, a refused script, a failed
	// request) is kept, and shown when a test fails.
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdplog.EventEntryAdded); ok && e.Entry != nil {
			b.logMu.Lock()
			b.log = append(b.log, string(e.Entry.Level)+": "+e.Entry.Text+" "+e.Entry.URL)
			b.logMu.Unlock()
		}
	}); err != nil {
		tb.Fatalf("browsertest: listen: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{})
		return chromedp.Void{}, err
	})); err != nil {
		tb.Fatalf("browsertest: enable the log: %v", err)
	}
	b.serveAxe()
	tb.Cleanup(func() {
		if tb.Failed() {
			for _, line := range b.Log() {
				tb.Logf("browser log: %s", line)
			}
		}
	})
	return b
}

// CountDialogs counts, from now on, the JavaScript dialogs (alert, confirm,
// prompt) the tab opens, and dismisses each so that the page goes on. It
// returns the count so far.
func (b *Browser) CountDialogs() func() int32 {
	var n atomic.Int32
	opened := make(chan struct{}, 16)
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			n.Add(1)
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	}); err != nil {
		b.tb.Fatalf("browsertest: listen for dialogs: %v", err)
	}
	go func() {
		for {
			select {
			case <-b.ctx.Done():
				return
			case <-opened:
				chromedp.Run(b.ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
					_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
					return chromedp.Void{}, err
				}))
			}
		}
	}()
	return n.Load
}

// Log returns what the browser has logged so far.
func (b *Browser) Log() []string {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	return slices.Clone(b.log)
}

// Do runs chromedp actions in order, failing the test on error.
func (b *Browser) Do(actions ...chromedp.Action[chromedp.Void]) {
	b.tb.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.tb.Fatalf("browser: %v", err)
	}
}

// Run runs one action and returns its value, failing the test on error.
func Run[T any](b *Browser, a chromedp.Action[T]) T {
	b.tb.Helper()
	v, err := chromedp.Run(b.ctx, a)
	if err != nil {
		b.tb.Fatalf("browser: %v", err)
	}
	return v
}

// Visit opens url, waits for the page, and checks its accessibility.
func (b *Browser) Visit(url string) {
	b.tb.Helper()
	b.Do(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
	b.CheckAccessibility()
}

// Text returns the text of the first element matching the CSS selector.
func (b *Browser) Text(selector string) string {
	b.tb.Helper()
	return strings.TrimSpace(Run(b, chromedp.Text(chromedp.CSS(selector), chromedp.NodeVisible)))
}

// Screenshot saves a full-page PNG (quality 100 means PNG) as .artifacts/browser/NAME.png.
func (b *Browser) Screenshot(name string) string {
	b.tb.Helper()
	png := Run(b, chromedp.FullScreenshot(100))
	dir := filepath.Join(pgtest.RepoRoot(b.tb), ".artifacts", "browser")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.tb.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.tb.Fatal(err)
	}
	return path
}

// axePath is where the tab finds axe-core on any origin: the browser
// answers it itself (serveAxe), so it is a script of the page's own origin
// that the page's CSP allows, and the renderer compiles it once and reuses
// the compiled code on the next pages instead of compiling 650 KB again.
const axePath = "/__browsertest/axe.min.js"

// serveAxe makes the tab answer requests for axePath with axe-core.
func (b *Browser) serveAxe() {
	b.tb.Helper()
	if err := chromedp.Listen(b.ctx, func(ev any) {
		e, ok := ev.(*fetch.EventRequestPaused)
		if !ok {
			return
		}
		go chromedp.Run(b.ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := cdp.Call(ctx, t, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: e.RequestID, ResponseCode: 200, Body: []byte(axeSource),
				ResponseHeaders: []*fetch.HeaderEntry{
					{Name: "Content-Type", Value: "text/javascript; charset=utf-8"},
					{Name: "Cache-Control", Value: "public, max-age=86400, immutable"},
				}})
			return chromedp.Void{}, err
		}))
	}); err != nil {
		b.tb.Fatalf("browsertest: listen: %v", err)
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*" + axePath}}})
		return chromedp.Void{}, err
	})); err != nil {
		b.tb.Fatalf("browsertest: serve axe: %v", err)
	}
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// CheckAccessibility runs axe-core on the current page and fails the test
// on any serious or critical violation. The script is injected through the
// DevTools protocol, which the page's strict CSP does not apply to.
func (b *Browser) CheckAccessibility() {
	b.tb.Helper()
	if !Run(b, chromedp.Evaluate[bool](`typeof window.axe === "object"`)) {
		loaded := Run(b, chromedp.Evaluate[bool](`new Promise(done => {
			if (location.origin === "null") { done(false); return; }
			const s = document.createElement("script");
			s.src = location.origin + "`+axePath+`";
			s.onload = () => done(true);
			s.onerror = () => done(false);
			document.head.appendChild(s);
		})`, chromedp.EvalAwaitPromise))
		if !loaded || !Run(b, chromedp.Evaluate[bool](`typeof window.axe === "object"`)) {
			Run(b, chromedp.Evaluate[bool](axeSource+";true"))
		}
	}
	raw := Run(b, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 5).map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
	var violations []axeViolation
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.tb.Fatalf("axe: %v", err)
	}
	url := Run(b, chromedp.Location())
	for _, v := range violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.tb.Errorf("accessibility (%s) on %s: %s [%s] at %v", v.Impact, url, v.Help, v.ID, v.Nodes)
		} else {
			b.tb.Logf("accessibility (%s) on %s: %s [%s]", v.Impact, url, v.Help, v.ID)
		}
	}
}
