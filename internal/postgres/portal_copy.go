package postgres

import (
	"context"
	"fmt"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
)

// Copying between the portals of one account. Copies arrive as drafts, for
// the other portal's people to review and publish; course files are
// stored once by their content, so a copy refers to the same files.

// CopyCourse copies the published version of a course of portal from into
// portal to, as a draft (or as the new draft of the course with its slug
// there). A course never published is not found: only what learners could
// see leaves a portal.
func (s *CourseService) CopyCourse(ctx context.Context, from, to, courseID int64, by AuditActor) (course.Course, error) {
	rec, err := s.FindCourseByID(ctx, from, courseID)
	if err != nil {
		return course.Course{}, err
	}
	if rec.PublishedVersion == nil {
		return course.Course{}, &apperr.Error{Code: apperr.ENOTFOUND, Message: "Course not found."}
	}
	c, err := s.FindVersion(ctx, from, rec.ID, *rec.PublishedVersion)
	if err != nil {
		return course.Course{}, err
	}
	if _, err := s.ImportCourse(ctx, to, c, "", by); err != nil {
		return course.Course{}, err
	}
	return c, nil
}

// CopyPath copies a path of portal from into portal to, as a draft, with
// the courses of its steps that portal to lacks (their published
// versions, as drafts); a course portal to has already (by slug) is used
// as it is. Everything is checked before anything is copied: a path whose
// slug portal to has, or with a step never published, changes nothing.
// It returns the path and the titles of the courses it copied.
func (s *PathService) CopyPath(ctx context.Context, from, to, pathID int64, by AuditActor) (PathRecord, []string, error) {
	p, err := s.FindPathByID(ctx, from, pathID)
	if err != nil {
		return PathRecord{}, nil, err
	}
	if _, err := s.FindPathBySlug(ctx, to, p.Slug); err == nil {
		return PathRecord{}, nil, &apperr.Error{Code: apperr.ECONFLICT, Field: "path",
			Message: "That portal has a path with the address “" + p.Slug + "” already: nothing was copied."}
	} else if apperr.Code(err) != apperr.ENOTFOUND {
		return PathRecord{}, nil, err
	}
	courses := NewCourseService(s.db)
	there, err := courses.FindCourses(ctx, to)
	if err != nil {
		return PathRecord{}, nil, err
	}
	has := map[string]bool{}
	for _, c := range there {
		has[c.Slug] = true
	}
	var missing []course.Course
	copied := course.Path{Slug: p.Slug, Title: p.Title, Summary: p.Summary, Description: p.Description, SelfAssessment: p.SelfAssessment}
	for _, step := range p.Steps {
		if step.SessionID != 0 {
			continue // a live session is the portal's own event, not content to copy
		}
		copied.Steps = append(copied.Steps, course.PathStep{Course: step.CourseSlug, Unlock: step.Unlock})
		if has[step.CourseSlug] {
			continue
		}
		rec, err := courses.FindCourseByID(ctx, from, step.CourseID)
		if err != nil {
			return PathRecord{}, nil, err
		}
		if rec.PublishedVersion == nil {
			return PathRecord{}, nil, &apperr.Error{Code: apperr.EINVALID, Field: "path",
				Message: "Publish “" + rec.Title + "” first: only published courses are copied, and nothing was."}
		}
		c, err := courses.FindVersion(ctx, from, rec.ID, *rec.PublishedVersion)
		if err != nil {
			return PathRecord{}, nil, err
		}
		missing = append(missing, c)
		has[step.CourseSlug] = true // a course on two steps is copied once
	}
	var titles []string
	for _, c := range missing {
		if _, err := courses.ImportCourse(ctx, to, c, "", by); err != nil {
			return PathRecord{}, nil, fmt.Errorf("path: copy %s: course %s: %w", p.Slug, c.Slug, err)
		}
		titles = append(titles, c.Title)
	}
	rec, err := s.CreatePath(ctx, to, copied, "", false, by)
	if err != nil {
		return PathRecord{}, nil, err
	}
	return rec, titles, nil
}
