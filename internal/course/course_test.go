package course_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func TestWhere_NamesModuleLessonAndBlockInWords(t *testing.T) {
	c := course.Course{Modules: []course.Module{{Title: "Basics"}, {Title: "Updates", Lessons: []course.Lesson{
		{Title: "Lead with the point", Blocks: []course.Block{{Kind: course.KindText}, {Kind: course.KindQuiz}}}}}}}
	for path, want := range map[string]string{
		"title":                               "The course details",
		"modules[0].lessons":                  "Module 1 “Basics”",
		"modules[1].lessons[0].blocks":        "Module 2 “Updates”, lesson 1 “Lead with the point”",
		"modules[1].lessons[0].blocks[1].key": "Module 2 “Updates”, lesson 1 “Lead with the point”, block 2 (quiz)",
		"modules[7].title":                    "The course details",
	} {
		if got := c.Where(path); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
