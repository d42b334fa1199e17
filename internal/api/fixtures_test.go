package api_test

import (
	"bytes"
	"context"
	"os"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

const goodPassword = "correct horse battery staple"

// person makes an active account in the portal.
func (e *env) person(t tenant.Tenant, email, name string) user.User {
	e.t.Helper()
	u, err := e.main.Users.EnsureUser(context.Background(), t, postgres.NewUser{Email: email, Name: name, Password: goodPassword, Roles: []user.Role{user.Learner}}, by)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// publishedCourse imports the example course (two modules, a reflection
// and a quiz) into the portal under slug and publishes it.
func (e *env) publishedCourse(t tenant.Tenant, slug, title string) postgres.CourseRecord {
	e.t.Helper()
	c, problems := library.Load(os.DirFS("../library/testdata/good"), "example")
	if len(problems) > 0 {
		e.t.Fatal(problems)
	}
	c.Slug, c.Title = slug, title
	courses := postgres.NewCourseService(e.db)
	rec, err := courses.ImportCourse(context.Background(), t.ID, c, "", by)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := courses.Publish(context.Background(), t.ID, rec.ID, "", by); err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// group makes a group of the portal with the people in it.
func (e *env) group(t tenant.Tenant, name string, members ...user.User) postgres.Group {
	e.t.Helper()
	groups := postgres.NewGroupService(e.db)
	g, err := groups.CreateGroup(context.Background(), t.ID, name, "team", by)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range members {
		if err := groups.AddGroupMember(context.Background(), t.ID, g.ID, m.ID, by); err != nil {
			e.t.Fatal(err)
		}
	}
	return g
}

// complete enrols the person in the course and completes it: the
// reflection of lesson one answered, the quiz of lesson two passed.
func (e *env) complete(t tenant.Tenant, u user.User, c postgres.CourseRecord) learning.Enrolment {
	e.t.Helper()
	ctx := context.Background()
	learn := postgres.NewLearningService(e.db)
	if _, err := learn.Enrol(ctx, t.ID, u.ID, c.ID, learning.SelfEnrolled); err != nil {
		e.t.Fatal(err)
	}
	lc, err := learn.FindLearnerCourse(ctx, t.ID, u.ID, c.Slug)
	if err != nil {
		e.t.Fatal(err)
	}
	block := func(module int, kind course.Kind) string {
		for _, b := range lc.Content.Modules[module].Lessons[0].Blocks {
			if b.Kind == kind {
				return b.Key
			}
		}
		e.t.Fatalf("no %s block in module %d", kind, module)
		return ""
	}
	one, two := lc.Content.Modules[0].Lessons[0].Key, lc.Content.Modules[1].Lessons[0].Key
	if err := learn.SaveReflection(ctx, t.ID, lc, one, block(0, course.KindReflection), "What I will ask", false); err != nil {
		e.t.Fatal(err)
	}
	if _, err := learn.SubmitQuiz(ctx, t.ID, lc, two, block(1, course.KindQuiz), 1, learning.Answers{{0}, {1}}); err != nil {
		e.t.Fatal(err)
	}
	lc, err = learn.FindLearnerCourse(ctx, t.ID, u.ID, c.Slug)
	if err != nil {
		e.t.Fatal(err)
	}
	if lc.Enrolment.CompletedAt == nil {
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
