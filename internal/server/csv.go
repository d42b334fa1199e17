package server

import (
	"net/http"

	"github.com/upward-lms/upward/internal/csvout"
)

// csvFlushEvery is how many rows go out together while a CSV streams.
const csvFlushEvery = 100

// streamCSV answers with a CSV download written as its rows arrive from
// rows (which reads them from PostgreSQL one by one), so a report of any
// size is never held whole in memory. The header is sent first, so an
// error in the rows can no longer become an error page: it is logged and
// the response cut short (the subject was checked before: another
// portal's is still a 404).
func (s *Server) streamCSV(w http.ResponseWriter, r *http.Request, filename string, header []string, rows func(emit func(cells ...string) error) error) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	h.Set("Cache-Control", "private, no-store")
	cw := csvout.New(w)
	flusher, _ := w.(http.Flusher)
	// The header goes out at once, before the query runs: the download
	// starts while PostgreSQL sorts, and a busy server still answers
	// within moments.
	if err := cw.Write(header...); err != nil {
		return
	}
	if err := cw.Flush(); err != nil {
		return
	}
	if flusher != nil {
		flusher.Flush()
	}
	n := 0
	err := rows(func(cells ...string) error {
		if err := cw.Write(cells...); err != nil {
			return err
		}
		if n++; n%csvFlushEvery == 0 {
			if err := cw.Flush(); err != nil {
				return err
			}
			if flusher != nil {
				flusher.Flush()
			}
		}
		return nil
	})
	if err == nil {
		err = cw.Flush()
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "csv stream cut short", "err", err, "file", filename, "rows", n)
		panic(http.ErrAbortHandler)
	}
}
