package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// enrolmentJSON is an enrolment as the API shows it.
type enrolmentJSON struct {
	ID               int64      `json:"id"`
	UserID           int64      `json:"user_id"`
	CourseID         int64      `json:"course_id"`
	Status           string     `json:"status"`
	Source           string     `json:"source"`
	Version          int        `json:"version"`
	Attempt          int        `json:"attempt"`
	Percent          int        `json:"percent"`
	TimeSpentSeconds int        `json:"time_spent_seconds"`
	DueAt            *time.Time `json:"due_at"`
	EnrolledAt       time.Time  `json:"enrolled_at"`
	StartedAt        time.Time  `json:"started_at"`
	CompletedAt      *time.Time `json:"completed_at"`
	LastAccessAt     *time.Time `json:"last_access_at"`
}

func toEnrolment(e learning.Enrolment) enrolmentJSON {
	return enrolmentJSON{ID: e.ID, UserID: e.UserID, CourseID: e.CourseID, Status: string(e.Status), Source: string(e.Source),
		Version: e.Version, Attempt: e.Attempt, Percent: e.Percent, TimeSpentSeconds: int(e.TimeSpent.Seconds()),
		DueAt: e.DueAt, EnrolledAt: e.EnrolledAt, StartedAt: e.StartedAt, CompletedAt: e.CompletedAt, LastAccessAt: e.LastAccess}
}

func (a *API) listEnrolments(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	eq := postgres.EnrolmentQuery{Keyset: q.keyset(), UserID: q.id("user_id"), CourseID: q.id("course_id"),
		Status: learning.Status(q.oneOf("status", string(learning.Active), string(learning.Completed), string(learning.Withdrawn)))}
	if !q.ok(w) {
		return
	}
	es, more, err := a.learning.FindEnrolmentsPage(r.Context(), stateOf(r).tenant.ID, eq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[enrolmentJSON]{Data: make([]enrolmentJSON, len(es))}
	for i, e := range es {
		out.Data[i] = toEnrolment(e)
	}
	if len(es) > 0 {
		out.NextCursor = next(more, time.Time{}, es[len(es)-1].ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

func (a *API) getEnrolment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	e, err := a.learning.FindEnrolment(r.Context(), stateOf(r).tenant.ID, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	a.writeJSON(w, r, http.StatusOK, toEnrolment(e))
}

var enrolmentCreateFields = bodyFields{"user_id": true, "course_id": true, "due_at": true}

// enrolmentCreateBody is the JSON body of an enrolment to make.
type enrolmentCreateBody struct {
	UserID   int64   `json:"user_id"`
	CourseID int64   `json:"course_id"`
	DueAt    *string `json:"due_at"`
}

// createEnrolment assigns a published course to one person, with an
// optional due date: 201 when it enrolled them, 200 when they were
// enrolled already (the due date is taken on).
func (a *API) createEnrolment(w http.ResponseWriter, r *http.Request) {
	var in enrolmentCreateBody
	if !decode(w, r, &in, enrolmentCreateFields) {
		return
	}
	due, ok := dueAt(w, r, in.DueAt, enrolmentCreateFields)
	if !ok {
		return
	}
	e, created, err := a.learning.AssignCourse(r.Context(), stateOf(r).tenant.ID, in.UserID, in.CourseID, due, actor(r))
	if err != nil {
		a.renderError(w, r, err, enrolmentCreateFields)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", Prefix+"/enrolments/"+strconv.FormatInt(e.ID, 10))
	a.writeJSON(w, r, status, toEnrolment(e))
}

// deleteEnrolment withdraws the learner: the enrolment stays, withdrawn,
// with what they did.
func (a *API) deleteEnrolment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	e, err := a.learning.WithdrawEnrolment(r.Context(), stateOf(r).tenant.ID, id, actor(r))
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	a.writeJSON(w, r, http.StatusOK, toEnrolment(e))
}

// assignmentJSON is an assignment as the API shows it.
type assignmentJSON struct {
	ID        int64      `json:"id"`
	CourseID  *int64     `json:"course_id"`
	PathID    *int64     `json:"path_id"`
	UserID    *int64     `json:"user_id"`
	GroupID   *int64     `json:"group_id"`
	DueAt     *time.Time `json:"due_at"`
	CreatedAt time.Time  `json:"created_at"`
	// Enrolled is set in the answer to a new assignment: how many people
	// it enrolled.
	Enrolled *int `json:"enrolled,omitempty"`
}

func orNull(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toAssignment(as postgres.AssignmentRecord) assignmentJSON {
	return assignmentJSON{ID: as.ID, CourseID: orNull(as.CourseID), PathID: orNull(as.PathID), UserID: orNull(as.UserID),
		GroupID: orNull(as.GroupID), DueAt: as.DueAt, CreatedAt: as.CreatedAt}
}

func (a *API) listAssignments(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	aq := postgres.AssignmentQuery{Keyset: q.keyset(), CourseID: q.id("course_id"), PathID: q.id("path_id"),
		GroupID: q.id("group_id"), UserID: q.id("user_id")}
	if !q.ok(w) {
		return
	}
	as, more, err := a.learning.FindAssignmentsPage(r.Context(), stateOf(r).tenant.ID, aq)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[assignmentJSON]{Data: make([]assignmentJSON, len(as))}
	for i, x := range as {
		out.Data[i] = toAssignment(x)
	}
	if len(as) > 0 {
		out.NextCursor = next(more, time.Time{}, as[len(as)-1].ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

var assignmentCreateFields = bodyFields{"group_id": true, "course_id": true, "path_id": true, "due_at": true}

// assignmentCreateBody is the JSON body of an assignment to a group.
type assignmentCreateBody struct {
	GroupID  int64   `json:"group_id"`
	CourseID int64   `json:"course_id"`
	PathID   int64   `json:"path_id"`
	DueAt    *string `json:"due_at"`
}

// createAssignment assigns a published course or path to a group: its
// active members are enrolled now, and whoever joins it later on joining.
func (a *API) createAssignment(w http.ResponseWriter, r *http.Request) {
	var in assignmentCreateBody
	if !decode(w, r, &in, assignmentCreateFields) {
		return
	}
	due, ok := dueAt(w, r, in.DueAt, assignmentCreateFields)
	if !ok {
		return
	}
	if (in.CourseID == 0) == (in.PathID == 0) {
		invalid(w, r, apperr.Fields{"course_id": "Give either a course_id or a path_id.", "path_id": "Give either a course_id or a path_id."}, assignmentCreateFields)
		return
	}
	rec, enrolled, err := a.learning.AssignGroup(r.Context(), stateOf(r).tenant.ID,
		postgres.Assignment{GroupID: in.GroupID, CourseID: in.CourseID, PathID: in.PathID, DueAt: due}, actor(r))
	if err != nil {
		a.renderError(w, r, err, assignmentCreateFields)
		return
	}
	out := toAssignment(rec)
	out.Enrolled = &enrolled
	a.writeJSON(w, r, http.StatusCreated, out)
}

// dueAt reads an optional due date in RFC 3339 form.
func dueAt(w http.ResponseWriter, r *http.Request, v *string, body bodyFields) (*time.Time, bool) {
	if v == nil {
		return nil, true
	}
	t, err := time.Parse(time.RFC3339, *v)
	if err != nil {
		invalid(w, r, apperr.Fields{"due_at": "Give a date and time in RFC 3339 form, such as 2026-01-31T17:00:00Z."}, body)
		return nil, false
	}
	// The service checks too; here the field gets the API's name.
	if err := learning.CheckDue(&t, time.Now()); err != nil {
		invalid(w, r, apperr.Fields{"due_at": apperr.Message(err)}, body)
		return nil, false
	}
	return &t, true
}
