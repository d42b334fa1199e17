package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/cmi"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// The content host, content.BASE_DOMAIN, serves SCORM packages and their
// runtime. It is an origin of its own: the session cookie (host-only, of
// a portal's host) never reaches it, so a script inside a package cannot
// act as the learner on the portal. What it may do is said by a launch
// token in the URL: signed by the server, for one learner's attempt at
// one SCO, for a few hours.

// launchTTL is how long a launch token works: a long sitting, not days.
const launchTTL = 8 * time.Hour

// maxCommitBytes caps a commit: 64,000 characters of suspend data, with
// interactions and objectives around it.
const maxCommitBytes = 1 << 20

func (s *Server) contentHost() string { return "content." + s.cfg.BaseDomain }

func (s *Server) isContentHost(r *http.Request) bool {
	return strings.EqualFold(hostOnlyName(r.Host), s.contentHost())
}

// launchKey is the key that signs launch tokens: the platform's, shared by
// every server process, read once.
type launchKey struct {
	mu  sync.Mutex
	key []byte
}

func (s *Server) launchSecret(ctx context.Context) ([]byte, error) {
	s.launchKey.mu.Lock()
	defer s.launchKey.mu.Unlock()
	if s.launchKey.key == nil {
		k, err := s.db.Secret(ctx, "scorm-launch")
		if err != nil {
			return nil, err
		}
		s.launchKey.key = k
	}
	return s.launchKey.key, nil
}

// signLaunch makes a launch's token: its claims and their HMAC-SHA256.
func (s *Server) signLaunch(ctx context.Context, l postgres.ScormLaunch) (string, error) {
	key, err := s.launchSecret(ctx)
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(l)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(body) + "." + enc.EncodeToString(mac.Sum(nil)), nil
}

var errBadLaunch = &apperr.Error{Code: apperr.ENOTFOUND, Message: "This activity's link is not valid or has expired: reload the lesson."}

// verifyLaunch checks a token's signature (in constant time) and expiry.
func (s *Server) verifyLaunch(ctx context.Context, token string) (postgres.ScormLaunch, error) {
	var l postgres.ScormLaunch
	body64, sig64, ok := strings.Cut(token, ".")
	enc := base64.RawURLEncoding
	body, err1 := enc.DecodeString(body64)
	sig, err2 := enc.DecodeString(sig64)
	if !ok || err1 != nil || err2 != nil {
		return l, errBadLaunch
	}
	key, err := s.launchSecret(ctx)
	if err != nil {
		return l, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(body)
	if !hmac.Equal(sig, mac.Sum(nil)) || json.Unmarshal(body, &l) != nil || time.Now().Unix() > l.Expires {
		return postgres.ScormLaunch{}, errBadLaunch
	}
	return l, nil
}

// scormLaunchURL mints a launch of the block for the learner's enrolment
// and returns the content host's address of its launch page. It reads,
// never writes: the attempt is made by its first commit.
func (s *Server) scormLaunchURL(r *http.Request, lc postgres.LearnerCourse, lessonKey string, blockKey string, packageID int64) (string, error) {
	e := lc.Enrolment
	attempt, err := s.scorm.NextAttempt(r.Context(), stateOf(r).Tenant.ID, e.ID, e.Attempt, blockKey)
	if err != nil {
		return "", err
	}
	session := make([]byte, 8)
	rand.Read(session)
	token, err := s.signLaunch(r.Context(), postgres.ScormLaunch{Tenant: stateOf(r).Tenant.ID, User: e.UserID, Course: lc.ID, Enrolment: e.ID,
		CourseAttempt: e.Attempt, Lesson: lessonKey, Block: blockKey, Package: packageID, Attempt: attempt,
		Session: hex.EncodeToString(session), Expires: time.Now().Add(launchTTL).Unix(), Origin: s.hostURL(r, hostOnlyName(r.Host))})
	if err != nil {
		return "", err
	}
	return s.hostURL(r, s.contentHost()) + "/scorm/" + token + "/launch", nil
}

func (s *Server) contentRoutes() chi.Router {
	r := chi.NewRouter()
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "Not found.", http.StatusNotFound) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Method not allowed.", http.StatusMethodNotAllowed)
	})
	r.Get("/scorm/{token}/launch", s.handleScormLaunch)
	r.Get("/scorm/{token}/files/*", s.handleScormFile)
	r.Post("/scorm/{token}/commit", s.handleScormCommit)
	return r
}

// launchOf reads the URL's token; a bad one is a plain 404, and so is one
// whose learner was deactivated (or portal suspended) since.
func (s *Server) launchOf(w http.ResponseWriter, r *http.Request) (postgres.ScormLaunch, bool) {
	return s.readLaunch(w, r, true)
}

// readLaunch is launchOf; checkHolder false leaves the learner's check to
// the caller (a commit makes it in its own transaction).
func (s *Server) readLaunch(w http.ResponseWriter, r *http.Request, checkHolder bool) (postgres.ScormLaunch, bool) {
	l, err := s.verifyLaunch(r.Context(), chi.URLParam(r, "token"))
	if err == nil && checkHolder {
		err = s.scorm.CheckLaunch(r.Context(), l)
	}
	if err != nil {
		if apperr.Code(err) == apperr.ENOTFOUND {
			http.Error(w, apperr.Message(err), http.StatusNotFound)
		} else {
			s.log.ErrorContext(r.Context(), "scorm launch key", "err", err)
			http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		}
		return l, false
	}
	infoFrom(r.Context()).Tenant = strconv.FormatInt(l.Tenant, 10)
	return l, true
}

// handleScormLaunch serves the page that runs the SCORM runtime
// (scorm-again, with the attempt's data so far) and the SCO in a frame.
// Only the portal may frame it.
func (s *Server) handleScormLaunch(w http.ResponseWriter, r *http.Request) {
	l, ok := s.launchOf(w, r)
	if !ok {
		return
	}
	sess, err := s.scorm.FindSession(r.Context(), l)
	if err != nil {
		if apperr.Code(err) == apperr.ENOTFOUND {
			http.Error(w, "This activity is no longer available: reload the lesson.", http.StatusNotFound)
			return
		}
		s.log.ErrorContext(r.Context(), "scorm launch", "err", err)
		http.Error(w, "Something went wrong on our side.", http.StatusInternalServerError)
		return
	}
	base := "/scorm/" + chi.URLParam(r, "token")
	v := pages.SCORMLaunchView{Title: sess.Item.Title, LaunchJS: s.assets.URL("js/scorm-launch.js"), Stylesheet: s.assets.URL("css/scorm-launch.css"),
		Config: pages.SCORMLaunchConfig{Version: "1.2", CommitURL: base + "/commit", SCOURL: base + "/files/" + sess.Item.Href, Asset: !sess.Item.SCO,
			CMI: cmi.Launch(sess.Package.CMIVersion(), sess.Attempt, sess.Learner, postgres.Rules(sess.Item))}}
	v.Runtime = s.assets.URL("js/vendor/scorm-again/scorm12.min.js")
	if sess.Package.CMIVersion() == cmi.V2004 {
		v.Config.Version, v.Runtime = "2004", s.assets.URL("js/vendor/scorm-again/scorm2004.min.js")
	}
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "+
		"frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors "+l.Origin)
	h.Del("X-Frame-Options")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.SCORMLaunch(v).Render(r.Context(), w); err != nil {
		s.log.ErrorContext(r.Context(), "scorm launch page", "err", err)
	}
}

// contentCSP is the policy of a package's files: the package may run its
// own scripts (authoring tools write inline ones and need eval), but talk
// to nothing outside its origin, and only its launch page, in the portal's
// lesson page, may frame it (frame-ancestors checks every ancestor).
func contentCSP(portalOrigin string) string {
	return "default-src 'self' data: blob:; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
		"img-src 'self' data: blob:; media-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
		"base-uri 'self'; form-action 'self'; frame-ancestors 'self' " + portalOrigin
}

// handleScormFile serves a file of the launch's package, from below the
// package's folder only (os.Root), with nosniff and the content policy.
func (s *Server) handleScormFile(w http.ResponseWriter, r *http.Request) {
	l, ok := s.launchOf(w, r)
	if !ok {
		return
	}
	name := path.Clean("/" + chi.URLParam(r, "*"))[1:]
	root, err := os.OpenRoot(s.scorm.PackageDir(l.Tenant, l.Package))
	if err != nil {
		http.Error(w, "Not found.", http.StatusNotFound)
		return
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(name))
	if err != nil {
		http.Error(w, "Not found.", http.StatusNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.Error(w, "Not found.", http.StatusNotFound)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", contentCSP(l.Origin))
	h.Del("X-Frame-Options") // frame-ancestors says who may frame it
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, max-age=3600")
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// commitResult is what scorm-again expects of the LMS.
type commitResult struct {
	Result    bool `json:"result"`
	ErrorCode int  `json:"errorCode"`
}

// handleScormCommit stores what the runtime sends: its commits, and the
// beacon the launch page sends as the learner leaves. A value that breaks
// the data model is refused with its SCORM error code and changes
// nothing.
func (s *Server) handleScormCommit(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readLaunch(w, r, false) // Commit checks the learner in its transaction
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCommitBytes))
	var commit map[string]any
	if err != nil || json.Unmarshal(body, &commit) != nil {
		writeJSON(w, http.StatusBadRequest, commitResult{ErrorCode: 101})
		return
	}
	_, err = s.scorm.Commit(r.Context(), l, commit)
	var ce *cmi.Error
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, commitResult{Result: true})
	case errors.As(err, &ce):
		s.log.InfoContext(r.Context(), "scorm commit refused", "element", ce.Element, "code", ce.Code, "reason", ce.Message)
		writeJSON(w, http.StatusOK, commitResult{ErrorCode: ce.Code})
	case apperr.Code(err) == apperr.ECONFLICT || apperr.Code(err) == apperr.ENOTFOUND || apperr.Code(err) == apperr.EFORBIDDEN:
		writeJSON(w, http.StatusConflict, commitResult{ErrorCode: 101})
	default:
		s.log.ErrorContext(r.Context(), "scorm commit", "err", err)
		writeJSON(w, http.StatusInternalServerError, commitResult{ErrorCode: 101})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// scormStatus says in words where the learner is with a SCO, from its
// block's response (written by each commit).
func scormStatus(resp postgres.Response) string {
	var body struct {
		Attempt    int      `json:"attempt"`
		Completion string   `json:"completion"`
		Success    string   `json:"success"`
		Score      *float64 `json:"score"`
	}
	if len(resp.Body) == 0 || json.Unmarshal(resp.Body, &body) != nil {
		return ""
	}
	var parts []string
	switch {
	case resp.Done:
		parts = append(parts, "Done.")
	case body.Completion == "completed" && body.Success == "failed":
		parts = append(parts, "Not passed yet: the next start is a new attempt.")
	case body.Completion == "completed":
		parts = append(parts, "Completed.")
	default:
		parts = append(parts, "In progress: it carries on where you left it.")
	}
	if body.Score != nil {
		parts = append(parts, "Score "+strconv.Itoa(int(*body.Score*100+0.5))+"%.")
	}
	return strings.Join(parts, " ")
}
