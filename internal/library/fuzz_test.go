package library_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/upward-lms/upward/internal/library"
)

const fuzzCourse = `slug: fuzz
title: Fuzz
level: beginner
language: en
modules:
  - title: One
    lessons:
      - file: lesson.md
`

// FuzzLoadLesson feeds arbitrary lesson files to the parser: it must never
// panic, and every problem must point at a line of the file.
// The seed corpus is in testdata/fuzz/FuzzLoadLesson; go test replays it.
func FuzzLoadLesson(f *testing.F) {
	for _, name := range []string{"01-prepare.md", "02-the-conversation.md"} {
		b, err := os.ReadFile("testdata/good/example/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("---\ntitle: x\n---\n```@quiz\nquestions:\n  - options: [1, 2\n```\n")
	f.Fuzz(func(t *testing.T, lesson string) {
		fsys := fstest.MapFS{
			"c/course.yaml": {Data: []byte(fuzzCourse)},
			"c/lesson.md":   {Data: []byte(lesson)},
		}
		_, problems := library.Load(fsys, "c")
		lines := lineCount(lesson) + 1
		for _, p := range problems {
			if p.Line < 0 || (p.File == "c/lesson.md" && p.Line > lines) {
				t.Errorf("problem points outside the file (%d lines): %s", lines, p)
			}
		}
	})
}

// FuzzLoadCourse feeds arbitrary course files (course.yaml) with a valid
// lesson to the parser: it never panics, every problem points at a line
// of the file it names, and a course loaded without problems has what the
// catalog shows: a slug, a title and lessons in every module.
// The seed corpus is in testdata/fuzz/FuzzLoadCourse; go test replays it.
func FuzzLoadCourse(f *testing.F) {
	good, err := os.ReadFile("testdata/good/example/course.yaml")
	if err != nil {
		f.Fatal(err)
	}
	lesson, err := os.ReadFile("testdata/good/example/01-prepare.md")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(good))
	f.Add(fuzzCourse)
	f.Add("slug: x\ntitle: [unclosed\nmodules:\n  - lessons: {file: ../../etc/passwd}\n")
	f.Add("slug: &a x\ntitle: *a\nestimated_minutes: -1\ntags: !!binary aGVsbG8=\nmodules: []\n")
	f.Fuzz(func(t *testing.T, courseFile string) {
		fsys := fstest.MapFS{
			"c/course.yaml": {Data: []byte(courseFile)},
			"c/lesson.md":   {Data: lesson},
		}
		c, problems := library.Load(fsys, "c")
		lines := map[string]int{
			"c/course.yaml": lineCount(courseFile) + 1,
			"c/lesson.md":   lineCount(string(lesson)) + 1,
		}
		for _, p := range problems {
			if n, known := lines[p.File]; p.Line < 0 || (known && p.Line > n) {
				t.Errorf("problem points outside its file: %s", p)
			}
			if p.Message == "" {
				t.Errorf("a problem without a message at %s:%d", p.File, p.Line)
			}
		}
		if len(problems) > 0 {
			return
		}
		if c.Slug == "" || c.Title == "" || len(c.Modules) == 0 {
			t.Fatalf("loaded without problems but incomplete: slug %q, title %q, %d modules", c.Slug, c.Title, len(c.Modules))
		}
		for _, m := range c.Modules {
			if len(m.Lessons) == 0 {
				t.Fatalf("module %q has no lessons", m.Title)
			}
		}
	})
}

// lineCount counts lines as YAML (and editors) do: a line ends at CRLF,
// at LF, or at a CR alone.
func lineCount(s string) int {
	return strings.Count(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n"), "\n") + 1
}
