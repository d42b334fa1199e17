// Package csvout writes CSV that spreadsheets open safely: RFC 4180 (CRLF
// line ends; a field with a comma, quote or line break quoted, its quotes
// doubled), and any cell a spreadsheet would run as a formula neutralised.
package csvout

import (
	"encoding/csv"
	"io"
)

// Writer writes CSV records.
type Writer struct {
	w *csv.Writer
}

// New returns a Writer on w.
func New(w io.Writer) *Writer {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	return &Writer{w: cw}
}

// Write writes one record, neutralising its cells.
func (w *Writer) Write(cells ...string) error {
	safe := make([]string, len(cells))
	for i, c := range cells {
		safe[i] = Neutralise(c)
	}
	return w.w.Write(safe)
}

// Flush sends what is buffered and reports any write error so far.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Neutralise makes a cell that a spreadsheet would take for a formula (it
// starts with =, +, -, @, or a tab or carriage return that hides one) read
// as text, by putting an apostrophe before it, as OWASP advises.
func Neutralise(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + cell
	}
	return cell
}
