// Command lighthouse is `make lighthouse`: it seeds the demo data into a
// database of its own, starts Upward on it as production runs it, signs a
// learner and an administrator in, and audits the main pages with
// Lighthouse (performance, accessibility, best practices), each with the
// desktop and the mobile preset. The JSON and HTML reports go to
// .artifacts/lighthouse/; it prints a table of the scores and fails when a
// score is under its floor.
//
// Without DATABASE_URL it uses the project-private PostgreSQL cluster
// under .data, as `make run` does, in the database upward_lighthouse.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/postgres"
)

// The demo sign-ins of `upward seed` (ENV=dev).
const (
	demoPortal   = "demo"
	demoPassword = "upward-demo-password"
	learnerEmail = "learner@demo.test"
	adminEmail   = "admin@demo.test"
)

type options struct {
	upwardBin, lighthouse, chrome, out, dataDir string
	minPerformance, minAccessibility, minBest   float64
	only                                        string
}

func main() {
	var o options
	flag.StringVar(&o.upwardBin, "upward", "bin/upward", "the upward binary")
	flag.StringVar(&o.lighthouse, "lighthouse", ".tools/lighthouse/node_modules/.bin/lighthouse", "the lighthouse command")
	flag.StringVar(&o.chrome, "chrome", envOr("CHROME_PATH", "/usr/bin/chromium"), "the browser Lighthouse drives")
	flag.StringVar(&o.out, "out", ".artifacts/lighthouse", "folder for the reports")
	flag.StringVar(&o.dataDir, "data", ".data", "folder of the private cluster; the server's files go to DATA/lighthouse")
	flag.Float64Var(&o.minPerformance, "min-performance", 95, "the lowest performance score that passes")
	flag.Float64Var(&o.minAccessibility, "min-accessibility", 98, "the lowest accessibility score that passes")
	flag.Float64Var(&o.minBest, "min-best-practices", 95, "the lowest best-practices score that passes")
	flag.StringVar(&o.only, "only", "", "comma-separated pages to audit (default all)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "lighthouse:", err)
		os.Exit(1)
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// page is one audited page: its name in the table, its path on the demo
// portal, and whose session it is opened with.
type page struct {
	name, path string
	cookie     string
}

// result is one audit's scores, 0 to 100.
type result struct {
	page, preset                     string
	performance, accessibility, best float64
	report                           string
}

func run(ctx context.Context, o options) error {
	dbURL, err := database(ctx, o.dataDir)
	if err != nil {
		return err
	}
	dataDir := filepath.Join(o.dataDir, "lighthouse")
	fmt.Println("seeding the demo data (kept between runs; only what is missing is added)")
	seed := exec.CommandContext(ctx, o.upwardBin, "seed")
	seed.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "DATA_DIR="+dataDir, "ENV=dev")
	seed.Stdout, seed.Stderr = io.Discard, os.Stderr
	if err := seed.Run(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	srv, err := startUpward(ctx, o.upwardBin, dbURL, dataDir)
	if err != nil {
		return err
	}
	defer srv.stop()

	pages, err := findPages(srv)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	var results []result
	for _, p := range pages {
		if o.only != "" && !strings.Contains(","+o.only+",", ","+p.name+",") {
			continue
		}
		for _, preset := range []string{"desktop", "mobile"} {
			r, err := audit(ctx, o, srv, p, preset)
			if err != nil {
				return fmt.Errorf("%s (%s): %w", p.name, preset, err)
			}
			fmt.Printf("  %-14s %-7s performance %3.0f  accessibility %3.0f  best practices %3.0f\n", r.page, r.preset, r.performance, r.accessibility, r.best)
			results = append(results, r)
		}
	}
	return report(o, results)
}

// report prints the table of scores and says which are under their floor.
func report(o options, results []result) error {
	fmt.Printf("\n%-14s %-8s %12s %14s %15s\n", "page", "preset", "performance", "accessibility", "best practices")
	var low []string
	for _, r := range results {
		fmt.Printf("%-14s %-8s %12.0f %14.0f %15.0f\n", r.page, r.preset, r.performance, r.accessibility, r.best)
		for _, c := range []struct {
			name       string
			score, min float64
		}{{"performance", r.performance, o.minPerformance}, {"accessibility", r.accessibility, o.minAccessibility}, {"best practices", r.best, o.minBest}} {
			if c.score < c.min {
				low = append(low, fmt.Sprintf("%s (%s): %s %.0f, under %.0f; see %s", r.page, r.preset, c.name, c.score, c.min, r.report))
			}
		}
	}
	fmt.Printf("\nreports in %s\n", o.out)
	if len(low) > 0 {
		return errors.New("scores under their floor:\n  " + strings.Join(low, "\n  "))
	}
	return nil
}

// audit runs Lighthouse on one page with one preset and reads its scores.
func audit(ctx context.Context, o options, srv *server, p page, preset string) (result, error) {
	base := filepath.Join(o.out, p.name+"-"+preset)
	headers, err := json.Marshal(map[string]string{"Cookie": p.cookie})
	if err != nil {
		return result{}, err
	}
	args := []string{srv.url(p.path),
		"--only-categories=performance,accessibility,best-practices",
		"--output=json", "--output=html", "--output-path=" + base,
		"--chrome-flags=--headless=new --no-sandbox --disable-gpu --no-first-run --disable-dev-shm-usage",
		"--extra-headers=" + string(headers),
		"--quiet",
	}
	if preset == "desktop" {
		args = append(args, "--preset=desktop")
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, o.lighthouse, args...)
	cmd.Env = append(os.Environ(), "CHROME_PATH="+o.chrome)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("%w\n%s", err, tail(string(out), 3000))
	}
	raw, err := os.ReadFile(base + ".report.json")
	if err != nil {
		return result{}, err
	}
	var lhr struct {
		FinalURL     string                          `json:"finalDisplayedUrl"`
		RuntimeError *struct{ Code, Message string } `json:"runtimeError"`
		Categories   map[string]struct {
			Score *float64 `json:"score"`
		} `json:"categories"`
	}
	if err := json.Unmarshal(raw, &lhr); err != nil {
		return result{}, fmt.Errorf("read %s: %w", base+".report.json", err)
	}
	if lhr.RuntimeError != nil && lhr.RuntimeError.Code != "" {
		return result{}, fmt.Errorf("lighthouse: %s: %s", lhr.RuntimeError.Code, lhr.RuntimeError.Message)
	}
	if lhr.FinalURL != srv.url(p.path) {
		return result{}, fmt.Errorf("the audit ended at %s, not %s (signed out?)", lhr.FinalURL, srv.url(p.path))
	}
	score := func(cat string) float64 {
		c, ok := lhr.Categories[cat]
		if !ok || c.Score == nil {
			return math.NaN()
		}
		return math.Round(*c.Score * 100)
	}
	return result{page: p.name, preset: preset, performance: score("performance"), accessibility: score("accessibility"),
		best: score("best-practices"), report: base + ".report.html"}, nil
}

// findPages signs the learner and the administrator in and finds the
// pages: a course of the catalog the learner is enrolled in (enrolling
// them the first time), its first lesson, and that course's report.
func findPages(srv *server) ([]page, error) {
	learner, learnerCSRF, err := srv.signIn(learnerEmail)
	if err != nil {
		return nil, err
	}
	admin, _, err := srv.signIn(adminEmail)
	if err != nil {
		return nil, err
	}
	_, catalog, err := srv.get("/courses", learner)
	if err != nil {
		return nil, err
	}
	m := regexp.MustCompile(`href="(/courses/[a-z0-9-]+)"`).FindStringSubmatch(catalog)
	if m == nil {
		return nil, fmt.Errorf("no course in the catalog")
	}
	coursePath := m[1]
	_, body, err := srv.get(coursePath, learner)
	if err != nil {
		return nil, err
	}
	lessonRE := regexp.MustCompile(`href="(` + regexp.QuoteMeta(coursePath) + `/lessons/[^"]+)"`)
	if lessonRE.FindStringSubmatch(body) == nil {
		res, _, err := srv.do("POST", coursePath+"/enrol", learner, url.Values{"csrf_token": {learnerCSRF}})
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusSeeOther {
			return nil, fmt.Errorf("enrolling the learner in %s: %d", coursePath, res.StatusCode)
		}
		if _, body, err = srv.get(coursePath, learner); err != nil {
			return nil, err
		}
	}
	lesson := lessonRE.FindStringSubmatch(body)
	if lesson == nil {
		return nil, fmt.Errorf("no lesson on %s", coursePath)
	}
	_, reports, err := srv.get("/admin/reports/", admin)
	if err != nil {
		return nil, err
	}
	rep := regexp.MustCompile(`href="(/admin/reports/courses/[0-9]+)"`).FindStringSubmatch(reports)
	if rep == nil {
		return nil, fmt.Errorf("no course report on /admin/reports/")
	}
	return []page{
		{"learner-home", "/", learner},
		{"catalog", "/courses", learner},
		{"course", coursePath, learner},
		{"lesson", html.UnescapeString(lesson[1]), learner},
		{"admin-home", "/admin/", admin},
		{"course-report", rep[1], admin},
	}, nil
}

// database returns the URL of the database upward_lighthouse on
// DATABASE_URL's server or the private cluster, creating it when missing.
func database(ctx context.Context, dataDir string) (string, error) {
	server := os.Getenv("DATABASE_URL")
	if server == "" {
		c, err := postgres.StartDevCluster(ctx, dataDir, func(format string, args ...any) { fmt.Printf(format+"\n", args...) })
		if err != nil {
			return "", err
		}
		server = c.URL
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	const name = "upward_lighthouse"
	db, err := pgx.Connect(ctx, server)
	if err != nil {
		return "", fmt.Errorf("database: %w", err)
	}
	defer db.Close(ctx)
	var exists bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := db.Exec(ctx, `CREATE DATABASE `+name); err != nil {
			return "", fmt.Errorf("create the database: %w", err)
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}

// server is Upward running as production runs it (ENV=prod: its headers,
// caching and cookies), on a free port of the loopback.
type server struct {
	cmd  *exec.Cmd
	port string
	log  string
}

func (s *server) url(path string) string {
	return "http://" + demoPortal + ".localhost:" + s.port + path
}

func startUpward(ctx context.Context, bin, dbURL, dataDir string) (*server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	_, port, _ := net.SplitHostPort(addr)
	logs, err := os.CreateTemp("", "lighthouse-upward-*.log")
	if err != nil {
		return nil, err
	}
	defer logs.Close()
	cmd := exec.CommandContext(ctx, bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "DATA_DIR="+dataDir, "LISTEN_ADDR="+addr, "ENV=prod",
		"BASE_DOMAIN=localhost", "LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start upward: %w", err)
	}
	s := &server{cmd: cmd, port: port, log: logs.Name()}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			b, _ := os.ReadFile(s.log)
			return nil, fmt.Errorf("upward did not become ready in a minute; its log:\n%s", tail(string(b), 2000))
		}
	}
}

func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	os.Remove(s.log)
}

// do sends a request to the demo portal with the cookie header.
func (s *server) do(method, path, cookie string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://127.0.0.1:"+s.port+path, body)
	if err != nil {
		return nil, "", err
	}
	req.Host = demoPortal + ".localhost:" + s.port
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res, string(b), err
}

func (s *server) get(path, cookie string) (*http.Response, string, error) {
	res, body, err := s.do("GET", path, cookie, nil)
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	return res, body, err
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signIn signs a demo person in through the sign-in form and returns the
// session's cookie header and its CSRF token.
func (s *server) signIn(email string) (cookie, csrf string, err error) {
	res, body, err := s.get("/login", "")
	if err != nil {
		return "", "", err
	}
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		return "", "", fmt.Errorf("no CSRF token on the sign-in page")
	}
	cookie = cookiesOf(res, "")
	res, _, err = s.do("POST", "/login", cookie, url.Values{"email": {email}, "password": {demoPassword}, "csrf_token": {html.UnescapeString(m[1])}})
	if err != nil {
		return "", "", err
	}
	if res.StatusCode != http.StatusSeeOther {
		return "", "", fmt.Errorf("signing in as %s: %d", email, res.StatusCode)
	}
	cookie = cookiesOf(res, cookie)
	res, body, err = s.get("/account", cookie)
	if err != nil {
		return "", "", fmt.Errorf("signed in as %s: %w", email, err)
	}
	if m = csrfRE.FindStringSubmatch(body); m == nil {
		return "", "", fmt.Errorf("no CSRF token on /account")
	}
	return cookiesOf(res, cookie), html.UnescapeString(m[1]), nil
}

// cookiesOf is the cookie header before, with the response's cookies set.
func cookiesOf(res *http.Response, before string) string {
	jar := map[string]string{}
	var order []string
	set := func(name, value string) {
		if _, ok := jar[name]; !ok {
			order = append(order, name)
		}
		jar[name] = value
	}
	for _, c := range strings.Split(before, "; ") {
		if name, value, ok := strings.Cut(c, "="); ok {
			set(name, value)
		}
	}
	for _, c := range res.Cookies() {
		set(c.Name, c.Value)
	}
	out := make([]string, 0, len(order))
	for _, name := range order {
		out = append(out, name+"="+jar[name])
	}
	return strings.Join(out, "; ")
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
