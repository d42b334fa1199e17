package api

import (
	"net/http"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
)

// courseJSON is a published course as the API shows it; one course comes
// with its outline.
type courseJSON struct {
	ID               int64        `json:"id"`
	Slug             string       `json:"slug"`
	Title            string       `json:"title"`
	Summary          string       `json:"summary"`
	Level            string       `json:"level"`
	Language         string       `json:"language"`
	EstimatedMinutes int          `json:"estimated_minutes"`
	Tags             []string     `json:"tags"`
	Version          int          `json:"version"`
	PublishedAt      time.Time    `json:"published_at"`
	Modules          []moduleJSON `json:"modules,omitempty"`
}

type moduleJSON struct {
	Key     string       `json:"key"`
	Title   string       `json:"title"`
	Lessons []lessonJSON `json:"lessons"`
}

type lessonJSON struct {
	Key              string `json:"key"`
	Title            string `json:"title"`
	EstimatedMinutes int    `json:"estimated_minutes"`
	Required         bool   `json:"required"`
}

func toCourse(c postgres.PublishedCourse, outline bool) courseJSON {
	m := c.Content
	out := courseJSON{ID: c.ID, Slug: c.Slug, Title: m.Title, Summary: m.Summary, Level: string(m.Level), Language: m.Language,
		EstimatedMinutes: m.EstimatedMinutes, Tags: m.Tags, Version: c.Version, PublishedAt: c.PublishedAt}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if !outline {
		return out
	}
	out.Modules = make([]moduleJSON, len(m.Modules))
	for i, mod := range m.Modules {
		mj := moduleJSON{Key: mod.Key, Title: mod.Title, Lessons: make([]lessonJSON, len(mod.Lessons))}
		for j, l := range mod.Lessons {
			mj.Lessons[j] = lessonJSON{Key: l.Key, Title: l.Title, EstimatedMinutes: l.EstimatedMinutes, Required: l.Required}
		}
		out.Modules[i] = mj
	}
	return out
}

func (a *API) listCourses(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	k := q.keyset()
	if !q.ok(w) {
		return
	}
	cs, more, err := a.courses.FindPublishedCoursesPage(r.Context(), stateOf(r).tenant.ID, k)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	out := list[courseJSON]{Data: make([]courseJSON, len(cs))}
	for i, c := range cs {
		out.Data[i] = toCourse(c, false)
	}
	if len(cs) > 0 {
		out.NextCursor = next(more, time.Time{}, cs[len(cs)-1].ID)
	}
	a.writeJSON(w, r, http.StatusOK, out)
}

func (a *API) getCourse(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r, "id")
	if !ok {
		return
	}
	c, err := a.courses.FindPublishedCourse(r.Context(), stateOf(r).tenant.ID, id)
	if err != nil {
		a.renderError(w, r, err, nil)
		return
	}
	a.writeJSON(w, r, http.StatusOK, toCourse(c, true))
}
