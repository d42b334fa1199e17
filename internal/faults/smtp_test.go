package faults

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/mail/smtptest"
)

// TestSMTPDownMailWaits sends a password reset while nothing listens at
// SMTP_URL: the request succeeds, the mail job fails and waits for its
// next try; once a mail server listens there, the mail goes out with no
// one acting.
func TestSMTPDownMailWaits(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	smtpAddr := l.Addr().String()
	l.Close() // nothing listens there now
	dbURL := newDatabase(t)
	srv := startUpward(t, dbURL, "SMTP_URL=smtp://"+smtpAddr)
	ctx := context.Background()

	b := newBrowser(t, srv.addr, "10.7.0.1")
	if res, err := b.do(ctx, "GET", "/password/forgot", nil); err != nil || res.status != http.StatusOK {
		t.Fatalf("forgot password page: %v %d", err, res.status)
	}
	to := learnerEmail(0)
	res, err := b.post(ctx, "/password/forgot", url.Values{"email": {to}})
	if err != nil || res.status != http.StatusOK || !strings.Contains(res.body, "on its way") {
		t.Fatalf("asking for a reset with the mail server down: %v %d", err, res.status)
	}
	asked := time.Now()

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// The mail is the portal's: its row is read as the portal.
	if _, err := conn.Exec(ctx, `SELECT set_config('app.tenant_id', (SELECT id::text FROM tenants WHERE slug = $1), false)`, portal); err != nil {
		t.Fatal(err)
	}
	// job reads the mail's River job and its outbox row.
	type job struct {
		state          string
		attempts       int
		errors         int
		outboxAttempts int
		lastError      string
		sent           bool
	}
	read := func() job {
		var j job
		err := conn.QueryRow(ctx, `
			SELECT j.state, j.attempt, coalesce(array_length(j.errors, 1), 0), o.attempts, coalesce(o.last_error, ''), o.sent_at IS NOT NULL
			FROM mail_outbox o JOIN river_job j ON j.kind = 'mail.deliver' AND (j.args->>'outbox_id')::bigint = o.id
			WHERE o.to_address = $1`, to).Scan(&j.state, &j.attempts, &j.errors, &j.outboxAttempts, &j.lastError, &j.sent)
		if err != nil && err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		return j
	}
	var failed job
	for {
		failed = read()
		if failed.state == "retryable" && failed.outboxAttempts >= 1 {
			break
		}
		if time.Since(asked) > 30*time.Second {
			t.Fatalf("the mail job did not fail and wait within 30 s: %+v", failed)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if failed.sent || failed.errors < 1 || !strings.Contains(failed.lastError, "connect") && !strings.Contains(failed.lastError, "refused") {
		t.Errorf("after the first failure: %+v, want unsent with the connection's error recorded", failed)
	}
	t.Logf("SMTP down: the reset page answered at once; the mail job failed (%q) and waits, %s after %d attempt(s)",
		failed.lastError, failed.state, failed.attempts)

	// Let it fail for a while longer, then bring the mail server up.
	time.Sleep(3 * time.Second)
	before := read()
	mails := smtptest.StartAt(t, smtpAddr)
	up := time.Now()
	m := mails.WaitFor(t, to, 60*time.Second)
	delivered := time.Since(up)
	if !strings.Contains(m.Text, "/password/reset?token=") {
		t.Errorf("the mail that went out is not the reset: %q", m.Subject)
	}
	var after job
	for {
		after = read()
		if after.state == "completed" || time.Since(up) > 30*time.Second {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if after.state != "completed" || !after.sent || len(mails.Messages()) != 1 {
		t.Errorf("after delivery: %+v, %d messages, want the job completed, the row sent, one message", after, len(mails.Messages()))
	}
	t.Logf("SMTP back: the mail went out %v after the server listened (%v after it was asked for), on attempt %d (%d failed before the server was up)",
		delivered.Round(time.Millisecond), time.Since(asked).Round(time.Millisecond), after.attempts, before.outboxAttempts)
}
