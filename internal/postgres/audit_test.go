package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/auditlog"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
)

// fixtureEvent is an audit event written straight into a portal's log.
type fixtureEvent struct {
	at      time.Time
	actor   string
	action  string
	subject string
}

func addAuditEvents(t *testing.T, db *postgres.DB, tenantID int64, events ...fixtureEvent) {
	t.Helper()
	err := db.InTenantTx(context.Background(), tenantID, func(tx *postgres.Tx) error {
		for _, e := range events {
			if _, err := tx.Exec(context.Background(), `
				INSERT INTO audit_events (tenant_id, at, actor_label, action, subject, ip)
				VALUES ($1, $2, $3, $4, $5, '192.0.2.7')`, tenantID, e.at, e.actor, e.action, e.subject); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// auditTenants is two empty portals; creating them writes only to the
// platform's log, so their own logs start empty.
func auditTenants(t *testing.T) (*postgres.DB, tenant.Tenant, tenant.Tenant) {
	t.Helper()
	db := fixture.DB(t)
	acme := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme"})
	globex := fixture.Build(t, db, fixture.Spec{Slug: "globex", Name: "Globex"})
	return db, acme.Tenant, globex.Tenant
}

func subjects(events []auditlog.Event) []string {
	out := []string{}
	for _, e := range events {
		out = append(out, e.Subject)
	}
	return out
}

func TestFindAuditEvents_Filters(t *testing.T) {
	t.Parallel()
	db, acme, globex := auditTenants(t)
	day := func(d, h, m int) time.Time { return time.Date(2025, 3, d, h, m, 0, 0, time.UTC) }
	addAuditEvents(t, db, acme.ID,
		fixtureEvent{day(1, 9, 0), "ann@acme.test", "signin", "e1"},
		fixtureEvent{day(1, 9, 5), "ann@acme.test", "signin.failed", "e2"},
		fixtureEvent{day(2, 10, 0), "Bob@Acme.test", "user.invite", "e3"},
		fixtureEvent{day(2, 23, 59).Add(59*time.Second + 999999*time.Microsecond), "bob@acme.test", "user.update", "e4"},
		fixtureEvent{day(3, 0, 0), "carol@acme.test", "group.create", "e5"},
		fixtureEvent{day(3, 12, 0), "100%_sure@acme.test", "signin_report", "e6"},
	)
	// Globex's events match every filter below; none may show in acme's log.
	addAuditEvents(t, db, globex.ID,
		fixtureEvent{day(1, 9, 1), "ann@acme.test", "signin", "globex-1"},
		fixtureEvent{day(2, 11, 0), "bob@acme.test", "user.invite", "globex-2"},
		fixtureEvent{day(3, 12, 1), "100%_sure@acme.test", "signin_report", "globex-3"},
	)
	log := postgres.NewAuditService(db)
	mustParse := func(action, actor, from, to string) auditlog.Filter {
		f, err := auditlog.ParseFilter(action, actor, from, to)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	cases := []struct {
		name   string
		filter auditlog.Filter
		want   []string
	}{
		{"NoneKeepsAllNewestFirst", auditlog.Filter{}, []string{"e6", "e5", "e4", "e3", "e2", "e1"}},
		{"ActionKeepsItsDottedFamily", mustParse("signin", "", "", ""), []string{"e2", "e1"}},
		{"ActionPrefixNeedsTheDot", mustParse("use", "", "", ""), []string{}},
		{"ActionPrefix", mustParse("User", "", "", ""), []string{"e4", "e3"}},
		{"ExactAction", mustParse("user.invite", "", "", ""), []string{"e3"}},
		{"ActorTextInAnyCase", mustParse("", "BOB", "", ""), []string{"e4", "e3"}},
		{"ActorTextIsLiteralNotAPattern", mustParse("", "%_", "", ""), []string{"e6"}},
		{"OneWholeDay", mustParse("", "", "2025-03-02", "2025-03-02"), []string{"e4", "e3"}},
		{"FromADay", mustParse("", "", "2025-03-03", ""), []string{"e6", "e5"}},
		{"ToADay", mustParse("", "", "", "2025-03-01"), []string{"e2", "e1"}},
		{"Together", mustParse("signin", "ANN", "2025-03-01", "2025-03-01"), []string{"e2", "e1"}},
		{"NothingMatches", mustParse("", "", "2024-01-01", "2024-12-31"), []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page, err := log.FindAuditEvents(context.Background(), acme.ID, c.filter, nil, 100)
			if err != nil {
				t.Fatal(err)
			}
			if got := subjects(page.Events); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
			if page.Older != nil {
				t.Errorf("a page that holds everything says there is more")
			}
			var streamed []auditlog.Event
			if err := log.EachAuditEvent(context.Background(), acme.ID, c.filter, func(e auditlog.Event) error {
				streamed = append(streamed, e)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if got := subjects(streamed); !slices.Equal(got, c.want) {
				t.Errorf("export: got %v, want %v", got, c.want)
			}
		})
	}
}

// Events of one transaction share their time, so the pages must be cut by
// time and ID; events written while someone pages must not shift them.
func TestFindAuditEvents_PagesWithoutGapsOrRepeats(t *testing.T) {
	t.Parallel()
	db, acme, globex := auditTenants(t)
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	var events, others []fixtureEvent
	for i := range 23 {
		// Four events at each moment, so page edges fall inside ties.
		events = append(events, fixtureEvent{base.Add(time.Duration(i/4) * time.Minute), "ann@acme.test", []string{"signin", "user.update"}[i%2], fmt.Sprintf("a%02d", i)})
		others = append(others, fixtureEvent{base.Add(time.Duration(i/4) * time.Minute), "gus@globex.test", "signin", fmt.Sprintf("g%02d", i)})
	}
	addAuditEvents(t, db, acme.ID, events...)
	addAuditEvents(t, db, globex.ID, others...)
	log := postgres.NewAuditService(db)
	ctx := context.Background()

	all := func(f auditlog.Filter) []string {
		page, err := log.FindAuditEvents(ctx, acme.ID, f, nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return subjects(page.Events)
	}
	walk := func(f auditlog.Filter, size int, between func()) []string {
		var got []string
		var before *auditlog.Cursor
		for pages := 0; ; pages++ {
			page, err := log.FindAuditEvents(ctx, acme.ID, f, before, size)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) > size {
				t.Fatalf("page of %d events, size %d", len(page.Events), size)
			}
			got = append(got, subjects(page.Events)...)
			if page.Older == nil {
				return got
			}
			if pages > 50 {
				t.Fatal("paging does not end")
			}
			if between != nil {
				between()
			}
			before = page.Older
		}
	}
	for _, size := range []int{1, 3, 4, 5, 22, 23, 24} {
		t.Run(fmt.Sprintf("PagesOf%d", size), func(t *testing.T) {
			want := all(auditlog.Filter{})
			if len(want) != 23 {
				t.Fatalf("%d events in acme's log, want 23", len(want))
			}
			if got := walk(auditlog.Filter{}, size, nil); !slices.Equal(got, want) {
				t.Errorf("pages give %v,\nwant %v", got, want)
			}
		})
	}
	t.Run("Filtered", func(t *testing.T) {
		f := auditlog.Filter{Action: "signin"}
		want := all(f)
		if len(want) != 12 {
			t.Fatalf("%d signins, want 12", len(want))
		}
		if got := walk(f, 5, nil); !slices.Equal(got, want) {
			t.Errorf("pages give %v, want %v", got, want)
		}
	})
	t.Run("NewEventsDoNotShiftOlderPages", func(t *testing.T) {
		want := all(auditlog.Filter{})
		n := 0
		got := walk(auditlog.Filter{}, 4, func() {
			n++
			addAuditEvents(t, db, acme.ID, fixtureEvent{time.Now(), "ann@acme.test", "signin", fmt.Sprintf("new%d", n)})
		})
		if !slices.Equal(got, want) {
			t.Errorf("pages give %v, want %v", got, want)
		}
	})
}

func TestEachAuditEvent_StopsAtTheCallersError(t *testing.T) {
	t.Parallel()
	db, acme, _ := auditTenants(t)
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	addAuditEvents(t, db, acme.ID, fixtureEvent{at, "a", "signin", "1"}, fixtureEvent{at, "a", "signin", "2"}, fixtureEvent{at, "a", "signin", "3"})
	stop := errors.New("client went away")
	calls := 0
	err := postgres.NewAuditService(db).EachAuditEvent(context.Background(), acme.ID, auditlog.Filter{}, func(auditlog.Event) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err %v after %d calls, want the caller's error after 1", err, calls)
	}
}
