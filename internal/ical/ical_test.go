package ical_test

import (
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/ical"
	"github.com/upward-lms/upward/internal/ical/icaltest"
)

func TestCalendar(t *testing.T) {
	t.Parallel()
	start := time.Date(2031, 3, 4, 9, 30, 0, 0, time.FixedZone("CET", 3600))
	long := strings.Repeat("Managing up, with care; ", 6) + "é€😀 end"
	desc := "Line one\nLine two, with a comma; a semicolon and a \\ backslash.\r\nLine three: " + strings.Repeat("ü", 60)
	cal := ical.Calendar{ProdID: "-//Upward//Live sessions//EN", Method: ical.Publish, Name: "Acme, sessions", Events: []ical.Event{{
		UID: "session-7@acme.example", Sequence: 3, Stamp: start.Add(-time.Hour), Start: start, End: start.Add(90 * time.Minute),
		Summary: long, Description: desc, Location: "Room 4, floor 2", URL: "https://meet.example/abc?x=1&y=2", Status: ical.Confirmed,
	}}}
	data := string(cal.Bytes())

	t.Run("LinesEndWithCRLFAndFoldAt75Octets", func(t *testing.T) {
		if strings.Contains(strings.ReplaceAll(data, "\r\n", ""), "\n") {
			t.Error("a bare LF")
		}
		for _, l := range strings.Split(data, "\r\n") {
			if len(l) > ical.MaxLine {
				t.Errorf("%d octets: %q", len(l), l)
			}
		}
	})
	c, events, err := icaltest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if c["METHOD"].Value != "PUBLISH" || c["X-WR-CALNAME"].Value != "Acme, sessions" || len(events) != 1 {
		t.Fatalf("calendar %v, %d events", c, len(events))
	}
	e := events[0]
	t.Run("UnfoldingGivesBackTheText", func(t *testing.T) {
		if e["SUMMARY"].Value != long {
			t.Errorf("summary %q", e["SUMMARY"].Value)
		}
		if want := strings.ReplaceAll(desc, "\r\n", "\n"); e["DESCRIPTION"].Value != want {
			t.Errorf("description %q, want %q", e["DESCRIPTION"].Value, want)
		}
		if e["LOCATION"].Value != "Room 4, floor 2" || e["URL"].Value != "https://meet.example/abc?x=1&y=2" {
			t.Errorf("%v", e)
		}
	})
	t.Run("TextIsEscaped", func(t *testing.T) {
		unfolded := strings.ReplaceAll(data, "\r\n ", "")
		if !strings.Contains(unfolded, `Room 4\, floor 2`) || !strings.Contains(unfolded, `a \\ backslash`) || !strings.Contains(unfolded, `Line one\nLine two\,`) {
			t.Error(unfolded)
		}
	})
	t.Run("TimesAreTheInstantsInUTC", func(t *testing.T) {
		got, err := icaltest.Time(e["DTSTART"])
		if err != nil || !got.Equal(start) || !strings.HasSuffix(e["DTSTART"].Value, "Z") {
			t.Errorf("DTSTART %v %v", got, err)
		}
		end, err := icaltest.Time(e["DTEND"])
		if err != nil || !end.Equal(start.Add(90*time.Minute)) {
			t.Errorf("DTEND %v %v", end, err)
		}
		if e["UID"].Value != "session-7@acme.example" || e["SEQUENCE"].Value != "3" || e["STATUS"].Value != "CONFIRMED" {
			t.Errorf("%v", e)
		}
	})
	t.Run("MultiByteCharactersAreNeverSplit", func(t *testing.T) {
		for _, l := range strings.Split(data, "\r\n") {
			if !utf8Valid(l) {
				t.Errorf("%q", l)
			}
		}
	})
}

func TestCancelledEvent(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 1, 1, 12, 0, 0, 0, time.UTC)
	data := string(ical.Calendar{ProdID: "x", Method: ical.Cancel, Events: []ical.Event{{UID: "u", Sequence: 2, Stamp: at, Start: at, End: at.Add(time.Hour), Summary: "S", Status: ical.Cancelled}}}.Bytes())
	c, events, err := icaltest.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if c["METHOD"].Value != "CANCEL" || events[0]["STATUS"].Value != "CANCELLED" {
		t.Error(data)
	}
}

func TestParserRefusesWhatTheStandardDoesNot(t *testing.T) {
	t.Parallel()
	for name, bad := range map[string]string{
		"BareLF":        "BEGIN:VCALENDAR\nEND:VCALENDAR\n",
		"LongLine":      "BEGIN:VCALENDAR\r\nPRODID:" + strings.Repeat("x", 80) + "\r\nEND:VCALENDAR\r\n",
		"UnescapedText": "BEGIN:VCALENDAR\r\nPRODID:a,b\r\nEND:VCALENDAR\r\n",
		"Unbalanced":    "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n",
	} {
		if _, _, err := icaltest.Parse(bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := icaltest.Time(icaltest.Property{Name: "DTSTART", Value: "20310101T120000"}); err == nil {
		t.Error("a floating time is accepted")
	}
	if got, err := icaltest.Time(icaltest.Property{Name: "DTSTART", Params: "TZID=Europe/Paris", Value: "20310101T120000"}); err != nil || !got.Equal(time.Date(2031, 1, 1, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("TZID: %v %v", got, err)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }
