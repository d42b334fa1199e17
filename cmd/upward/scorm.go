package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/upward-lms/upward/internal/postgres"
)

func runScorm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprintln(stderr, "usage: upward scorm import --tenant SLUG [--course ID] [--publish] FILE.zip")
		return errUsage
	}
	return importScorm(ctx, args[1:], stdout, stderr)
}

// importScorm makes a course of a SCORM package in a portal, or the new
// version of a course made from one.
func importScorm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := newFlagSet("scorm import", "--tenant SLUG FILE.zip", "Import a SCORM 1.2 or 2004 package as a course of the portal (a draft), or with --course\nas the new version of the course made from it. A refused package changes nothing.", stderr)
	slug := fset.String("tenant", "", "the portal to import into (required)")
	courseID := fset.Int64("course", 0, "the course this package is a new version of")
	publish := fset.Bool("publish", false, "publish the course, so learners see it at once")
	cfg, err := parseConfig(fset, args)
	if err != nil {
		return err
	}
	if *slug == "" || fset.NArg() != 1 {
		return fmt.Errorf("name the portal with --tenant and give one package file")
	}
	f, err := os.Open(fset.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
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
	by := postgres.AuditActor{Label: "upward scorm import"}
	rec, pkg, err := postgres.NewScormService(db, filepath.Join(cfg.DataDir, "scorm")).
		ImportPackage(ctx, t.ID, postgres.ScormImport{Zip: f, Size: st.Size(), CourseID: *courseID}, by)
	if err != nil {
		return fmt.Errorf("%s: %w", fset.Arg(0), err)
	}
	fmt.Fprintf(stdout, "imported %q as course %d (%s), SCORM %s, %d activities, version %d of the package\n",
		rec.Draft.Title, rec.ID, rec.Slug, pkg.Manifest.Version, len(pkg.Manifest.Items), pkg.Version)
	if *publish {
		v, err := postgres.NewCourseService(db).Publish(ctx, t.ID, rec.ID, "", by)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "published version %d\n", v)
	}
	return nil
}
