package server_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// mailsTo counts the outbox's messages to addr whose subject holds want,
// waiting a few seconds for background jobs to write them.
func mailsTo(t *testing.T, s *testServer, addr, want string, atLeast int) int {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		msgs, err := s.db.FindOutboxMessages(context.Background(), 100)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range msgs {
			if m.To == addr && strings.Contains(m.Subject, want) {
				n++
			}
		}
		if n >= atLeast || time.Now().After(deadline) {
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestNotifications_BellPageMailAndDigest(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortalsOn(t, newServer(t, fixture.WithJobs), func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "lee@acme.test", Name: "Lee"}, fixture.Person{Email: "kim@acme.test", Name: "Kim"})
	})
	ctx := context.Background()
	lee, kim := acme.Person(t, "lee@acme.test"), acme.Person(t, "kim@acme.test")
	notes := postgres.NewNotificationService(s.db)

	kc := newClient(t, s, "acme.localhost")
	signIn(kc, "kim@acme.test", goodPassword)
	kc.get("/account/notifications")
	if p := kc.post("/account/notifications", url.Values{string(notify.Mention): {"weekly"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("a bad choice: %d", p.status)
	}
	if p := kc.post("/account/notifications", url.Values{string(notify.Mention): {"off"}}); p.status != http.StatusSeeOther {
		t.Fatalf("save preferences: %d", p.status)
	}

	for _, u := range []user.User{lee, kim} {
		if err := notes.Notify(ctx, acme.ID,
			notify.Note{UserID: u.ID, Kind: notify.Mention, Title: "Ana mentioned you in Speaking up", URL: "/courses/x/lessons/y#post-1"},
			notify.Note{UserID: u.ID, Kind: notify.Reply, Title: "Ana replied to your post"}); err != nil {
			t.Fatal(err)
		}
	}

	lc := newClient(t, s, "acme.localhost")
	signIn(lc, "lee@acme.test", goodPassword)
	home := lc.get("/learn")
	if got := home.text(`[data-testid="unread"]`); got != "2" {
		t.Errorf("the bell says %q, want 2", got)
	}
	if n := mailsTo(t, s, "lee@acme.test", "Ana mentioned you", 1); n != 1 {
		t.Errorf("%d mails of the mention to lee, want 1 at once", n)
	}
	if n := mailsTo(t, s, "kim@acme.test", "Ana mentioned you", 0); n != 0 {
		t.Errorf("kim chose no mail for mentions, got %d", n)
	}
	if n := mailsTo(t, s, "lee@acme.test", "replied", 0); n != 0 {
		t.Errorf("the reply goes in the digest, not at once: %d", n)
	}

	t.Run("TheDigestCarriesTheDaysNotificationsOnce", func(t *testing.T) {
		outbox := postgres.NewOutbox(s.main.Jobs)
		if n, err := postgres.SendDigests(ctx, s.db, outbox, s.main.PortalURL, time.Now()); err != nil || n != 0 {
			t.Errorf("before a day has passed: %d, %v", n, err)
		}
		if n, err := postgres.SendDigests(ctx, s.db, outbox, s.main.PortalURL, time.Now().Add(25*time.Hour)); err != nil || n != 2 {
			t.Errorf("a day later: %d digests, %v; want lee's and kim's", n, err)
		}
		if n, _ := postgres.SendDigests(ctx, s.db, outbox, s.main.PortalURL, time.Now().Add(26*time.Hour)); n != 0 {
			t.Errorf("again: %d", n)
		}
		if n := mailsTo(t, s, "lee@acme.test", "Your day on Acme: 1 notification", 1); n != 1 {
			t.Errorf("%d digests to lee", n)
		}
	})

	t.Run("OpeningOneMarksItReadAndGoesToIt", func(t *testing.T) {
		list, _, _ := notes.FindNotifications(ctx, acme.ID, lee.ID, 0, 10)
		var mention int64
		for _, n := range list {
			if n.Kind == notify.Mention {
				mention = n.ID
			}
		}
		lc.get("/notifications")
		p := lc.post("/notifications/"+strconv.FormatInt(mention, 10)+"/read", nil)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/courses/x/lessons/y#post-1" {
			t.Errorf("open: %d %q", p.status, p.header.Get("Location"))
		}
		if got := lc.get("/learn").text(`[data-testid="unread"]`); got != "1" {
			t.Errorf("the bell says %q after opening one", got)
		}
		kims, _, _ := notes.FindNotifications(ctx, acme.ID, kim.ID, 0, 10)
		lc.get("/notifications")
		if p := lc.post("/notifications/"+strconv.FormatInt(kims[0].ID, 10)+"/read", nil); p.status != http.StatusNotFound {
			t.Errorf("another person's notification: %d", p.status)
		}
		lc.get("/notifications")
		lc.post("/notifications/read", nil)
		if res, body := lc.raw("/notifications/unread"); res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"unread":0`) {
			t.Errorf("after marking all read: %d %s", res.StatusCode, body)
		}
	})
}
