package auditlog_test

import (
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/auditlog"
)

func TestParseFilter(t *testing.T) {
	t.Parallel()
	t.Run("EmptyKeepsEverything", func(t *testing.T) {
		f, err := auditlog.ParseFilter(" ", "", "", "")
		if err != nil || !f.IsZero() {
			t.Errorf("got %+v, %v", f, err)
		}
	})
	t.Run("ReadsDaysAsUTC", func(t *testing.T) {
		f, err := auditlog.ParseFilter(" User ", " Bob ", "2025-03-01", "2025-03-02")
		if err != nil {
			t.Fatal(err)
		}
		if f.Action != "user" || f.Actor != "Bob" {
			t.Errorf("action %q, actor %q", f.Action, f.Actor)
		}
		if want := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC); !f.From.Equal(want) {
			t.Errorf("from %v, want %v", f.From, want)
		}
		if want := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC); !f.Until().Equal(want) {
			t.Errorf("the last day ends at %v, want %v", f.Until(), want)
		}
		if from, to := f.Dates(); from != "2025-03-01" || to != "2025-03-02" {
			t.Errorf("dates %q %q", from, to)
		}
	})
	t.Run("OneDayIsFromAndToTheSameDay", func(t *testing.T) {
		if _, err := auditlog.ParseFilter("", "", "2025-03-01", "2025-03-01"); err != nil {
			t.Error(err)
		}
	})
	t.Run("ReportsEachBadField", func(t *testing.T) {
		_, err := auditlog.ParseFilter("", "", "1 March", "2025-02-30")
		fields, ok := apperr.FieldsOf(err)
		if !ok || fields["from"] == "" || fields["to"] == "" {
			t.Errorf("fields %v", fields)
		}
	})
	t.Run("LastDayBeforeFirstIsRefused", func(t *testing.T) {
		_, err := auditlog.ParseFilter("", "", "2025-03-02", "2025-03-01")
		if fields, ok := apperr.FieldsOf(err); !ok || fields["to"] == "" {
			t.Errorf("got %v", err)
		}
	})
}

func TestCursor(t *testing.T) {
	t.Parallel()
	t.Run("RoundTripsToTheMicrosecond", func(t *testing.T) {
		c := auditlog.Cursor{At: time.Date(2025, 3, 1, 9, 30, 15, 123456000, time.UTC), ID: 42}
		got, err := auditlog.ParseCursor(c.String())
		if err != nil || !got.At.Equal(c.At) || got.ID != 42 {
			t.Errorf("ParseCursor(%q) = %+v, %v", c.String(), got, err)
		}
	})
	t.Run("RefusesWhatItDidNotWrite", func(t *testing.T) {
		for _, s := range []string{"", "abc", "123", "123-", "-5", "123-0", "123-x", "x-5", "1.5-5"} {
			if _, err := auditlog.ParseCursor(s); apperr.Code(err) != apperr.EINVALID {
				t.Errorf("ParseCursor(%q) = %v, want invalid", s, err)
			}
		}
	})
}
