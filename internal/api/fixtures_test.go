package api_test

import (
	"bytes"
	"context"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/postgres"
)

// completed is the enrolment of the person in the course of the portal,
// which the portal's spec made complete (fixture.Passed): the reflection
// of lesson one answered, the quiz of lesson two passed.
func (e *env) completed(p fixture.Portal, email, slug string) learning.Enrolment {
	e.t.Helper()
	lc, err := postgres.NewLearningService(e.db).FindLearnerCourse(context.Background(), p.ID, p.Person(e.t, email).ID, slug)
	if err != nil {
		e.t.Fatal(err)
	}
	if lc.Enrolment == nil || lc.Enrolment.CompletedAt == nil {
		e.t.Fatal("the course is not complete")
	}
	return *lc.Enrolment
}

// course2 is a small draft course.
func course2() course.Course {
	return course.Course{Slug: "draft-only", Title: "Draft only", Level: course.Beginner, Language: "en",
		Modules: []course.Module{{Title: "One", Lessons: []course.Lesson{{Title: "First", Blocks: []course.Block{{Kind: course.KindText, Text: &course.Text{Markdown: "Hello."}}}}}}}}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
