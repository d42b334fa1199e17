package course_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func TestNeighboursCrossModuleBoundaries(t *testing.T) {
	t.Parallel()
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

func TestBlockIsFoundOnlyInItsLesson(t *testing.T) {
	t.Parallel()
	c := course.Course{Modules: []course.Module{{Lessons: []course.Lesson{
		{Key: "a", Blocks: []course.Block{{Key: "a1"}}}, {Key: "b", Blocks: []course.Block{{Key: "b1"}}}}}}}
	if _, b, err := c.Block("a", "a1"); err != nil || b.Key != "a1" {
		t.Errorf("a/a1: %v", err)
	}
	for _, k := range [][2]string{{"a", "b1"}, {"zz", "a1"}, {"a", "zz"}} {
		if _, _, err := c.Block(k[0], k[1]); err == nil {
			t.Errorf("%s/%s found", k[0], k[1])
		}
	}
}
