package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/plan"
	"github.com/upward-lms/upward/internal/scorm"
)

// ErrNoSCORMPlan refuses an import on a portal whose plan lacks SCORM.
var ErrNoSCORMPlan = &apperr.Error{Code: apperr.EFORBIDDEN, Field: "package",
	Message: "Importing SCORM packages is not part of this portal's plan: the Enterprise plan includes it."}

// ScormImport is a package to import: the zip, and the course it is a new
// version of (0: a new course).
type ScormImport struct {
	Zip      io.ReaderAt
	Size     int64
	CourseID int64
	UserID   int64 // who uploads it, for the record
}

// ImportPackage makes a course of a SCORM package: one lesson per item of
// its default organization, each with the item's SCO; or, for a course
// given, the package's new version as the course's new draft (records are
// kept: block keys come from the items' identifiers). The zip is checked
// (limits, names, manifest) before anything is read from it and extracted
// below the package's own folder while the limits hold; a refusal, or any
// failure later, leaves no files and no rows behind.
func (s *ScormService) ImportPackage(ctx context.Context, tenantID int64, in ScormImport, by AuditActor) (CourseRecord, ScormPackage, error) {
	var planName string
	if err := s.db.Pool.QueryRow(ctx, `SELECT plan FROM tenants WHERE id = $1`, tenantID).Scan(&planName); err != nil {
		return CourseRecord{}, ScormPackage{}, fmt.Errorf("scorm: import: %w", Error(err, "Portal"))
	}
	if !plan.Allows(planName, plan.SCORMImport) {
		return CourseRecord{}, ScormPackage{}, ErrNoSCORMPlan
	}
	a, err := scorm.Open(in.Zip, in.Size, scorm.DefaultLimits)
	if err != nil {
		return CourseRecord{}, ScormPackage{}, err
	}
	pkg := a.Package
	if len(pkg.Items) == 0 {
		return CourseRecord{}, ScormPackage{}, &apperr.Error{Code: apperr.EINVALID, Field: "package",
			Message: "The manifest's organization has no item to launch."}
	}
	// Extract first, into a folder of its own that becomes the package's.
	tmp, err := s.extract(a)
	if err != nil {
		return CourseRecord{}, ScormPackage{}, err
	}
	keep := false
	defer func() {
		if !keep {
			os.RemoveAll(tmp)
		}
	}()
	var total int64
	filepath.WalkDir(tmp, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})

	var rec CourseRecord
	var out ScormPackage
	var final string
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		// The package's ID first: the course's blocks name it.
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('scorm_packages', 'id'))`).Scan(&out.ID); err != nil {
			return err
		}
		c, err := scormCourse(ctx, tx, pkg, out.ID, in.CourseID)
		if err != nil {
			return err
		}
		if err := checkContent(c); err != nil {
			return err
		}
		if rec, err = importCourse(ctx, tx, tenantID, c, "", by); err != nil {
			return err
		}
		manifest, err := json.Marshal(pkg)
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO scorm_packages (tenant_id, id, course_id, version, scorm_version, manifest, file_count, bytes, created_by, created_at)
			OVERRIDING SYSTEM VALUE
			VALUES (current_tenant_id(), $1, $2,
				(SELECT coalesce(max(version), 0) + 1 FROM scorm_packages WHERE tenant_id = current_tenant_id() AND course_id = $2),
				$3, $4, $5, $6, $7, $8)
			RETURNING version, created_at`,
			out.ID, rec.ID, string(pkg.Version), manifest, len(pkg.Files), total, nullID(in.UserID), tx.Now).Scan(&out.Version, &out.CreatedAt); err != nil {
			return err
		}
		out.CourseID, out.Manifest, out.Files, out.Bytes = rec.ID, pkg, len(pkg.Files), total
		if err := audit(ctx, tx, tenantID, by, "scorm.import", c.Slug, map[string]any{"package_id": out.ID, "version": out.Version,
			"scorm": string(pkg.Version), "items": len(pkg.Items), "files": len(pkg.Files)}); err != nil {
			return err
		}
		// In place before the transaction commits: a failure to move
		// the files undoes the rows.
		final = s.PackageDir(tenantID, out.ID)
		if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
			return err
		}
		return os.Rename(tmp, final)
	})
	if err != nil {
		if final != "" {
			os.RemoveAll(final)
		}
		if code := apperr.Code(err); code == apperr.EINVALID || code == apperr.ECONFLICT || code == apperr.ENOTFOUND {
			return CourseRecord{}, ScormPackage{}, err
		}
		return CourseRecord{}, ScormPackage{}, fmt.Errorf("scorm: import: %w", Error(err, "Course"))
	}
	keep = true
	return rec, out, nil
}

// extract writes the archive into a new folder below Dir/tmp.
func (s *ScormService) extract(a *scorm.Archive) (string, error) {
	b := make([]byte, 8)
	rand.Read(b)
	dir := filepath.Join(s.Dir, "tmp", hex.EncodeToString(b))
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("scorm: extract: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("scorm: extract: %w", err)
	}
	err = a.Extract(root)
	root.Close()
	if err != nil {
		os.RemoveAll(dir)
		if apperr.Code(err) == apperr.EINVALID {
			return "", err
		}
		return "", fmt.Errorf("scorm: extract: %w", err)
	}
	return dir, nil
}

// scormCourse is the course a package makes: for a new course, a slug of
// its title the portal does not have yet; for a new version, the course's
// own slug, details and draft outline, with its lessons replaced by the
// package's items.
func scormCourse(ctx context.Context, tx *Tx, pkg scorm.Package, packageID, courseID int64) (course.Course, error) {
	title := strings.TrimSpace(pkg.Title)
	if title == "" {
		title = pkg.Identifier
	}
	if utf8.RuneCountInString(title) > 200 {
		title = string([]rune(title)[:200])
	}
	summary := strings.TrimSpace(pkg.Description)
	if utf8.RuneCountInString(summary) > 500 {
		summary = string([]rune(summary)[:499]) + "…"
	}
	c := course.Course{Title: title, Summary: summary, Level: course.Beginner, Language: "en"}
	if courseID > 0 {
		existing, err := findCourse(ctx, tx, `c.id = $1`, courseID)
		if errors.Is(err, pgx.ErrNoRows) {
			return course.Course{}, &apperr.Error{Code: apperr.ENOTFOUND, Field: "course", Message: "Course not found."}
		}
		if err != nil {
			return course.Course{}, err
		}
		if !existing.Draft.FromSCORM() {
			return course.Course{}, &apperr.Error{Code: apperr.EINVALID, Field: "course",
				Message: "“" + existing.Title + "” was not imported from a SCORM package: import the package as a new course."}
		}
		c = existing.Draft
	} else {
		slug, err := freeSlug(ctx, tx, title)
		if err != nil {
			return course.Course{}, err
		}
		c.Slug = slug
	}
	m := course.Module{Key: "m-scorm", Title: "Activities"}
	for _, it := range pkg.Items {
		itemTitle := strings.TrimSpace(it.Title)
		if itemTitle == "" {
			itemTitle = it.Identifier
		}
		m.Lessons = append(m.Lessons, course.Lesson{Key: LessonKey(it.Identifier), Title: itemTitle, Required: true,
			Blocks: []course.Block{{Key: BlockKey(it.Identifier), Kind: course.KindSCORM,
				SCORM: &course.SCORM{Package: packageID, Item: it.Identifier, Title: itemTitle, Ordered: pkg.ForcedOrder, Asset: !it.SCO}}}})
	}
	c.Modules = []course.Module{m}
	return c, nil
}

// freeSlug makes a slug of title that the portal has no course with.
func freeSlug(ctx context.Context, tx *Tx, title string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToLower(title) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if len(base) > 70 {
		base = strings.Trim(base[:70], "-")
	}
	if base == "" {
		base = "scorm-course"
	}
	for i := 1; i < 100; i++ {
		slug := base
		if i > 1 {
			slug = base + "-" + strconv.Itoa(i)
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM courses WHERE tenant_id = current_tenant_id() AND slug = $1)`, slug).Scan(&taken); err != nil {
			return "", err
		}
		if !taken {
			return slug, nil
		}
	}
	return "", &apperr.Error{Code: apperr.ECONFLICT, Field: "package", Message: "The portal has too many courses named like this one: rename one."}
}

// SweepExtractions removes extraction folders older than age below
// Dir/tmp: left by a process that stopped in the middle of an import
// (an import removes its own folder whenever it can).
func (s *ScormService) SweepExtractions(age time.Duration) error {
	dir := filepath.Join(s.Dir, "tmp")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && time.Since(info.ModTime()) > age {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
