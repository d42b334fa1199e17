package faults

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// TestKill9UnderProgressWrites kills the server with SIGKILL while
// learners record progress, restarts it, and lets them carry on, resending
// what got no answer as a browser would. Every write that was acknowledged
// must be in the database, and nothing may be counted twice: one row, one
// learning record and one webhook event per completion, one certificate
// per completed course, percentages that match the rows.
func TestKill9UnderProgressWrites(t *testing.T) {
	dbURL := newDatabase(t)
	srv := startUpward(t, dbURL)
	db := openDB(t, dbURL)
	tenantID, courses := publishedCourses(t, db)

	type learner struct {
		b      *browser
		email  string
		writes []write
		mu     sync.Mutex
		acked  []write
	}
	people := make([]*learner, learners)
	total := 0
	for i := range people {
		b := newBrowser(t, srv.addr, fmt.Sprintf("10.9.0.%d", i+1))
		b.signIn(t, learnerEmail(i), "/courses/"+courses[0].slug)
		p := &learner{b: b, email: learnerEmail(i)}
		// Each learner takes the courses in another order, so that the
		// writers touch different enrolments at any moment.
		for j := range courses {
			p.writes = append(p.writes, progressWrites(courses[(i+j)%len(courses)])...)
		}
		total += len(p.writes)
		people[i] = p
	}

	var acked, retried atomic.Int64
	deadline := time.Now().Add(2 * time.Minute)
	var wg sync.WaitGroup
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, w := range p.writes {
				for {
					res, err := p.b.post(context.Background(), w.path, cloneForm(w.form))
					if err == nil && res.status == http.StatusSeeOther {
						p.mu.Lock()
						p.acked = append(p.acked, w)
						p.mu.Unlock()
						acked.Add(1)
						break
					}
					if err == nil {
						t.Errorf("%s: %d, want 303", w.path, res.status)
						return
					}
					// No answer: the server is down. Send the same form
					// again until it is back, as a person would.
					if time.Now().After(deadline) {
						t.Errorf("%s: still no answer after 2 minutes: %v", w.path, err)
						return
					}
					retried.Add(1)
					time.Sleep(20 * time.Millisecond)
				}
			}
		}()
	}

	// Kill when about 40% of the writes are acknowledged.
	for acked.Load() < int64(total)*2/5 {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d writes acknowledged", acked.Load(), total)
		}
		time.Sleep(2 * time.Millisecond)
	}
	srv.kill()
	atKill := acked.Load()
	// While the server is down, every write it acknowledged must be in
	// the database already.
	var found int
	for _, p := range people {
		p.mu.Lock()
		ack := append([]write(nil), p.acked...)
		p.mu.Unlock()
		found += checkAcknowledged(t, db, tenantID, p.email, ack)
	}
	restart := srv.start()
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("kill -9: %d writes by %d learners; %d acknowledged before the kill, the rest after a restart of %v (%d sends met no server and were resent)",
		total, learners, atKill, restart.Round(time.Millisecond), retried.Load())

	t.Logf("kill -9: all %d writes acknowledged before the kill were in the database", found)
	checkProgress(t, db, tenantID, courses)
}

// checkAcknowledged looks for each acknowledged write of one learner in
// the database and returns how many it found.
func checkAcknowledged(t *testing.T, db *postgres.DB, tenantID int64, email string, acked []write) int {
	t.Helper()
	ctx := context.Background()
	found := 0
	err := db.InTenantTx(ctx, tenantID, func(tx *postgres.Tx) error {
		for _, w := range acked {
			var sql string
			args := []any{email, w.course}
			switch w.kind {
			case "enrol":
				sql = `SELECT count(*) FROM enrolments e WHERE e.tenant_id = current_tenant_id()`
			case "lesson":
				sql = `SELECT count(*) FROM enrolments e JOIN lesson_progress p ON p.tenant_id = e.tenant_id AND p.enrolment_id = e.id
					AND p.attempt = e.attempt AND p.lesson_key = $3 AND p.completed_at IS NOT NULL WHERE e.tenant_id = current_tenant_id()`
				args = append(args, w.lesson)
			case "quiz":
				sql = `SELECT count(*) FROM enrolments e JOIN quiz_attempts q ON q.tenant_id = e.tenant_id AND q.enrolment_id = e.id
					AND q.attempt = e.attempt AND q.block_key = $3 WHERE e.tenant_id = current_tenant_id()`
				args = append(args, path.Base(w.path))
			case "reflection":
				sql = `SELECT count(*) FROM enrolments e JOIN block_responses r ON r.tenant_id = e.tenant_id AND r.enrolment_id = e.id
					AND r.attempt = e.attempt AND r.block_key = $3 AND r.done WHERE e.tenant_id = current_tenant_id()`
				args = append(args, path.Base(w.path))
			}
			sql += ` AND e.user_id = (SELECT id FROM users WHERE tenant_id = current_tenant_id() AND email = $1)
				AND e.course_id = (SELECT id FROM courses WHERE tenant_id = current_tenant_id() AND slug = $2)`
			var n int
			if err := tx.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
				return fmt.Errorf("%s: %w", w.path, err)
			}
			if n != 1 {
				t.Errorf("%s: acknowledged (303) to %s, but %d rows of it are in the database", w.path, email, n)
				continue
			}
			found++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func cloneForm(f map[string][]string) map[string][]string {
	out := make(map[string][]string, len(f))
	for k, v := range f {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// checkProgress checks the learners' whole progress: every learner took
// every course to the end (so every acknowledged write is there), and
// every completion was counted once.
func checkProgress(t *testing.T, db *postgres.DB, tenantID int64, courses []portalCourse) {
	t.Helper()
	ctx := context.Background()
	bySlug := map[string]portalCourse{}
	for _, c := range courses {
		bySlug[c.slug] = c
	}
	var emails []string
	for i := range learners {
		emails = append(emails, learnerEmail(i))
	}
	err := db.InTenantTx(ctx, tenantID, func(tx *postgres.Tx) error {
		// Enrolments: one per learner and course, completed, 100%, and
		// the percentage the rows give.
		rows, err := tx.Query(ctx, `
			SELECT u.email, c.slug, e.status, e.percent, e.attempt,
				coalesce((SELECT array_agg(p.lesson_key) FROM lesson_progress p WHERE p.tenant_id = e.tenant_id
					AND p.enrolment_id = e.id AND p.attempt = e.attempt AND p.completed_at IS NOT NULL), '{}')
			FROM enrolments e JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
			JOIN courses c ON c.tenant_id = e.tenant_id AND c.id = e.course_id
			WHERE e.tenant_id = current_tenant_id() AND u.email = ANY ($1)`, emails)
		if err != nil {
			return err
		}
		seen := map[string]int{}
		for rows.Next() {
			var email, slug, status string
			var percent, attempt int
			var done []string
			if err := rows.Scan(&email, &slug, &status, &percent, &attempt, &done); err != nil {
				return err
			}
			seen[email+" "+slug]++
			c := bySlug[slug]
			complete := func(key string) bool {
				for _, d := range done {
					if d == key {
						return true
					}
				}
				return false
			}
			want := learning.Percent(&c.content, complete)
			if percent != want || want != 100 || status != "completed" || attempt != 1 {
				t.Errorf("%s in %s: %s, %d%%, attempt %d; the rows give %d%% (%d lessons complete)", email, slug, status, percent, attempt, want, len(done))
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, e := range emails {
			for _, c := range courses {
				if seen[e+" "+c.slug] != 1 {
					t.Errorf("%s has %d enrolments in %s, want 1", e, seen[e+" "+c.slug], c.slug)
				}
			}
		}
		// Nothing counted twice: each query lists what is there more
		// than once.
		dupes := map[string]string{
			"learning records": `SELECT s.user_id || ' ' || s.verb || ' ' || s.object_id || ' ' || coalesce(s.context->>'attempt', ''), count(*)
				FROM statements s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
				WHERE s.tenant_id = current_tenant_id() AND u.email = ANY ($1) GROUP BY 1 HAVING count(*) > 1`,
			"quiz attempts": `SELECT q.enrolment_id || ' ' || q.block_key, count(*) FROM quiz_attempts q
				JOIN enrolments e ON e.tenant_id = q.tenant_id AND e.id = q.enrolment_id JOIN users u ON u.tenant_id = e.tenant_id AND u.id = e.user_id
				WHERE q.tenant_id = current_tenant_id() AND u.email = ANY ($1) GROUP BY 1 HAVING count(*) > 1 OR max(q.number) > 1`,
			"certificates": `SELECT c.user_id || ' ' || c.course_id, count(*) FROM certificates c JOIN users u ON u.tenant_id = c.tenant_id AND u.id = c.user_id
				WHERE c.tenant_id = current_tenant_id() AND u.email = ANY ($1) GROUP BY 1 HAVING count(*) > 1`,
			"webhook events": `SELECT d.event_type || ' ' || concat_ws(' ', b->'data'->'user'->>'id', b->'data'->'course'->>'id', b->'data'->'lesson'->>'key'), count(*)
				FROM webhook_deliveries d, LATERAL (SELECT d.body::jsonb AS b) j
				WHERE d.tenant_id = current_tenant_id() AND b->'data'->'user'->>'email' = ANY ($1) GROUP BY 1 HAVING count(*) > 1`,
		}
		for what, sql := range dupes {
			rows, err := tx.Query(ctx, sql, emails)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			for rows.Next() {
				var key string
				var n int
				if err := rows.Scan(&key, &n); err != nil {
					return err
				}
				t.Errorf("%s: %s counted %d times", what, key, n)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		// And each completion has its record, its event and, for a
		// course, its certificate: the counts agree.
		var lessons, lessonRecords, lessonEvents, completed, courseRecords, courseEvents, certs, certEvents int
		err = tx.QueryRow(ctx, `
			WITH mine AS (SELECT id FROM users WHERE tenant_id = current_tenant_id() AND email = ANY ($1))
			SELECT
				(SELECT count(*) FROM lesson_progress p JOIN enrolments e ON e.tenant_id = p.tenant_id AND e.id = p.enrolment_id
					WHERE p.tenant_id = current_tenant_id() AND e.user_id IN (SELECT id FROM mine) AND p.completed_at IS NOT NULL),
				(SELECT count(*) FROM statements WHERE tenant_id = current_tenant_id() AND user_id IN (SELECT id FROM mine) AND verb = $2 AND object_type = 'lesson'),
				(SELECT count(*) FROM webhook_deliveries WHERE tenant_id = current_tenant_id() AND event_type = 'lesson.completed'
					AND (body::jsonb->'data'->'user'->>'id')::bigint IN (SELECT id FROM mine)),
				(SELECT count(*) FROM enrolments WHERE tenant_id = current_tenant_id() AND user_id IN (SELECT id FROM mine) AND status = 'completed'),
				(SELECT count(*) FROM statements WHERE tenant_id = current_tenant_id() AND user_id IN (SELECT id FROM mine) AND verb = $2 AND object_type = 'course'),
				(SELECT count(*) FROM webhook_deliveries WHERE tenant_id = current_tenant_id() AND event_type = 'course.completed'
					AND (body::jsonb->'data'->'user'->>'id')::bigint IN (SELECT id FROM mine)),
				(SELECT count(*) FROM certificates WHERE tenant_id = current_tenant_id() AND user_id IN (SELECT id FROM mine) AND course_id IS NOT NULL),
				(SELECT count(*) FROM webhook_deliveries WHERE tenant_id = current_tenant_id() AND event_type = 'certificate.issued'
					AND (body::jsonb->'data'->'user'->>'id')::bigint IN (SELECT id FROM mine) AND body::jsonb->'data'->'course' IS NOT NULL)`,
			emails, learning.VerbCompleted).Scan(&lessons, &lessonRecords, &lessonEvents, &completed, &courseRecords, &courseEvents, &certs, &certEvents)
		if err != nil {
			return err
		}
		wantLessons := 0
		for _, c := range courses {
			for _, m := range c.content.Modules {
				wantLessons += len(m.Lessons)
			}
		}
		wantLessons *= learners
		t.Logf("kill -9: %d lessons complete (%d records, %d events), %d courses complete (%d records, %d events), %d certificates (%d events)",
			lessons, lessonRecords, lessonEvents, completed, courseRecords, courseEvents, certs, certEvents)
		if lessons != wantLessons || lessonRecords != lessons || lessonEvents != lessons {
			t.Errorf("lessons: %d complete of %d, %d records, %d events", lessons, wantLessons, lessonRecords, lessonEvents)
		}
		if want := len(courses) * learners; completed != want || courseRecords != want || courseEvents != want || certs != want || certEvents != want {
			t.Errorf("courses: %d complete of %d, %d records, %d events, %d certificates, %d certificate events", completed, want, courseRecords, courseEvents, certs, certEvents)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
