package course_test

import (
	"errors"
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func text(md string) course.Block {
	return course.Block{Kind: course.KindText, Text: &course.Text{Markdown: md}}
}

func order(l *course.Lesson) string {
	s := ""
	for _, b := range l.Blocks {
		if b.Text != nil {
			s += b.Text.Markdown
		}
	}
	return s
}

func TestEdits(t *testing.T) {
	t.Parallel()
	var c course.Course
	m1 := c.AddModule("One")
	m2 := c.AddModule("Two")
	l1, _ := c.AddLesson(m1, "L1")
	l2, _ := c.AddLesson(m2, "L2")
	keys := map[string]string{}
	for _, s := range []string{"a", "b", "c"} {
		k, err := c.AddBlock(l1, text(s))
		if err != nil {
			t.Fatal(err)
		}
		keys[s] = k
	}
	lesson1, _ := c.Lesson(l1)
	lesson2, _ := c.Lesson(l2)

	t.Run("MoveWithinALesson", func(t *testing.T) {
		if err := c.MoveBlock(keys["c"], l1, 0); err != nil || order(lesson1) != "cab" {
			t.Errorf("order %q, err %v", order(lesson1), err)
		}
	})
	t.Run("MoveAcrossModules", func(t *testing.T) {
		if err := c.MoveBlock(keys["a"], l2, 99); err != nil || order(lesson1) != "cb" || order(lesson2) != "a" {
			t.Errorf("orders %q %q, err %v", order(lesson1), order(lesson2), err)
		}
	})
	t.Run("AnInvalidBlockIsRefusedAndChangesNothing", func(t *testing.T) {
		before := order(lesson1)
		_, err := c.AddBlock(l1, course.Block{Kind: course.KindImage, Image: &course.Image{Src: "x.png"}})
		if err == nil || order(lesson1) != before {
			t.Errorf("image without alt text: err %v, order %q", err, order(lesson1))
		}
	})
	t.Run("UnknownKeysAreNotFound", func(t *testing.T) {
		if err := c.MoveBlock("nope", l1, 0); err != course.ErrNotFound {
			t.Errorf("err %v", err)
		}
	})
	t.Run("MoveModuleAndLesson", func(t *testing.T) {
		if err := c.MoveModule(m2, 0); err != nil || c.Modules[0].Key != m2 {
			t.Errorf("modules %v", c.Modules)
		}
		if err := c.MoveLesson(l1, m2, 0); err != nil || c.Modules[0].Lessons[0].Key != l1 || len(c.Modules[1].Lessons) != 0 {
			t.Errorf("lessons moved wrong: %+v", c.Modules)
		}
	})
	if ps := course.CheckKeys(c); len(ps) > 0 {
		t.Errorf("keys: %v", ps)
	}
}

func TestDiff(t *testing.T) {
	t.Parallel()
	var v course.Course
	m := v.AddModule("One")
	l, _ := v.AddLesson(m, "L")
	a, _ := v.AddBlock(l, text("a"))
	b, _ := v.AddBlock(l, text("b"))

	draft := clone(v)
	if ch := course.Diff(v, draft); ch.Any() {
		t.Fatalf("an unchanged draft shows changes: %+v", ch)
	}
	draft.MoveBlock(b, l, 0)
	draft.ReplaceBlock(a, text("a, revised"))
	draft.AddBlock(l, text("c"))
	ch := course.Diff(v, draft)
	if ch.BlocksAdded != 1 || ch.BlocksChanged != 1 || ch.BlocksMoved != 1 || ch.LessonsChanged != 1 {
		t.Errorf("changes %+v", ch)
	}
}

func clone(c course.Course) course.Course {
	out := c
	out.Modules = nil
	for _, m := range c.Modules {
		mm := m
		mm.Lessons = nil
		for _, l := range m.Lessons {
			ll := l
			ll.Blocks = append([]course.Block(nil), l.Blocks...)
			mm.Lessons = append(mm.Lessons, ll)
		}
		out.Modules = append(out.Modules, mm)
	}
	return out
}

// AdoptKeys keeps the old keys of what is the same, and never leaves two
// modules or two blocks with one key.
func TestAdoptKeys_KeepsWhatIsTheSameAndKeysStayUnique(t *testing.T) {
	text := func(key, md string) course.Block {
		return course.Block{Key: key, Kind: course.KindText, Text: &course.Text{Markdown: md}}
	}
	old := course.Course{Modules: []course.Module{
		{Key: "m1", Title: "A", Lessons: []course.Lesson{{Key: "one", Blocks: []course.Block{text("x9", "Hello"), text("one-b1", "Bye")}}}},
		{Key: "m2", Title: "B", Lessons: []course.Lesson{{Key: "two", Blocks: []course.Block{text("k7", "Two")}}}},
	}}
	in := course.Course{Modules: []course.Module{
		{Key: "m1", Title: "B", Lessons: []course.Lesson{{Key: "two", Blocks: []course.Block{text("two-b1", "Two")}}}},
		{Key: "m2", Title: "C", Lessons: []course.Lesson{{Key: "one", Blocks: []course.Block{text("one-b1", "Hello"), text("one-b2", "New")}}}},
	}}
	course.AdoptKeys(&in, old)
	if in.Modules[0].Key != "m2" || in.Modules[1].Key == "m2" {
		t.Errorf("modules keyed %q and %q", in.Modules[0].Key, in.Modules[1].Key)
	}
	if k := in.Modules[0].Lessons[0].Blocks[0].Key; k != "k7" {
		t.Errorf("the same block keyed %q, want k7", k)
	}
	one := in.Modules[1].Lessons[0].Blocks
	if one[0].Key != "x9" {
		t.Errorf("the moved-up block keyed %q, want x9", one[0].Key)
	}
	if one[1].Key != "one-b1" { // an edited block at the old place of its kind
		t.Errorf("the new block at an old block's place keyed %q", one[1].Key)
	}
	if problems := course.CheckKeys(in); len(problems) > 0 {
		t.Errorf("keys after adopting: %v", problems)
	}
}

// A removed block goes back at its place with its key, once: putting it
// back again is a conflict, and a lesson that is gone is not found.
func TestRestoreBlock_PutsItBackOnce(t *testing.T) {
	c := course.Course{Modules: []course.Module{{Key: "m", Lessons: []course.Lesson{{Key: "l", Blocks: []course.Block{
		{Key: "a", Kind: course.KindText, Text: &course.Text{Markdown: "A"}},
		{Key: "b", Kind: course.KindText, Text: &course.Text{Markdown: "B"}},
	}}}}}}
	gone, err := c.RemoveBlock("a")
	if err != nil || gone.Index != 0 || gone.Lesson != "l" {
		t.Fatalf("removed %+v, %v", gone, err)
	}
	if err := c.RestoreBlock(gone); err != nil || c.Modules[0].Lessons[0].Blocks[0].Key != "a" {
		t.Fatalf("restored: %v, blocks %+v", err, c.Modules[0].Lessons[0].Blocks)
	}
	if err := c.RestoreBlock(gone); !errors.Is(err, course.ErrConflict) {
		t.Errorf("a second restore: %v", err)
	}
	gone.Lesson = "gone"
	gone.Block.Key = "z"
	if err := c.RestoreBlock(gone); !errors.Is(err, course.ErrNotFound) {
		t.Errorf("into a lesson that is gone: %v", err)
	}
}
