package api

import (
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// progressJSON is one learner's progress in one course: their enrolment
// and, for the version they take, each lesson and quiz.
type progressJSON struct {
	UserID    int64                `json:"user_id"`
	CourseID  int64                `json:"course_id"`
	Enrolment enrolmentJSON        `json:"enrolment"`
	Lessons   []lessonProgressJSON `json:"lessons"`
	Quizzes   []quizProgressJSON   `json:"quizzes"`
}

type lessonProgressJSON struct {
	Key         string     `json:"key"`
	Title       string     `json:"title"`
	ModuleKey   string     `json:"module_key"`
	Required    bool       `json:"required"`
	CompletedAt *time.Time `json:"completed_at"`
}

type quizProgressJSON struct {
	Key       string `json:"key"`
	LessonKey string `json:"lesson_key"`
	Attempts  int    `json:"attempts"`
	Passed    bool   `json:"passed"`
	LastScore *int   `json:"last_score"`
}

func (a *API) getProgress(w http.ResponseWriter, r *http.Request) {
	uid, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	cid, ok := pathID(w, r, "courseID")
	if !ok {
		return
	}
	lc, err := a.learning.FindLearnerCourseByID(r.Context(), stateOf(r).tenant.ID, uid, cid)
	if err == nil && lc.Enrolment == nil {
		err = &apperr.Error{Code: apperr.ENOTFOUND, Message: "This person is not enrolled in that course."}
	}
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := progressJSON{UserID: uid, CourseID: cid, Enrolment: toEnrolment(*lc.Enrolment),
		Lessons: []lessonProgressJSON{}, Quizzes: []quizProgressJSON{}}
	for _, m := range lc.Content.Modules {
		for _, l := range m.Lessons {
			lp := lessonProgressJSON{Key: l.Key, Title: l.Title, ModuleKey: m.Key, Required: l.Required}
			if at, done := lc.Progress.Completed[l.Key]; done {
				lp.CompletedAt = &at
			}
			out.Lessons = append(out.Lessons, lp)
			for _, b := range l.Blocks {
				if b.Kind != course.KindQuiz {
					continue
				}
				qp := quizProgressJSON{Key: b.Key, LessonKey: l.Key}
				if rec, ok := lc.Progress.Quizzes[b.Key]; ok {
					qp.Attempts, qp.Passed = rec.Used, rec.Passed
					if rec.Last != nil {
						qp.LastScore = &rec.Last.Score
					}
				}
				out.Quizzes = append(out.Quizzes, qp)
			}
		}
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// completionJSON is a completed enrolment.
type completionJSON struct {
	EnrolmentID int64     `json:"enrolment_id"`
	UserID      int64     `json:"user_id"`
	CourseID    int64     `json:"course_id"`
	Version     int       `json:"version"`
	Attempt     int       `json:"attempt"`
	CompletedAt time.Time `json:"completed_at"`
}

func (a *API) listCompletions(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	eq := postgres.EnrolmentQuery{Keyset: q.keyset(), UserID: q.id("user_id"), CourseID: q.id("course_id"),
		Completions: true, CompletedSince: q.time("updated_since")}
	if !q.ok(w) {
		return
	}
	es, more, err := a.learning.FindEnrolmentsPage(r.Context(), stateOf(r).tenant.ID, eq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[completionJSON]{Data: make([]completionJSON, len(es))}
	for i, e := range es {
		out.Data[i] = completionJSON{EnrolmentID: e.ID, UserID: e.UserID, CourseID: e.CourseID, Version: e.Version,
			Attempt: e.Attempt, CompletedAt: *e.CompletedAt}
	}
	if len(es) > 0 {
		last := es[len(es)-1]
		out.NextCursor = next(more, *last.CompletedAt, last.ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// certificateJSON is a certificate as issued.
type certificateJSON struct {
	ID          int64     `json:"id"`
	Code        string    `json:"code"`
	UserID      int64     `json:"user_id"`
	CourseID    *int64    `json:"course_id"`
	PathID      *int64    `json:"path_id"`
	Title       string    `json:"title"`
	LearnerName string    `json:"learner_name"`
	IssuedAt    time.Time `json:"issued_at"`
	VerifyURL   string    `json:"verify_url"`
}

func (a *API) listCertificates(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	cq := postgres.CertificateQuery{Keyset: q.keyset(), UserID: q.id("user_id"), IssuedSince: q.time("updated_since")}
	if !q.ok(w) {
		return
	}
	cs, more, err := a.learning.FindCertificatesPage(r.Context(), stateOf(r).tenant.ID, cq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	platform := a.platformURL(r)
	out := list[certificateJSON]{Data: make([]certificateJSON, len(cs))}
	for i, c := range cs {
		out.Data[i] = certificateJSON{ID: c.ID, Code: c.Code, UserID: c.UserID, CourseID: orNull(c.CourseID), PathID: orNull(c.PathID),
			Title: c.Title, LearnerName: c.LearnerName, IssuedAt: c.IssuedAt, VerifyURL: platform + "/verify/" + c.Code}
	}
	if len(cs) > 0 {
		last := cs[len(cs)-1]
		out.NextCursor = next(more, last.IssuedAt, last.ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

// statementJSON is a learning record shaped like an xAPI statement. The
// actor is identified by their account in the portal (its URL and their
// ID), not by name or address, so that records stay anonymous once a
// person is erased.
type statementJSON struct {
	ID        int64           `json:"id"`
	Actor     xapiActor       `json:"actor"`
	Verb      xapiVerb        `json:"verb"`
	Object    xapiObject      `json:"object"`
	Result    json.RawMessage `json:"result,omitempty"`
	Context   *xapiContext    `json:"context,omitempty"`
	Timestamp time.Time       `json:"timestamp"`
	Stored    time.Time       `json:"stored"`
}

type xapiActor struct {
	ObjectType string      `json:"objectType"`
	Account    xapiAccount `json:"account"`
}

type xapiAccount struct {
	HomePage string `json:"homePage"`
	Name     string `json:"name"`
}

type xapiVerb struct {
	ID      string            `json:"id"`
	Display map[string]string `json:"display"`
}

type xapiObject struct {
	ObjectType string         `json:"objectType"`
	ID         string         `json:"id"`
	Definition xapiDefinition `json:"definition"`
}

type xapiDefinition struct {
	Name map[string]string `json:"name"`
	Type string            `json:"type"`
}

type xapiContext struct {
	Extensions json.RawMessage `json:"extensions"`
}

// activityTypes are the xAPI activity types of the records' objects.
var activityTypes = map[string]string{
	"course": "http://adlnet.gov/expapi/activities/course",
	"lesson": "http://adlnet.gov/expapi/activities/lesson",
	"quiz":   "http://adlnet.gov/expapi/activities/assessment",
	"path":   "http://adlnet.gov/expapi/activities/module",
	// A SCO: the activity type SCORM content has in xAPI profiles.
	"sco": "http://adlnet.gov/expapi/activities/lesson",
}

func (a *API) listStatements(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	sq := postgres.StatementQuery{Keyset: q.keyset(), UserID: q.id("user_id"), Since: q.time("since"),
		Verb: q.oneOf("verb", learning.VerbRegistered, learning.VerbCompleted, learning.VerbPassed, learning.VerbFailed, learning.VerbAttempted, learning.VerbScored)}
	if !q.ok(w) {
		return
	}
	sts, more, err := a.learning.FindStatementsPage(r.Context(), stateOf(r).tenant.ID, sq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	home := a.portalURL(r)
	out := list[statementJSON]{Data: make([]statementJSON, len(sts))}
	for i, st := range sts {
		sj := statementJSON{ID: st.ID,
			Actor: xapiActor{ObjectType: "Agent", Account: xapiAccount{HomePage: home, Name: strconv.FormatInt(st.UserID, 10)}},
			Verb:  xapiVerb{ID: st.Verb, Display: map[string]string{"en-US": st.Verb[strings.LastIndexByte(st.Verb, '/')+1:]}},
			Object: xapiObject{ObjectType: "Activity", ID: home + "/xapi/activities/" + st.ObjectID,
				Definition: xapiDefinition{Name: map[string]string{"en-US": st.ObjectName}, Type: activityTypes[st.ObjectType]}},
			Timestamp: st.Timestamp, Stored: st.Stored}
		if len(st.Result) > 0 && string(st.Result) != "null" {
			sj.Result = st.Result
		}
		if len(st.Context) > 0 && string(st.Context) != "null" {
			sj.Context = &xapiContext{Extensions: st.Context}
		}
		out.Data[i] = sj
	}
	if len(sts) > 0 {
		last := sts[len(sts)-1]
		out.NextCursor = next(more, last.Stored, last.ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

func (a *API) scheme(r *http.Request) string {
	if a.d.Production || r.TLS != nil {
		return "https://"
	}
	return "http://"
}

// portalURL is the portal's address as the request reached it.
func (a *API) portalURL(r *http.Request) string { return a.scheme(r) + r.Host }

// platformURL is the platform's address (where certificates are
// verified), on the port the request came to.
func (a *API) platformURL(r *http.Request) string {
	host := a.d.BaseDomain
	if _, port, err := net.SplitHostPort(r.Host); err == nil {
		host = net.JoinHostPort(host, port)
	}
	return a.scheme(r) + host
}
