package webhook

import "time"

// Event is the JSON body of every delivery:
//
//	{"id": "evt_…", "type": "course.completed", "created_at": "2026-01-05T09:30:00Z",
//	 "portal": "acme", "data": {…}}
//
// data holds the IDs and names an integrator needs to act on the event,
// in the shape of the type's …Data struct below; never what a learner
// wrote (reflections, answers, action plans).
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	// The portal's slug ({portal}.the-platform's-domain); absent only from
	// an account's or a reseller's test event, which no portal sends.
	Portal string `json:"portal,omitempty"`
	Data   any    `json:"data"`
}

// User names a person in an event.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Course names a course in an event.
type Course struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// Path names a learning path in an event.
type Path struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

// NewUser is the account of a user.created event.
type NewUser struct {
	User
	Roles  []string `json:"roles"`
	Status string   `json:"status"` // "invited" until an invited person accepts, else "active"
}

// UserCreatedData is the data of user.created.
type UserCreatedData struct {
	User NewUser `json:"user"`
}

// Enrolment is an enrolment in an event.
type Enrolment struct {
	ID         int64      `json:"id"`
	Source     string     `json:"source"` // self, assigned, code
	DueAt      *time.Time `json:"due_at"`
	EnrolledAt time.Time  `json:"enrolled_at"`
}

// EnrolmentCreatedData is the data of enrolment.created.
type EnrolmentCreatedData struct {
	Enrolment Enrolment `json:"enrolment"`
	User      User      `json:"user"`
	Course    Course    `json:"course"`
}

// Lesson names a lesson of a course.
type Lesson struct {
	Key   string `json:"key"`
	Title string `json:"title"`
}

// LessonCompletedData is the data of lesson.completed.
type LessonCompletedData struct {
	User        User      `json:"user"`
	Course      Course    `json:"course"`
	Lesson      Lesson    `json:"lesson"`
	EnrolmentID int64     `json:"enrolment_id"`
	Attempt     int       `json:"attempt"` // the learner's attempt at the course, from 1
	CompletedAt time.Time `json:"completed_at"`
}

// CourseCompletedData is the data of course.completed.
type CourseCompletedData struct {
	User        User      `json:"user"`
	Course      Course    `json:"course"`
	EnrolmentID int64     `json:"enrolment_id"`
	Attempt     int       `json:"attempt"`
	Version     int       `json:"version"` // the published version the learner took
	CompletedAt time.Time `json:"completed_at"`
}

// PathCompletedData is the data of path.completed.
type PathCompletedData struct {
	User        User      `json:"user"`
	Path        Path      `json:"path"`
	CompletedAt time.Time `json:"completed_at"`
}

// Certificate is a certificate in an event. Anyone can check its code at
// /verify/{code} on the platform's domain.
type Certificate struct {
	ID       int64     `json:"id"`
	Code     string    `json:"code"`
	Title    string    `json:"title"`
	IssuedAt time.Time `json:"issued_at"`
}

// CertificateIssuedData is the data of certificate.issued: for a course
// or for a path, never both.
type CertificateIssuedData struct {
	Certificate Certificate `json:"certificate"`
	User        User        `json:"user"`
	Course      *Course     `json:"course,omitempty"`
	Path        *Path       `json:"path,omitempty"`
}

// PingData is the data of the test event.
type PingData struct {
	Message    string `json:"message"`
	EndpointID int64  `json:"endpoint_id"`
}

// Portal is a portal in an event.
type Portal struct {
	ID        int64  `json:"id"`
	Slug      string `json:"slug"`
	Name      string `json:"name"`
	Audience  string `json:"audience"` // employees, customers, partners, other
	Plan      string `json:"plan"`
	SeatLimit int    `json:"seat_limit"`
}

// Account is the account that owns a portal.
type Account struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

// Reseller is the reseller whose client owns a portal.
type Reseller struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug"`
}

// PortalCreatedData is the data of portal.created. Reseller is null for a
// portal no reseller sells.
type PortalCreatedData struct {
	Portal   Portal    `json:"portal"`
	Account  Account   `json:"account"`
	Reseller *Reseller `json:"reseller"`
}
