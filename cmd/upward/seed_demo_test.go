package main

import (
	"bytes"
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/postgres/pgtest"
	"github.com/upward-lms/upward/internal/report"
	"github.com/upward-lms/upward/internal/user"
)

// demoCounts are the rows of the demo portal's history, table by table.
type demoCounts struct {
	People, Groups, Members, Managed, Enrolments, Completed, Progress, Quizzes, Responses,
	Certificates, Statements, Assignments, Sessions, Registrations, Posts, Notifications int
}

func countDemo(t *testing.T, db *postgres.DB, tenantID int64) demoCounts {
	t.Helper()
	var c demoCounts
	err := db.InTenantTx(context.Background(), tenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT
			(SELECT count(*) FROM users), (SELECT count(*) FROM groups), (SELECT count(*) FROM group_members),
			(SELECT count(*) FROM users WHERE manager_id IS NOT NULL),
			(SELECT count(*) FROM enrolments), (SELECT count(*) FROM enrolments WHERE status = 'completed'),
			(SELECT count(*) FROM lesson_progress), (SELECT count(*) FROM quiz_attempts), (SELECT count(*) FROM block_responses),
			(SELECT count(*) FROM certificates), (SELECT count(*) FROM statements), (SELECT count(*) FROM assignments),
			(SELECT count(*) FROM live_sessions), (SELECT count(*) FROM live_session_registrations),
			(SELECT count(*) FROM discussion_posts), (SELECT count(*) FROM notifications)`).
			Scan(&c.People, &c.Groups, &c.Members, &c.Managed, &c.Enrolments, &c.Completed, &c.Progress, &c.Quizzes, &c.Responses,
				&c.Certificates, &c.Statements, &c.Assignments, &c.Sessions, &c.Registrations, &c.Posts, &c.Notifications)
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The seed makes the demo portal lived in: about 40 people in 4 teams
// with managers, 90 days of learning that the reports show, overdue
// assignments, live sessions ahead; running it again changes nothing.
func TestSeed_LivedInDemo(t *testing.T) {
	t.Parallel()
	url, flags := newDatabase(t)
	var out bytes.Buffer
	if code := run(context.Background(), commandArgs("seed", flags), &out, io.Discard); code != 0 {
		t.Fatalf("seed: exit %d\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "marcus.okafor@demo.test") || !strings.Contains(out.String(), "learner@demo.test") {
		t.Errorf("the sign-ins do not name the learner's manager:\n%s", out.String())
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	demo, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	first := countDemo(t, db, demo.ID)
	if first.People < 38 || first.People > 42 || first.Groups != 4 {
		t.Errorf("%d people in %d groups, want about 40 in 4", first.People, first.Groups)
	}

	t.Run("TeamsWithManagersWhoLearn", func(t *testing.T) {
		groups := postgres.NewGroupService(db)
		all, err := groups.FindGroups(ctx, demo.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range all {
			members, err := groups.FindGroupMembers(ctx, demo.ID, g.ID)
			if err != nil || len(members) < 6 {
				t.Fatalf("%s: %d members (%v)", g.Name, len(members), err)
			}
			// Every member but one reports to that one, who learns too.
			var managers []int64
			for _, m := range members {
				if m.ManagerID != nil && !slices.Contains(managers, *m.ManagerID) {
					managers = append(managers, *m.ManagerID)
				}
			}
			if len(managers) != 1 {
				t.Fatalf("%s: managers %v, want one", g.Name, managers)
			}
			i := slices.IndexFunc(members, func(m user.User) bool { return m.ID == managers[0] })
			if i < 0 || members[i].ManagerID != nil || !slices.Contains(members[i].Roles, user.Learner) {
				t.Errorf("%s: the manager is not a member who learns: %+v", g.Name, members)
			}
		}
	})

	t.Run("LearnerHasAManagerWhoSeesThem", func(t *testing.T) {
		learn := postgres.NewLearningService(db)
		var learnerID, managerID int64
		if err := db.InTenantTx(ctx, demo.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT u.id, u.manager_id FROM users u WHERE lower(u.email) = 'learner@demo.test'`).Scan(&learnerID, &managerID)
		}); err != nil {
			t.Fatal(err)
		}
		team, err := learn.FindTeam(ctx, demo.ID, managerID)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(team.Members, func(m postgres.TeamMember) bool { return m.UserID == learnerID })
		if i < 0 || len(team.Members[i].Courses) < 2 || len(team.Members[i].Shared) == 0 {
			t.Fatalf("My team of learner@demo.test's manager: %+v", team)
		}
		certs, err := learn.FindCertificates(ctx, demo.ID, learnerID)
		if err != nil || len(certs) == 0 {
			t.Errorf("learner@demo.test has %d certificates (%v)", len(certs), err)
		}
	})

	t.Run("ReportsShowNinetyDays", func(t *testing.T) {
		now := time.Now().UTC()
		f := report.Filter{From: now.Truncate(24*time.Hour).AddDate(0, 0, -90), To: now.Truncate(24 * time.Hour)}
		o, err := postgres.NewReportService(db).Overview(ctx, demo.ID, f)
		if err != nil {
			t.Fatal(err)
		}
		busy := 0
		for _, b := range o.Completions.Buckets {
			if b.Count > 0 {
				busy++
			}
		}
		if busy < 4 || o.Summary.Completions < 10 || o.Summary.Overdue == 0 || o.Summary.Active7 == 0 || o.Summary.ScoredQuizzes == 0 {
			t.Errorf("the overview: %+v, completions %+v", o.Summary, o.Completions)
		}
		var days, future int
		if err := db.InTenantTx(ctx, demo.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(DISTINCT completed_at::date) FILTER (WHERE completed_at > now() - interval '90 days'),
				count(*) FILTER (WHERE completed_at > now() OR enrolled_at > now() OR last_access_at > now())
				FROM enrolments`).Scan(&days, &future)
		}); err != nil {
			t.Fatal(err)
		}
		if days < 8 || future != 0 {
			t.Errorf("completions on %d days of the last 90; %d enrolments with moments ahead", days, future)
		}
	})

	t.Run("HistoryAsTheProductWritesIt", func(t *testing.T) {
		// Each completed course has its certificate and its record, at
		// the moment of completion; a quiz failed, then passed; answers
		// shared with a manager; replies in discussions.
		var unmatched, failedThenPassed, shared, replies int
		if err := db.InTenantTx(ctx, demo.ID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT
				(SELECT count(*) FROM enrolments e WHERE e.status = 'completed' AND NOT (
					EXISTS (SELECT 1 FROM certificates c WHERE c.user_id = e.user_id AND c.course_id = e.course_id AND c.issued_at = e.completed_at)
					AND EXISTS (SELECT 1 FROM statements s WHERE s.user_id = e.user_id AND s.object_id = 'course/' || e.course_id
						AND s.verb = 'http://adlnet.gov/expapi/verbs/completed' AND s."timestamp" = e.completed_at))),
				(SELECT count(*) FROM quiz_attempts a WHERE a.number = 1 AND NOT a.passed AND EXISTS (SELECT 1 FROM quiz_attempts b
					WHERE b.enrolment_id = a.enrolment_id AND b.block_key = a.block_key AND b.number = 2 AND b.passed AND b.submitted_at > a.submitted_at)),
				(SELECT count(*) FROM block_responses WHERE shared_at IS NOT NULL),
				(SELECT count(*) FROM discussion_posts WHERE parent_id IS NOT NULL)`).Scan(&unmatched, &failedThenPassed, &shared, &replies)
		}); err != nil {
			t.Fatal(err)
		}
		if unmatched != 0 || failedThenPassed == 0 || shared == 0 || replies == 0 {
			t.Errorf("%d completions without their certificate or record, %d quizzes failed then passed, %d shared answers, %d replies",
				unmatched, failedThenPassed, shared, replies)
		}
	})

	t.Run("LiveSessionAhead", func(t *testing.T) {
		sessions, err := postgres.NewLiveSessionService(db).FindSessions(ctx, demo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(sessions, func(s postgres.LiveSession) bool { return s.Start.After(time.Now()) && s.Registered > 0 }) {
			t.Errorf("no session ahead with registrations: %+v", sessions)
		}
	})

	t.Run("SecondRunChangesNothing", func(t *testing.T) {
		if code := run(context.Background(), commandArgs("seed", flags), io.Discard, io.Discard); code != 0 {
			t.Fatalf("seed again: exit %d", code)
		}
		if again := countDemo(t, db, demo.ID); again != first {
			t.Errorf("seeding again changed the demo portal:\n%+v\n%+v", first, again)
		}
	})
}

// In production the seed creates no demo people, nor their history.
func TestSeed_NoDemoPeopleInProduction(t *testing.T) {
	t.Parallel()
	url := pgtest.NewURL(t)
	var out bytes.Buffer
	if code := run(context.Background(), []string{"seed", "--env", "prod", "--database-url", url, "--data-dir", t.TempDir()}, &out, io.Discard); code != 0 {
		t.Fatalf("seed: exit %d\n%s", code, out.String())
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	demo, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if c := countDemo(t, db, demo.ID); c.People != 0 || c.Enrolments != 0 || c.Groups != 0 {
		t.Errorf("ENV=prod made demo data: %+v", c)
	}
}
