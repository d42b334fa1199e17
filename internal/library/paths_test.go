package library_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
)

// withPaths is the good example course beside a paths.yaml.
func withPaths(t *testing.T, paths string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{"paths.yaml": {Data: []byte(paths)}}
	for _, name := range []string{"course.yaml", "01-prepare.md", "02-the-conversation.md", "03-practise.md"} {
		b, err := os.ReadFile("testdata/good/example/" + name)
		if err != nil {
			t.Fatal(err)
		}
		fsys["example/"+name] = &fstest.MapFile{Data: b}
	}
	return fsys
}

func TestLoadPaths(t *testing.T) {
	t.Parallel()
	fsys := withPaths(t, `paths:
  - slug: essentials
    title: Essentials
    summary: The core.
    steps:
      - course: first-one-on-one
`)
	courses, problems := library.LoadAll(fsys, ".")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	paths, problems := library.LoadPaths(fsys, ".", courses)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if len(paths) != 1 || paths[0].Steps[0] != (course.PathStep{Course: "first-one-on-one", Unlock: course.Free}) {
		t.Errorf("paths %+v", paths)
	}
}

func TestLoadPaths_ReportsEachProblemWithItsLine(t *testing.T) {
	t.Parallel()
	fsys := withPaths(t, `paths:
  - slug: essentials
    title: Essentials
    steps:
      - course: first-one-on-one
      - course: no-such-course
        unlock: after_previous
  - slug: essentials
    title: ""
    steps:
      - course: first-one-on-one
        unlock: someday
`)
	courses, _ := library.LoadAll(fsys, ".")
	_, problems := library.LoadPaths(fsys, ".", courses)
	var got []string
	for _, p := range problems {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		"paths.yaml:6: there is no course no-such-course",
		"paths.yaml:8: slug essentials is already used on line 2",
		"paths.yaml:9: title is required",
		"paths.yaml:12: unlock must be free or after_previous",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no problem %q in\n%s", want, all)
		}
	}
}

func TestLoadPaths_BrokenYAMLAndUnknownKeys(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]string{
		"paths:\n  - slug: [\n":                  "paths.yaml:",
		"paths:\n  - slug: x\n    titel: Typo\n": "paths.yaml:3: unknown key titel",
		"paths: []\n":                            "paths.yaml:1: the file lists no paths",
	} {
		fsys := withPaths(t, text)
		courses, _ := library.LoadAll(fsys, ".")
		_, problems := library.LoadPaths(fsys, ".", courses)
		if len(problems) == 0 || !strings.HasPrefix(problems[0].String(), want) {
			t.Errorf("%q: problems %v, want %q", text, problems, want)
		}
	}
}
