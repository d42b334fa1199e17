package postgres_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/postgres"
)

func TestPaths_CreateFindAndRefuse(t *testing.T) {
	t.Parallel()
	f := newLearningFixture(t)
	f.publish(t)
	paths := postgres.NewPathService(f.db)
	by := postgres.AuditActor{Label: "test"}
	good := course.Path{Slug: "essentials", Title: "Essentials", Steps: []course.PathStep{{Course: f.course.Slug, Unlock: course.Free}}}

	bad := good
	bad.Steps = append(bad.Steps, course.PathStep{Course: "not-in-this-portal", Unlock: course.AfterPrevious})
	if _, err := paths.CreatePath(f.ctx, f.tenantID, bad, "", true, by); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("a step of a course the portal lacks: %v, want invalid", err)
	}
	if _, err := paths.FindPathBySlug(f.ctx, f.tenantID, "essentials"); apperr.Code(err) != apperr.ENOTFOUND {
		t.Errorf("the refused path was saved: %v", err)
	}

	rec, err := paths.CreatePath(f.ctx, f.tenantID, good, "essentials", true, by)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Steps) != 1 || rec.Steps[0].CourseID != f.course.ID || rec.Minutes() != f.course.EstimatedMinutes {
		t.Errorf("path %+v", rec)
	}
	if _, err := paths.CreatePath(f.ctx, f.tenantID, good, "", true, by); apperr.Code(err) != apperr.ECONFLICT {
		t.Errorf("the same slug again: %v, want a conflict", err)
	}
	listed, err := paths.FindPublishedPaths(f.ctx, f.tenantID)
	if err != nil || len(listed) != 1 || listed[0].Steps != 1 {
		t.Errorf("published paths %+v, %v", listed, err)
	}
}
