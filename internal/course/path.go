package course

import (
	"fmt"
	"strconv"
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
	// SelfAssessment, when set, is rated before the first step and again
	// once the path is complete.
	SelfAssessment *SelfAssessment `json:"self_assessment,omitempty" yaml:"self_assessment,omitempty"`
}

// SelfAssessment is a path's statements a learner rates themselves on,
// from 1 (not yet) to 5 (consistently): the same items at the start and
// the end, so the learner sees what changed.
type SelfAssessment struct {
	Intro string   `json:"intro,omitempty" yaml:"intro,omitempty"` // Markdown
	Items []string `json:"items" yaml:"items"`
}

// Self-assessment phases and scale.
const (
	PhaseStart = "start"
	PhaseEnd   = "end"
	RatingMin  = 1
	RatingMax  = 5
)

// PathStep is one step of a path: a course, named by its slug, or a live
// session of the portal, by its ID (attending it completes the step).
type PathStep struct {
	Course  string `json:"course,omitempty" yaml:"course,omitempty"`
	Session int64  `json:"session,omitempty" yaml:"session,omitempty"`
	Unlock  Unlock `json:"unlock" yaml:"unlock"`
}

// Key names the step in a path's URLs: the course's slug, or
// "session:" and the session's ID (a colon is never in a slug).
func (s PathStep) Key() string {
	if s.Session != 0 {
		return SessionStepKey(s.Session)
	}
	return s.Course
}

// SessionStepKey is the key of a step that is the session id.
func SessionStepKey(id int64) string { return "session:" + strconv.FormatInt(id, 10) }

// CheckPath returns the problems of a path. known reports whether a course
// slug exists where the path will live.
func CheckPath(p Path, known func(slug string) bool) []Problem {
	return CheckPathWithSessions(p, known, nil)
}

// CheckPathWithSessions is CheckPath where steps may be live sessions:
// knownSession reports whether a session exists where the path lives.
func CheckPathWithSessions(p Path, known func(slug string) bool, knownSession func(id int64) bool) []Problem {
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
	if sa := p.SelfAssessment; sa != nil {
		if len(sa.Items) < 3 || len(sa.Items) > 12 {
			ps.add("self_assessment.items", "a self-assessment has 3 to 12 statements")
		}
		for i, it := range sa.Items {
			if n := textLen(it); n == 0 || n > 300 {
				ps.add(fmt.Sprintf("self_assessment.items[%d]", i), "a statement is required, at most 300 characters")
			}
		}
	}
	seen := map[string]bool{}
	for i, s := range p.Steps {
		at := fmt.Sprintf("steps[%d]", i)
		switch {
		case s.Session != 0 && s.Course != "":
			ps.add(at, "a step is a course or a live session, not both")
		case s.Session != 0:
			if seen[s.Key()] {
				ps.add(at+".session", "that live session is already a step of this path")
			}
			if knownSession != nil && !knownSession(s.Session) {
				ps.add(at+".session", "there is no live session %d", s.Session)
			}
		case strings.TrimSpace(s.Course) == "":
			ps.add(at+".course", "each step names a course by its slug")
		case seen[s.Course]:
			ps.add(at+".course", "course %s is already a step of this path", s.Course)
		case known != nil && !known(s.Course):
			ps.add(at+".course", "there is no course %s", s.Course)
		}
		seen[s.Key()] = true
		if s.Unlock != Free && s.Unlock != AfterPrevious {
			ps.add(at+".unlock", "unlock must be free or after_previous")
		}
		if i == 0 && s.Unlock == AfterPrevious {
			ps.add(at+".unlock", "the first step has no step before it: make it free")
		}
	}
	return ps.list
}
