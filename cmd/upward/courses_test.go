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
		if code, out := lint("../../internal/library/testdata/good"); code != 0 || !strings.Contains(out, "1 course(s) checked") {
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
