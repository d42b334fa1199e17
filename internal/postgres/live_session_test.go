package postgres_test

import (
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/postgres"
)

type sessionFixture struct {
	learningFixture
	sessions   *postgres.LiveSessionService
	instructor int64
}

func newSessionFixture(t *testing.T) sessionFixture {
	t.Helper()
	f := sessionFixture{learningFixture: learningFixtureOf(t, publishedSpec())}
	f.sessions = postgres.NewLiveSessionService(f.db)
	f.instructor = f.people(t, 1, "instructor")[0]
	return f
}

// people adds n active people with the given role, quickly (no password),
// in the Europe/Paris time zone (more than fixture.Spec says).
func (f sessionFixture) people(t *testing.T, n int, role string) []int64 {
	t.Helper()
	var ids []int64
	err := f.db.InTenantTx(f.ctx, f.tenantID, func(tx *postgres.Tx) error {
		rows, err := tx.Query(f.ctx, `
			INSERT INTO users (tenant_id, email, name, roles, time_zone)
			SELECT $1, $2 || '-' || i || '-' || $4::bigint || '@acme.test', $2 || ' ' || i, ARRAY[$2], 'Europe/Paris'
			FROM generate_series(1, $3) AS i RETURNING id`, f.tenantID, role, n, time.Now().UnixNano())
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (f sessionFixture) enrolAll(t *testing.T, ids []int64) {
	t.Helper()
	for _, id := range ids {
		if _, err := f.learning.Enrol(f.ctx, f.tenantID, id, f.course.ID, learning.SelfEnrolled); err != nil {
			t.Fatal(err)
		}
	}
}

func (f sessionFixture) schedule(t *testing.T, capacity int, start time.Time) postgres.LiveSession {
	t.Helper()
	s, err := f.sessions.CreateSession(f.ctx, f.tenantID, postgres.SessionPlan{CourseID: f.course.ID, Instructors: []int64{f.instructor},
		Details: livesession.Details{Title: "Managing up, live", Start: start, End: start.Add(90 * time.Minute), TimeZone: "Europe/Paris",
			Capacity: capacity, MeetingURL: "https://meet.example/x"}}, postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLiveSessions_FiftyRegisterForTenSeats(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	learners := f.people(t, 50, "learner")
	f.enrolAll(t, learners)
	s := f.schedule(t, 10, time.Now().Add(72*time.Hour))

	got := make([]livesession.Registration, len(learners))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, id := range learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			r, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, id)
			if err != nil {
				t.Error(err)
			}
			got[i] = r
		}()
	}
	close(start)
	wg.Wait()

	regs, err := f.sessions.FindRegistrations(f.ctx, f.tenantID, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	byStatus := map[livesession.Registration][]postgres.SessionRegistration{}
	for _, r := range regs {
		byStatus[r.Status] = append(byStatus[r.Status], r)
	}
	registered, waiting := byStatus[livesession.Registered], byStatus[livesession.Waitlisted]
	if len(registered) != 10 || len(waiting) != 40 {
		t.Fatalf("%d registered and %d waitlisted, want 10 and 40", len(registered), len(waiting))
	}
	t.Run("SeatsWentToTheFirstTenToArrive", func(t *testing.T) {
		var arrivals []int64
		for _, r := range regs {
			arrivals = append(arrivals, r.Arrival)
		}
		sort.Slice(arrivals, func(i, j int) bool { return arrivals[i] < arrivals[j] })
		for _, r := range registered {
			if r.Arrival > arrivals[9] {
				t.Errorf("%s holds a seat but arrived %d, after the tenth (%d)", r.Name, r.Arrival, arrivals[9])
			}
		}
	})
	t.Run("TheWaitlistIsInArrivalOrder", func(t *testing.T) {
		for i, r := range waiting {
			if r.Position != i+1 || (i > 0 && r.Arrival <= waiting[i-1].Arrival) {
				t.Errorf("place %d: %s at %d, arrival %d", i+1, r.Name, r.Position, r.Arrival)
			}
		}
	})
	t.Run("EachWasToldWhatTheyGot", func(t *testing.T) {
		status := map[int64]livesession.Registration{}
		for _, r := range regs {
			status[r.UserID] = r.Status
		}
		for i, id := range learners {
			if got[i] != status[id] {
				t.Errorf("learner %d was told %s, holds %s", id, got[i], status[id])
			}
		}
	})
	t.Run("RegisteringAgainChangesNothing", func(t *testing.T) {
		r, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, waiting[5].UserID)
		if err != nil || r != livesession.Waitlisted {
			t.Errorf("%s %v", r, err)
		}
		again, _ := f.sessions.FindRegistrations(f.ctx, f.tenantID, s.ID)
		if again[10+5].UserID != waiting[5].UserID {
			t.Error("registering again moved the person")
		}
	})

	t.Run("ACancellationPromotesTheFirstWaitingAndTellsThem", func(t *testing.T) {
		first := waiting[0]
		if err := f.sessions.CancelRegistration(f.ctx, f.tenantID, s.ID, registered[3].UserID); err != nil {
			t.Fatal(err)
		}
		ls, err := f.sessions.FindLearnerSession(f.ctx, f.tenantID, s.ID, first.UserID)
		if err != nil || ls.Status != livesession.Registered || ls.Registered != 10 || ls.Waitlisted != 39 {
			t.Fatalf("the first waiting: %+v %v", ls, err)
		}
		second, _ := f.sessions.FindLearnerSession(f.ctx, f.tenantID, s.ID, waiting[1].UserID)
		if second.Status != livesession.Waitlisted || second.Position != 1 {
			t.Errorf("the second waiting is now %s at %d, want first in line", second.Status, second.Position)
		}
		notes, _, err := postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, first.UserID, 0, 10)
		if err != nil || len(notes) != 1 || notes[0].Kind != notify.SessionPromoted || notes[0].URL != postgres.SessionURL(s.ID) {
			t.Errorf("the promoted person's notifications: %+v %v", notes, err)
		}
		other, _, _ := postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, waiting[1].UserID, 0, 10)
		if len(other) != 0 {
			t.Errorf("someone still waiting was notified: %+v", other)
		}
		var jobs int
		f.db.Pool.QueryRow(f.ctx, `SELECT count(*) FROM river_job WHERE kind = 'notify.mail'`).Scan(&jobs)
		if jobs != 1 {
			t.Errorf("%d mail jobs, want the promotion's", jobs)
		}
	})
}

func TestLiveSessions_OnlyLearnersOfTheCourseOrPathRegister(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	s := f.schedule(t, 5, time.Now().Add(48*time.Hour))
	if _, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, f.learner); apperr.Code(err) != apperr.EFORBIDDEN {
		t.Errorf("not enrolled: %v, want forbidden", err)
	}
	if _, err := f.sessions.Register(f.ctx, f.tenantID, s.ID+1000, f.learner); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("no such session: %v", err)
	}
	if err := f.sessions.CancelSession(f.ctx, f.tenantID, s.ID, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	f.enrolAll(t, []int64{f.learner})
	if _, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, f.learner); apperr.Code(err) != apperr.ECONFLICT {
		t.Errorf("cancelled session: %v, want conflict", err)
	}
}

// reminderJobs reads the session's reminder jobs from River's table.
func reminderJobs(t *testing.T, f sessionFixture, sessionID int64) map[string][]time.Time {
	t.Helper()
	rows, err := f.db.Pool.Query(f.ctx, `SELECT state, scheduled_at FROM river_job WHERE kind = 'session.reminder' AND (args->>'session_id')::bigint = $1 ORDER BY scheduled_at`, sessionID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var state string
		var at time.Time
		if err := rows.Scan(&state, &at); err != nil {
			t.Fatal(err)
		}
		out[state] = append(out[state], at)
	}
	return out
}

func TestLiveSessions_RemindersMoveWithTheSession(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	learners := f.people(t, 2, "learner")
	f.enrolAll(t, learners)
	start := time.Now().Add(72 * time.Hour).Truncate(time.Minute)
	s := f.schedule(t, 1, start)
	for _, id := range learners {
		if _, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	jobs := reminderJobs(t, f, s.ID)
	if len(jobs["scheduled"]) != 2 || !jobs["scheduled"][0].Equal(start.Add(-24*time.Hour)) || !jobs["scheduled"][1].Equal(start.Add(-time.Hour)) {
		t.Fatalf("reminders planned: %v", jobs)
	}

	moved := start.Add(48 * time.Hour)
	d := s.Details
	d.Start, d.End = moved, moved.Add(time.Hour)
	up, err := f.sessions.UpdateSession(f.ctx, f.tenantID, s.ID, postgres.SessionPlan{Details: d, Instructors: []int64{f.instructor}}, postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if up.Sequence != 1 {
		t.Errorf("sequence %d after a reschedule, want 1", up.Sequence)
	}
	t.Run("TheOldJobsAreCancelledAndNewOnesScheduled", func(t *testing.T) {
		jobs := reminderJobs(t, f, s.ID)
		if len(jobs["cancelled"]) != 2 || len(jobs["scheduled"]) != 2 ||
			!jobs["scheduled"][0].Equal(moved.Add(-24*time.Hour)) || !jobs["scheduled"][1].Equal(moved.Add(-time.Hour)) {
			t.Errorf("after the reschedule: %v", jobs)
		}
	})
	t.Run("RegistrantsAndTheWaitlistAreTold", func(t *testing.T) {
		for _, id := range learners {
			notes, _, _ := postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, id, 0, 10)
			if len(notes) != 1 || notes[0].Kind != notify.SessionChanged {
				t.Errorf("learner %d: %+v", id, notes)
			}
		}
	})
	t.Run("AJobOfTheOldTimeDoesNothing", func(t *testing.T) {
		if err := postgres.SendSessionReminder(f.ctx, f.db, postgres.SessionReminderArgs{TenantID: f.tenantID, SessionID: s.ID, Sequence: 0, LeadMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		notes, _, _ := postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, learners[0], 0, 10)
		if len(notes) != 1 {
			t.Errorf("a stale reminder was sent: %+v", notes)
		}
		if err := postgres.SendSessionReminder(f.ctx, f.db, postgres.SessionReminderArgs{TenantID: f.tenantID, SessionID: s.ID, Sequence: 1, LeadMinutes: 60}); err != nil {
			t.Fatal(err)
		}
		notes, _, _ = postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, learners[0], 0, 10)
		if len(notes) != 2 || notes[0].Kind != notify.SessionReminder || notes[0].Title != "Managing up, live starts in 1 hour" {
			t.Errorf("the current reminder: %+v", notes)
		}
		waiting, _, _ := postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, learners[1], 0, 10)
		if len(waiting) != 1 {
			t.Errorf("someone on the waitlist was reminded: %+v", waiting)
		}
	})
	t.Run("CancellingWithdrawsTheReminders", func(t *testing.T) {
		if err := f.sessions.CancelSession(f.ctx, f.tenantID, s.ID, postgres.AuditActor{Label: "test"}); err != nil {
			t.Fatal(err)
		}
		jobs := reminderJobs(t, f, s.ID)
		if len(jobs["scheduled"]) != 0 || len(jobs["cancelled"]) != 4 {
			t.Errorf("after cancelling: %v", jobs)
		}
		notes, _, _ := postgres.NewNotificationService(f.db).FindNotifications(f.ctx, f.tenantID, learners[1], 0, 10)
		if len(notes) != 2 || notes[0].Title != "Managing up, live is cancelled" {
			t.Errorf("the waiting learner after cancelling: %+v", notes)
		}
	})
}

func TestLiveSessions_AttendanceCompletesThePathStep(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	s := f.schedule(t, 3, time.Now().Add(30*time.Hour))
	paths := postgres.NewPathService(f.db)
	by := postgres.AuditActor{Label: "test"}
	p, err := paths.CreatePath(f.ctx, f.tenantID, course.Path{Slug: "live-path", Title: "Live path",
		Steps: []course.PathStep{{Session: s.ID, Unlock: course.Free}}}, "", true, by)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Steps) != 1 || p.Steps[0].SessionID != s.ID || p.Steps[0].Title() != s.Title {
		t.Fatalf("steps %+v", p.Steps)
	}
	if err := paths.StartPath(f.ctx, f.tenantID, f.learner, p.ID); err != nil {
		t.Fatal(err)
	}
	// The path opens the session to its learners, enrolled in the course or not.
	if _, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, f.learner); err != nil {
		t.Fatal(err)
	}
	if err := f.sessions.MarkAttendance(f.ctx, f.tenantID, s.ID, f.learner, livesession.Absent, "Ill", by); err != nil {
		t.Fatal(err)
	}
	lp, _ := paths.FindLearnerPath(f.ctx, f.tenantID, f.learner, p.Slug)
	if lp.States[0].Done || lp.CompletedAt != nil {
		t.Errorf("absent completes the step: %+v", lp)
	}
	if err := f.sessions.MarkAttendance(f.ctx, f.tenantID, s.ID, f.learner, livesession.Present, "Joined late", by); err != nil {
		t.Fatal(err)
	}
	lp, _ = paths.FindLearnerPath(f.ctx, f.tenantID, f.learner, p.Slug)
	if !lp.States[0].Done || lp.CompletedAt == nil || lp.Percent() != 100 {
		t.Errorf("present: step done %v, path completed %v", lp.States[0].Done, lp.CompletedAt)
	}
	regs, _ := f.sessions.FindRegistrations(f.ctx, f.tenantID, s.ID)
	if regs[0].Attendance != livesession.Present || regs[0].Note != "Joined late" {
		t.Errorf("%+v", regs[0])
	}
	other := f.people(t, 1, "learner")[0]
	if err := f.sessions.MarkAttendance(f.ctx, f.tenantID, s.ID, other, livesession.Present, "", by); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("marking someone not registered: %v", err)
	}
}

func TestLiveSessions_CalendarFeedTokens(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	f.enrolAll(t, []int64{f.learner})
	s := f.schedule(t, 3, time.Now().Add(30*time.Hour))
	if _, err := f.sessions.Register(f.ctx, f.tenantID, s.ID, f.learner); err != nil {
		t.Fatal(err)
	}
	token, err := f.sessions.NewCalendarFeed(f.ctx, f.tenantID, f.learner)
	if err != nil {
		t.Fatal(err)
	}
	var stored int
	f.db.InTenantTx(f.ctx, f.tenantID, func(tx *postgres.Tx) error {
		return tx.QueryRow(f.ctx, `SELECT count(*) FROM calendar_feeds WHERE token_hash = convert_to($1, 'UTF8')`, token).Scan(&stored)
	})
	if stored != 0 {
		t.Error("the token is stored as it is")
	}
	got, err := f.sessions.FeedSessions(f.ctx, f.tenantID, token)
	if err != nil || len(got) != 1 || got[0].ID != s.ID {
		t.Fatalf("feed: %+v %v", got, err)
	}
	again, _ := f.sessions.NewCalendarFeed(f.ctx, f.tenantID, f.learner)
	if _, err := f.sessions.FeedSessions(f.ctx, f.tenantID, token); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("the old token after regenerating: %v", err)
	}
	// The link stops with its holder, and comes back with them.
	setStatus := func(status string) {
		t.Helper()
		if err := f.db.InTenantTx(f.ctx, f.tenantID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(f.ctx, `UPDATE users SET status = $2 WHERE tenant_id = current_tenant_id() AND id = $1`, f.learner, status)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	setStatus("deactivated")
	if _, err := f.sessions.FeedSessions(f.ctx, f.tenantID, again); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("a deactivated learner's feed: %v", err)
	}
	setStatus("active")
	if _, err := f.sessions.FeedSessions(f.ctx, f.tenantID, again); err != nil {
		t.Errorf("the feed once reactivated: %v", err)
	}
	if err := f.sessions.RevokeCalendarFeed(f.ctx, f.tenantID, f.learner); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sessions.FeedSessions(f.ctx, f.tenantID, again); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("a revoked token: %v", err)
	}
}

// A portal on the Starter plan cannot schedule sessions: the plan decides,
// in one place.
func TestLiveSessions_ThePlanMustIncludeThem(t *testing.T) {
	t.Parallel()
	f := newSessionFixture(t)
	if _, err := f.db.Pool.Exec(f.ctx, `UPDATE tenants SET plan = 'starter' WHERE id = $1`, f.tenantID); err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(48 * time.Hour)
	_, err := f.sessions.CreateSession(f.ctx, f.tenantID, postgres.SessionPlan{CourseID: f.course.ID, Instructors: []int64{f.instructor},
		Details: livesession.Details{Title: "Not on this plan", Start: start, End: start.Add(time.Hour), TimeZone: "UTC", Capacity: 5, Room: "A"}},
		postgres.AuditActor{Label: "test"})
	if !errors.Is(err, postgres.ErrNoLiveSessionsPlan) {
		t.Errorf("err %v", err)
	}
}
