package livesession_test

import (
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/livesession"
)

func good() livesession.Form {
	return livesession.Form{Title: "Managing up, live", Date: "2031-03-04", Start: "09:30", End: "11:00", TimeZone: "Europe/Paris",
		Capacity: "10", MeetingURL: "https://meet.example/abc"}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	t.Run("TimesInTheZoneBecomeInstants", func(t *testing.T) {
		d, err := livesession.Check(good())
		if err != nil {
			t.Fatal(err)
		}
		if !d.Start.Equal(time.Date(2031, 3, 4, 8, 30, 0, 0, time.UTC)) || !d.End.Equal(time.Date(2031, 3, 4, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("%v %v", d.Start, d.End)
		}
		if f := livesession.FormOf(d); f.Date != "2031-03-04" || f.Start != "09:30" || f.End != "11:00" || f.Capacity != "10" {
			t.Errorf("form again: %+v", f)
		}
	})
	for name, c := range map[string]struct {
		edit  func(*livesession.Form)
		field string
	}{
		"TitleRequired":        {func(f *livesession.Form) { f.Title = " " }, "title"},
		"ZoneKnown":            {func(f *livesession.Form) { f.TimeZone = "Mars/Olympus" }, "time_zone"},
		"EndAfterStart":        {func(f *livesession.Form) { f.End = "09:00" }, "end"},
		"CapacityPositive":     {func(f *livesession.Form) { f.Capacity = "0" }, "capacity"},
		"LinkOrRoom":           {func(f *livesession.Form) { f.MeetingURL = "" }, "meeting_url"},
		"LinkIsHTTPS":          {func(f *livesession.Form) { f.MeetingURL = "http://meet.example/x" }, "meeting_url"},
		"NoScriptLink":         {func(f *livesession.Form) { f.MeetingURL = "javascript:alert(1)" }, "meeting_url"},
		"DateReadable":         {func(f *livesession.Form) { f.Date = "4/3/2031" }, "date"},
		"StartReadable":        {func(f *livesession.Form) { f.Start = "9h" }, "start"},
		"RoomAloneIsEnough":    {func(f *livesession.Form) { f.MeetingURL, f.Room = "", "Room 4" }, ""},
		"AnyVideoToolWithPath": {func(f *livesession.Form) { f.MeetingURL = "https://zoom.example/j/123?pwd=x" }, ""},
	} {
		t.Run(name, func(t *testing.T) {
			f := good()
			c.edit(&f)
			_, err := livesession.Check(f)
			fields, _ := apperr.FieldsOf(err)
			if c.field == "" {
				if err != nil {
					t.Errorf("refused: %v", err)
				}
				return
			}
			if apperr.Code(err) != apperr.EINVALID || fields[c.field] == "" {
				t.Errorf("want a problem at %s, got %v", c.field, err)
			}
		})
	}
}

func TestReminders(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 3, 4, 9, 0, 0, 0, time.UTC)
	if r := livesession.Reminders(start, start.Add(-48*time.Hour)); len(r) != 2 || !r[0].At.Equal(start.Add(-24*time.Hour)) || !r[1].At.Equal(start.Add(-time.Hour)) {
		t.Errorf("two days ahead: %v", r)
	}
	if r := livesession.Reminders(start, start.Add(-3*time.Hour)); len(r) != 1 || r[0].Lead != time.Hour {
		t.Errorf("three hours ahead: %v", r)
	}
	if r := livesession.Reminders(start, start.Add(-time.Minute)); len(r) != 0 {
		t.Errorf("a minute ahead: %v", r)
	}
}

func TestWhenInTheViewersZone(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 3, 4, 8, 30, 0, 0, time.UTC)
	ny, _ := time.LoadLocation("America/New_York")
	if got := livesession.When(start, start.Add(90*time.Minute), ny); got != "Tuesday 4 March 2031, 03:30–05:00 EST" {
		t.Error(got)
	}
}

func TestAttendance(t *testing.T) {
	t.Parallel()
	if livesession.CheckAttendance(livesession.Present, "") != nil || apperr.Code(livesession.CheckAttendance("late", "")) != apperr.EINVALID {
		t.Error("marks")
	}
}
