package course

import (
	"fmt"
	"strings"
)

// Unlock says when a learner may begin a path step.
type Unlock string

// Unlock rules.
const (
	Free          Unlock = "free"           // any time
	AfterPrevious Unlock = "after_previous" // once the step before is complete
)

// Path is a learning path: an ordered sequence of courses taken as one
// programme.
type Path struct {
	Slug        string     `json:"slug" yaml:"slug"`
	Title       string     `json:"title" yaml:"title"`
	Summary     string     `json:"summary" yaml:"summary"`
	Description string     `json:"description" yaml:"description"` // Markdown
	Steps       []PathStep `json:"steps" yaml:"steps"`
}

// PathStep is one step of a path: a course, named by its slug.
type PathStep struct {
	Course string `json:"course" yaml:"course"`
	Unlock Unlock `json:"unlock" yaml:"unlock"`
}

// CheckPath returns the problems of a path. known reports whether a course
// slug exists where the path will live.
func CheckPath(p Path, known func(slug string) bool) []Problem {
	var ps problems
	if !slugRE.MatchString(p.Slug) {
		ps.add("slug", "slug must be 1-80 lower-case letters, digits and hyphens")
	}
	if n := textLen(p.Title); n == 0 || n > 200 {
		ps.add("title", "title is required, at most 200 characters")
	}
	if textLen(p.Summary) > 500 {
		ps.add("summary", "summary is at most 500 characters")
	}
	if len(p.Steps) == 0 {
		ps.add("steps", "a path needs at least one step")
	}
	seen := map[string]bool{}
	for i, s := range p.Steps {
		at := fmt.Sprintf("steps[%d]", i)
		switch {
		case strings.TrimSpace(s.Course) == "":
			ps.add(at+".course", "each step names a course by its slug")
		case seen[s.Course]:
			ps.add(at+".course", "course %s is already a step of this path", s.Course)
		case known != nil && !known(s.Course):
			ps.add(at+".course", "there is no course %s", s.Course)
		}
		seen[s.Course] = true
		if s.Unlock != Free && s.Unlock != AfterPrevious {
			ps.add(at+".unlock", "unlock must be free or after_previous")
		}
		if i == 0 && s.Unlock == AfterPrevious {
			ps.add(at+".unlock", "the first step has no step before it: make it free")
		}
	}
	return ps.list
}
