package tenant

import (
	"fmt"
	"math"
	"strconv"
)

// AAContrast is the contrast ratio WCAG 2.x level AA asks of normal text
// against its background.
const AAContrast = 4.5

// RelativeLuminance is the WCAG 2.x relative luminance of a #rrggbb colour:
// 0 for black, 1 for white. Each sRGB channel is linearised before the
// channels are weighted by how bright the eye finds them.
func RelativeLuminance(color string) (float64, error) {
	if !colorRE.MatchString(color) {
		return 0, fmt.Errorf("tenant: %q is not a #rrggbb colour", color)
	}
	channel := func(i int) float64 {
		v, _ := strconv.ParseUint(color[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.04045 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*channel(1) + 0.7152*channel(3) + 0.0722*channel(5), nil
}

// ContrastRatio is the WCAG 2.x contrast ratio of two #rrggbb colours, from
// 1 (none) to 21 (black and white); which is text and which background
// does not matter.
func ContrastRatio(a, b string) (float64, error) {
	la, err := RelativeLuminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := RelativeLuminance(b)
	if err != nil {
		return 0, err
	}
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05), nil
}

// FormatRatio writes a contrast ratio as people read it, "4.48:1". It
// rounds to two places, but never up onto the AA threshold a colour
// misses: 4.496 is "4.49:1", not a passing-looking "4.50:1".
func FormatRatio(r float64) string {
	rounded := math.Round(r*100) / 100
	if r < AAContrast && rounded >= AAContrast {
		rounded = math.Floor(r*100) / 100
	}
	return strconv.FormatFloat(rounded, 'f', 2, 64) + ":1"
}

// DarkInk is the text colour used on primary colours too light for white.
const DarkInk = "#1b1f24"

// InkOn is the text colour for the header and buttons on a #rrggbb
// background: white, or DarkInk when that contrasts more. An invalid
// colour gets white, the ink of the default colour.
func InkOn(color string) string {
	white, err := ContrastRatio(color, "#ffffff")
	if err != nil {
		return "#ffffff"
	}
	if dark, _ := ContrastRatio(color, DarkInk); dark > white {
		return DarkInk
	}
	return "#ffffff"
}

// WhiteTextWarning explains, naming the ratio, that white text on a
// portal's primary colour falls below WCAG AA for normal text, and what
// that does to the portal's pages. It returns "" when white text passes, or
// for a colour that is not #rrggbb (Validate reports that). It is a
// warning, not a rule: the portal may keep the colour.
func WhiteTextWarning(color string) string {
	white, err := ContrastRatio(color, "#ffffff")
	if err != nil || white >= AAContrast {
		return ""
	}
	msg := "White text on " + color + " has a contrast ratio of " + FormatRatio(white) +
		", below the 4.5:1 that WCAG AA asks for normal text"
	if dark, _ := ContrastRatio(color, DarkInk); dark >= AAContrast {
		// The ratio is symmetric: outlined buttons, which show the colour
		// as text on white, fail just as white text on it would.
		return msg + ". The header and filled buttons will use dark text on it instead, but outlined buttons show the colour as text on white at the same " +
			FormatRatio(white) + ": choose a darker colour."
	}
	return msg + ", and dark text would not pass either: choose a darker colour."
}
