package library_test

import (
	"encoding/json"
	"os"
	"testing"
	"testing/fstest"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/library"
)

func TestWrite_LoadGivesTheSameCourseBack(t *testing.T) {
	t.Parallel()
	c, problems := library.Load(os.DirFS("testdata/good"), "example")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	files, err := library.Write(c)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys["out/"+name] = &fstest.MapFile{Data: data}
	}
	again, problems := library.Load(fsys, "out")
	if len(problems) > 0 {
		t.Fatalf("problems reading what Write wrote: %v\n%s", problems, files["01-prepare.md"])
	}
	a, _ := json.MarshalIndent(c, "", " ")
	b, _ := json.MarshalIndent(again, "", " ")
	if string(a) != string(b) {
		t.Errorf("round trip changed the course:\n%s\n---\n%s", a, b)
	}
}

// Every course of the library, with its ordering and branching questions,
// writing practice and reflection examples, comes back from Write as it
// went in.
func TestWrite_EveryLibraryCourseRoundTrips(t *testing.T) {
	t.Parallel()
	loaded, problems := library.LoadAll(courses.FS, ".")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	kinds := map[string]bool{}
	for _, ld := range loaded {
		files, err := library.Write(ld.Course)
		if err != nil {
			t.Fatal(err)
		}
		fsys := fstest.MapFS{}
		for name, data := range files {
			fsys["out/"+name] = &fstest.MapFile{Data: data}
		}
		// The files a course refers to are not Write's: stand-ins.
		for _, name := range library.FileNames(ld.Course) {
			fsys["out/"+name] = &fstest.MapFile{Data: []byte("x")}
		}
		again, problems := library.Load(fsys, "out")
		if len(problems) > 0 {
			t.Fatalf("%s: %v", ld.Course.Slug, problems)
		}
		a, _ := json.Marshal(ld.Course)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Errorf("%s: the round trip changed the course", ld.Course.Slug)
		}
		for _, l := range ld.Course.Lessons() {
			for _, blk := range l.Blocks {
				kinds[string(blk.Kind)] = true
				if blk.Quiz != nil {
					for _, q := range blk.Quiz.Questions {
						kinds[q.Type] = true
					}
				}
			}
		}
	}
	for _, k := range []string{"writing", "ordering", "branching", "multiple"} {
		if !kinds[k] {
			t.Errorf("no %s in the library: the round trip did not cover it", k)
		}
	}
}
