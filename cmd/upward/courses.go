package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/upward-lms/upward/internal/library"
)

func runCourses(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, `Usage: upward courses lint [DIR...]
       upward courses import --tenant SLUG [COURSE...]

lint checks course folders written in the library format (see
courses/README.md). A DIR is one course (it holds course.yaml) or a folder
of courses, with its learning paths in paths.yaml; the default is
courses. Each problem is printed as
file:line: reason, and the exit status is 1 when there is any.

import copies library courses into a portal as drafts; 'courses import
--help' tells more.
`)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	switch args[0] {
	case "lint":
		return lintCourses(args[1:], stdout)
	case "import":
		return importCourses(ctx, args[1:], stdout, stderr)
	default:
		return fmt.Errorf("unknown courses action %q: use lint or import", args[0])
	}
}

func lintCourses(dirs []string, stdout io.Writer) error {
	if len(dirs) == 0 {
		dirs = []string{"courses"}
	}
	courses, paths, problems := 0, 0, 0
	for _, dir := range dirs {
		// Problems name files inside dir; print them as the user typed dir.
		loaded, ps := library.LoadAll(os.DirFS(dir), ".")
		courses += len(loaded)
		found, pps := library.LoadPaths(os.DirFS(dir), ".", loaded)
		paths += len(found)
		ps = append(ps, pps...)
		for _, p := range ps {
			p.File = filepath.Join(dir, p.File)
			fmt.Fprintln(stdout, p)
		}
		problems += len(ps)
	}
	if problems > 0 {
		return fmt.Errorf("%d problem(s) found", problems)
	}
	fmt.Fprintf(stdout, "%d course(s) and %d path(s) checked, no problems\n", courses, paths)
	return nil
}
