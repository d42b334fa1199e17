package course_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func TestNeighboursCrossModuleBoundaries(t *testing.T) {
	c := course.Course{Modules: []course.Module{
		{Key: "m1", Lessons: []course.Lesson{{Key: "a"}, {Key: "b"}}},
		{Key: "m2"},
		{Key: "m3", Lessons: []course.Lesson{{Key: "c"}}},
	}}
	key := func(l *course.Lesson) string {
		if l == nil {
			return "-"
		}
		return l.Key
	}
	for lesson, want := range map[string]string{"a": "-b", "b": "ac", "c": "b-", "zz": "--"} {
		prev, next := c.Neighbours(lesson)
		if got := key(prev) + key(next); got != want {
			t.Errorf("Neighbours(%q) = %s, want %s", lesson, got, want)
		}
	}
}
