package course_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func TestCheckPath(t *testing.T) {
	t.Parallel()
	known := func(slug string) bool { return slug == "a" || slug == "b" }
	good := course.Path{Slug: "essentials", Title: "Essentials", Steps: []course.PathStep{
		{Course: "a", Unlock: course.Free}, {Course: "b", Unlock: course.AfterPrevious}}}
	if ps := course.CheckPath(good, known); len(ps) > 0 {
		t.Fatalf("a good path has problems: %v", ps)
	}
	tests := map[string]struct {
		edit func(p *course.Path)
		want string
	}{
		"no steps":          {func(p *course.Path) { p.Steps = nil }, "steps: a path needs at least one step"},
		"unknown course":    {func(p *course.Path) { p.Steps[1].Course = "zz" }, "steps[1].course: there is no course zz"},
		"a course twice":    {func(p *course.Path) { p.Steps[1].Course = "a" }, "steps[1].course: course a is already a step"},
		"odd unlock":        {func(p *course.Path) { p.Steps[1].Unlock = "later" }, "steps[1].unlock: unlock must be"},
		"first step locked": {func(p *course.Path) { p.Steps[0].Unlock = course.AfterPrevious }, "steps[0].unlock: the first step"},
		"bad slug":          {func(p *course.Path) { p.Slug = "Bad Slug" }, "slug: slug must be"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			p := good
			p.Steps = append([]course.PathStep(nil), good.Steps...)
			tt.edit(&p)
			var got []string
			for _, pr := range course.CheckPath(p, known) {
				got = append(got, pr.String())
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("problems %q, want one like %q", got, tt.want)
			}
		})
	}
}

func TestCheckPath_SessionSteps(t *testing.T) {
	t.Parallel()
	known := func(slug string) bool { return slug == "a" }
	knownSession := func(id int64) bool { return id == 7 }
	good := course.Path{Slug: "live", Title: "Live", Steps: []course.PathStep{{Course: "a", Unlock: course.Free}, {Session: 7, Unlock: course.AfterPrevious}}}
	if ps := course.CheckPathWithSessions(good, known, knownSession); len(ps) > 0 {
		t.Fatalf("a course then a session: %v", ps)
	}
	if good.Steps[1].Key() != "session:7" || good.Steps[0].Key() != "a" {
		t.Errorf("keys %q %q", good.Steps[0].Key(), good.Steps[1].Key())
	}
	for name, steps := range map[string][]course.PathStep{
		"UnknownSession":   {{Session: 8, Unlock: course.Free}},
		"SessionTwice":     {{Session: 7, Unlock: course.Free}, {Session: 7, Unlock: course.Free}},
		"CourseAndSession": {{Course: "a", Session: 7, Unlock: course.Free}},
	} {
		p := good
		p.Steps = steps
		if ps := course.CheckPathWithSessions(p, known, knownSession); len(ps) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}
