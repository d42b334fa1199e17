package faults

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSIGTERMUnderLoad sends SIGTERM while learners read lessons and mark
// them complete. Every request that got an answer got a non-5xx one (the
// ones in flight are finished), the process exits 0 within the shutdown
// timeout, and afterwards the port refuses connections.
func TestSIGTERMUnderLoad(t *testing.T) {
	dbURL := newDatabase(t)
	db := openDB(t, dbURL)
	_, courses := publishedCourses(t, db)
	srv := startUpward(t, dbURL)
	c := courses[0]
	writes := progressWrites(c)

	const people = 4
	var browsers []*browser
	for i := range people {
		b := newBrowser(t, srv.addr, fmt.Sprintf("10.5.0.%d", i+1))
		b.signIn(t, learnerEmail(i), "/courses/"+c.slug)
		if res, err := b.post(context.Background(), writes[0].path, nil); err != nil || res.status != http.StatusSeeOther {
			t.Fatalf("enrol: %v %d", err, res.status)
		}
		browsers = append(browsers, b)
	}
	var answered, failed, refused atomic.Int64
	var mu sync.Mutex
	statuses := map[int]int{}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i, b := range browsers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; !stop.Load(); n++ {
				var res response
				var err error
				if n%2 == 0 {
					res, err = b.do(context.Background(), "GET", "/courses/"+c.slug+"/lessons/"+c.content.Modules[0].Lessons[n/2%len(c.content.Modules[0].Lessons)].Key, nil)
				} else {
					w := writes[1+(n/2+i)%(len(writes)-1)]
					res, err = b.post(context.Background(), w.path, cloneForm(w.form))
				}
				if err != nil {
					// Refused or cut before an answer: the server is
					// closing. Not an answer, so not a 5xx either.
					if isRefused(err) {
						refused.Add(1)
						time.Sleep(10 * time.Millisecond)
					} else {
						failed.Add(1)
					}
					continue
				}
				answered.Add(1)
				mu.Lock()
				statuses[res.status]++
				mu.Unlock()
				if res.status >= 500 {
					t.Errorf("%d during shutdown", res.status)
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	beforeTerm := answered.Load()
	code, took := srv.terminate(15 * time.Second)
	time.Sleep(200 * time.Millisecond) // clients meet the closed port
	stop.Store(true)
	wg.Wait()
	if code != 0 {
		t.Errorf("exit code %d after SIGTERM, want 0", code)
	}
	if took > 10*time.Second {
		t.Errorf("shutdown took %v, more than SHUTDOWN_TIMEOUT", took)
	}
	if conn, err := net.DialTimeout("tcp", srv.addr, time.Second); err == nil {
		conn.Close()
		t.Error("the port still accepts connections after the exit")
	}
	t.Logf("SIGTERM under load: %d requests answered (%d before the signal), statuses %v, none 5xx; %d cut without an answer, %d refused after the close; exit %d after %v",
		answered.Load(), beforeTerm, statuses, failed.Load(), refused.Load(), code, took.Round(time.Millisecond))
}

func isRefused(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}
