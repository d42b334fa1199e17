package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
)

// importCourses copies library courses into a portal as drafts: all of
// them, or those named by slug. --from reads another folder than the
// library built into the binary.
func importCourses(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("courses import", "--tenant SLUG [COURSE...]", "Copy library courses (all, or those named by slug) into a portal as drafts.\nImporting again makes a new draft, and never overwrites unpublished changes.", stderr)
	slug := fset.String("tenant", "", "the portal to import into (required)")
	from := fset.String("from", "", "a folder of courses to read instead of the built-in library")
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
	loaded, problems := library.LoadAll(src, ".")
	for _, p := range problems {
		fmt.Fprintln(stderr, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the library has %d problem(s); run 'upward courses lint'", len(problems))
	}
	wanted := map[string]bool{}
	for _, s := range fset.Args() {
		wanted[s] = true
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
	svc := postgres.NewCourseService(db)
	by := postgres.AuditActor{Label: "upward courses import"}
	n := 0
	for _, l := range loaded {
		if len(wanted) > 0 && !wanted[l.Course.Slug] {
			continue
		}
		delete(wanted, l.Course.Slug)
		c := l.Course
		if err := library.StoreFiles(&c, src, l.Dir, files.Put); err != nil {
			return err
		}
		if _, err := svc.ImportCourse(ctx, t.ID, c, l.Course.Slug, by); err != nil {
			return fmt.Errorf("%s: %w", l.Course.Slug, err)
		}
		fmt.Fprintf(stdout, "imported %s into %s as a draft\n", l.Course.Slug, t.Slug)
		n++
	}
	for s := range wanted {
		return fmt.Errorf("no course %q in the library", s)
	}
	fmt.Fprintf(stdout, "%d course(s) imported\n", n)
	return nil
}
