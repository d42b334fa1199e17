package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/livesession"
	"github.com/upward-lms/upward/internal/notify"
	"github.com/upward-lms/upward/internal/plan"
)

// LiveSessionService stores live sessions, their registrations and
// waitlists, attendance, reminders and people's calendar feeds.
type LiveSessionService struct {
	db *DB
}

// NewLiveSessionService returns the live session store.
func NewLiveSessionService(db *DB) *LiveSessionService { return &LiveSessionService{db: db} }

// LiveSession is a session of a course with its seats counted.
type LiveSession struct {
	ID          int64
	CourseID    int64
	CourseSlug  string
	CourseTitle string
	livesession.Details
	Status      livesession.Status
	Sequence    int
	UpdatedAt   time.Time
	Instructors []SessionPerson
	Registered  int
	Waitlisted  int
}

// Cancelled reports whether the session is cancelled.
func (s LiveSession) Cancelled() bool { return s.Status == livesession.Cancelled }

// SessionPerson is a person named on a session page.
type SessionPerson struct {
	ID   int64
	Name string
}

// SessionRegistration is one person's place for a session.
type SessionRegistration struct {
	UserID     int64
	Name       string
	Email      string
	Status     livesession.Registration
	Arrival    int64
	Position   int // on the waitlist, from 1; 0 when not waiting
	Attendance livesession.Attendance
	Note       string
}

// SessionPath is a path that has the session as a step.
type SessionPath struct {
	ID    int64
	Slug  string
	Title string
}

const liveSessionColumns = `ls.id, ls.course_id, c.slug, c.title, ls.title, ls.description, ls.starts_at, ls.ends_at, ls.time_zone,
	ls.capacity, ls.meeting_url, ls.room, ls.status, ls.sequence, ls.updated_at,
	(SELECT count(*) FROM live_session_registrations r WHERE r.tenant_id = ls.tenant_id AND r.session_id = ls.id AND r.status = 'registered'),
	(SELECT count(*) FROM live_session_registrations r WHERE r.tenant_id = ls.tenant_id AND r.session_id = ls.id AND r.status = 'waitlisted')`

const liveSessionFrom = ` FROM live_sessions ls JOIN courses c ON c.tenant_id = ls.tenant_id AND c.id = ls.course_id `

func scanLiveSession(row pgx.CollectableRow) (LiveSession, error) {
	var s LiveSession
	err := row.Scan(&s.ID, &s.CourseID, &s.CourseSlug, &s.CourseTitle, &s.Title, &s.Description, &s.Start, &s.End, &s.TimeZone,
		&s.Capacity, &s.MeetingURL, &s.Room, &s.Status, &s.Sequence, &s.UpdatedAt, &s.Registered, &s.Waitlisted)
	return s, err
}

// findLiveSessions reads sessions and their instructors.
func findLiveSessions(ctx context.Context, tx *Tx, where string, args ...any) ([]LiveSession, error) {
	rows, err := tx.Query(ctx, `SELECT `+liveSessionColumns+liveSessionFrom+`WHERE ls.tenant_id = current_tenant_id() AND `+where, args...)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, scanLiveSession)
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	at := map[int64]int{}
	for i, s := range out {
		ids[i], at[s.ID] = s.ID, i
	}
	rows, err = tx.Query(ctx, `
		SELECT i.session_id, u.id, u.name FROM live_session_instructors i
		JOIN users u ON u.tenant_id = i.tenant_id AND u.id = i.user_id
		WHERE i.tenant_id = current_tenant_id() AND i.session_id = ANY($1) ORDER BY lower(u.name), u.id`, ids)
	if err != nil {
		return nil, err
	}
	var sid int64
	var p SessionPerson
	_, err = pgx.ForEachRow(rows, []any{&sid, &p.ID, &p.Name}, func() error {
		out[at[sid]].Instructors = append(out[at[sid]].Instructors, p)
		return nil
	})
	return out, err
}

func findLiveSession(ctx context.Context, tx *Tx, id int64) (LiveSession, error) {
	all, err := findLiveSessions(ctx, tx, `ls.id = $1`, id)
	if err != nil {
		return LiveSession{}, err
	}
	if len(all) == 0 {
		return LiveSession{}, pgx.ErrNoRows
	}
	return all[0], nil
}

// FindSession returns one session of the portal.
func (s *LiveSessionService) FindSession(ctx context.Context, tenantID, id int64) (LiveSession, error) {
	var out LiveSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		out, err = findLiveSession(ctx, tx, id)
		return err
	})
	if err != nil {
		return LiveSession{}, fmt.Errorf("session: find: %w", Error(err, "Session"))
	}
	return out, nil
}

// FindSessions lists the portal's sessions: those to come first, soonest
// first, then past ones, latest first.
func (s *LiveSessionService) FindSessions(ctx context.Context, tenantID int64) ([]LiveSession, error) {
	var out []LiveSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		out, err = findLiveSessions(ctx, tx, `true ORDER BY ls.ends_at < $1, CASE WHEN ls.ends_at >= $1 THEN ls.starts_at END, ls.starts_at DESC, ls.id`, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("session: find sessions: %w", err)
	}
	return out, nil
}

// SessionPlan is what an instructor asks for: the session's details, its
// instructors, and (when scheduling) a path to add it to as a step.
type SessionPlan struct {
	CourseID    int64
	Details     livesession.Details
	Instructors []int64
	PathID      int64 // 0: none
}

// checkPlan checks what the database decides: the course, the
// instructors and the path are the portal's.
func checkPlan(ctx context.Context, tx *Tx, p SessionPlan) error {
	errs := apperr.Fields{}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM courses WHERE tenant_id = current_tenant_id() AND id = $1 AND status <> 'archived')`,
		p.CourseID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		errs.Add("course", "Choose a course of this portal.")
	}
	ids := slices.Compact(slices.Sorted(slices.Values(p.Instructors)))
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM users WHERE tenant_id = current_tenant_id() AND id = ANY($1) AND status = 'active' AND 'instructor' = ANY(roles)`,
		ids).Scan(&n); err != nil {
		return err
	}
	if len(ids) == 0 || n != len(ids) {
		errs.Add("instructors", "Choose one or more instructors (people with the instructor role).")
	}
	if p.PathID != 0 {
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM paths WHERE tenant_id = current_tenant_id() AND id = $1)`, p.PathID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			errs.Add("path", "Choose a path of this portal.")
		}
	}
	return errs.Err()
}

func setInstructors(ctx context.Context, tx *Tx, sessionID int64, ids []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM live_session_instructors WHERE tenant_id = current_tenant_id() AND session_id = $1 AND NOT (user_id = ANY($2))`,
		sessionID, ids); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO live_session_instructors (tenant_id, session_id, user_id)
		SELECT current_tenant_id(), $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, sessionID, ids)
	return err
}

// ErrNoLiveSessionsPlan refuses a session on a portal whose plan lacks
// live sessions.
var ErrNoLiveSessionsPlan = &apperr.Error{Code: apperr.EFORBIDDEN,
	Message: "Live sessions are not part of this portal's plan: the Standard and Enterprise plans include them."}

// CreateSession schedules a session, plans its reminders and, when asked,
// adds it as the last step of a path. The portal's plan must include live
// sessions.
func (s *LiveSessionService) CreateSession(ctx context.Context, tenantID int64, p SessionPlan, by AuditActor) (LiveSession, error) {
	var out LiveSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var planName string
		if err := tx.QueryRow(ctx, `SELECT plan FROM tenants WHERE id = current_tenant_id()`).Scan(&planName); err != nil {
			return err
		}
		if !plan.Allows(planName, plan.LiveSessions) {
			return ErrNoLiveSessionsPlan
		}
		if !p.Details.Start.After(tx.Now) {
			return livesession.ErrInPast
		}
		if err := checkPlan(ctx, tx, p); err != nil {
			return err
		}
		d := p.Details
		var id int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO live_sessions (tenant_id, course_id, title, description, starts_at, ends_at, time_zone, capacity, meeting_url, room, created_at, updated_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			p.CourseID, d.Title, d.Description, d.Start, d.End, d.TimeZone, d.Capacity, d.MeetingURL, d.Room, tx.Now).Scan(&id); err != nil {
			return err
		}
		if err := setInstructors(ctx, tx, id, p.Instructors); err != nil {
			return err
		}
		if p.PathID != 0 {
			if _, err := tx.Exec(ctx, `
				INSERT INTO path_steps (tenant_id, path_id, position, session_id, unlock)
				SELECT current_tenant_id(), $1, coalesce(max(position) + 1, 0), $2, 'free'
				FROM path_steps WHERE tenant_id = current_tenant_id() AND path_id = $1`, p.PathID, id); err != nil {
				return err
			}
		}
		if err := planReminders(ctx, tx, id, d.Start, 0, nil); err != nil {
			return err
		}
		if err := audit(ctx, tx, tenantID, by, "session.create", d.Title, map[string]any{"session_id": id, "starts_at": d.Start, "capacity": d.Capacity}); err != nil {
			return err
		}
		var err error
		out, err = findLiveSession(ctx, tx, id)
		return err
	})
	if err != nil {
		return LiveSession{}, fmt.Errorf("session: create: %w", Error(err, "Session"))
	}
	return out, nil
}

// UpdateSession changes a session. A new time is a reschedule: the
// sequence moves on (calendars replace the event), the reminders are
// planned again and everyone registered or waiting is told. More seats
// promote people from the waitlist; fewer take no seat back.
func (s *LiveSessionService) UpdateSession(ctx context.Context, tenantID, id int64, p SessionPlan, by AuditActor) (LiveSession, error) {
	var out LiveSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		cur, jobs, err := lockSession(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Cancelled() {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "The session is cancelled; schedule a new one."}
		}
		p.CourseID, p.PathID = cur.CourseID, 0 // a session stays with its course
		d := p.Details
		moved := !d.Start.Equal(cur.Start) || !d.End.Equal(cur.End)
		if moved && !d.Start.After(tx.Now) {
			return livesession.ErrInPast
		}
		if err := checkPlan(ctx, tx, p); err != nil {
			return err
		}
		seq := cur.Sequence
		if moved {
			seq++
		}
		if _, err := tx.Exec(ctx, `
			UPDATE live_sessions SET title = $2, description = $3, starts_at = $4, ends_at = $5, time_zone = $6, capacity = $7,
				meeting_url = $8, room = $9, sequence = $10, updated_at = $11
			WHERE tenant_id = current_tenant_id() AND id = $1`,
			id, d.Title, d.Description, d.Start, d.End, d.TimeZone, d.Capacity, d.MeetingURL, d.Room, seq, tx.Now); err != nil {
			return err
		}
		if err := setInstructors(ctx, tx, id, p.Instructors); err != nil {
			return err
		}
		if moved {
			if err := planReminders(ctx, tx, id, d.Start, seq, jobs); err != nil {
				return err
			}
			if err := tellRegistrants(ctx, tx, id, func(loc *time.Location) (string, string) {
				return d.Title + " is rescheduled", "It now takes place " + livesession.When(d.Start, d.End, loc) + " (it was " + livesession.When(cur.Start, cur.End, loc) + ")."
			}); err != nil {
				return err
			}
		}
		if err := fillSeats(ctx, tx, id); err != nil {
			return err
		}
		detail := map[string]any{"session_id": id, "capacity": d.Capacity}
		if moved {
			detail["starts_at"], detail["was"] = d.Start, cur.Start
		}
		if err := audit(ctx, tx, tenantID, by, "session.update", d.Title, detail); err != nil {
			return err
		}
		out, err = findLiveSession(ctx, tx, id)
		return err
	})
	if err != nil {
		return LiveSession{}, fmt.Errorf("session: update: %w", Error(err, "Session"))
	}
	return out, nil
}

// CancelSession cancels a session: its reminders are withdrawn and
// everyone registered or waiting is told. Registrations stay, so the
// calendar feeds show the event cancelled.
func (s *LiveSessionService) CancelSession(ctx context.Context, tenantID, id int64, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		cur, jobs, err := lockSession(ctx, tx, id)
		if err != nil || cur.Cancelled() {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE live_sessions SET status = 'cancelled', sequence = sequence + 1, updated_at = $2 WHERE tenant_id = current_tenant_id() AND id = $1`,
			id, tx.Now); err != nil {
			return err
		}
		if err := cancelReminders(ctx, tx, id, jobs); err != nil {
			return err
		}
		if err := tellRegistrants(ctx, tx, id, func(loc *time.Location) (string, string) {
			return cur.Title + " is cancelled", "The session planned for " + livesession.When(cur.Start, cur.End, loc) + " will not take place."
		}); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "session.cancel", cur.Title, map[string]any{"session_id": id})
	})
	if err != nil {
		return fmt.Errorf("session: cancel: %w", Error(err, "Session"))
	}
	return nil
}

// lockSession reads a session under a row lock, with its pending
// reminder jobs. Every change of seats takes this lock first, so seats are
// given one at a time, in the order the lock is granted.
func lockSession(ctx context.Context, tx *Tx, id int64) (LiveSession, []int64, error) {
	var jobs []int64
	if err := tx.QueryRow(ctx, `SELECT reminder_job_ids FROM live_sessions WHERE tenant_id = current_tenant_id() AND id = $1 FOR UPDATE`, id).Scan(&jobs); err != nil {
		return LiveSession{}, nil, err
	}
	s, err := findLiveSession(ctx, tx, id)
	return s, jobs, err
}

// SessionReminderArgs is the River job that reminds a session's
// registrants, inserted for its time (ScheduledAt).
type SessionReminderArgs struct {
	TenantID  int64 `json:"tenant_id"`
	SessionID int64 `json:"session_id"`
	// Sequence is the session's when the job was planned: a job of an
	// older sequence (the session moved or was cancelled) does nothing.
	Sequence    int `json:"sequence"`
	LeadMinutes int `json:"lead_minutes"`
}

// Kind names the job in River's table.
func (SessionReminderArgs) Kind() string { return "session.reminder" }

// planReminders replaces a session's pending reminder jobs by jobs at the
// times livesession.Reminders gives for start.
func planReminders(ctx context.Context, tx *Tx, sessionID int64, start time.Time, sequence int, old []int64) error {
	if err := cancelJobs(ctx, tx, old); err != nil {
		return err
	}
	var params []river.InsertManyParams
	tenantID, err := currentTenantID(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range livesession.Reminders(start, tx.Now) {
		params = append(params, river.InsertManyParams{
			Args:       SessionReminderArgs{TenantID: tenantID, SessionID: sessionID, Sequence: sequence, LeadMinutes: int(r.Lead.Minutes())},
			InsertOpts: &river.InsertOpts{ScheduledAt: r.At},
		})
	}
	ids := []int64{}
	if len(params) > 0 {
		res, err := tx.jobs.InsertManyTx(ctx, tx.Tx, params)
		if err != nil {
			return fmt.Errorf("reminders: %w", err)
		}
		for _, r := range res {
			ids = append(ids, r.Job.ID)
		}
	}
	_, err = tx.Exec(ctx, `UPDATE live_sessions SET reminder_job_ids = $2 WHERE tenant_id = current_tenant_id() AND id = $1`, sessionID, ids)
	return err
}

func cancelReminders(ctx context.Context, tx *Tx, sessionID int64, old []int64) error {
	if err := cancelJobs(ctx, tx, old); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE live_sessions SET reminder_job_ids = '{}' WHERE tenant_id = current_tenant_id() AND id = $1`, sessionID)
	return err
}

// cancelJobs cancels River jobs in tx; one already done, or gone, is
// left alone (a reminder that already went cannot be taken back).
func cancelJobs(ctx context.Context, tx *Tx, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.jobs.JobCancelTx(ctx, tx.Tx, id); err != nil && !errors.Is(err, river.ErrNotFound) {
			return fmt.Errorf("cancel reminder %d: %w", id, err)
		}
	}
	return nil
}

func currentTenantID(ctx context.Context, tx *Tx) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `SELECT current_tenant_id()`).Scan(&id)
	return id, err
}

// tellRegistrants notifies everyone registered or waiting (SessionChanged),
// each with times in their own zone.
func tellRegistrants(ctx context.Context, tx *Tx, sessionID int64, say func(loc *time.Location) (title, body string)) error {
	notes, err := notesToRegistrants(ctx, tx, sessionID, []livesession.Registration{livesession.Registered, livesession.Waitlisted}, notify.SessionChanged, say)
	if err != nil {
		return err
	}
	return notifyPeople(ctx, tx, notes...)
}

func notesToRegistrants(ctx context.Context, tx *Tx, sessionID int64, statuses []livesession.Registration, kind notify.Kind,
	say func(loc *time.Location) (string, string)) ([]notify.Note, error) {
	rows, err := tx.Query(ctx, `
		SELECT u.id, u.time_zone FROM live_session_registrations r
		JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.user_id AND u.status = 'active'
		WHERE r.tenant_id = current_tenant_id() AND r.session_id = $1 AND r.status = ANY($2) ORDER BY r.arrival`, sessionID, statuses)
	if err != nil {
		return nil, err
	}
	var notes []notify.Note
	var uid int64
	var zone string
	_, err = pgx.ForEachRow(rows, []any{&uid, &zone}, func() error {
		title, body := say(location(zone))
		notes = append(notes, notify.Note{UserID: uid, Kind: kind, Title: title, Body: body, URL: SessionURL(sessionID)})
		return nil
	})
	return notes, err
}

func location(zone string) *time.Location {
	if loc, err := time.LoadLocation(zone); err == nil {
		return loc
	}
	return time.UTC
}

// SessionURL is a session's page for learners.
func SessionURL(id int64) string { return "/sessions/" + strconv.FormatInt(id, 10) }

// SessionReminderWorker sends a session's reminders to the people
// registered, unless the session moved or was cancelled since the job was
// planned.
type SessionReminderWorker struct {
	river.WorkerDefaults[SessionReminderArgs]
	DB *DB
}

// Work notifies the registrants (SessionReminder).
func (w *SessionReminderWorker) Work(ctx context.Context, job *river.Job[SessionReminderArgs]) error {
	return SendSessionReminder(ctx, w.DB, job.Args)
}

// SendSessionReminder does a reminder job's work.
func SendSessionReminder(ctx context.Context, db *DB, a SessionReminderArgs) error {
	return db.InTenantTx(ctx, a.TenantID, func(tx *Tx) error {
		s, err := findLiveSession(ctx, tx, a.SessionID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if s.Cancelled() || s.Sequence != a.Sequence || !s.Start.After(tx.Now) {
			return nil // moved, cancelled or begun: this reminder is not the session's any more
		}
		lead := livesession.LeadSay(time.Duration(a.LeadMinutes) * time.Minute)
		where := s.Room
		if s.MeetingURL != "" {
			where = "Join at " + s.MeetingURL
		}
		notes, err := notesToRegistrants(ctx, tx, s.ID, []livesession.Registration{livesession.Registered}, notify.SessionReminder,
			func(loc *time.Location) (string, string) {
				return s.Title + " starts in " + lead, livesession.When(s.Start, s.End, loc) + ". " + where
			})
		if err != nil {
			return err
		}
		return notifyPeople(ctx, tx, notes...)
	})
}

// mayRegister says whether a person may take a seat: they are enrolled in
// the session's course, or in a path that has the session as a step.
func mayRegister(ctx context.Context, tx *Tx, sessionID, courseID, userID int64) (bool, error) {
	var ok bool
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM enrolments WHERE tenant_id = current_tenant_id() AND user_id = $3 AND course_id = $2 AND status <> 'withdrawn')
			OR EXISTS (SELECT 1 FROM path_enrolments pe JOIN path_steps s ON s.tenant_id = pe.tenant_id AND s.path_id = pe.path_id
				WHERE pe.tenant_id = current_tenant_id() AND pe.user_id = $3 AND s.session_id = $1)`, sessionID, courseID, userID).Scan(&ok)
	return ok, err
}

// Register gives the person a seat, or a place on the waitlist when the
// session is full, and says which. Registering again changes nothing.
// The session row is locked, so however many register at once, no more
// than its capacity hold seats, and places go in the order of arrival.
func (s *LiveSessionService) Register(ctx context.Context, tenantID, sessionID, userID int64) (livesession.Registration, error) {
	var got livesession.Registration
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var status livesession.Status
		var start time.Time
		var capacity int
		var courseID int64
		if err := tx.QueryRow(ctx, `SELECT status, starts_at, capacity, course_id FROM live_sessions WHERE tenant_id = current_tenant_id() AND id = $1 FOR UPDATE`,
			sessionID).Scan(&status, &start, &capacity, &courseID); err != nil {
			return err
		}
		if status == livesession.Cancelled {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "This session is cancelled."}
		}
		if !start.After(tx.Now) {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "This session has begun; registration is closed."}
		}
		ok, err := mayRegister(ctx, tx, sessionID, courseID, userID)
		if err != nil {
			return err
		}
		if !ok {
			return &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Enrol in the course (or start its path) to register for this session."}
		}
		err = tx.QueryRow(ctx, `SELECT status FROM live_session_registrations WHERE tenant_id = current_tenant_id() AND session_id = $1 AND user_id = $2`,
			sessionID, userID).Scan(&got)
		if err == nil && got != livesession.Withdrawn {
			return nil
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var taken int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM live_session_registrations WHERE tenant_id = current_tenant_id() AND session_id = $1 AND status = 'registered'`,
			sessionID).Scan(&taken); err != nil {
			return err
		}
		got = livesession.Registered
		if taken >= capacity {
			got = livesession.Waitlisted
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO live_session_registrations (tenant_id, session_id, user_id, status, registered_at, updated_at)
			VALUES (current_tenant_id(), $1, $2, $3, $4, $4)
			ON CONFLICT (tenant_id, session_id, user_id) DO UPDATE SET status = EXCLUDED.status,
				arrival = nextval('live_session_arrival_seq'), registered_at = EXCLUDED.registered_at, updated_at = EXCLUDED.updated_at,
				attendance = NULL, attendance_note = '', attendance_marked_at = NULL`, sessionID, userID, got, tx.Now)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("session: register: %w", Error(err, "Session"))
	}
	return got, nil
}

// CancelRegistration gives up the person's seat or waitlist place; a
// freed seat goes to the first person waiting, who is told. Cancelling
// what was not held changes nothing.
func (s *LiveSessionService) CancelRegistration(ctx context.Context, tenantID, sessionID, userID int64) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var start time.Time
		if err := tx.QueryRow(ctx, `SELECT starts_at FROM live_sessions WHERE tenant_id = current_tenant_id() AND id = $1 FOR UPDATE`,
			sessionID).Scan(&start); err != nil {
			return err
		}
		if !start.After(tx.Now) {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "This session has begun; your place can no longer be cancelled."}
		}
		if _, err := tx.Exec(ctx, `
			UPDATE live_session_registrations SET status = 'cancelled', updated_at = $3
			WHERE tenant_id = current_tenant_id() AND session_id = $1 AND user_id = $2 AND status <> 'cancelled'`, sessionID, userID, tx.Now); err != nil {
			return err
		}
		return fillSeats(ctx, tx, sessionID)
	})
	if err != nil {
		return fmt.Errorf("session: cancel registration: %w", Error(err, "Session"))
	}
	return nil
}

// fillSeats gives free seats of a scheduled session still to come to the
// people waiting, first come first served, and tells each
// (SessionPromoted). The caller holds the session's lock.
func fillSeats(ctx context.Context, tx *Tx, sessionID int64) error {
	rows, err := tx.Query(ctx, `
		WITH sess AS (
			SELECT ls.id, ls.capacity - (SELECT count(*) FROM live_session_registrations r
				WHERE r.tenant_id = ls.tenant_id AND r.session_id = ls.id AND r.status = 'registered') AS free
			FROM live_sessions ls WHERE ls.tenant_id = current_tenant_id() AND ls.id = $1 AND ls.status = 'scheduled' AND ls.starts_at > $2),
		lucky AS (
			SELECT r.user_id FROM live_session_registrations r, sess
			WHERE r.tenant_id = current_tenant_id() AND r.session_id = sess.id AND r.status = 'waitlisted'
			ORDER BY r.arrival LIMIT greatest((SELECT free FROM sess), 0))
		UPDATE live_session_registrations r SET status = 'registered', updated_at = $2
		FROM lucky WHERE r.tenant_id = current_tenant_id() AND r.session_id = $1 AND r.user_id = lucky.user_id
		RETURNING r.user_id`, sessionID, tx.Now)
	if err != nil {
		return err
	}
	promoted, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(promoted) == 0 {
		return err
	}
	s, err := findLiveSession(ctx, tx, sessionID)
	if err != nil {
		return err
	}
	var notes []notify.Note
	zones, err := userZones(ctx, tx, promoted)
	if err != nil {
		return err
	}
	for _, uid := range promoted {
		notes = append(notes, notify.Note{UserID: uid, Kind: notify.SessionPromoted, Title: "A seat is yours: " + s.Title,
			Body: "A place freed up and you are off the waitlist. The session is " + livesession.When(s.Start, s.End, zones[uid]) + ".",
			URL:  SessionURL(sessionID)})
	}
	return notifyPeople(ctx, tx, notes...)
}

func userZones(ctx context.Context, tx *Tx, ids []int64) (map[int64]*time.Location, error) {
	rows, err := tx.Query(ctx, `SELECT id, time_zone FROM users WHERE tenant_id = current_tenant_id() AND id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]*time.Location{}
	var id int64
	var zone string
	_, err = pgx.ForEachRow(rows, []any{&id, &zone}, func() error { out[id] = location(zone); return nil })
	for _, id := range ids {
		if out[id] == nil {
			out[id] = time.UTC
		}
	}
	return out, err
}

// FindRegistrations lists a session's people: those registered, then
// those waiting in arrival order (with their place), then those who
// cancelled.
func (s *LiveSessionService) FindRegistrations(ctx context.Context, tenantID, sessionID int64) ([]SessionRegistration, error) {
	var out []SessionRegistration
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if _, err := findLiveSession(ctx, tx, sessionID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT r.user_id, u.name, u.email, r.status, r.arrival, coalesce(r.attendance, ''), r.attendance_note
			FROM live_session_registrations r JOIN users u ON u.tenant_id = r.tenant_id AND u.id = r.user_id
			WHERE r.tenant_id = current_tenant_id() AND r.session_id = $1
			ORDER BY CASE r.status WHEN 'registered' THEN 0 WHEN 'waitlisted' THEN 1 ELSE 2 END, r.arrival`, sessionID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (SessionRegistration, error) {
			var r SessionRegistration
			err := row.Scan(&r.UserID, &r.Name, &r.Email, &r.Status, &r.Arrival, &r.Attendance, &r.Note)
			return r, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("session: registrations: %w", Error(err, "Session"))
	}
	n := 0
	for i := range out {
		if out[i].Status == livesession.Waitlisted {
			n++
			out[i].Position = n
		}
	}
	return out, nil
}

// MarkAttendance records a registered person's attendance with a note.
// Present completes the path steps that are this session for them, and
// the paths they finish so.
func (s *LiveSessionService) MarkAttendance(ctx context.Context, tenantID, sessionID, userID int64, a livesession.Attendance, note string, by AuditActor) error {
	if err := livesession.CheckAttendance(a, note); err != nil {
		return err
	}
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var title string
		var start time.Time
		var status livesession.Status
		if err := tx.QueryRow(ctx, `SELECT title, starts_at, status FROM live_sessions WHERE tenant_id = current_tenant_id() AND id = $1`,
			sessionID).Scan(&title, &start, &status); err != nil {
			return err
		}
		if status == livesession.Cancelled {
			return &apperr.Error{Code: apperr.ECONFLICT, Message: "The session is cancelled."}
		}
		tag, err := tx.Exec(ctx, `
			UPDATE live_session_registrations SET attendance = $3, attendance_note = $4, attendance_marked_at = $5, updated_at = $5
			WHERE tenant_id = current_tenant_id() AND session_id = $1 AND user_id = $2 AND status = 'registered'`, sessionID, userID, a, note, tx.Now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &apperr.Error{Code: apperr.EINVALID, Field: "user_id", Message: "Only people registered for the session can be marked."}
		}
		if err := audit(ctx, tx, tenantID, by, "session.attendance", title, map[string]any{"session_id": sessionID, "user_id": userID, "attendance": a}); err != nil {
			return err
		}
		if a != livesession.Present {
			return nil
		}
		return completeSessionSteps(ctx, tx, userID, sessionID)
	})
	if err != nil {
		return fmt.Errorf("session: attendance: %w", Error(err, "Session"))
	}
	return nil
}

// completeSessionSteps completes the paths of userID that the session,
// attended, finishes.
func completeSessionSteps(ctx context.Context, tx *Tx, userID, sessionID int64) error {
	rows, err := tx.Query(ctx, `
		SELECT pe.id, p.id, p.title FROM path_enrolments pe
		JOIN paths p ON p.tenant_id = pe.tenant_id AND p.id = pe.path_id
		WHERE pe.tenant_id = current_tenant_id() AND pe.user_id = $1 AND pe.completed_at IS NULL
			AND EXISTS (SELECT 1 FROM path_steps s WHERE s.tenant_id = p.tenant_id AND s.path_id = p.id AND s.session_id = $2)
		ORDER BY pe.id FOR UPDATE OF pe`, userID, sessionID)
	if err != nil {
		return err
	}
	type candidate struct {
		enrolmentID, pathID int64
		title               string
	}
	var cands []candidate
	var c candidate
	if _, err := pgx.ForEachRow(rows, []any{&c.enrolmentID, &c.pathID, &c.title}, func() error { cands = append(cands, c); return nil }); err != nil {
		return err
	}
	for _, c := range cands {
		if err := completePath(ctx, tx, userID, c.enrolmentID, c.pathID, c.title); err != nil {
			return err
		}
	}
	return nil
}

// LearnerSession is a session as one person sees it.
type LearnerSession struct {
	LiveSession
	Status      livesession.Registration // "" when they hold no place
	Position    int                      // on the waitlist, from 1
	Attendance  livesession.Attendance
	MayRegister bool
	Paths       []SessionPath
}

// FindLearnerSession returns a session with the person's place in it.
func (s *LiveSessionService) FindLearnerSession(ctx context.Context, tenantID, sessionID, userID int64) (LearnerSession, error) {
	var out LearnerSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		if out.LiveSession, err = findLiveSession(ctx, tx, sessionID); err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `
			SELECT r.status, coalesce(r.attendance, ''),
				CASE WHEN r.status = 'waitlisted' THEN (SELECT count(*) FROM live_session_registrations w
					WHERE w.tenant_id = r.tenant_id AND w.session_id = r.session_id AND w.status = 'waitlisted' AND w.arrival <= r.arrival) ELSE 0 END
			FROM live_session_registrations r WHERE r.tenant_id = current_tenant_id() AND r.session_id = $1 AND r.user_id = $2`,
			sessionID, userID).Scan(&out.Status, &out.Attendance, &out.Position)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if out.Status == livesession.Withdrawn {
			out.Status = ""
		}
		if out.MayRegister, err = mayRegister(ctx, tx, sessionID, out.CourseID, userID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			SELECT p.id, p.slug, p.title FROM path_steps s JOIN paths p ON p.tenant_id = s.tenant_id AND p.id = s.path_id
			WHERE s.tenant_id = current_tenant_id() AND s.session_id = $1 AND p.status = 'published' ORDER BY lower(p.title)`, sessionID)
		if err != nil {
			return err
		}
		out.Paths, err = pgx.CollectRows(rows, pgx.RowToStructByPos[SessionPath])
		return err
	})
	if err != nil {
		return LearnerSession{}, fmt.Errorf("session: find for learner: %w", Error(err, "Session"))
	}
	return out, nil
}

// MySession is a session listed for a person, with their place.
type MySession struct {
	LiveSession
	Place livesession.Registration // "" when they hold none
}

// FindSessionsFor lists the sessions a person holds a place in and those
// still to come they may register for (of their courses and paths).
func (s *LiveSessionService) FindSessionsFor(ctx context.Context, tenantID, userID int64) ([]MySession, error) {
	var out []MySession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		all, err := findLiveSessions(ctx, tx, `(
			EXISTS (SELECT 1 FROM live_session_registrations r WHERE r.tenant_id = ls.tenant_id AND r.session_id = ls.id AND r.user_id = $1 AND r.status <> 'cancelled')
			OR (ls.status = 'scheduled' AND ls.starts_at > $2 AND (
				EXISTS (SELECT 1 FROM enrolments e WHERE e.tenant_id = ls.tenant_id AND e.course_id = ls.course_id AND e.user_id = $1 AND e.status <> 'withdrawn')
				OR EXISTS (SELECT 1 FROM path_enrolments pe JOIN path_steps s ON s.tenant_id = pe.tenant_id AND s.path_id = pe.path_id
					WHERE pe.tenant_id = ls.tenant_id AND pe.user_id = $1 AND s.session_id = ls.id))))
			ORDER BY ls.starts_at, ls.id`, userID, tx.Now)
		if err != nil {
			return err
		}
		places := map[int64]livesession.Registration{}
		rows, err := tx.Query(ctx, `SELECT session_id, status FROM live_session_registrations WHERE tenant_id = current_tenant_id() AND user_id = $1 AND status <> 'cancelled'`, userID)
		if err != nil {
			return err
		}
		var id int64
		var st livesession.Registration
		if _, err := pgx.ForEachRow(rows, []any{&id, &st}, func() error { places[id] = st; return nil }); err != nil {
			return err
		}
		for _, ls := range all {
			out = append(out, MySession{LiveSession: ls, Place: places[ls.ID]})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("session: find for person: %w", err)
	}
	return out, nil
}

// FindSessionChoices lists the sessions still to come, for the path
// editor's "add a live session" choice.
func (s *LiveSessionService) FindSessionChoices(ctx context.Context, tenantID int64) ([]LiveSession, error) {
	var out []LiveSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		out, err = findLiveSessions(ctx, tx, `ls.status = 'scheduled' AND ls.ends_at > $1 ORDER BY ls.starts_at, ls.id`, tx.Now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("session: choices: %w", err)
	}
	return out, nil
}

// CalendarFeed says whether a person has a calendar feed, and since when.
func (s *LiveSessionService) CalendarFeed(ctx context.Context, tenantID, userID int64) (*time.Time, error) {
	var at *time.Time
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		err := tx.QueryRow(ctx, `SELECT created_at FROM calendar_feeds WHERE tenant_id = current_tenant_id() AND user_id = $1`, userID).Scan(&at)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", err)
	}
	return at, nil
}

// NewCalendarFeed makes the person a new feed token, replacing any older
// one (whose URL stops working), and returns it: it is not kept, only its
// SHA-256 is.
func (s *LiveSessionService) NewCalendarFeed(ctx context.Context, tenantID, userID int64) (string, error) {
	b := make([]byte, 32)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO calendar_feeds (tenant_id, user_id, token_hash, created_at) VALUES (current_tenant_id(), $1, $2, $3)
			ON CONFLICT (tenant_id, user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at`, userID, sum[:], tx.Now)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("calendar feed: new: %w", err)
	}
	return token, nil
}

// RevokeCalendarFeed ends the person's feed.
func (s *LiveSessionService) RevokeCalendarFeed(ctx context.Context, tenantID, userID int64) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM calendar_feeds WHERE tenant_id = current_tenant_id() AND user_id = $1`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("calendar feed: revoke: %w", err)
	}
	return nil
}

// FeedSessions returns the sessions of the feed whose token is given: the
// person's registered ones (cancelled sessions too, so calendars drop
// them). An unknown or revoked token is not found.
func (s *LiveSessionService) FeedSessions(ctx context.Context, tenantID int64, token string) ([]LiveSession, error) {
	sum := sha256.Sum256([]byte(token))
	var out []LiveSession
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var userID int64
		// A feed link stops with its holder: a deactivated person's, or a
		// suspended portal's, is not found.
		if err := tx.QueryRow(ctx, `SELECT f.user_id FROM calendar_feeds f
			JOIN users u ON u.tenant_id = f.tenant_id AND u.id = f.user_id AND u.status = 'active'
			JOIN tenants t ON t.id = f.tenant_id AND t.status = 'active'
			WHERE f.tenant_id = current_tenant_id() AND f.token_hash = $1`, sum[:]).Scan(&userID); err != nil {
			return err
		}
		var err error
		out, err = findLiveSessions(ctx, tx, `EXISTS (SELECT 1 FROM live_session_registrations r
			WHERE r.tenant_id = ls.tenant_id AND r.session_id = ls.id AND r.user_id = $1 AND r.status = 'registered')
			ORDER BY ls.starts_at, ls.id`, userID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("calendar feed: %w", Error(err, "Calendar"))
	}
	return out, nil
}
