package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

func TestCoursesLint(t *testing.T) {
	t.Parallel()
	lint := func(dirs ...string) (int, string) {
		var out bytes.Buffer
		code := run(context.Background(), append([]string{"courses", "lint"}, dirs...), &out, io.Discard)
		return code, out.String()
	}
	t.Run("TheShippedLibraryPasses", func(t *testing.T) {
		if code, out := lint(filepath.Join("..", "..", "courses")); code != 0 {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("AGoodCoursePasses", func(t *testing.T) {
		if code, out := lint("../../internal/library/testdata/good"); code != 0 || !strings.Contains(out, "1 course(s) and 0 path(s) checked") {
			t.Errorf("exit %d:\n%s", code, out)
		}
	})
	t.Run("BrokenCoursesFailWithFileAndLine", func(t *testing.T) {
		code, out := lint("../../internal/library/testdata/broken")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		for _, want := range []string{
			"../../internal/library/testdata/broken/unknown-kind/lesson.md:6: unknown block kind @quizz",
			"../../internal/library/testdata/broken/lesson-missing/course.yaml:9: lesson file missing.md is missing",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestCoursesImport(t *testing.T) {
	t.Parallel()
	_, flags := newDatabase(t)
	if code := run(context.Background(), commandArgs("seed", flags, "--history=false"), io.Discard, io.Discard); code != 0 {
		t.Fatalf("seed: exit %d", code)
	}
	importOnce := func() (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), commandArgs("courses import", flags, "--tenant", "demo", "--from", "../../internal/library/testdata/good", "first-one-on-one"), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	if code, out, errOut := importOnce(); code != 0 || !strings.Contains(out, "first-one-on-one: imported as a draft") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := importOnce(); code != 0 {
		t.Errorf("importing again (no local edits): exit %d %s", code, errOut)
	}
	var out bytes.Buffer
	if code := run(context.Background(), commandArgs("courses import", flags, "--tenant", "contoso", "--publish", "--from", "../../internal/library/testdata/good"), &out, io.Discard); code != 0 ||
		!strings.Contains(out.String(), "first-one-on-one: imported and published as version 1") {
		t.Errorf("import --publish: exit %d\n%s", code, out.String())
	}
	var errOut bytes.Buffer
	code := run(context.Background(), commandArgs("courses import", flags, "--tenant", "demo", "--from", "../../internal/library/testdata/good", "no-such-course"), io.Discard, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "no course") {
		t.Errorf("unknown course: exit %d %q", code, errOut.String())
	}
}
