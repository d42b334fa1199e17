package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/upward-lms/upward/internal/library"
)

func runCourses(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stderr, `Usage: upward courses lint [DIR...]
       upward courses import --tenant SLUG [COURSE...]
       upward courses docx [DIR...]

lint checks course folders written in the library format (see
courses/README.md). A DIR is one course (it holds course.yaml) or a folder
of courses, with its learning paths in paths.yaml; the default is
courses. Each problem is printed as
file:line: reason, and the exit status is 1 when there is any.

import copies library courses into a portal as drafts; 'courses import
--help' tells more.

docx writes the Word copy of every template (a course's files/*.md) beside
it, as name.docx; lint reports a copy that is missing or out of date.
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
	case "docx":
		return writeTemplateDOCX(args[1:], stdout)
	default:
		return fmt.Errorf("unknown courses action %q: use lint, import or docx", args[0])
	}
}

// writeTemplateDOCX writes the Word copy of every course template
// (files/*.md) under the folders given (default courses).
func writeTemplateDOCX(dirs []string, stdout io.Writer) error {
	if len(dirs) == 0 {
		dirs = []string{"courses"}
	}
	n := 0
	for _, dir := range dirs {
		fsys := os.DirFS(dir)
		courseDirs, _ := fs.Glob(fsys, "*")
		courseDirs = append(courseDirs, ".")
		for _, cd := range courseDirs {
			for _, t := range library.Templates(fsys, cd) {
				data, err := library.TemplateDOCX(fsys, t)
				if err != nil {
					return fmt.Errorf("%s: %w", filepath.Join(dir, t), err)
				}
				out := filepath.Join(dir, library.DOCXName(t))
				if err := os.WriteFile(out, data, 0o644); err != nil {
					return err
				}
				fmt.Fprintln(stdout, "wrote", out)
				n++
			}
		}
	}
	fmt.Fprintf(stdout, "%d template(s)\n", n)
	return nil
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
		ps = append(ps, library.Lint(os.DirFS(dir), ".", loaded)...)
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
