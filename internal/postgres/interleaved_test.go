package postgres_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/report"
)

// A pool of two connections serves 1,000 requests of four portals,
// interleaved by eight goroutines: each connection passes from portal to
// portal hundreds of times, through tenant transactions and batched reads
// alike, and no read ever returns another portal's row, nor does a write
// land in another portal.
func TestPoolOfTwo_InterleavedTenantsNeverSeeEachOther(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testDatabase(t)
	type portal struct {
		portalFixture
		users, courses map[int64]bool
		writes         atomic.Int64
	}
	var portals []*portal
	for _, p := range []struct{ slug, marker string }{{"acme", "Acme"}, {"globex", "Globex"}, {"initech", "Initech"}, {"umbrella", "Umbrella"}} {
		f := fillPortal(t, d.DB, p.slug, p.marker)
		portals = append(portals, &portal{portalFixture: f, users: map[int64]bool{}, courses: map[int64]bool{}})
	}
	// What each portal holds, read one portal at a time.
	userOwner, courseOwner := map[int64]string{}, map[int64]string{}
	for _, p := range portals {
		us, err := postgres.NewUserService(d.DB, nil, nil).FindUsers(ctx, p.TenantID, 100)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := postgres.NewCourseService(d.DB).FindCourses(ctx, p.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			p.users[u.ID] = true
		}
		for _, c := range cs {
			p.courses[c.ID] = true
		}
		for id := range p.users {
			if userOwner[id] != "" {
				t.Fatalf("person %d in %s and %s", id, userOwner[id], p.Slug)
			}
			userOwner[id] = p.Slug
		}
		for id := range p.courses {
			if courseOwner[id] != "" {
				t.Fatalf("course %d in %s and %s", id, courseOwner[id], p.Slug)
			}
			courseOwner[id] = p.Slug
		}
		if len(p.users) < 6 || len(p.courses) < 2 {
			t.Fatalf("%s: %d people and %d courses, too few to tell", p.Slug, len(p.users), len(p.courses))
		}
	}

	two, err := postgres.Open(ctx, d.URL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer two.Close()
	users := postgres.NewUserService(two, nil, nil)
	learn := postgres.NewLearningService(two)
	reports := postgres.NewReportService(two)
	groups := postgres.NewGroupService(two)
	notes := postgres.NewNotificationService(two)

	const goroutines, perGoroutine = 8, 125
	var served atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range perGoroutine {
				p := portals[(g+i)%len(portals)]
				// A leak names the other portal: a row whose owner is not p.
				leak := func(format string, args ...any) {
					t.Errorf("%s: "+format, append([]any{p.Slug}, args...)...)
				}
				switch (g*perGoroutine + i) % 5 {
				case 0:
					us, err := users.FindUsers(ctx, p.TenantID, 100)
					if err != nil {
						t.Error(err)
						return
					}
					if len(us) != len(p.users) {
						leak("%d people listed, want %d", len(us), len(p.users))
					}
					for _, u := range us {
						if !p.users[u.ID] || !strings.HasPrefix(u.Name, p.Marker) {
							leak("people list shows %d %q", u.ID, u.Name)
						}
					}
				case 1:
					entries, err := learn.FindCatalog(ctx, p.TenantID, p.Learners[0], postgres.CatalogQuery{})
					if err != nil {
						t.Error(err)
						return
					}
					if len(entries) != len(p.courses) {
						leak("%d courses in the catalog, want %d", len(entries), len(p.courses))
					}
					for _, e := range entries {
						if !p.courses[e.ID] {
							leak("catalog shows course %d %q", e.ID, e.Title)
						}
					}
				case 2:
					r, err := reports.CourseReport(ctx, p.TenantID, p.CourseID, report.Filter{}, 0)
					if err != nil {
						t.Error(err)
						return
					}
					if r.Title != p.Marker+" Course" || len(r.Learners) == 0 {
						leak("course report %q with %d learners", r.Title, len(r.Learners))
					}
					for _, l := range r.Learners {
						if !p.users[l.UserID] || !strings.HasPrefix(l.Name, p.Marker) {
							leak("course report shows %d %q", l.UserID, l.Name)
						}
					}
				case 3:
					gs, err := groups.FindGroups(ctx, p.TenantID)
					if err != nil {
						t.Error(err)
						return
					}
					if len(gs) != 1 || gs[0].ID != p.GroupID || gs[0].MemberCount != len(p.Learners) {
						leak("groups %+v", gs)
					}
				case 4:
					if err := notes.Notify(ctx, p.TenantID, notify.Note{UserID: p.Learners[1], Kind: notify.Mention, Title: p.Marker + " ping"}); err != nil {
						t.Error(err)
						return
					}
					p.writes.Add(1)
				}
				served.Add(1)
			}
		})
	}
	wg.Wait()
	if n := served.Load(); n != goroutines*perGoroutine {
		t.Fatalf("served %d requests of %d", n, goroutines*perGoroutine)
	}
	if got := two.Pool.Stat().TotalConns(); got > 2 {
		t.Errorf("the pool holds %d connections, want at most 2", got)
	}
	for _, p := range portals {
		var mine, others int
		err := d.DB.InTenantTx(ctx, p.TenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE title = $1), count(*) FILTER (WHERE title LIKE '% ping' AND title <> $1)
				FROM notifications WHERE tenant_id = current_tenant_id()`, p.Marker+" ping").Scan(&mine, &others)
		})
		if err != nil {
			t.Fatal(err)
		}
		if int64(mine) != p.writes.Load() || others != 0 {
			t.Errorf("%s: %d of its %d notifications, %d of other portals'", p.Slug, mine, p.writes.Load(), others)
		}
	}
	t.Logf("%d requests of %d portals on a pool of 2 connections", served.Load(), len(portals))
}
