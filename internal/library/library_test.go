package library_test

import (
	"os"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
)

func TestLoad_TheExampleCourse(t *testing.T) {
	t.Parallel()
	c, problems := library.Load(os.DirFS("testdata/good"), "example")
	if len(problems) > 0 {
		t.Fatalf("problems in a good course: %v", problems)
	}
	if c.Slug != "first-one-on-one" || len(c.Modules) != 2 || len(c.Modules[0].Lessons) != 1 {
		t.Fatalf("outline: %+v", c)
	}
	first := c.Modules[0].Lessons[0]
	kinds := []course.Kind{}
	for _, b := range first.Blocks {
		kinds = append(kinds, b.Kind)
	}
	if want := []course.Kind{course.KindText, course.KindCallout, course.KindReflection}; !equal(kinds, want) {
		t.Errorf("first lesson's blocks %v, want %v", kinds, want)
	}
	if !first.Required || first.EstimatedMinutes != 10 {
		t.Errorf("front matter: %+v", first)
	}
	second := c.Modules[1].Lessons[0]
	if !strings.Contains(second.Blocks[0].Text.Markdown, "```text\n1. Your priorities") {
		t.Errorf("an ordinary code fence was not kept in the text: %q", second.Blocks[0].Text.Markdown)
	}
	q := second.Blocks[1].Quiz
	if q == nil || len(q.Questions) != 2 || !q.Questions[0].Options[0].Correct || q.Questions[1].Type != course.TrueFalse {
		t.Errorf("quiz: %+v", q)
	}
	if cl := second.Blocks[2].Checklist; cl == nil || cl.Items[0].DueInDays != 7 {
		t.Errorf("checklist: %+v", cl)
	}
}

func TestLoad_ReportsEachProblemWithFileAndLine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		dir  string
		want string // a problem's text must start with the location and contain the rest
		msg  string
	}{
		{"missing-title", "missing-title/course.yaml:1:", "title is required"},
		{"unknown-kind", "unknown-kind/lesson.md:6:", "unknown block kind @quizz"},
		{"no-correct-answer", "no-correct-answer/lesson.md:10:", "exactly one correct option"},
		{"broken-yaml", "broken-yaml/course.yaml:3:", "broken YAML"},
		{"lesson-missing", "lesson-missing/course.yaml:9:", "lesson file missing.md is missing"},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			_, problems := library.Load(os.DirFS("testdata/broken"), c.dir)
			var got []string
			for _, p := range problems {
				s := p.String()
				got = append(got, s)
				if strings.HasPrefix(s, c.want) && strings.Contains(s, c.msg) {
					return
				}
			}
			t.Errorf("no problem %q … %q; got %q", c.want, c.msg, got)
		})
	}
}

func TestLoadAll_DuplicateSlug(t *testing.T) {
	t.Parallel()
	courses, problems := library.LoadAll(os.DirFS("testdata"), "duplicate-slug")
	if len(problems) != 1 || !strings.HasPrefix(problems[0].String(), "duplicate-slug/b/course.yaml:1: slug same is already used") {
		t.Errorf("problems %v", problems)
	}
	if len(courses) != 1 {
		t.Errorf("%d courses loaded, want the first", len(courses))
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseBlock(t *testing.T) {
	t.Parallel()
	b, problems := library.ParseBlock("callout", "style: tip\ntext: Ask early.")
	if len(problems) > 0 || b.Callout == nil || b.Callout.Style != "tip" {
		t.Fatalf("callout: %+v %v", b, problems)
	}
	_, problems = library.ParseBlock("image", "src: images/x.png\n")
	if len(problems) == 0 || !strings.Contains(problems[0].String(), "alt text is required") {
		t.Errorf("image without alt: %v", problems)
	}
	_, problems = library.ParseBlock("quiz", "questions:\n  - type: single\n    prompt: Q\n    options: [{text: a}, {text: b}]\n")
	if len(problems) == 0 || problems[0].Line != 4 { // the options line
		t.Errorf("quiz without a correct option: %v", problems)
	}
}
