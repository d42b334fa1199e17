package components

import (
	"strconv"
)

// Chart is a bar chart drawn as SVG on the server: no script, no library.
// It is an image to assistive technology (role="img" with its title and
// description); the numbers themselves are in the table a page puts
// beside it.
type Chart struct {
	ID    string // unique on the page
	Title string
	Desc  string // the chart in one or two sentences
	Bars  []Bar
	// Columns stand up from a time axis; otherwise the bars lie along
	// their labels.
	Columns bool
}

// Bar is one bar of a chart.
type Bar struct {
	Label string
	Value int
	Class string // a CSS class that colours it (bar-completed, …)
}

// The drawing's coordinates; CSS scales it to its box.
const (
	chartWidth   = 640
	columnHeight = 260
	axisLeft     = 44
	axisBottom   = 36
	chartTop     = 12
	chartRight   = 12
	barRow       = 34
	barLabels    = 120
)

type chartRect struct {
	X, Y, W, H string
	Class      string
	Tip        string
}

type chartText struct {
	X, Y   string
	Anchor string
	Text   string
}

type chartLine struct {
	X1, Y1, X2, Y2 string
}

// chartDrawing is a chart turned into shapes.
type chartDrawing struct {
	Width, Height string
	Rects         []chartRect
	Texts         []chartText
	Lines         []chartLine
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// niceMax is the top of the value axis: the smallest 1, 2 or 5 times a
// power of ten at or above max (at least 1).
func niceMax(max int) int {
	if max <= 1 {
		return 1
	}
	for step := 1; ; step *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*step >= max {
				return m * step
			}
		}
	}
}

func (c Chart) drawing() chartDrawing {
	if c.Columns {
		return c.columns()
	}
	return c.bars()
}

// columns draws the bars upright with a value axis on the left and
// labels under them, at most about eight so they never overlap.
func (c Chart) columns() chartDrawing {
	d := chartDrawing{Width: strconv.Itoa(chartWidth), Height: strconv.Itoa(columnHeight)}
	maxV := 0
	for _, b := range c.Bars {
		maxV = max(maxV, b.Value)
	}
	top := niceMax(maxV)
	plotW := float64(chartWidth - axisLeft - chartRight)
	plotH := float64(columnHeight - chartTop - axisBottom)
	base := float64(columnHeight - axisBottom)
	grid := []int{0, top}
	if top%2 == 0 {
		grid = []int{0, top / 2, top}
	}
	for _, v := range grid {
		y := base - float64(v)/float64(top)*plotH
		d.Lines = append(d.Lines, chartLine{X1: num(axisLeft), Y1: num(y), X2: num(chartWidth - chartRight), Y2: num(y)})
		d.Texts = append(d.Texts, chartText{X: num(axisLeft - 6), Y: num(y + 4), Anchor: "end", Text: strconv.Itoa(v)})
	}
	n := len(c.Bars)
	if n == 0 {
		return d
	}
	slot := plotW / float64(n)
	every := (n + 7) / 8
	for i, b := range c.Bars {
		h := float64(b.Value) / float64(top) * plotH
		x := axisLeft + float64(i)*slot
		d.Rects = append(d.Rects, chartRect{X: num(x + slot*0.1), Y: num(base - h), W: num(slot * 0.8), H: num(h),
			Class: "bar " + b.Class, Tip: b.Label + ": " + strconv.Itoa(b.Value)})
		if i%every == 0 {
			d.Texts = append(d.Texts, chartText{X: num(x + slot/2), Y: num(base + 18), Anchor: "middle", Text: b.Label})
		}
	}
	return d
}

// bars draws one bar a row, its label on the left and its value at its end.
func (c Chart) bars() chartDrawing {
	height := chartTop*2 + barRow*len(c.Bars)
	d := chartDrawing{Width: strconv.Itoa(chartWidth), Height: strconv.Itoa(height)}
	maxV := 0
	for _, b := range c.Bars {
		maxV = max(maxV, b.Value)
	}
	top := niceMax(maxV)
	plotW := float64(chartWidth - barLabels - chartRight - 40)
	for i, b := range c.Bars {
		y := float64(chartTop + i*barRow)
		w := float64(b.Value) / float64(top) * plotW
		d.Texts = append(d.Texts, chartText{X: num(barLabels - 8), Y: num(y + barRow/2 + 4), Anchor: "end", Text: b.Label})
		d.Rects = append(d.Rects, chartRect{X: num(barLabels), Y: num(y + 6), W: num(w), H: num(barRow - 12),
			Class: "bar " + b.Class, Tip: b.Label + ": " + strconv.Itoa(b.Value)})
		d.Texts = append(d.Texts, chartText{X: num(barLabels + w + 6), Y: num(y + barRow/2 + 4), Anchor: "start", Text: strconv.Itoa(b.Value)})
	}
	d.Lines = append(d.Lines, chartLine{X1: num(barLabels), Y1: num(chartTop), X2: num(barLabels), Y2: num(float64(height - chartTop))})
	return d
}
