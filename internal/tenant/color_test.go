package tenant_test

import (
	"math"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/tenant"
)

// The pairs and ratios are the ones WCAG's own examples and the common
// checkers (WebAIM, Chrome's) give.
func TestContrastRatio_KnownPairs(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		want float64
	}{
		{"#ffffff", "#000000", 21},
		{"#000000", "#ffffff", 21}, // order does not matter
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48},
		{"#767676", "#ffffff", 4.54}, // the lightest grey that passes AA on white
		{"#1f5fa8", "#ffffff", 6.44}, // the default primary colour
		{"#ff0000", "#ffffff", 4.00},
		{"#0000ff", "#ffffff", 8.59},
	}
	for _, c := range cases {
		got, err := tenant.ContrastRatio(c.a, c.b)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-c.want) > 0.005 {
			t.Errorf("ContrastRatio(%s, %s) = %.4f, want %.2f", c.a, c.b, got, c.want)
		}
	}
}

func TestRelativeLuminance(t *testing.T) {
	t.Parallel()
	for color, want := range map[string]float64{"#000000": 0, "#ffffff": 1, "#808080": 0.2159} {
		got, err := tenant.RelativeLuminance(color)
		if err != nil || math.Abs(got-want) > 0.0001 {
			t.Errorf("RelativeLuminance(%s) = %.4f, %v; want %.4f", color, got, err, want)
		}
	}
	for _, bad := range []string{"", "#fff", "777777", "#GGGGGG", "#FFFFFF"} {
		if _, err := tenant.RelativeLuminance(bad); err == nil {
			t.Errorf("RelativeLuminance(%q) accepted", bad)
		}
	}
}

func TestFormatRatio_NeverRoundsUpToAPass(t *testing.T) {
	t.Parallel()
	cases := map[float64]string{21: "21.00:1", 4.4782: "4.48:1", 4.496: "4.49:1", 4.5: "4.50:1", 1: "1.00:1"}
	for r, want := range cases {
		if got := tenant.FormatRatio(r); got != want {
			t.Errorf("FormatRatio(%v) = %q, want %q", r, got, want)
		}
	}
}

func TestInkOn_PicksTheTextColourThatContrastsMore(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"#1f5fa8": "#ffffff", "#000000": "#ffffff", "#ffffff": tenant.DarkInk, "#ffcc00": tenant.DarkInk, "#777777": "#ffffff"}
	for bg, want := range cases {
		if got := tenant.InkOn(bg); got != want {
			t.Errorf("InkOn(%s) = %s, want %s", bg, got, want)
		}
	}
}

func TestWhiteTextWarning(t *testing.T) {
	t.Parallel()
	t.Run("NoneWhenWhitePassesAA", func(t *testing.T) {
		for _, c := range []string{"#1f5fa8", "#767676", "#000000"} {
			if w := tenant.WhiteTextWarning(c); w != "" {
				t.Errorf("%s: unexpected warning %q", c, w)
			}
		}
	})
	t.Run("NamesTheRatioJustBelowAA", func(t *testing.T) {
		w := tenant.WhiteTextWarning("#777777")
		if !strings.Contains(w, "4.48:1") || !strings.Contains(w, "#777777") || !strings.Contains(w, "4.5:1") {
			t.Errorf("warning %q does not name the colour, its ratio and the threshold", w)
		}
		if !strings.Contains(w, "dark text would not pass either") {
			t.Errorf("a mid-grey fails with dark text too: %q", w)
		}
	})
	t.Run("OnALightColourSaysWhatDarkTextDoesNotFix", func(t *testing.T) {
		w := tenant.WhiteTextWarning("#ffcc00")
		if !strings.Contains(w, "1.51:1") || !strings.Contains(w, "dark text on it instead") || !strings.Contains(w, "outlined buttons") {
			t.Errorf("warning %q", w)
		}
	})
	t.Run("NoneForAnInvalidColour", func(t *testing.T) {
		if w := tenant.WhiteTextWarning("blue"); w != "" {
			t.Errorf("warning for an invalid colour: %q", w)
		}
	})
}
