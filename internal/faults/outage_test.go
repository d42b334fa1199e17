package faults

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apikey"
	"github.com/upward-lms/upward/internal/postgres"
)

// outage is how long PostgreSQL stays down.
const outage = 10 * time.Second

// TestPostgresStoppedUnderLoad stops PostgreSQL for ten seconds while
// learners read lessons and mark them complete and an API client lists
// courses. Every request must answer quickly: 503 with the HTML page (or
// the API's problem) that says to try again shortly, never a hang or a
// 500; /readyz says 503 too. When PostgreSQL is back, the same process
// serves again without a restart.
func TestPostgresStoppedUnderLoad(t *testing.T) {
	dbURL := newDatabase(t)
	db := openDB(t, dbURL)
	tenantID, courses := publishedCourses(t, db)
	_, key, err := postgres.NewAPIKeyService(db).CreatePortalKey(context.Background(), tenantID, "fault suite",
		[]apikey.Permission{apikey.CoursesRead}, postgres.AuditActor{Label: "faults"})
	if err != nil {
		t.Fatal(err)
	}
	db.Close() // the suite's own pool must not hold the database either
	srv := startUpward(t, dbURL)
	pid := srv.cmd.Process.Pid

	const readers = 4
	c := courses[0]
	writes := progressWrites(c)
	var browsers []*browser
	for i := range readers {
		b := newBrowser(t, srv.addr, fmt.Sprintf("10.8.0.%d", i+1))
		b.signIn(t, learnerEmail(i), "/courses/"+c.slug)
		if res, err := b.post(context.Background(), writes[0].path, nil); err != nil || res.status != http.StatusSeeOther {
			t.Fatalf("enrol: %v %d", err, res.status)
		}
		browsers = append(browsers, b)
	}
	api := newBrowser(t, srv.addr, "10.8.1.1")

	// down is set while PostgreSQL is stopped; each request is judged
	// by the state when it was sent and when it came back.
	var down atomic.Bool
	var stopLoad atomic.Bool
	type sample struct {
		took          time.Duration
		status        int
		whileDown     bool
		htmlUnavail   bool // the 503 page saying to try again shortly
		problem503    bool // the API's 503 problem
		retryAfter    string
		sentAt, endAt time.Time
	}
	var mu sync.Mutex
	var samples []sample
	record := func(begin time.Time, res response, err error) {
		end := time.Now()
		s := sample{took: end.Sub(begin), status: res.status, sentAt: begin, endAt: end, retryAfter: res.header.Get("Retry-After")}
		if err != nil {
			t.Errorf("a request got no answer after %v: %v", s.took, err)
			return
		}
		s.htmlUnavail = strings.Contains(res.header.Get("Content-Type"), "text/html") && strings.Contains(res.body, "try again shortly")
		s.problem503 = strings.Contains(res.header.Get("Content-Type"), "application/problem+json") && strings.Contains(res.body, "problem-unavailable")
		mu.Lock()
		samples = append(samples, s)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stopLoad.Load(); n++ {
				begin := time.Now()
				var res response
				var err error
				if n%2 == 0 {
					res, err = b.do(context.Background(), "GET", "/courses/"+c.slug+"/lessons/"+c.content.Modules[0].Lessons[0].Key, nil)
				} else {
					w := writes[1+(n/2+i)%(len(writes)-1)]
					res, err = b.post(context.Background(), w.path, cloneForm(w.form))
				}
				record(begin, res, err)
				time.Sleep(20 * time.Millisecond)
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stopLoad.Load() {
			req, _ := http.NewRequest("GET", "http://"+srv.addr+"/api/v1/courses", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			begin := time.Now()
			res, err := api.send(req, false)
			record(begin, res, err)
			time.Sleep(50 * time.Millisecond)
		}
	}()
	readyz := func() (int, time.Duration) {
		begin := time.Now()
		res, err := api.do(context.Background(), "GET", "/readyz", nil)
		if err != nil {
			t.Errorf("/readyz: %v", err)
		}
		return res.status, time.Since(begin)
	}

	time.Sleep(time.Second) // load before the outage
	ctx := context.Background()
	stopBegin := time.Now()
	if err := postgres.StopDevCluster(ctx, clusterDir); err != nil {
		t.Fatal(err)
	}
	down.Store(true)
	stoppedAt := time.Now()
	t.Logf("PostgreSQL stopped (pg_ctl stop -m fast took %v)", stoppedAt.Sub(stopBegin).Round(time.Millisecond))
	var readyDown []int
	for time.Since(stoppedAt) < outage {
		code, took := readyz()
		if took > 2*time.Second {
			t.Errorf("/readyz took %v while PostgreSQL was down", took)
		}
		readyDown = append(readyDown, code)
		time.Sleep(time.Second)
	}
	if _, err := postgres.StartDevCluster(ctx, clusterDir, func(string, ...any) {}); err != nil {
		t.Fatal(err)
	}
	startedAt := time.Now()
	down.Store(false)
	// Recovery: the first 200 of /readyz and of a page after the start.
	var readyBack time.Duration
	for {
		if code, _ := readyz(); code == http.StatusOK {
			readyBack = time.Since(startedAt)
			break
		}
		if time.Since(startedAt) > 30*time.Second {
			t.Fatal("/readyz did not say 200 within 30 s of PostgreSQL's start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // load after the outage
	stopLoad.Store(true)
	wg.Wait()
	if !srv.running() || srv.cmd.Process.Pid != pid {
		t.Fatal("the server did not survive the outage")
	}

	for _, code := range readyDown {
		if code != http.StatusServiceUnavailable {
			t.Errorf("/readyz answered %v while PostgreSQL was down, want 503 each time", readyDown)
			break
		}
	}
	var during, unavailable, okAfter, afterStart, before int
	var slowest, slowestDown time.Duration
	var firstOK time.Duration = -1
	for _, s := range samples {
		slowest = max(slowest, s.took)
		if s.took > 2*time.Second {
			t.Errorf("a request took %v (status %d): requests must fail fast", s.took, s.status)
		}
		if s.status >= 500 && s.status != http.StatusServiceUnavailable {
			t.Errorf("status %d: the database being away is a 503, never another 5xx", s.status)
		}
		switch {
		case s.endAt.Before(stopBegin):
			before++
			if s.status >= 400 {
				t.Errorf("before the outage: status %d", s.status)
			}
		case s.sentAt.After(stoppedAt) && s.endAt.Before(startedAt):
			during++
			slowestDown = max(slowestDown, s.took)
			if s.status != http.StatusServiceUnavailable || !(s.htmlUnavail || s.problem503) || s.retryAfter == "" {
				t.Errorf("while PostgreSQL was down: status %d, page saying to try again shortly: %v, API problem: %v, Retry-After %q",
					s.status, s.htmlUnavail, s.problem503, s.retryAfter)
			} else {
				unavailable++
			}
		case s.sentAt.After(startedAt):
			afterStart++
			if s.status < 400 {
				okAfter++
				if firstOK < 0 || s.endAt.Sub(startedAt) < firstOK {
					firstOK = s.endAt.Sub(startedAt)
				}
			} else if s.sentAt.After(startedAt.Add(readyBack)) {
				t.Errorf("after /readyz said 200 again: status %d", s.status)
			}
		}
	}
	if t.Failed() {
		t.Logf("the server's errors:\n%s", strings.Join(append(srv.logLines("level=ERROR"), srv.logLines("status=500")...), "\n"))
	}
	if during == 0 || afterStart == 0 || okAfter == 0 {
		t.Errorf("requests: %d during the outage, %d after it (%d answered)", during, afterStart, okAfter)
	}
	t.Logf("PostgreSQL down %v: %d requests before; %d during, all 503 with the try-again page or problem (slowest %v); /readyz %v",
		outage, before, during, slowestDown.Round(time.Millisecond), readyDown)
	t.Logf("recovery without a restart: /readyz 200 %v after PostgreSQL's start, first page or API answer %v after; %d of %d requests after the start answered; slowest request overall %v",
		readyBack.Round(time.Millisecond), firstOK.Round(time.Millisecond), okAfter, afterStart, slowest.Round(time.Millisecond))
}
