package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
)

// importCourses copies library courses into a portal: all of them (with
// the library's learning paths), or those named by slug. --from reads
// another folder than the library built into the binary.
func importCourses(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("courses import", "--tenant SLUG [COURSE...]", "Copy library courses (all, with the learning paths, or those named by slug) into a portal\nas drafts. Importing again makes a new draft, and never overwrites unpublished changes.", stderr)
	slug := fset.String("tenant", "", "the portal to import into (required)")
	from := fset.String("from", "", "a folder of courses to read instead of the built-in library")
	publish := fset.Bool("publish", false, "publish what is imported, so learners see it at once")
	cfg, err := parseConfig(fset, args)
	if err != nil {
		return err
	}
	if *slug == "" {
		return fmt.Errorf("missing --tenant: name the portal to import into")
	}
	var src fs.FS = courses.FS
	if *from != "" {
		src = os.DirFS(*from)
	}
	// Check before touching the database, printing every problem.
	loaded, problems := library.LoadAll(src, ".")
	_, pathProblems := library.LoadPaths(src, ".", loaded)
	for _, p := range append(problems, pathProblems...) {
		fmt.Fprintln(stderr, p)
	}
	if n := len(problems) + len(pathProblems); n > 0 {
		return fmt.Errorf("the library has %d problem(s); run 'upward courses lint'", n)
	}
	db, err := openMigrated(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	t, err := postgres.NewTenantService(db).FindTenantBySlug(ctx, *slug)
	if err != nil {
		return fmt.Errorf("portal %q: %w", *slug, err)
	}
	files, err := storage.NewDir(filepath.Join(cfg.DataDir, "uploads"))
	if err != nil {
		return err
	}
	say := func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }
	return app.InstallLibrary(ctx, db, files, src, t.ID, app.LibraryInstall{Courses: fset.Args(), Publish: *publish},
		postgres.AuditActor{Label: "upward courses import"}, say)
}
