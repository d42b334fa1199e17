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
		lines := strings.Count(lesson, "\n") + 2
		for _, p := range problems {
			if p.Line < 0 || (p.File == "c/lesson.md" && p.Line > lines) {
				t.Errorf("problem points outside the file (%d lines): %s", lines, p)
			}
		}
	})
}
