package library_test

import (
	"encoding/json"
	"os"
	"testing"
	"testing/fstest"

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
