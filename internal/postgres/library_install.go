package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
)

// LibraryInstall says what to copy from a course library into a portal.
type LibraryInstall struct {
	Courses []string // the course slugs to copy; none means all, with the paths
	// Publish publishes what is copied, so learners see it at once.
	Publish bool
	// KeepExisting leaves a course the portal already has as it is; without
	// it, the library's course becomes the portal course's new draft (never
	// over unpublished changes: that is a conflict).
	KeepExisting bool
}

// InstallLibrary copies library courses, their files and (when all courses
// are copied) the paths whose courses the portal has, into a portal. Paths
// the portal already has are left alone. say reports each step.
func InstallLibrary(ctx context.Context, db *DB, put func(name string, data []byte) error, src fs.FS, tenantID int64, opt LibraryInstall, by AuditActor, say func(format string, args ...any)) error {
	lib, err := LoadLibrary(src)
	if err != nil {
		return err
	}
	return lib.Install(ctx, db, put, tenantID, opt, by, say)
}

// LoadedLibrary is a course library read and checked once, to install in
// many portals.
type LoadedLibrary struct {
	src     fs.FS
	courses []library.Loaded
	paths   []course.Path
}

// LoadLibrary reads the course library at the root of src.
func LoadLibrary(src fs.FS) (LoadedLibrary, error) {
	loaded, problems := library.LoadAll(src, ".")
	lib, pathProblems := NewLoadedLibrary(src, loaded)
	if n := len(problems) + len(pathProblems); n > 0 {
		return LoadedLibrary{}, fmt.Errorf("the library has %d problem(s), the first %s; run 'upward courses lint'", n, append(problems, pathProblems...)[0])
	}
	return lib, nil
}

// NewLoadedLibrary is the library at the root of src whose courses the
// caller has read already (loaded), with its paths.
func NewLoadedLibrary(src fs.FS, loaded []library.Loaded) (LoadedLibrary, []library.Problem) {
	paths, problems := library.LoadPaths(src, ".", loaded)
	return LoadedLibrary{src: src, courses: loaded, paths: paths}, problems
}

// Install copies the library into a portal, as InstallLibrary says.
func (lib LoadedLibrary) Install(ctx context.Context, db *DB, put func(name string, data []byte) error, tenantID int64, opt LibraryInstall, by AuditActor, say func(format string, args ...any)) error {
	src, loaded, paths := lib.src, lib.courses, lib.paths
	wanted, missing := map[string]bool{}, map[string]bool{}
	for _, s := range opt.Courses {
		wanted[s], missing[s] = true, true
	}
	courses := NewCourseService(db)
	for _, l := range loaded {
		slug := l.Course.Slug
		if len(wanted) > 0 && !wanted[slug] {
			continue
		}
		delete(missing, slug)
		existing, err := courses.FindCourseBySlug(ctx, tenantID, slug)
		switch {
		case err == nil && opt.KeepExisting:
			say("%s: already in the portal, left as it is", slug)
			continue
		case err != nil && apperr.Code(err) != apperr.ENOTFOUND:
			return err
		}
		// Storing the files rewrites their references, which blocks hold
		// by pointer: work on a copy, leaving the loaded course as read.
		c, err := deepCopy(l.Course)
		if err != nil {
			return err
		}
		if err := library.StoreFiles(&c, src, l.Dir, put); err != nil {
			return fmt.Errorf("%s: %w", slug, err)
		}
		rec, err := courses.ImportCourse(ctx, tenantID, c, slug, by)
		if err != nil {
			return fmt.Errorf("%s: %w", slug, err)
		}
		if !opt.Publish {
			say("%s: imported as a draft", slug)
			continue
		}
		if existing.ID != 0 && !hasChanges(ctx, courses, rec) {
			say("%s: imported; no changes to publish", slug)
			continue
		}
		v, err := courses.Publish(ctx, tenantID, rec.ID, "From the library", by)
		if err != nil {
			return fmt.Errorf("%s: %w", slug, err)
		}
		say("%s: imported and published as version %d", slug, v)
	}
	for s := range missing {
		return fmt.Errorf("no course %q in the library", s)
	}
	if len(opt.Courses) > 0 {
		return nil
	}
	pathSvc := NewPathService(db)
	for _, p := range paths {
		_, err := pathSvc.FindPathBySlug(ctx, tenantID, p.Slug)
		if err == nil {
			say("path %s: already in the portal, left as it is", p.Slug)
			continue
		}
		if apperr.Code(err) != apperr.ENOTFOUND {
			return err
		}
		if _, err := pathSvc.CreatePath(ctx, tenantID, p, p.Slug, opt.Publish, by); err != nil {
			return fmt.Errorf("path %s: %w", p.Slug, err)
		}
		say("path %s: added", p.Slug)
	}
	return nil
}

// hasChanges reports whether a course's draft differs from its published
// version (or was never published).
func hasChanges(ctx context.Context, courses *CourseService, rec CourseRecord) bool {
	ch, err := courses.DraftChanges(ctx, rec)
	return err != nil || ch.Any()
}

func deepCopy(c course.Course) (course.Course, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return course.Course{}, err
	}
	var out course.Course
	return out, json.Unmarshal(b, &out)
}
