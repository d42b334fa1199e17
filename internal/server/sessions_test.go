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
	"github.com/upward-lms/upward/internal/ical/icaltest"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/user"
)

// ics fetches a calendar as it is (an HTML parser would change its line ends).
func (c *client) ics(path string) (int, http.Header, string) {
	c.t.Helper()
	res, b := c.raw(path)
	return res.StatusCode, res.Header, string(b)
}

func TestLiveSessions_ScheduleRegisterCalendarAndAttend(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withExample, func(acme, _ *fixture.Spec) {
		acme.People = append(acme.People, fixture.Person{Email: "ines@acme.test", Name: "Ines Instructor", Roles: []user.Role{user.Instructor}})
		acme.Progress = []fixture.Progress{{Who: "ana@acme.test", Course: fixture.ExampleSlug}}
	})
	ctx := context.Background()
	rec, ana := acme.Courses[fixture.ExampleSlug], acme.Person(t, "ana@acme.test")
	// Ana lives in New York: a Spec's people keep the portal's zone.
	if _, err := s.main.Users.UpdateProfile(ctx, acme.ID, ana.ID, ana.Name, "America/New_York", fixture.By); err != nil {
		t.Fatal(err)
	}

	ines := newClient(t, s, "acme.localhost")
	signIn(ines, "ines@acme.test", goodPassword)
	form := ines.get("/admin/sessions/new")
	instructor, _ := form.doc.Find(`#f-instructors option`).First().Attr("value")
	day := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	fields := url.Values{"title": {"Managing up, live; with Q&A, too"}, "description": {"Bring one question.\nAnd a pen."}, "course": {strconv.FormatInt(rec.ID, 10)},
		"date": {day}, "start": {"09:30"}, "end": {"11:00"}, "time_zone": {"Europe/Paris"}, "capacity": {"0"},
		"meeting_url": {"https://meet.example/abc"}, "instructors": {instructor}}

	t.Run("BadInputIsShownAtItsField", func(t *testing.T) {
		p := ines.post("/admin/sessions", fields)
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-capacity"]`) == "" {
			t.Errorf("status %d", p.status)
		}
	})
	fields.Set("capacity", "1")
	p := ines.post("/admin/sessions", fields)
	if p.status != http.StatusSeeOther {
		t.Fatalf("schedule: %d %s", p.status, p.text(".field-error"))
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(p.header.Get("Location"), "/admin/sessions/"), 10, 64)
	stored, err := postgres.NewLiveSessionService(s.db).FindSession(ctx, acme.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	if want, _ := time.ParseInLocation("2006-01-02 15:04", day+" 09:30", paris); !stored.Start.Equal(want) {
		t.Errorf("stored start %v, want %v", stored.Start, want)
	}

	learner := newClient(t, s, "acme.localhost")
	signIn(learner, "ana@acme.test", goodPassword)
	t.Run("LearnersCannotSchedule", func(t *testing.T) {
		if p := learner.get("/admin/sessions"); p.status != http.StatusForbidden {
			t.Errorf("status %d", p.status)
		}
	})
	t.Run("TimesAreInTheViewersZone", func(t *testing.T) {
		ny, _ := time.LoadLocation("America/New_York")
		page := learner.get("/sessions/" + strconv.FormatInt(id, 10))
		if want := stored.Start.In(ny).Format("15:04"); !strings.Contains(page.text(`[data-testid="session-when"]`), want) {
			t.Errorf("when %q, want New York's %s", page.text(`[data-testid="session-when"]`), want)
		}
	})
	if p := learner.post("/sessions/"+strconv.FormatInt(id, 10)+"/register", nil); p.status != http.StatusSeeOther {
		t.Fatalf("register: %d", p.status)
	}
	if got := learner.get("/sessions/" + strconv.FormatInt(id, 10)).text(`[data-testid="my-place"]`); got != "You are registered." {
		t.Errorf("place %q", got)
	}

	t.Run("TheICSFileIsStandardAndAtTheStoredInstant", func(t *testing.T) {
		status, header, body := learner.ics("/sessions/" + strconv.FormatInt(id, 10) + "/calendar.ics")
		if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("%d %s", status, header.Get("Content-Type"))
		}
		cal, events, err := icaltest.Parse(body)
		if err != nil {
			t.Fatalf("%v\n%s", err, body)
		}
		if cal["METHOD"].Value != "PUBLISH" || len(events) != 1 {
			t.Fatalf("%v %d", cal, len(events))
		}
		e := events[0]
		start, err := icaltest.Time(e["DTSTART"])
		if err != nil || !start.Equal(stored.Start) {
			t.Errorf("DTSTART %v %v, stored %v", start, err, stored.Start)
		}
		if e["SUMMARY"].Value != "Managing up, live; with Q&A, too" || e["DESCRIPTION"].Value != "Bring one question.\nAnd a pen." {
			t.Errorf("text %q %q", e["SUMMARY"].Value, e["DESCRIPTION"].Value)
		}
		if !strings.HasPrefix(e["UID"].Value, "session-"+strconv.FormatInt(id, 10)+"@") || e["SEQUENCE"].Value != "0" {
			t.Errorf("UID %q SEQUENCE %q", e["UID"].Value, e["SEQUENCE"].Value)
		}
	})

	t.Run("TheCalendarFeedNeedsItsSecretAndCanBeRevoked", func(t *testing.T) {
		learner.get("/account")
		made := learner.post("/account/calendar", nil)
		feed, _ := made.doc.Find(`[data-testid="calendar-url"]`).Attr("value")
		if made.header.Get("Cache-Control") != "no-store" || !strings.Contains(feed, "/calendar/") {
			t.Fatalf("feed %q", feed)
		}
		u, _ := url.Parse(feed)
		anon := newClient(t, s, "acme.localhost")
		status, _, body := anon.ics(u.Path)
		_, events, err := icaltest.Parse(body)
		if status != http.StatusOK || err != nil || len(events) != 1 {
			t.Fatalf("feed: %d %v %d", status, err, len(events))
		}
		if status, _, _ := anon.ics("/calendar/not-the-token/sessions.ics"); status != http.StatusNotFound {
			t.Errorf("a made-up token: %d", status)
		}
		learner.get("/account")
		learner.post("/account/calendar/revoke", nil)
		if status, _, _ := anon.ics(u.Path); status != http.StatusNotFound {
			t.Errorf("a revoked feed: %d", status)
		}
	})

	t.Run("TheInstructorMarksAttendance", func(t *testing.T) {
		page := ines.get("/admin/sessions/" + strconv.FormatInt(id, 10))
		if page.doc.Find(`[data-testid="registered"] tbody tr`).Length() != 1 {
			t.Fatal("ana is not listed")
		}
		p := ines.post("/admin/sessions/"+strconv.FormatInt(id, 10)+"/attendance", url.Values{"user_id": {strconv.FormatInt(ana.ID, 10)}, "attendance": {"excused"}, "note": {"Travelling"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("mark: %d", p.status)
		}
		if got := learner.get("/sessions/" + strconv.FormatInt(id, 10)).text(`[data-testid="my-attendance"]`); got != "Attendance: excused" {
			t.Errorf("%q", got)
		}
		p = ines.post("/admin/sessions/"+strconv.FormatInt(id, 10)+"/attendance", url.Values{"user_id": {strconv.FormatInt(ana.ID, 10)}, "attendance": {"late"}})
		if p.status != http.StatusUnprocessableEntity {
			t.Errorf("a bad mark: %d", p.status)
		}
	})

	t.Run("CancellingTellsTheRegistrantsAndTheFileSaysCancelled", func(t *testing.T) {
		ines.get("/admin/sessions/" + strconv.FormatInt(id, 10))
		if p := ines.post("/admin/sessions/"+strconv.FormatInt(id, 10)+"/cancel", nil); p.status != http.StatusSeeOther {
			t.Fatalf("cancel: %d", p.status)
		}
		_, _, body := learner.ics("/sessions/" + strconv.FormatInt(id, 10) + "/calendar.ics")
		cal, events, err := icaltest.Parse(body)
		if err != nil || cal["METHOD"].Value != "CANCEL" || events[0]["STATUS"].Value != "CANCELLED" || events[0]["SEQUENCE"].Value != "1" {
			t.Errorf("%v %v", cal, err)
		}
		notes, _, _ := postgres.NewNotificationService(s.db).FindNotifications(ctx, acme.ID, ana.ID, 0, 5)
		if len(notes) == 0 || !strings.HasSuffix(notes[0].Title, "is cancelled") {
			t.Errorf("%+v", notes)
		}
	})
}
