package postgres_test

import (
	"context"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// newAccount makes an account with n console members (no passwords: they
// are not signed in here) and returns it and the members' ids.
func newAccount(t *testing.T, db *postgres.DB, slug string, n int) (postgres.Org, []int64) {
	t.Helper()
	ctx := context.Background()
	var id int64
	if err := db.Pool.QueryRow(ctx, `INSERT INTO accounts (slug, name) VALUES ($1, $1) RETURNING id`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	var members []int64
	for i := range n {
		var m int64
		if err := db.Pool.QueryRow(ctx, `INSERT INTO console_members (email, name, password_hash, account_id)
			VALUES ($1 || '-' || $2::int || '@example.test', 'Admin', 'x', $3) RETURNING id`, slug, i, id).Scan(&m); err != nil {
			t.Fatal(err)
		}
		members = append(members, m)
	}
	return postgres.Org{AccountID: &id}, members
}

// Two admins removing each other at the same moment: one succeeds, the
// other finds themselves removed, and the account keeps an admin.
func TestRemoveConsoleMember_TwoAdminsRemovingEachOtherLeaveOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	console := postgres.NewConsoleService(db)
	by := postgres.AuditActor{Label: "test"}
	for round := range 5 {
		org, ids := newAccount(t, db, "race-"+string(rune('a'+round)), 2)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() { errs[i] = console.RemoveConsoleMember(ctx, org, ids[1-i], ids[i], by) })
		}
		wg.Wait()
		members, err := console.FindOrgMembers(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		if len(members) != 1 || (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: %d members left; errors %v, %v", round, len(members), errs[0], errs[1])
		}
	}
}

// invitationToken reads the secret of the newest console invitation
// mailed to addr from the outbox.
func invitationToken(t *testing.T, db *postgres.DB, addr string) string {
	t.Helper()
	var text string
	if err := db.Pool.QueryRow(context.Background(), `SELECT text_body FROM mail_outbox WHERE to_address = $1 AND tenant_id IS NULL ORDER BY id DESC LIMIT 1`,
		addr).Scan(&text); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/console/invitations/accept\?token=(\S+)`).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("no link in %q", text)
	}
	token, _ := url.QueryUnescape(m[1])
	return token
}

func TestConsoleInvitations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	console := postgres.NewConsoleService(db)
	by := postgres.AuditActor{Label: "test"}
	org, _ := newAccount(t, db, "acme", 1)
	invite := func(email string) {
		t.Helper()
		if _, err := console.InviteConsoleMember(ctx, org, postgres.ConsoleInvite{Email: email, Inviter: "Ann", ConsoleURL: "http://localhost"}, by); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("InvitingAgainReplacesTheEarlierLink", func(t *testing.T) {
		invite("kim@example.test")
		first := invitationToken(t, db, "kim@example.test")
		invite("Kim@example.test")
		if _, err := console.FindConsoleInvitationByToken(ctx, first); !postgres.IsBadConsoleLink(err) {
			t.Errorf("the first link after a second invitation: %v", err)
		}
		if invs, _ := console.FindConsoleInvitations(ctx, org); len(invs) != 1 {
			t.Errorf("%d pending invitations, want 1", len(invs))
		}
		if _, err := console.FindConsoleInvitationByToken(ctx, invitationToken(t, db, "Kim@example.test")); err != nil {
			t.Errorf("the second link: %v", err)
		}
	})
	t.Run("AnInvitationExpiresAfterSevenDays", func(t *testing.T) {
		invite("lee@example.test")
		token := invitationToken(t, db, "lee@example.test")
		db.Now = func() time.Time { return time.Now().Add(7*24*time.Hour + time.Minute) }
		t.Cleanup(func() { db.Now = time.Now })
		if _, err := console.FindConsoleInvitationByToken(ctx, token); !postgres.IsBadConsoleLink(err) {
			t.Errorf("finding an expired invitation: %v", err)
		}
		if _, err := console.AcceptConsoleInvitation(ctx, token, "Lee", "a long enough password", by); !postgres.IsBadConsoleLink(err) {
			t.Errorf("accepting an expired invitation: %v", err)
		}
	})
	t.Run("AnAddressThatJoinedMeanwhileIsAConflict", func(t *testing.T) {
		db.Now = time.Now
		other, _ := newAccount(t, db, "globex", 0)
		if _, err := console.InviteConsoleMember(ctx, other, postgres.ConsoleInvite{Email: "max@example.test", Inviter: "Gil", ConsoleURL: "http://localhost"}, by); err != nil {
			t.Fatal(err)
		}
		globexToken := invitationToken(t, db, "max@example.test")
		invite("max@example.test")
		if _, err := console.AcceptConsoleInvitation(ctx, invitationToken(t, db, "max@example.test"), "Max", "a long enough password", by); err != nil {
			t.Fatal(err)
		}
		if _, err := console.AcceptConsoleInvitation(ctx, globexToken, "Max", "a long enough password", by); apperr.Code(err) != apperr.ECONFLICT {
			t.Errorf("joining a second org with the same address: %v", err)
		}
	})
}
