package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// The example course: lesson one asks for a reflection; lesson two holds
// a two-question quiz (pass mark 50) and an action plan.
const (
	lessonOne = "01-prepare"
	lessonTwo = "02-the-conversation"
)

func (f learningFixture) enrolled(t *testing.T) postgres.LearnerCourse {
	t.Helper()
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	return f.seen(t)
}

func blockOf(lc postgres.LearnerCourse, lessonKey string, kind course.Kind) string {
	l, _ := lc.Content.Lesson(lessonKey)
	for _, b := range l.Blocks {
		if b.Kind == kind {
			return b.Key
		}
	}
	return ""
}

func (f learningFixture) statements(t *testing.T, verb, objectType string) int {
	t.Helper()
	all, err := f.learning.FindStatements(f.ctx, f.tenantID, f.learner)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, s := range all {
		if s.Verb == verb && s.ObjectType == objectType {
			n++
		}
	}
	return n
}

var wrong = learning.Answers{{1}, {0}}
var right = learning.Answers{{0}, {1}}

func TestProgress_FromEnrolmentToAVerifiedCertificate(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	lc := f.enrolled(t)
	if n := f.statements(t, learning.VerbRegistered, "course"); n != 1 {
		t.Errorf("%d registration records, want 1", n)
	}

	if err := f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), "What my manager is measured on.", false); err != nil {
		t.Fatal(err)
	}
	lc = f.seen(t)
	if !lc.Progress.LessonComplete(lessonOne) || lc.Enrolment.Percent != 50 {
		t.Fatalf("after the reflection: lesson complete %v, %d%%", lc.Progress.LessonComplete(lessonOne), lc.Enrolment.Percent)
	}

	quiz := blockOf(lc, lessonTwo, course.KindQuiz)
	failed, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, quiz, 1, wrong)
	if err != nil {
		t.Fatal(err)
	}
	if failed.Passed || failed.Score != 0 {
		t.Errorf("wrong answers: %+v", failed)
	}
	lc = f.seen(t)
	if lc.Enrolment.Status != learning.Active || lc.Progress.LessonComplete(lessonTwo) {
		t.Fatal("a failed quiz completed the lesson or the course")
	}
	passed, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, quiz, 2, right)
	if err != nil || !passed.Passed || passed.Score != 100 {
		t.Fatalf("right answers: %+v, %v", passed, err)
	}
	lc = f.seen(t)
	if lc.Enrolment.Status != learning.Completed || lc.Enrolment.Percent != 100 || lc.Enrolment.CompletedAt == nil {
		t.Fatalf("after passing: %+v", lc.Enrolment)
	}
	if f.statements(t, learning.VerbFailed, "quiz") != 1 || f.statements(t, learning.VerbPassed, "quiz") != 1 ||
		f.statements(t, learning.VerbCompleted, "lesson") != 2 || f.statements(t, learning.VerbCompleted, "course") != 1 {
		t.Error("the learning records do not tell the story")
	}

	certs, err := f.learning.FindCertificates(f.ctx, f.tenantID, f.learner)
	if err != nil || len(certs) != 1 || certs[0].LearnerName != "Lee Learner" || certs[0].Title != f.course.Title {
		t.Fatalf("certificates %+v, %v", certs, err)
	}
	verified, err := f.learning.VerifyCertificate(f.ctx, certs[0].Code)
	if err != nil || verified.Title != f.course.Title || verified.PortalName != "Acme" {
		t.Errorf("verification %+v, %v", verified, err)
	}
	if _, err := f.learning.VerifyCertificate(f.ctx, "NOTAREALCODE2345"); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("an unknown code: %v", err)
	}
}

func TestProgress_TwentyIdenticalCompletionsCountOnce(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	lc := f.enrolled(t)
	block := blockOf(lc, lessonOne, course.KindReflection)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if err := f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonOne, block, "The same answer, sent twenty times.", false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.statements(t, learning.VerbCompleted, "lesson"); n != 1 {
		t.Errorf("%d lesson completion records, want 1", n)
	}
	if lc := f.seen(t); len(lc.Progress.Completed) != 1 {
		t.Errorf("%d lessons complete, want 1", len(lc.Progress.Completed))
	}

	// The same quiz form submitted twenty times at once is one attempt.
	quiz := blockOf(lc, lessonTwo, course.KindQuiz)
	for range 20 {
		wg.Go(func() {
			if _, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, quiz, 1, right); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := f.seen(t).Progress.Quizzes[quiz].Used; got != 1 {
		t.Errorf("%d quiz attempts stored, want 1", got)
	}
	if n, m := f.statements(t, learning.VerbCompleted, "course"), f.statements(t, learning.VerbPassed, "quiz"); n != 1 || m != 1 {
		t.Errorf("%d course completions and %d passes recorded, want 1 and 1", n, m)
	}
	if certs, _ := f.learning.FindCertificates(f.ctx, f.tenantID, f.learner); len(certs) != 1 {
		t.Errorf("%d certificates, want 1", len(certs))
	}
}

func TestProgress_BadInputChangesNothing(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	lc := f.enrolled(t)
	quiz := blockOf(lc, lessonTwo, course.KindQuiz)
	reflection := blockOf(lc, lessonOne, course.KindReflection)
	cases := []struct {
		name string
		do   func() error
		code string
	}{
		{"answers for one question of two", func() error {
			_, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, quiz, 1, learning.Answers{{0}})
			return err
		}, apperr.EINVALID},
		{"an answer the question lacks", func() error {
			_, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, quiz, 1, learning.Answers{{0}, {5}})
			return err
		}, apperr.EINVALID},
		{"a tampered attempt number", func() error {
			_, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonTwo, quiz, 7, right)
			return err
		}, apperr.EINVALID},
		{"the quiz of another lesson", func() error {
			_, err := f.learning.SubmitQuiz(f.ctx, f.tenantID, lc, lessonOne, quiz, 1, right)
			return err
		}, apperr.ENOTFOUND},
		{"a reflection of another lesson", func() error {
			return f.learning.SaveReflection(f.ctx, f.tenantID, lc, lessonTwo, reflection, "x", false)
		}, apperr.ENOTFOUND},
		{"a lesson of another course", func() error {
			return f.learning.SaveReflection(f.ctx, f.tenantID, lc, "no-such-lesson", reflection, "x", false)
		}, apperr.ENOTFOUND},
		{"marking a lesson with a quiz complete", func() error {
			return f.learning.MarkComplete(f.ctx, f.tenantID, lc, lessonTwo)
		}, apperr.EINVALID},
	}
	for _, c := range cases {
		if err := c.do(); apperr.Code(err) != c.code {
			t.Errorf("%s: %v, want %s", c.name, err, c.code)
		}
	}
	after := f.seen(t)
	if len(after.Progress.Quizzes) != 0 || len(after.Progress.Responses) != 0 || len(after.Progress.Completed) != 0 {
		t.Errorf("bad input changed progress: %+v", after.Progress)
	}
}

func TestProgress_ARestartInAnotherTabIsNotOverwritten(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	oldTab := f.enrolled(t)
	f.renameFirstLesson(t, "Version two")
	f.publish(t)
	if err := f.learning.Restart(f.ctx, f.tenantID, f.learner, f.course.ID, 1); err != nil {
		t.Fatal(err)
	}
	err := f.learning.SaveReflection(f.ctx, f.tenantID, oldTab, lessonOne, blockOf(oldTab, lessonOne, course.KindReflection), "from the old tab", false)
	if apperr.Code(err) != apperr.ECONFLICT {
		t.Errorf("saving into the attempt left behind: %v, want a conflict", err)
	}
}

func TestProgress_ALessonToReadIsMarkedComplete(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	if _, err := f.courses.EditDraft(f.ctx, f.tenantID, f.course.ID, 0, postgres.AuditActor{Label: "test"}, func(c *course.Course) error {
		key, err := c.AddLesson(c.Modules[0].Key, "Just reading")
		if err != nil {
			return err
		}
		_, err = c.AddBlock(key, course.Block{Kind: course.KindText, Text: &course.Text{Markdown: "Read me."}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.publish(t)
	lc := f.enrolled(t)
	reading := lc.Content.Modules[0].Lessons[1].Key
	// The enrolment's row version: marking the lesson again must not
	// write it (nothing changed), only lock it.
	rowVersion := func() (v string) {
		t.Helper()
		if err := f.db.InTenantTx(f.ctx, f.tenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(f.ctx, `SELECT xmin::text FROM enrolments WHERE id = $1`, lc.Enrolment.ID).Scan(&v)
		}); err != nil {
			t.Fatal(err)
		}
		return v
	}
	var afterFirst string
	for i := range 2 {
		if err := f.learning.MarkComplete(f.ctx, f.tenantID, lc, reading); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			afterFirst = rowVersion()
		} else if v := rowVersion(); v != afterFirst {
			t.Error("marking a complete lesson again wrote the enrolment")
		}
	}
	lc = f.seen(t)
	if !lc.Progress.LessonComplete(reading) || lc.Enrolment.Percent != 33 {
		t.Errorf("complete %v at %d%%", lc.Progress.LessonComplete(reading), lc.Enrolment.Percent)
	}
	if n := f.statements(t, learning.VerbCompleted, "lesson"); n != 1 {
		t.Errorf("%d completion records for one lesson marked twice", n)
	}
}

func TestSeats_FiftyEnrolmentsForTenFreeSeatsAdmitTen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	spec := publishedSpec()
	for i := range 50 {
		spec.People = append(spec.People, fixture.Person{Email: fmt.Sprintf("l%d@acme.test", i), Name: fmt.Sprintf("Learner %d", i)})
	}
	f := learningFixtureOf(t, spec)
	tenants := postgres.NewTenantService(f.db)
	acme, err := tenants.FindTenantBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	acme.SeatLimit = 11 // the fixture's learner takes one seat below
	if _, err := tenants.UpdateTenant(ctx, acme, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	f.enrolled(t)
	var ids []int64
	for i := range 50 {
		ids = append(ids, f.portal.Person(t, fmt.Sprintf("l%d@acme.test", i)).ID)
	}
	var admitted, full atomic.Int32
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() {
			_, err := f.learning.Enrol(ctx, f.tenantID, id, f.course.ID, learning.SelfEnrolled)
			switch {
			case err == nil:
				admitted.Add(1)
			case apperr.Code(err) == apperr.ECONFLICT:
				full.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if admitted.Load() != 10 || full.Load() != 40 {
		t.Errorf("%d admitted and %d turned away, want 10 and 40", admitted.Load(), full.Load())
	}
	// Someone already seated may take another course however full it is.
	if _, err := f.learning.Enrol(ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Errorf("a seated learner enrolling again: %v", err)
	}
}

func TestPaths_StepsUnlockInOrder(t *testing.T) {
	t.Parallel()
	// A second course: the same content under another slug.
	spec := publishedSpec()
	spec.Courses = append(spec.Courses, fixture.Course{Slug: "second-course", Title: "The Second Course"})
	f := learningFixtureOf(t, spec)
	ctx := f.ctx
	paths := postgres.NewPathService(f.db)
	p, err := paths.CreatePath(ctx, f.tenantID, course.Path{Slug: "both", Title: "Both", Steps: []course.PathStep{
		{Course: f.course.Slug, Unlock: course.Free}, {Course: "second-course", Unlock: course.AfterPrevious}}}, "", true, postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := paths.StartStep(ctx, f.tenantID, f.learner, "both", 0); apperr.Code(err) != apperr.EFORBIDDEN {
		t.Errorf("a step before starting the path: %v", err)
	}
	if err := paths.StartPath(ctx, f.tenantID, f.learner, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := paths.StartStep(ctx, f.tenantID, f.learner, "both", 1); apperr.Code(err) != apperr.ECONFLICT {
		t.Errorf("the locked second step: %v, want a conflict saying what opens it", err)
	}
	if _, err := paths.StartStep(ctx, f.tenantID, f.learner, "both", 0); err != nil {
		t.Fatal(err)
	}
	complete := func(slug string) {
		t.Helper()
		lc, err := f.learning.FindLearnerCourse(ctx, f.tenantID, f.learner, slug)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.learning.SaveReflection(ctx, f.tenantID, lc, lessonOne, blockOf(lc, lessonOne, course.KindReflection), "done", false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.learning.SubmitQuiz(ctx, f.tenantID, lc, lessonTwo, blockOf(lc, lessonTwo, course.KindQuiz), 1, right); err != nil {
			t.Fatal(err)
		}
	}
	complete(f.course.Slug)
	lp, err := paths.FindLearnerPath(ctx, f.tenantID, f.learner, "both")
	if err != nil || !lp.States[0].Done || !lp.States[1].Open || lp.CompletedAt != nil || lp.Percent() != 50 {
		t.Fatalf("after the first course: %+v %v", lp.States, err)
	}
	if _, err := paths.StartStep(ctx, f.tenantID, f.learner, "both", 1); err != nil {
		t.Fatal(err)
	}
	complete("second-course")
	lp, _ = paths.FindLearnerPath(ctx, f.tenantID, f.learner, "both")
	if lp.CompletedAt == nil {
		t.Error("the path is not complete with both courses done")
	}
	if n := f.statements(t, learning.VerbCompleted, "path"); n != 1 {
		t.Errorf("%d path completion records", n)
	}
	if certs, _ := f.learning.FindCertificates(ctx, f.tenantID, f.learner); len(certs) != 3 {
		t.Errorf("%d certificates, want two courses and the path", len(certs))
	}
}

func TestProgress_HeartbeatsMeasureTimeWithoutIdleTime(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	lc := f.enrolled(t)
	start := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, at := range []time.Duration{0, 30 * time.Second, 60 * time.Second, 20 * time.Minute, 20*time.Minute + 30*time.Second} {
		f.db.Now = func() time.Time { return start.Add(at) }
		if err := f.learning.Heartbeat(f.ctx, f.tenantID, lc, lessonTwo); err != nil {
			t.Fatal(err)
		}
	}
	f.db.Now = time.Now
	e := f.seen(t).Enrolment
	if e.TimeSpent != 90*time.Second {
		t.Errorf("time spent %v, want 90s (the 19-minute silence does not count)", e.TimeSpent)
	}
	if e.LastLesson != lessonTwo || e.LastAccess == nil || !e.LastAccess.Equal(start.Add(20*time.Minute+30*time.Second)) {
		t.Errorf("resume at %q, last access %v", e.LastLesson, e.LastAccess)
	}
}
