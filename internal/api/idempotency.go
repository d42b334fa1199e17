package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"
	"os"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/postgres"
)

// idempotencyHeader names the header a client sets on a POST it may retry.
const idempotencyHeader = "Idempotency-Key"

// idempotent makes a POST with an Idempotency-Key happen once: the first
// request claims the key (a row inserted in its own transaction, which a
// concurrent duplicate finds), runs, and stores its response; a retry
// with the same key and the same request (method, path, body) gets that
// response again, marked Idempotent-Replayed; the same key with another
// request is refused (422), and a duplicate arriving while the first runs
// is told to retry (409). A response of ours that failed (5xx) is not
// kept: the retry runs again.
func (a *API) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(idempotencyHeader)
		if r.Method != http.MethodPost || key == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !validIdempotencyKey(key) {
			invalid(w, r, apperr.Fields{idempotencyHeader: "Use 1 to 255 visible ASCII characters, such as a UUID."}, nil)
			return
		}
		h := sha256.New()
		io.WriteString(h, r.Method+"\n"+r.URL.RequestURI()+"\n")
		body, err := spoolBody(r.Body, h)
		if err != nil {
			if isMaxBytes(err) {
				writeProblem(w, r, problem{Type: "too-large", Status: http.StatusRequestEntityTooLarge, Detail: "The body is larger than this endpoint accepts."})
				return
			}
			writeProblem(w, r, problem{Type: "bad-request", Status: http.StatusBadRequest, Detail: "The body could not be read."})
			return
		}
		defer body.Close()
		r.Body = body
		k := stateOf(r).key
		state, stored, err := a.keys.BeginIdempotent(r.Context(), k, key, h.Sum(nil), 2*a.d.RequestTimeout)
		if err != nil {
			a.serverError(w, r, err)
			return
		}
		switch state {
		case postgres.IdempotencyReplay:
			for k, v := range stored.Headers {
				w.Header().Set(k, v)
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(stored.Status)
			w.Write(stored.Body)
			return
		case postgres.IdempotencyMismatch:
			writeProblem(w, r, problem{Type: "idempotency-mismatch", Status: http.StatusUnprocessableEntity,
				Detail: "This Idempotency-Key was used for a different request (another path or body). Use a new key for a new request.",
				Errors: []fieldError{{Field: idempotencyHeader, Detail: "Already used for a different request."}}})
			return
		case postgres.IdempotencyInProgress:
			w.Header().Set("Retry-After", "1")
			writeProblem(w, r, problem{Type: "idempotency-in-progress", Status: http.StatusConflict,
				Detail: "A request with this Idempotency-Key is still running. Retry in a moment to get its response."})
			return
		}
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		finished := false
		defer func() {
			// Also on a panic: release the key, so the retry runs again.
			if !finished {
				a.keys.AbandonIdempotent(context.WithoutCancel(r.Context()), k, key)
			}
		}()
		next.ServeHTTP(rec, r)
		ctx := context.WithoutCancel(r.Context())
		if rec.status >= 500 {
			return
		}
		res := postgres.StoredResponse{Status: rec.status, Headers: map[string]string{}, Body: rec.body.Bytes()}
		for _, k := range []string{"Content-Type", "Location"} {
			if v := rec.Header().Get(k); v != "" {
				res.Headers[k] = v
			}
		}
		if err := a.keys.FinishIdempotent(ctx, k, key, res); err != nil {
			a.d.Logger.ErrorContext(ctx, "idempotency: store response", "err", err)
			return
		}
		finished = true
	})
}

func validIdempotencyKey(k string) bool {
	if len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

// recorder passes a response on while keeping a copy.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

// spoolBody reads a request body once, hashing it into h, and returns it
// to be read again: in memory when it is small (the JSON bodies), in a
// temporary file when it is large (a SCORM package), so a large upload
// costs no memory.
func spoolBody(body io.Reader, h io.Writer) (io.ReadCloser, error) {
	var buf bytes.Buffer
	n, err := io.CopyN(io.MultiWriter(&buf, h), body, maxBodyBytes+1)
	if err != nil && err != io.EOF {
		return nil, err
	}
	if n <= maxBodyBytes {
		return io.NopCloser(&buf), nil
	}
	f, err := os.CreateTemp("", "upward-body-*")
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(buf.Bytes()); err == nil {
		_, err = io.Copy(io.MultiWriter(f, h), body)
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return tempBody{f}, nil
}

// tempBody is a spooled body; closing it removes its file.
type tempBody struct{ *os.File }

func (t tempBody) Close() error {
	err := t.File.Close()
	os.Remove(t.File.Name())
	return err
}
