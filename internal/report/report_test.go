package report_test

import (
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/report"
)

func TestParseFilter(t *testing.T) {
	t.Parallel()
	t.Run("EmptyIsEveryoneAtAnyTime", func(t *testing.T) {
		f, err := report.ParseFilter("", "", "")
		if err != nil || f.GroupID != 0 || f.Start() != nil || f.End() != nil || f.Query() != "" {
			t.Errorf("empty filter: %+v %v", f, err)
		}
	})
	t.Run("DaysAreWholeUTCDays", func(t *testing.T) {
		f, err := report.ParseFilter("7", "2025-03-01", "2025-03-31")
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC); !f.Start().Equal(want) {
			t.Errorf("start %v, want %v", f.Start(), want)
		}
		if want := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC); !f.End().Equal(want) {
			t.Errorf("end %v, want the day after the last, %v", f.End(), want)
		}
		if f.GroupID != 7 || f.Query() != "?from=2025-03-01&group=7&to=2025-03-31" {
			t.Errorf("group %d, query %q", f.GroupID, f.Query())
		}
	})
	t.Run("EachProblemIsAtItsField", func(t *testing.T) {
		_, err := report.ParseFilter("x", "yesterday", "2025-02-30")
		fields, ok := apperr.FieldsOf(err)
		if !ok || fields["group"] == "" || fields["from"] == "" || fields["to"] == "" {
			t.Errorf("problems %v", err)
		}
		_, err = report.ParseFilter("", "2025-03-02", "2025-03-01")
		if fields, _ := apperr.FieldsOf(err); fields["to"] == "" {
			t.Errorf("a last day before the first: %v", err)
		}
	})
}

func TestRatio(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r        report.Ratio
		str, csv string
	}{
		{report.Ratio{Part: 2, Whole: 3}, "66.7%", "66.7"},
		{report.Ratio{Part: 3, Whole: 3}, "100.0%", "100.0"},
		{report.Ratio{Part: 0, Whole: 0}, "–", ""},
	} {
		if c.r.String() != c.str || c.r.CSV() != c.csv {
			t.Errorf("%+v: %q %q, want %q %q", c.r, c.r.String(), c.r.CSV(), c.str, c.csv)
		}
	}
}

func TestDuration(t *testing.T) {
	t.Parallel()
	for s, want := range map[int]string{0: "0 min", 59: "0 min", 600: "10 min", 3900: "1 h 05 min"} {
		if got := report.Duration(s); got != want {
			t.Errorf("Duration(%d) = %q, want %q", s, got, want)
		}
	}
}
