package postgres_test

import (
	"context"
	"sync"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

type learningFixture struct {
	ctx      context.Context
	db       *postgres.DB
	courses  *postgres.CourseService
	learning *postgres.LearningService
	portal   fixture.Portal
	tenantID int64
	learner  int64
	course   postgres.CourseRecord
}

// example is the slug of fixture.ExampleCourse, the library's example.
const example = fixture.ExampleSlug

// acmeSpec is the learning fixture's portal: Acme, with Lee Learner and
// the example course, a draft.
func acmeSpec() fixture.Spec {
	return fixture.Spec{Slug: "acme", Name: "Acme",
		People:  []fixture.Person{{Email: "lee@acme.test", Name: "Lee Learner"}},
		Courses: []fixture.Course{{Draft: true}}}
}

// publishedSpec is acmeSpec with the course published.
func publishedSpec() fixture.Spec {
	spec := acmeSpec()
	spec.Courses[0].Draft = false
	return spec
}

func newLearningFixture(t *testing.T) learningFixture {
	t.Helper()
	return learningFixtureOf(t, acmeSpec())
}

// learningFixtureOf builds spec, acmeSpec or a variation of it: the
// fixture's learner is lee, its course the example.
func learningFixtureOf(t *testing.T, spec fixture.Spec) learningFixture {
	t.Helper()
	db := fixture.DB(t)
	p := fixture.Build(t, db, spec)
	return learningFixture{ctx: context.Background(), db: db, courses: postgres.NewCourseService(db), learning: postgres.NewLearningService(db),
		portal: p, tenantID: p.ID, learner: p.Person(t, "lee@acme.test").ID, course: p.Courses[example]}
}

func (f learningFixture) publish(t *testing.T) int {
	t.Helper()
	v, err := f.courses.Publish(f.ctx, f.tenantID, f.course.ID, "", postgres.AuditActor{Label: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (f learningFixture) renameFirstLesson(t *testing.T, title string) {
	t.Helper()
	_, err := f.courses.EditDraft(f.ctx, f.tenantID, f.course.ID, 0, postgres.AuditActor{Label: "test"}, func(c *course.Course) error {
		c.Modules[0].Lessons[0].Title = title
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (f learningFixture) seen(t *testing.T) postgres.LearnerCourse {
	t.Helper()
	lc, err := f.learning.FindLearnerCourse(f.ctx, f.tenantID, f.learner, f.course.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return lc
}

func TestLearning_ADraftIsNotInTheCatalogUntilPublished(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	if got, _ := f.learning.FindCatalog(f.ctx, f.tenantID, f.learner, postgres.CatalogQuery{}); len(got) != 0 {
		t.Errorf("catalog before publishing: %v", got)
	}
	if _, err := f.learning.FindLearnerCourse(f.ctx, f.tenantID, f.learner, f.course.Slug); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("unpublished course: %v, want not found", err)
	}
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("enrolling in an unpublished course: %v, want not found", err)
	}
	f.publish(t)
	got, err := f.learning.FindCatalog(f.ctx, f.tenantID, f.learner, postgres.CatalogQuery{})
	if err != nil || len(got) != 1 || got[0].Status != "" {
		t.Fatalf("catalog after publishing: %+v, %v", got, err)
	}
}

func TestLearning_ALearnerKeepsTheVersionTheyStartedUntilTheyRestart(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.renameFirstLesson(t, "Version one")
	f.publish(t)
	if lc := f.seen(t); lc.Enrolment != nil || lc.Content.Modules[0].Lessons[0].Title != "Version one" {
		t.Fatalf("before enrolling: %+v", lc.Enrolment)
	}
	created, err := f.learning.Enrol(f.ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled)
	if err != nil || !created {
		t.Fatalf("Enrol = %v, %v", created, err)
	}

	// An unpublished edit reaches nobody; a new publication reaches only
	// those who start after it.
	f.renameFirstLesson(t, "Version two")
	if got := f.seen(t).Content.Modules[0].Lessons[0].Title; got != "Version one" {
		t.Errorf("after an unpublished edit, the learner sees %q", got)
	}
	f.publish(t)
	lc := f.seen(t)
	if got := lc.Content.Modules[0].Lessons[0].Title; got != "Version one" {
		t.Errorf("after republishing, the enrolled learner sees %q", got)
	}
	if !lc.Enrolment.NewerVersion(lc.PublishedVersion) {
		t.Error("the learner is not told of the newer version")
	}

	if err := f.learning.Restart(f.ctx, f.tenantID, f.learner, f.course.ID, lc.Enrolment.Attempt); err != nil {
		t.Fatal(err)
	}
	// The same restart again (a double click) changes nothing more.
	if err := f.learning.Restart(f.ctx, f.tenantID, f.learner, f.course.ID, lc.Enrolment.Attempt); err != nil {
		t.Fatal(err)
	}
	after := f.seen(t)
	if got := after.Content.Modules[0].Lessons[0].Title; got != "Version two" {
		t.Errorf("after restarting, the learner sees %q", got)
	}
	if after.Enrolment.Attempt != 2 || after.Enrolment.Version != 2 {
		t.Errorf("after restarting: attempt %d on version %d, want 2 on 2", after.Enrolment.Attempt, after.Enrolment.Version)
	}
	if err := f.learning.Restart(f.ctx, f.tenantID, f.learner, f.course.ID, 7); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("restarting an attempt that never was: %v", err)
	}
}

func TestLearning_EnrollingTwiceAtOnceMakesOneEnrolment(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for range 20 {
		wg.Go(func() {
			created, err := f.learning.Enrol(f.ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled)
			if err != nil {
				t.Error(err)
			}
			if created {
				mu.Lock()
				made++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if made != 1 {
		t.Errorf("%d enrolments made, want 1", made)
	}
}

func TestLearning_AnArchivedCourseStaysOpenToThoseEnrolled(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	if err := f.courses.SetCourseArchived(f.ctx, f.tenantID, f.course.ID, true, postgres.AuditActor{Label: "test"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.learning.FindCatalog(f.ctx, f.tenantID, f.learner, postgres.CatalogQuery{}); len(got) != 0 {
		t.Errorf("an archived course is in the catalog: %+v", got)
	}
	if lc := f.seen(t); lc.Enrolment == nil {
		t.Error("the enrolled learner lost the archived course")
	}
	if err := f.learning.Restart(f.ctx, f.tenantID, f.learner, f.course.ID, 1); apperr.Code(err) != apperr.ECONFLICT {
		t.Errorf("restarting an archived course: %v, want a conflict", err)
	}
}

// A server parses a version once and keeps it by its content's digest:
// versions are immutable, so a kept one is never stale. Learners still see
// the version they take, and a version dropped from the cache while a
// query left its content out is read again.
func TestLearning_AServerKeepsEachVersionItReadsByItsContent(t *testing.T) {
	t.Parallel()
	spec := acmeSpec()
	spec.People = append(spec.People, fixture.Person{Email: "new@acme.test", Name: "New"})
	f := learningFixtureOf(t, spec)
	newcomer := f.portal.Person(t, "new@acme.test")
	f.renameFirstLesson(t, "Version one")
	f.publish(t)
	if _, err := f.learning.Enrol(f.ctx, f.tenantID, f.learner, f.course.ID, learning.SelfEnrolled); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if got := f.seen(t).Content.Modules[0].Lessons[0].Title; got != "Version one" {
			t.Fatalf("the learner sees %q", got)
		}
	}
	if n := f.db.CachedVersions(); n != 1 {
		t.Errorf("%d versions kept after reading one three times", n)
	}
	f.renameFirstLesson(t, "Version two")
	f.publish(t)
	if got := f.seen(t).Content.Modules[0].Lessons[0].Title; got != "Version one" {
		t.Errorf("the enrolled learner sees %q after a new version", got)
	}
	lc, err := f.learning.FindLearnerCourse(f.ctx, f.tenantID, newcomer.ID, f.course.Slug)
	if err != nil || lc.Content.Modules[0].Lessons[0].Title != "Version two" {
		t.Fatalf("a newcomer sees %q, %v", lc.Content.Modules[0].Lessons[0].Title, err)
	}
	if n := f.db.CachedVersions(); n != 2 {
		t.Errorf("%d versions kept after reading two", n)
	}

	f.db.DropCachedVersionsOnly()
	lc = f.seen(t)
	if got := lc.Content.Modules[0].Lessons[0].Title; got != "Version one" || lc.Enrolment == nil {
		t.Errorf("with the version dropped after the query: %q, enrolment %v", got, lc.Enrolment)
	}
	// The same inside a transaction (FindLearnerCourseByID).
	f.db.DropCachedVersionsOnly()
	lc, err = f.learning.FindLearnerCourseByID(f.ctx, f.tenantID, f.learner, f.course.ID)
	if err != nil || lc.Content.Modules[0].Lessons[0].Title != "Version one" {
		t.Errorf("in a transaction, with the version dropped: %q, %v", lc.Content.Modules[0].Lessons[0].Title, err)
	}
}
