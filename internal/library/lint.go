package library

import (
	"io/fs"
	"path"
	"sort"

	"github.com/upward-lms/upward/internal/course"
)

// Loaded is a course read from its folder.
type Loaded struct {
	Dir    string
	Course course.Course
}

// LoadAll reads every course under root: root itself when it holds a
// course.yaml, otherwise each of its folders. Slugs must be unique across
// them. The courses are usable only when no problems are returned.
func LoadAll(fsys fs.FS, root string) ([]Loaded, []Problem) {
	var dirs []string
	if _, err := fs.Stat(fsys, path.Join(root, CourseFile)); err == nil {
		dirs = []string{root}
	} else {
		entries, err := fs.ReadDir(fsys, root)
		if err != nil {
			return nil, []Problem{{File: root, Message: "cannot read the folder: " + cleanFSError(err)}}
		}
		for _, e := range entries {
			// Hidden and _-prefixed folders are drafts or tooling; testdata
			// holds the library's test fixtures, as everywhere in Go.
			if e.IsDir() && e.Name()[0] != '.' && e.Name()[0] != '_' && e.Name() != "testdata" {
				dirs = append(dirs, path.Join(root, e.Name()))
			}
		}
	}
	sort.Strings(dirs)
	var out []Loaded
	var problems []Problem
	slugs := map[string]string{}
	for _, d := range dirs {
		c, ps := Load(fsys, d)
		problems = append(problems, ps...)
		if c.Slug != "" {
			if other, dup := slugs[c.Slug]; dup {
				problems = append(problems, Problem{File: path.Join(d, CourseFile), Line: 1,
					Message: "slug " + c.Slug + " is already used by " + other})
				continue
			}
			slugs[c.Slug] = d
		}
		if len(ps) == 0 {
			out = append(out, Loaded{Dir: d, Course: c})
		}
	}
	return out, problems
}
