package components_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/web/components"
)

func renderChart(t *testing.T, c components.Chart) *goquery.Selection {
	t.Helper()
	var sb strings.Builder
	if err := components.BarChart(c).Render(context.Background(), &sb); err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(sb.String()))
	if err != nil {
		t.Fatal(err)
	}
	return doc.Find("svg")
}

func height(t *testing.T, s *goquery.Selection) float64 {
	t.Helper()
	h, err := strconv.ParseFloat(s.AttrOr("height", ""), 64)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestBarChart(t *testing.T) {
	t.Parallel()
	t.Run("IsAnImageNamedByItsTitleAndDescription", func(t *testing.T) {
		svg := renderChart(t, components.Chart{ID: "c", Title: "Completions <per week>", Desc: "Three in all.", Columns: true,
			Bars: []components.Bar{{Label: "3 Mar", Value: 1}, {Label: "10 Mar", Value: 2}}})
		if svg.AttrOr("role", "") != "img" || svg.AttrOr("aria-labelledby", "") != "c-title c-desc" {
			t.Errorf("role %q, labelled by %q", svg.AttrOr("role", ""), svg.AttrOr("aria-labelledby", ""))
		}
		if svg.Find("title#c-title").Text() != "Completions <per week>" || svg.Find("desc#c-desc").Text() != "Three in all." {
			t.Error("title or description missing (or the title was not escaped)")
		}
	})
	t.Run("ColumnsStandInProportion", func(t *testing.T) {
		svg := renderChart(t, components.Chart{ID: "c", Columns: true,
			Bars: []components.Bar{{Label: "a", Value: 1}, {Label: "b", Value: 4}, {Label: "c", Value: 0}}})
		rects := svg.Find("rect.bar")
		if rects.Length() != 3 {
			t.Fatalf("%d columns, want 3", rects.Length())
		}
		// The axis tops out at 5 (1, 2 or 5 times a power of ten).
		a, b, c := height(t, rects.Eq(0)), height(t, rects.Eq(1)), height(t, rects.Eq(2))
		if c != 0 || a <= 0 || b/a < 3.9 || b/a > 4.1 {
			t.Errorf("heights %v %v %v, want in proportion 1:4:0", a, b, c)
		}
		if got := rects.Eq(1).Find("title").Text(); got != "b: 4" {
			t.Errorf("tooltip %q", got)
		}
		if !strings.Contains(svg.Text(), "5") {
			t.Error("the value axis does not say its top")
		}
	})
	t.Run("BarsCarryTheirClassAndValue", func(t *testing.T) {
		svg := renderChart(t, components.Chart{ID: "s", Bars: []components.Bar{{Label: "Completed", Value: 3, Class: "bar-completed"}, {Label: "Overdue", Value: 0, Class: "bar-overdue"}}})
		if svg.Find("rect.bar-completed").Length() != 1 || svg.Find("rect.bar-overdue").Length() != 1 {
			t.Error("bars lost their classes")
		}
		if !strings.Contains(svg.Text(), "Completed") || !strings.Contains(svg.Text(), "3") {
			t.Error("labels or values missing")
		}
	})
	t.Run("NoBarsDrawsAnEmptyAxis", func(t *testing.T) {
		if svg := renderChart(t, components.Chart{ID: "e", Columns: true}); svg.Find("rect").Length() != 0 || svg.Find("line").Length() == 0 {
			t.Error("an empty chart")
		}
	})
}
