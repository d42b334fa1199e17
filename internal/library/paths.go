package library

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/upward-lms/upward/internal/course"
)

// PathsFile lists the library's learning paths, beside the course folders.
const PathsFile = "paths.yaml"

type pathsYAML struct {
	Paths []course.Path `yaml:"paths"`
}

// LoadPaths reads the learning paths in root/paths.yaml, if there is one.
// Each step must name a course of courses (the library loaded from the
// same root); problems carry the file and line.
func LoadPaths(fsys fs.FS, root string, courses []Loaded) ([]course.Path, []Problem) {
	data, err := fs.ReadFile(fsys, path.Join(root, PathsFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	l := &loader{fsys: fsys, dir: root}
	if err != nil {
		l.problem(PathsFile, 0, "cannot read the paths file: %v", cleanFSError(err))
		return nil, l.problems
	}
	var doc pathsYAML
	node, ok := l.decodeYAML(PathsFile, 0, data, &doc)
	if !ok {
		return nil, l.problems
	}
	slugs := map[string]bool{}
	for _, c := range courses {
		slugs[c.Course.Slug] = true
	}
	seen := map[string]int{}
	for i, p := range doc.Paths {
		at := fmt.Sprintf("paths[%d]", i)
		// An unlock left out means the step is open from the start.
		for j := range p.Steps {
			if p.Steps[j].Unlock == "" {
				p.Steps[j].Unlock = course.Free
			}
		}
		doc.Paths[i] = p
		for _, pr := range course.CheckPath(p, func(s string) bool { return slugs[s] }) {
			l.problem(PathsFile, lineOf(node, at+"."+pr.Path), "%s", pr.Message)
		}
		if first, dup := seen[p.Slug]; dup && p.Slug != "" {
			l.problem(PathsFile, lineOf(node, at+".slug"), "slug %s is already used on line %d", p.Slug, first)
		}
		seen[p.Slug] = lineOf(node, at+".slug")
	}
	if len(doc.Paths) == 0 {
		l.problem(PathsFile, 1, "the file lists no paths: give a paths: list")
	}
	return doc.Paths, l.problems
}
