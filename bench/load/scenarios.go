package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
)

//go:embed requests.lua
var wrkScript []byte

// scenario is one kind of request, as Upward serves it and as the
// baseline does. A request line is tab-separated: method, path, body,
// headers.
type scenario struct {
	name, title      string
	upward, baseline []string
	firstByte        bool         // also probe the time to the first byte
	beforeRound      func() error // run before the warm-up and each round
}

var scenarioNames = []string{"lesson", "catalog", "complete", "report", "csv"}

func line(method, path, body string, headers ...string) string {
	return strings.Join(append([]string{method, path, body}, headers...), "\t")
}

func scenarios(f fixture, admin benchLearner, up, base site, db *postgres.DB) []scenario {
	var s []scenario
	tenant := fmt.Sprint(f.tenantID)
	upHost, baseHost := "Host: "+up.host, "Host: "+base.host
	form := "Content-Type: application/x-www-form-urlencoded"

	var lesson, lessonBase, catalog, catalogBase, complete, completeBase []string
	for i, l := range f.learners {
		cookie := "Cookie: " + l.cookie
		user := fmt.Sprint(l.id)
		catalog = append(catalog, line("GET", "/courses", "", upHost, cookie))
		catalogBase = append(catalogBase, line("GET", "/catalog?"+url.Values{"tenant": {tenant}, "user": {user}}.Encode(), "", baseHost))
		for _, c := range f.courses {
			key := c.lessons[i%len(c.lessons)]
			lesson = append(lesson, line("GET", "/courses/"+c.slug+"/lessons/"+key, "", upHost, cookie))
			lessonBase = append(lessonBase, line("GET", "/lesson?"+url.Values{"tenant": {tenant}, "user": {user}, "course": {c.slug}, "lesson": {key}}.Encode(), "", baseHost))
			for _, key := range c.markable {
				complete = append(complete, line("POST", "/courses/"+c.slug+"/lessons/"+key+"/complete", url.Values{"csrf_token": {l.csrf}}.Encode(), upHost, cookie, form))
				completeBase = append(completeBase, line("POST", "/complete", url.Values{"tenant": {tenant}, "user": {user}, "course": {c.slug}, "lesson": {key}}.Encode(), baseHost, form))
			}
		}
	}
	// Spread each learner's requests over the run: consecutive requests
	// for different people, as on a busy portal.
	for _, list := range [][]string{lesson, lessonBase, complete, completeBase} {
		interleave(list, len(f.learners))
	}
	s = append(s,
		scenario{name: "lesson", title: "Lesson page, signed-in learner", upward: lesson, baseline: lessonBase},
		scenario{name: "catalog", title: "Catalog, signed-in learner", upward: catalog, baseline: catalogBase},
		scenario{name: "complete", title: "Lesson completion (POST with CSRF)", upward: complete, baseline: completeBase,
			beforeRound: func() error { return reopenCompletions(context.Background(), db, f) }},
	)
	report := f.courses[0]
	adminCookie := "Cookie: " + admin.cookie
	reportArgs := url.Values{"tenant": {tenant}, "course": {fmt.Sprint(report.id)}}.Encode()
	s = append(s,
		scenario{name: "report", title: "Course report, 5,000 learners (admin)",
			upward:   []string{line("GET", fmt.Sprintf("/admin/reports/courses/%d", report.id), "", upHost, adminCookie)},
			baseline: []string{line("GET", "/report?"+reportArgs, "", baseHost)}},
		scenario{name: "csv", title: "CSV export of that report", firstByte: true,
			upward:   []string{line("GET", fmt.Sprintf("/admin/reports/courses/%d/learners.csv", report.id), "", upHost, adminCookie)},
			baseline: []string{line("GET", "/report.csv?"+reportArgs, "", baseHost)}},
	)
	return s
}

// interleave reorders list, made of n people's runs of equal length, so
// that it takes one request of each person in turn.
func interleave(list []string, n int) {
	if n == 0 || len(list)%n != 0 {
		return
	}
	per := len(list) / n
	out := make([]string, 0, len(list))
	for j := range per {
		for p := range n {
			out = append(out, list[p*per+j])
		}
	}
	copy(list, out)
}

// wrkRun is one wrk run's figures.
type wrkRun struct {
	Requests   int64 `json:"requests"`
	DurationUS int64 `json:"duration_us"`
	Bytes      int64 `json:"bytes"`
	P50US      int64 `json:"p50_us"`
	P99US      int64 `json:"p99_us"`
	MaxUS      int64 `json:"max_us"`
	Connect    int64 `json:"connect"`
	Read       int64 `json:"read"`
	Write      int64 `json:"write"`
	Status     int64 `json:"status"`
	Timeout    int64 `json:"timeout"`
}

func (r wrkRun) errors() int64 { return r.Connect + r.Read + r.Write + r.Status + r.Timeout }

// serverResult is a scenario's rounds on one server.
type serverResult struct {
	rounds    []wrkRun
	rss       int64           // the most memory the server held
	firstByte []time.Duration // probe samples, when the scenario has them
}

func (r serverResult) rate() float64 {
	var n, us int64
	for _, w := range r.rounds {
		n, us = n+w.Requests, us+w.DurationUS
	}
	if us == 0 {
		return 0
	}
	return float64(n) / (float64(us) / 1e6)
}

// p50 is the middle round's median; p99 the worst round's.
func (r serverResult) p50() time.Duration {
	var ps []int64
	for _, w := range r.rounds {
		ps = append(ps, w.P50US)
	}
	slices.Sort(ps)
	return time.Duration(ps[len(ps)/2]) * time.Microsecond
}

func (r serverResult) p99() time.Duration {
	var worst int64
	for _, w := range r.rounds {
		worst = max(worst, w.P99US)
	}
	return time.Duration(worst) * time.Microsecond
}

func (r serverResult) errors() int64 {
	var n int64
	for _, w := range r.rounds {
		n += w.errors()
	}
	return n
}

// firstByteP99 is the 99th percentile of the probe's times to first byte.
func (r serverResult) firstByteP99() time.Duration {
	if len(r.firstByte) == 0 {
		return 0
	}
	s := slices.Clone(r.firstByte)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*99/100)]
}

// loadServer runs the warm-up and the rounds of a scenario on a server,
// sampling its memory and, for a download, probing its first byte.
func loadServer(ctx context.Context, o options, sc scenario, srv *server) (serverResult, error) {
	var res serverResult
	lines := sc.upward
	if srv.name == "baseline" {
		lines = sc.baseline
	}
	dir, err := os.MkdirTemp("", "bench-wrk-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	script, requests := filepath.Join(dir, "requests.lua"), filepath.Join(dir, "requests.tsv")
	if err := os.WriteFile(script, wrkScript, 0o644); err != nil {
		return res, err
	}
	if err := os.WriteFile(requests, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return res, err
	}
	if err := check(srv, lines[0]); err != nil {
		return res, err
	}
	for round := 0; round <= o.rounds; round++ {
		if sc.beforeRound != nil {
			if err := sc.beforeRound(); err != nil {
				return res, err
			}
		}
		d, label := o.duration, fmt.Sprintf("round %d", round)
		if round == 0 {
			d, label = o.warmup, "warm-up"
		}
		fmt.Printf("%-9s %-8s %-8s ", sc.name, srv.name, label)
		rss := sampleRSS(srv.cmd.Process.Pid)
		probe := startProbe(sc.firstByte && round > 0, srv.site, lines[0])
		run, err := runWrk(ctx, o, srv.site, script, requests, filepath.Join(dir, "out.json"), d)
		res.firstByte = append(res.firstByte, probe.Stop()...)
		peak := rss.Stop()
		if err != nil {
			return res, err
		}
		fmt.Printf("%8.0f req/s  p50 %-8s p99 %-8s errors %d  rss %d MB\n", float64(run.Requests)/(float64(run.DurationUS)/1e6),
			roundMS(time.Duration(run.P50US)*time.Microsecond), roundMS(time.Duration(run.P99US)*time.Microsecond), run.errors(), peak>>20)
		if round > 0 {
			res.rounds = append(res.rounds, run)
			res.rss = max(res.rss, peak)
		}
	}
	return res, nil
}

// check sends a scenario's first request once, so that a broken scenario
// fails loudly instead of measuring error pages.
func check(srv *server, l string) error {
	f := strings.Split(l, "\t")
	resp, err := send(srv.site, f)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("%s %s answers %d", f[0], f[1], resp.StatusCode)
	}
	return nil
}

func send(s site, f []string) (*http.Response, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return client.Do(request(context.Background(), s, f))
}

// request is a request line (method, path, body, headers) for site s.
func request(ctx context.Context, s site, f []string) *http.Request {
	req, _ := http.NewRequestWithContext(ctx, f[0], "http://"+s.addr+f[1], strings.NewReader(f[2]))
	for _, h := range f[3:] {
		name, value, _ := strings.Cut(h, ": ")
		if name == "Host" {
			req.Host = value
			continue
		}
		req.Header.Set(name, value)
	}
	return req
}

func runWrk(ctx context.Context, o options, s site, script, requests, out string, d time.Duration) (wrkRun, error) {
	cmd := exec.CommandContext(ctx, "wrk", "-t", fmt.Sprint(o.threads), "-c", fmt.Sprint(o.conns), "-d", fmt.Sprintf("%ds", int(d.Seconds())),
		"--timeout", "10s", "-s", script, "http://"+s.addr)
	cmd.Env = append(os.Environ(), "WRK_REQUESTS="+requests, "WRK_OUT="+out)
	if b, err := cmd.CombinedOutput(); err != nil {
		return wrkRun{}, fmt.Errorf("wrk: %w\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return wrkRun{}, err
	}
	var r wrkRun
	return r, json.Unmarshal(b, &r)
}

// probe measures the time to the first byte of a request, one at a time,
// while wrk loads the server.
type probe struct {
	stop    chan struct{}
	done    chan struct{}
	samples []time.Duration
}

func startProbe(on bool, s site, l string) *probe {
	p := &probe{stop: make(chan struct{}), done: make(chan struct{})}
	if !on {
		close(p.done)
		return p
	}
	go func() {
		defer close(p.done)
		f := strings.Split(l, "\t")
		for {
			select {
			case <-p.stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			var first time.Time
			start := time.Now()
			req := request(httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
				GotFirstResponseByte: func() { first = time.Now() },
			}), s, f)
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				continue
			}
			resp.Body.Close()
			if !first.IsZero() {
				p.samples = append(p.samples, first.Sub(start))
			}
		}
	}()
	return p
}

func (p *probe) Stop() []time.Duration {
	select {
	case <-p.done:
	default:
		close(p.stop)
		<-p.done
	}
	return p.samples
}

func roundMS(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/1e6)
	}
	return d.Round(time.Millisecond).String()
}
