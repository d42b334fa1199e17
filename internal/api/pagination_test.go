package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/postgres"
)

// walk follows a list's cursors from the start and returns every item's
// ID (the member named idField) in the order given, and the pages read.
func walk(t *testing.T, e *env, key, path, idField string) ([]int64, int) {
	t.Helper()
	return walkOn(t, e, "acme", key, path, idField)
}

// walkOn is walk on a host: a portal's, or the platform's.
func walkOn(t *testing.T, e *env, host, key, path, idField string) ([]int64, int) {
	t.Helper()
	var ids []int64
	pages := 0
	next := path
	for {
		r := e.call(t, host, "GET", next, key, nil)
		if r.status != http.StatusOK {
			t.Fatalf("%s: %d %s", next, r.status, r.body)
		}
		pages++
		var page struct {
			Data       []map[string]json.Number
			NextCursor *string `json:"next_cursor"`
		}
		dec := json.NewDecoder(bytesReader(r.body))
		dec.UseNumber()
		var raw struct {
			Data       []map[string]any
			NextCursor *string `json:"next_cursor"`
		}
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		page.NextCursor = raw.NextCursor
		for _, item := range raw.Data {
			n, _ := item[idField].(json.Number).Int64()
			ids = append(ids, n)
		}
		if page.NextCursor == nil {
			return ids, pages
		}
		if pages > 100 {
			t.Fatal("the list does not end")
		}
		sep := "?"
		if u, _ := url.Parse(path); u.RawQuery != "" {
			sep = "&"
		}
		next = path + sep + "cursor=" + url.QueryEscape(*page.NextCursor)
	}
}

// Every list, 260 items long, walked page by page: each item once, none
// missing, in its order; and the lists that sync by time keep only what
// changed since the time given.
func TestPagination(t *testing.T) {
	t.Parallel()
	// Another portal's rows must not appear.
	e := newEnv(t, nil, fixture.Spec{
		Courses: []fixture.Course{{Slug: "acme-course", Title: "Acme Course"}},
		Groups:  []fixture.Group{{Name: "Everyone"}},
	}, fixture.Spec{People: []fixture.Person{{Email: "other@globex.test", Name: "Other"}}})
	ctx := context.Background()
	key := e.key(e.acme.Tenant)
	course := e.acme.Courses["acme-course"]
	group := e.acme.Groups["Everyone"]
	const n = 260
	base := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	// Rows in bulk, as imports and syncs make them: many share one time
	// (a transaction's), so the ID must break the tie.
	err := e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
		for _, sql := range []string{
			`INSERT INTO users (tenant_id, email, name, status, roles, created_at, updated_at)
				SELECT $1::bigint, 'p' || i || '@acme.test', 'Person ' || i, 'active', '{learner}', $2, $2::timestamptz + ((i % 3) || ' minutes')::interval
				FROM generate_series(1, 260) i`,
			`INSERT INTO groups (tenant_id, name, kind, created_at) SELECT $1::bigint, 'Group ' || i, 'team', $2 FROM generate_series(1, 260) i`,
			`INSERT INTO group_members (tenant_id, group_id, user_id, added_at) SELECT $1::bigint, ` + strconv.FormatInt(group.ID, 10) + `, id, $2 FROM users WHERE email LIKE 'p%'`,
			`INSERT INTO enrolments (tenant_id, course_id, user_id, version, source, status, enrolled_at, started_at, completed_at)
				SELECT $1::bigint, ` + strconv.FormatInt(course.ID, 10) + `, id, 1, 'assigned', 'completed', $2, $2, $2::timestamptz + ((id % 4) || ' hours')::interval FROM users WHERE email LIKE 'p%'`,
			`INSERT INTO assignments (tenant_id, course_id, user_id, created_at) SELECT $1::bigint, ` + strconv.FormatInt(course.ID, 10) + `, id, $2 FROM users WHERE email LIKE 'p%'`,
			`INSERT INTO certificates (tenant_id, user_id, course_id, code, learner_name, title, issued_at)
				SELECT $1::bigint, id, ` + strconv.FormatInt(course.ID, 10) + `, 'C' || lpad(id::text, 15, '0'), name, 'Acme Course', $2::timestamptz + ((id % 5) || ' hours')::interval FROM users WHERE email LIKE 'p%'`,
			`INSERT INTO statements (tenant_id, user_id, verb, object_type, object_id, object_name, "timestamp", stored)
				SELECT $1::bigint, id, 'http://adlnet.gov/expapi/verbs/completed', 'course', 'course/` + strconv.FormatInt(course.ID, 10) + `', 'Acme Course', $2, $2::timestamptz + ((id % 2) || ' hours')::interval FROM users WHERE email LIKE 'p%'`,
			`INSERT INTO courses (tenant_id, slug, status, draft, published_version, title, created_at, updated_at)
				SELECT $1::bigint, 'bulk-' || i, 'published', c.draft, 1, 'Bulk ' || i, $2, $2 FROM generate_series(1, 259) i, courses c WHERE c.id = ` + strconv.FormatInt(course.ID, 10),
			`INSERT INTO course_versions (tenant_id, course_id, version, content, published_at)
				SELECT $1::bigint, id, 1, draft, $2 FROM courses WHERE slug LIKE 'bulk-%'`,
		} {
			if _, err := tx.Exec(ctx, sql, e.acme.ID, base); err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A draft course must not appear.
	if _, err := postgres.NewCourseService(e.db).CreateCourse(ctx, e.acme.ID, course2(), by); err != nil {
		t.Fatal(err)
	}

	lists := []struct {
		path, id string
		want     int
	}{
		{"/api/v1/users?limit=100", "id", n},
		{"/api/v1/users", "id", n},
		{"/api/v1/groups?limit=100", "id", n + 1},
		{"/api/v1/groups/" + strconv.FormatInt(group.ID, 10) + "/members?limit=100", "id", n},
		{"/api/v1/enrolments?limit=100", "id", n},
		{"/api/v1/enrolments?limit=100&status=completed&course_id=" + strconv.FormatInt(course.ID, 10), "id", n},
		{"/api/v1/assignments?limit=100", "id", n},
		{"/api/v1/courses?limit=100", "id", n},
		{"/api/v1/completions?limit=100", "enrolment_id", n},
		{"/api/v1/certificates?limit=100", "id", n},
		{"/api/v1/statements?limit=100", "id", n},
	}
	for _, l := range lists {
		t.Run(l.path, func(t *testing.T) {
			ids, pages := walk(t, e, key, l.path, l.id)
			seen := map[int64]bool{}
			for _, id := range ids {
				if seen[id] {
					t.Fatalf("ID %d on two pages", id)
				}
				seen[id] = true
			}
			if len(ids) != l.want {
				t.Errorf("%d items, want %d", len(ids), l.want)
			}
			limit := 50
			if q, _ := url.Parse(l.path); q.Query().Get("limit") != "" {
				limit, _ = strconv.Atoi(q.Query().Get("limit"))
			}
			if want := (l.want + limit - 1) / limit; pages != want {
				t.Errorf("%d pages, want %d", pages, want)
			}
		})
	}
	t.Run("ListsInIDOrderAreInIDOrder", func(t *testing.T) {
		ids, _ := walk(t, e, key, "/api/v1/enrolments?limit=100", "id")
		if !slices.IsSorted(ids) {
			t.Error("enrolments are not in ID order")
		}
	})
	t.Run("UsersSyncByTheTimeTheyChanged", func(t *testing.T) {
		// Three people change after the bulk load.
		later := base.Add(time.Hour)
		e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE users SET updated_at = $1 WHERE email IN ('p7@acme.test', 'p70@acme.test', 'p170@acme.test')`, later)
			return err
		})
		var page struct{ Data []struct{ Email string } }
		e.call(t, "acme", "GET", "/api/v1/users?updated_since="+url.QueryEscape(later.Format(time.RFC3339)), key, nil).decode(t, &page)
		var got []string
		for _, u := range page.Data {
			got = append(got, u.Email)
		}
		if !slices.Equal(got, []string{"p7@acme.test", "p70@acme.test", "p170@acme.test"}) {
			t.Errorf("changed since: %v", got)
		}
		// The whole list is in that order too: the changed last.
		ids, _ := walk(t, e, key, "/api/v1/users?limit=100", "id")
		var all struct{ Data []struct{ Email string } }
		e.call(t, "acme", "GET", "/api/v1/users?limit=3&updated_since="+url.QueryEscape(base.Format(time.RFC3339)), key, nil).decode(t, &all)
		if len(ids) != n || len(all.Data) != 3 {
			t.Errorf("%d users, page %d", len(ids), len(all.Data))
		}
	})
	t.Run("TimeFiltersKeepWhatIsAtOrAfterTheTime", func(t *testing.T) {
		for _, tc := range []struct {
			path, id string
			want     int
		}{
			{"/api/v1/completions?limit=100&updated_since=" + url.QueryEscape(base.Add(3*time.Hour).Format(time.RFC3339)), "enrolment_id", countMod(e, t, `SELECT count(*) FROM enrolments WHERE completed_at >= $1`, base.Add(3*time.Hour))},
			{"/api/v1/certificates?limit=100&updated_since=" + url.QueryEscape(base.Add(4*time.Hour).Format(time.RFC3339)), "id", countMod(e, t, `SELECT count(*) FROM certificates WHERE issued_at >= $1`, base.Add(4*time.Hour))},
			{"/api/v1/statements?limit=100&since=" + url.QueryEscape(base.Add(time.Hour).Format(time.RFC3339)), "id", countMod(e, t, `SELECT count(*) FROM statements WHERE stored >= $1`, base.Add(time.Hour))},
		} {
			ids, _ := walk(t, e, key, tc.path, tc.id)
			if len(ids) != tc.want || tc.want == 0 || tc.want == n {
				t.Errorf("%s: %d items, want %d (of %d)", tc.path, len(ids), tc.want, n)
			}
		}
	})
}

func countMod(e *env, t *testing.T, sql string, at time.Time) int {
	t.Helper()
	var c int
	ctx := context.Background()
	if err := e.db.InTenantTx(ctx, e.acme.ID, func(tx *postgres.Tx) error { return tx.QueryRow(ctx, sql, at).Scan(&c) }); err != nil {
		t.Fatal(err)
	}
	return c
}
