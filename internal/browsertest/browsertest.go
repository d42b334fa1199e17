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
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
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
// (its own cookies, as a private window has), for one test.
type Browser struct {
	tb    testing.TB
	ctx   context.Context
	tab   *tab
	logMu sync.Mutex
	log   []string
	// dialogs counts the JavaScript dialogs the page opened since
	// CountDialogs; nil until then.
	dialogs atomic.Pointer[atomic.Int32]
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
			// A navigation to another site (the console, a portal, the
			// SCORM content origin) would start a renderer of its own,
			// half a second of CPU each, and tests make hundreds: the
			// tabs reuse their renderer instead. Origins stay apart as
			// the same-origin policy keeps them, only not in separate
			// processes, which protect against compromised renderers.
			chromedp.Flag("disable-site-isolation-trials", true),
			chromedp.Flag("renderer-process-limit", "1"),
			chromedp.Flag("disable-features", "site-per-process,IsolateOrigins,BackForwardCache,ProactivelySwapBrowsingInstance,Translate,BlinkGenPropertyTrees"),
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

// Long marks a journey that make check runs and make test leaves out (it
// passes -short): on the two cores make test has, the browser's work is
// most of its time, so it keeps the journeys that cover what no other does
// (a learner's whole course, SCORM in the browser, dragging, the
// administration's accessibility) and make check runs every one.
func Long(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("a long journey: make check runs it")
	}
}

// Main runs a package's tests and then stops its browser: call it from
// TestMain, os.Exit(browsertest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	for _, t := range idleTabs.tabs {
		t.cancel()
	}
	if shared.cancel != nil {
		shared.cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	return code
}

// tab is a chromium tab in a browser context of its own. A test borrows
// one through NewBrowser and gives it back when it ends: opening a tab
// starts a renderer, about 1.3 s of the browser's CPU, more than most
// pages a test visits cost. A tab given back has its cookies cleared and
// its viewport reset; what pages keep by origin (storage, cache) does not
// reach the next test, whose server listens on another port.
type tab struct {
	ctx    context.Context
	cancel func()
	owner  atomic.Pointer[Browser]
}

var idleTabs struct {
	mu   sync.Mutex
	tabs []*tab
}

// openTab opens a tab in a new browser context, with the log, the dialogs
// and axe-core routed to whichever Browser holds it.
func openTab(browser context.Context) (*tab, error) {
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t := &tab{ctx: ctx, cancel: cancel}
	if err := chromedp.Do(ctx); err != nil { // opens the tab, for as long as ctx lives
		cancel()
		return nil, fmt.Errorf("open a tab: %w", err)
	}
	// What the browser logs (a blocked frame, a refused script, a failed
	// request) is kept, and shown when a test fails.
	err := chromedp.Listen(ctx, func(ev any) {
		b := t.owner.Load()
		switch e := ev.(type) {
		case *cdplog.EventEntryAdded:
			if b != nil && e.Entry != nil {
				b.logMu.Lock()
				b.log = append(b.log, string(e.Entry.Level)+": "+e.Entry.Text+" "+e.Entry.URL)
				b.logMu.Unlock()
			}
		case *page.EventJavascriptDialogOpening:
			if b == nil {
				return
			}
			if n := b.dialogs.Load(); n != nil {
				n.Add(1)
				go chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
					_, err := cdp.Call(ctx, t, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{})
					return chromedp.Void{}, err
				}))
			}
		case *fetch.EventRequestPaused:
			go chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
				_, err := cdp.Call(ctx, t, fetch.FulfillRequest, fetch.FulfillRequestParams{
					RequestID: e.RequestID, ResponseCode: 200, Body: []byte(axeSource),
					ResponseHeaders: []*fetch.HeaderEntry{
						{Name: "Content-Type", Value: "text/javascript; charset=utf-8"},
						{Name: "Cache-Control", Value: "public, max-age=86400, immutable"},
					}})
				return chromedp.Void{}, err
			}))
		}
	})
	if err == nil {
		_, err = chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			if _, err := cdp.Call(ctx, t, cdplog.Enable, cdp.Empty{}); err != nil {
				return chromedp.Void{}, err
			}
			// The tab answers axePath itself (see axePath).
			_, err := cdp.Call(ctx, t, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*" + axePath}}})
			return chromedp.Void{}, err
		}))
	}
	if err != nil {
		cancel()
		return nil, fmt.Errorf("set up a tab: %w", err)
	}
	return t, nil
}

// giveBack clears what the last test left in the tab and keeps it for the
// next one; a tab that cannot be cleared is closed.
func (t *tab) giveBack() {
	t.owner.Store(nil)
	ctx, cancel := context.WithTimeout(t.ctx, 10*time.Second)
	defer cancel()
	// A blank page first: the last test may have left a navigation under
	// way (a form just submitted) or a script polling, which would land in
	// the next test's first page ("target navigated or closed").
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.cancel()
		return
	}
	_, err := chromedp.Run(ctx, chromedp.Action[chromedp.Void](func(ctx context.Context, tt *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tt, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			return chromedp.Void{}, err
		}
		if _, err := cdp.Call(ctx, tt, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tt, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return chromedp.Void{}, err
	}))
	if err != nil {
		t.cancel()
		return
	}
	idleTabs.mu.Lock()
	idleTabs.tabs = append(idleTabs.tabs, t)
	idleTabs.mu.Unlock()
}

// NewBrowser gives the test a tab of the package's chromium, in a browser
// context no other test holds, until the test ends.
func NewBrowser(tb testing.TB) *Browser {
	tb.Helper()
	browser, err := sharedBrowser()
	if err != nil {
		tb.Fatalf("browsertest: %v", err)
	}
	idleTabs.mu.Lock()
	var t *tab
	if n := len(idleTabs.tabs); n > 0 {
		t, idleTabs.tabs = idleTabs.tabs[n-1], idleTabs.tabs[:n-1]
	}
	idleTabs.mu.Unlock()
	if t == nil {
		if t, err = openTab(browser); err != nil {
			tb.Fatalf("browsertest: %v", err)
		}
	}
	// Bound the test's use of the tab, generously, so that a hung page
	// fails its test rather than the run.
	ctx, cancelTimeout := context.WithTimeout(t.ctx, 10*time.Minute)
	b := &Browser{tb: tb, ctx: ctx, tab: t}
	t.owner.Store(b)
	tb.Cleanup(func() {
		cancelTimeout()
		if tb.Failed() {
			for _, line := range b.Log() {
				tb.Logf("browser log: %s", line)
			}
		}
		t.giveBack()
	})
	return b
}

// CountDialogs counts, from now on, the JavaScript dialogs (alert, confirm,
// prompt) the tab opens, and dismisses each so that the page goes on. It
// returns the count so far.
func (b *Browser) CountDialogs() func() int32 {
	n := new(atomic.Int32)
	b.dialogs.Store(n)
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

// TryRun runs one action and returns its value or its error, for a step
// that may meet a page on its way out (a form just submitted).
func TryRun[T any](b *Browser, a chromedp.Action[T]) (T, error) {
	return chromedp.Run(b.ctx, a)
}

// TryDo runs actions and returns their error, as TryRun does.
func (b *Browser) TryDo(actions ...chromedp.Action[chromedp.Void]) error {
	return chromedp.Do(b.ctx, actions...)
}

// Navigated reports whether err is the browser's answer to an action on a
// page that navigated away meanwhile: the page is coming, not broken.
func Navigated(err error) bool {
	return err != nil && strings.Contains(err.Error(), "Inspected target navigated or closed")
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

// ColorScheme makes the page see the device's colour scheme as "dark"
// or "light" (prefers-color-scheme), until the test ends or it is set
// again.
func (b *Browser) ColorScheme(scheme string) {
	b.tb.Helper()
	b.Do(chromedp.Action[chromedp.Void](func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return chromedp.Void{}, err
	}))
}

// Visit opens url, waits for the page, and checks its accessibility.
func (b *Browser) Visit(url string) {
	b.tb.Helper()
	b.Do(chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
	b.CheckAccessibility()
	b.CheckFitsPhone()
}

// Text returns the text of the first element matching the CSS selector.
func (b *Browser) Text(selector string) string {
	b.tb.Helper()
	return strings.TrimSpace(Run(b, chromedp.Text(chromedp.CSS(selector), chromedp.NodeVisible)))
}

// maxShotHeight caps a screenshot's height in CSS pixels: the top of a very
// long page (the API reference is 44,000 px) shows what a person judges,
// and the whole of it costs seconds of the browser's time to encode.
const maxShotHeight = 8000

// Screenshot saves the page, whole up to maxShotHeight, as the PNG
// .artifacts/browser/NAME.png.
func (b *Browser) Screenshot(name string) string {
	b.tb.Helper()
	dir := filepath.Join(pgtest.RepoRoot(b.tb), ".artifacts", "browser")
	path := filepath.Join(dir, name+".png")
	b.ScreenshotTo(path)
	return path
}

// ScreenshotTo saves the page, as Screenshot does, to path.
func (b *Browser) ScreenshotTo(path string) {
	b.tb.Helper()
	size := Run(b, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth,
		Math.max(document.documentElement.scrollHeight, document.body ? document.body.scrollHeight : 0)]`))
	png := Run(b, chromedp.Action[[]byte](func(ctx context.Context, t *chromedp.Target) ([]byte, error) {
		r, err := cdp.Call(ctx, t, page.CaptureScreenshot, page.CaptureScreenshotParams{
			Format:                page.CaptureScreenshotFormatPng,
			Clip:                  &page.Viewport{Width: size[0], Height: min(size[1], maxShotHeight), Scale: 1},
			CaptureBeyondViewport: ptr(true),
			FromSurface:           ptr(true),
			OptimizeForSpeed:      ptr(true),
		})
		if err != nil {
			return nil, err
		}
		return r.Data, nil
	}))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.tb.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.tb.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// axePath is where the tab finds axe-core on any origin: the browser
// answers it itself (see openTab), so it is a script of the page's own origin
// that the page's CSP allows, and the renderer compiles it once and reuses
// the compiled code on the next pages instead of compiling 650 KB again.
const axePath = "/__browsertest/axe.min.js"

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// CheckAccessibility runs axe-core on the current page and fails the test
// on any violation, whatever its impact. The script is injected through the
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
	for _, low := range Run(b, chromedp.Evaluate[[]string](renderedContrast)) {
		b.tb.Errorf("contrast on %s: %s", url, low)
	}
	for _, v := range violations {
		b.tb.Errorf("accessibility (%s) on %s: %s [%s] at %v", v.Impact, url, v.Help, v.ID, v.Nodes)
	}
}

// renderedContrast lists text whose colour, on the background it is
// really drawn on (the element's and its ancestors' background colours,
// blended), falls short of WCAG AA: 4.5:1, or 3:1 for large text. axe
// leaves some cases "incomplete" (a transparent button on a page, for
// one) and so passed white text on white; this reads what is painted.
// Text over an image and disabled controls are left out, as WCAG does.
const renderedContrast = `(() => {
	const parse = c => {
		const m = /rgba?\(([^)]+)\)/.exec(c);
		if (!m) return null;
		const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
		return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
	};
	const over = (top, under) => ({r: top.r * top.a + under.r * (1 - top.a), g: top.g * top.a + under.g * (1 - top.a),
		b: top.b * top.a + under.b * (1 - top.a), a: 1});
	const lum = c => {
		const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
	};
	const background = el => {
		const layers = [];
		for (let e = el; e; e = e.parentElement) {
			const st = getComputedStyle(e);
			if (st.backgroundImage !== "none") return null;
			const c = parse(st.backgroundColor);
			if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
		}
		let bg = {r: 255, g: 255, b: 255, a: 1};
		for (let i = layers.length - 1; i >= 0; i--) bg = over(layers[i], bg);
		return bg;
	};
	const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
		(el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
	const low = [];
	for (const el of document.body.querySelectorAll("*")) {
		const text = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join("").trim();
		if (!text || el.closest(".visually-hidden, [hidden], [aria-hidden=true]") || el.disabled) continue;
		const st = getComputedStyle(el);
		if (st.visibility === "hidden" || el.getClientRects().length === 0 || parseFloat(st.opacity) === 0) continue;
		const bg = background(el), fg = parse(st.color);
		if (!bg || !fg) continue;
		const a = lum(fg.a < 1 ? over(fg, bg) : fg), b = lum(bg);
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight, 10) >= 700;
		const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
		if (ratio < needed) low.push(name(el) + " \"" + text.slice(0, 40) + "\": " + ratio.toFixed(2) + ":1, needs " + needed + ":1 (" + st.color + " on rgb(" + [bg.r, bg.g, bg.b].map(Math.round) + "))");
		if (low.length >= 10) break;
	}
	return low;
})()`

// CheckFitsPhone lays the page out at a phone's width (390 CSS pixels)
// and fails the test when anything makes it wider than the screen, so
// that it would scroll sideways; then it restores the desktop size.
func (b *Browser) CheckFitsPhone() {
	b.tb.Helper()
	size := Run(b, chromedp.Evaluate[[]int64](`[window.innerWidth, window.innerHeight]`))
	b.Do(chromedp.EmulateViewport(390, 844))
	defer b.Do(chromedp.EmulateViewport(size[0], size[1]))
	wide := Run(b, chromedp.Evaluate[[]string](`(() => {
		const width = document.documentElement.clientWidth;
		if (document.documentElement.scrollWidth <= width) return [];
		const out = [String(document.documentElement.scrollWidth)];
		for (const el of document.body.querySelectorAll("*")) {
			const r = el.getBoundingClientRect();
			if (r.right > width + 1 && getComputedStyle(el).position !== "fixed" && !(el.parentElement && el.parentElement.closest(".table-wrap, pre, [hidden]")) && !el.closest(".visually-hidden")) {
				out.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") + " reaches " + Math.round(r.right) + "px");
				if (out.length > 5) break;
			}
		}
		return out;
	})()`))
	if len(wide) > 0 {
		b.tb.Errorf("on a 390 px screen %s is %s px wide: %v", Run(b, chromedp.Location()), wide[0], wide[1:])
	}
}
