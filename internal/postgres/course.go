package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
)

// CourseRecord is a course of a portal: its catalog fields, its status, and
// the draft being edited.
type CourseRecord struct {
	TenantID         int64
	ID               int64
	Slug             string
	Status           string
	Title            string
	Summary          string
	Level            string
	Language         string
	EstimatedMinutes int
	Tags             []string
	PublishedVersion *int
	DraftRevision    int
	LibrarySlug      *string
	Draft            course.Course
	UpdatedAt        time.Time
}

// CourseService stores courses and their published versions.
type CourseService struct {
	db *DB
}

// NewCourseService returns the course store.
func NewCourseService(db *DB) *CourseService { return &CourseService{db: db} }

const courseColumns = `c.tenant_id, c.id, c.slug, c.status, c.title, c.summary, c.level, c.language,
	c.estimated_minutes, c.tags, c.published_version, c.draft_revision, c.library_slug, c.draft, c.updated_at`

func scanCourse(row pgx.CollectableRow) (CourseRecord, error) {
	var r CourseRecord
	var draft []byte
	err := row.Scan(&r.TenantID, &r.ID, &r.Slug, &r.Status, &r.Title, &r.Summary, &r.Level, &r.Language,
		&r.EstimatedMinutes, &r.Tags, &r.PublishedVersion, &r.DraftRevision, &r.LibrarySlug, &draft, &r.UpdatedAt)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(draft, &r.Draft); err != nil {
		return r, fmt.Errorf("course %d: draft: %w", r.ID, err)
	}
	return r, nil
}

// checkContent turns the course rules' problems into one error a person can
// act on.
func checkContent(c course.Course) error {
	problems := course.Check(c)
	if len(problems) == 0 {
		return nil
	}
	msgs := make([]string, 0, 3)
	for i, p := range problems {
		if i == 3 {
			msgs = append(msgs, fmt.Sprintf("and %d more", len(problems)-3))
			break
		}
		msgs = append(msgs, c.Where(p.Path)+": "+p.Message)
	}
	return &apperr.Error{Code: apperr.EINVALID, Field: "course", Message: "The course is not complete. " + strings.Join(msgs, "; ") + "."}
}

// ImportCourse puts a course into a portal as a draft. When the portal has
// a course with the slug already, the content becomes its new draft, so the
// change shows as unpublished changes to review; a draft that already has
// unpublished changes is never overwritten: that is a conflict.
func (s *CourseService) ImportCourse(ctx context.Context, tenantID int64, c course.Course, librarySlug string, by AuditActor) (CourseRecord, error) {
	if err := checkContent(c); err != nil {
		return CourseRecord{}, err
	}
	var out CourseRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		out, err = importCourse(ctx, tx, tenantID, c, librarySlug, by)
		return err
	})
	if err != nil {
		return CourseRecord{}, fmt.Errorf("course: import: %w", err)
	}
	return out, nil
}

// importCourse is ImportCourse in the caller's transaction, for content
// already checked.
func importCourse(ctx context.Context, tx *Tx, tenantID int64, c course.Course, librarySlug string, by AuditActor) (CourseRecord, error) {
	content, err := json.Marshal(c)
	if err != nil {
		return CourseRecord{}, err
	}
	var lib *string
	if librarySlug != "" {
		lib = &librarySlug
	}
	var out CourseRecord
	err = func() error {
		if err := recordFiles(ctx, tx, tenantID, library.FileNames(c)); err != nil {
			return err
		}
		existing, err := findCourse(ctx, tx, `c.slug = $1`, c.Slug)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			rows, err := tx.Query(ctx, `
				INSERT INTO courses AS c (tenant_id, slug, draft, title, summary, level, language, estimated_minutes, tags, library_slug, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
				RETURNING `+courseColumns,
				tenantID, c.Slug, content, c.Title, c.Summary, c.Level, c.Language, c.EstimatedMinutes, nonNil(c.Tags), lib, tx.Now)
			if err != nil {
				return err
			}
			if out, err = pgx.CollectExactlyOneRow(rows, scanCourse); err != nil {
				return err
			}
			return audit(ctx, tx, tenantID, by, "course.import", c.Slug, map[string]any{"library": librarySlug})
		case err != nil:
			return err
		}
		unpublished, err := hasUnpublishedChanges(ctx, tx, existing)
		if err != nil {
			return err
		}
		if unpublished {
			return &apperr.Error{Code: apperr.ECONFLICT, Field: "course",
				Message: "“" + existing.Title + "” has unpublished changes: publish or discard them before importing it again."}
		}
		// What the files hold keeps the keys it had here, so an unchanged
		// course comes back unchanged and learners' answers still match.
		// (On a copy: the caller's course may be shared, as the library's is.)
		var own course.Course
		if err := json.Unmarshal(content, &own); err != nil {
			return err
		}
		course.AdoptKeys(&own, existing.Draft)
		if content, err = json.Marshal(own); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			UPDATE courses AS c SET draft = $2, draft_revision = draft_revision + 1, updated_at = $3
			WHERE c.tenant_id = current_tenant_id() AND c.id = $1
			RETURNING `+courseColumns, existing.ID, content, tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanCourse); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "course.reimport", c.Slug, map[string]any{"library": librarySlug})
	}()
	return out, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// hasUnpublishedChanges compares the draft with the latest version; a
// course never published has unpublished changes once edited after import
// (its revision moved on).
func hasUnpublishedChanges(ctx context.Context, tx *Tx, r CourseRecord) (bool, error) {
	if r.PublishedVersion == nil {
		return r.DraftRevision > 1, nil
	}
	var same bool
	err := tx.QueryRow(ctx, `
		SELECT c.draft = v.content FROM courses c
		JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id AND v.version = c.published_version
		WHERE c.tenant_id = current_tenant_id() AND c.id = $1`, r.ID).Scan(&same)
	return !same, err
}

func findCourse(ctx context.Context, tx *Tx, where string, args ...any) (CourseRecord, error) {
	rows, err := tx.Query(ctx, `SELECT `+courseColumns+` FROM courses c WHERE c.tenant_id = current_tenant_id() AND `+where, args...)
	if err != nil {
		return CourseRecord{}, err
	}
	return pgx.CollectExactlyOneRow(rows, scanCourse)
}

// FindCourseBySlug returns one course of the portal.
func (s *CourseService) FindCourseBySlug(ctx context.Context, tenantID int64, slug string) (CourseRecord, error) {
	var r CourseRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		r, err = findCourse(ctx, tx, `c.slug = $1`, slug)
		return err
	})
	if err != nil {
		return CourseRecord{}, fmt.Errorf("course: find: %w", Error(err, "Course"))
	}
	return r, nil
}

// FindCourses lists the portal's courses by title.
func (s *CourseService) FindCourses(ctx context.Context, tenantID int64) ([]CourseRecord, error) {
	var out []CourseRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+courseColumns+` FROM courses c WHERE c.tenant_id = $1 ORDER BY lower(c.title), c.id`, tenantID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanCourse)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("course: find courses: %w", err)
	}
	return out, nil
}

// Publish freezes the draft as the next version; learners who start the
// course from now on get it.
func (s *CourseService) Publish(ctx context.Context, tenantID, courseID int64, note string, by AuditActor) (int, error) {
	var version int
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		r, err := findCourse(ctx, tx, `c.id = $1 FOR UPDATE`, courseID)
		if err != nil {
			return err
		}
		if err := checkContent(r.Draft); err != nil {
			return err
		}
		d := r.Draft
		if err := tx.QueryRow(ctx, `
			INSERT INTO course_versions (tenant_id, course_id, version, content, note, published_at, published_by)
			SELECT $1, $2, coalesce(max(version), 0) + 1, c.draft, $3, $4, $5
			FROM courses c LEFT JOIN course_versions v ON v.tenant_id = c.tenant_id AND v.course_id = c.id
			WHERE c.tenant_id = $1 AND c.id = $2
			GROUP BY c.draft
			RETURNING version`, tenantID, courseID, strings.TrimSpace(note), tx.Now, nullID(by.UserID)).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE courses SET published_version = $3, status = 'published', title = $4, summary = $5, level = $6,
				language = $7, estimated_minutes = $8, tags = $9, updated_at = $10, cover = $11,
				search = setweight(to_tsvector('english', $4), 'A') || setweight(to_tsvector('english', array_to_string($9::text[], ' ')), 'B')
					|| setweight(to_tsvector('english', $5 || ' ' || $12), 'C')
			WHERE tenant_id = $1 AND id = $2`,
			tenantID, courseID, version, d.Title, d.Summary, d.Level, d.Language, d.EstimatedMinutes, nonNil(d.Tags), tx.Now,
			nullText(d.Cover), d.Description); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "course.publish", r.Slug, map[string]any{"version": version, "note": note})
	})
	if err != nil {
		return 0, fmt.Errorf("course: publish: %w", Error(err, "Course"))
	}
	return version, nil
}

// FindVersion returns a published version's content.
func (s *CourseService) FindVersion(ctx context.Context, tenantID, courseID int64, version int) (course.Course, error) {
	var c course.Course
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var content []byte
		if err := tx.QueryRow(ctx, `SELECT content FROM course_versions WHERE tenant_id = $1 AND course_id = $2 AND version = $3`,
			tenantID, courseID, version).Scan(&content); err != nil {
			return err
		}
		return json.Unmarshal(content, &c)
	})
	if err != nil {
		return course.Course{}, fmt.Errorf("course: find version: %w", Error(err, "Version"))
	}
	return c, nil
}

// ErrStaleDraft is returned when the draft changed since the editor read
// it: saving would lose someone's edit.
var ErrStaleDraft = &apperr.Error{Code: apperr.ECONFLICT, Field: "revision",
	Message: "This course was changed by someone else (or in another tab) since you opened it. Reload to see the latest version, then make your change again."}

// EditDraft applies one edit to a course's draft, atomically: the draft is
// read under a row lock, changed by edit, and written back with its revision
// moved on. An edit that returns an error changes nothing. revision is the
// draft revision the editor saw; 0 skips the check.
func (s *CourseService) EditDraft(ctx context.Context, tenantID, courseID int64, revision int, by AuditActor, edit func(c *course.Course) error) (CourseRecord, error) {
	var out CourseRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		r, err := findCourse(ctx, tx, `c.id = $1 FOR UPDATE`, courseID)
		if err != nil {
			return err
		}
		if revision != 0 && r.DraftRevision != revision {
			return ErrStaleDraft
		}
		if err := edit(&r.Draft); err != nil {
			return err
		}
		if ps := course.CheckKeys(r.Draft); len(ps) > 0 {
			return course.ProblemsError(ps)
		}
		if err := checkFilesKnown(ctx, tx, tenantID, library.FileNames(r.Draft)); err != nil {
			return err
		}
		content, err := json.Marshal(r.Draft)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			UPDATE courses AS c SET draft = $2, draft_revision = draft_revision + 1, updated_at = $3,
				title = CASE WHEN published_version IS NULL THEN $4 ELSE title END
			WHERE c.tenant_id = current_tenant_id() AND c.id = $1
			RETURNING `+courseColumns, courseID, content, tx.Now, r.Draft.Title)
		if err != nil {
			return err
		}
		out, err = pgx.CollectExactlyOneRow(rows, scanCourse)
		return err
	})
	if err != nil {
		return CourseRecord{}, fmt.Errorf("course: edit: %w", Error(err, "Course"))
	}
	return out, nil
}

// DraftChanges summarises the draft's unpublished changes against the
// latest version; everything is new before the first publication.
func (s *CourseService) DraftChanges(ctx context.Context, r CourseRecord) (course.Changes, error) {
	var published course.Course
	if r.PublishedVersion != nil {
		var err error
		if published, err = s.FindVersion(ctx, r.TenantID, r.ID, *r.PublishedVersion); err != nil {
			return course.Changes{}, err
		}
	}
	return course.Diff(published, r.Draft), nil
}

// Rollback makes an earlier version's content the draft, to review and
// publish again; the versions themselves stay as they were.
func (s *CourseService) Rollback(ctx context.Context, tenantID, courseID int64, version int, by AuditActor) (CourseRecord, error) {
	old, err := s.FindVersion(ctx, tenantID, courseID, version)
	if err != nil {
		return CourseRecord{}, err
	}
	r, err := s.EditDraft(ctx, tenantID, courseID, 0, by, func(c *course.Course) error {
		*c = old
		return nil
	})
	if err != nil {
		return CourseRecord{}, err
	}
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return audit(ctx, tx, tenantID, by, "course.rollback", r.Slug, map[string]any{"to_version": version})
	})
	return r, err
}

// CreateCourse starts a new course with one empty module, as a draft.
func (s *CourseService) CreateCourse(ctx context.Context, tenantID int64, c course.Course, by AuditActor) (CourseRecord, error) {
	c.Slug, c.Title = strings.TrimSpace(c.Slug), strings.TrimSpace(c.Title)
	if c.Language == "" {
		c.Language = "en"
	}
	if c.Level == "" {
		c.Level = course.Beginner
	}
	if len(c.Modules) == 0 {
		c.AddModule("Module 1")
	}
	f := apperr.Fields{}
	for _, p := range course.CheckCourse(c) {
		f.Add(p.Path, strings.ToUpper(p.Message[:1])+p.Message[1:]+".")
	}
	if err := f.Err(); err != nil {
		return CourseRecord{}, err
	}
	content, err := json.Marshal(c)
	if err != nil {
		return CourseRecord{}, err
	}
	var out CourseRecord
	err = s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO courses AS c (tenant_id, slug, draft, title, summary, level, language, estimated_minutes, tags, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
			RETURNING `+courseColumns,
			tenantID, c.Slug, content, c.Title, c.Summary, c.Level, c.Language, c.EstimatedMinutes, nonNil(c.Tags), tx.Now)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectExactlyOneRow(rows, scanCourse); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "course.create", c.Slug, nil)
	})
	if apperr.Code(Error(err, "")) == apperr.ECONFLICT {
		return CourseRecord{}, apperr.Fields{"slug": "Another course of this portal already uses that address."}
	}
	if err != nil {
		return CourseRecord{}, fmt.Errorf("course: create: %w", err)
	}
	return out, nil
}

// CourseVersion describes one published version.
type CourseVersion struct {
	Version     int
	Note        string
	PublishedAt time.Time
}

// FindVersions lists a course's published versions, newest first.
func (s *CourseService) FindVersions(ctx context.Context, tenantID, courseID int64) ([]CourseVersion, error) {
	var out []CourseVersion
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		rows, err := tx.Query(ctx, `
			SELECT version, note, published_at FROM course_versions
			WHERE tenant_id = $1 AND course_id = $2 ORDER BY version DESC`, tenantID, courseID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowToStructByPos[CourseVersion])
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("course: versions: %w", err)
	}
	return out, nil
}

// FindCourseByID returns one course of the portal.
func (s *CourseService) FindCourseByID(ctx context.Context, tenantID, id int64) (CourseRecord, error) {
	var r CourseRecord
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var err error
		r, err = findCourse(ctx, tx, `c.id = $1`, id)
		return err
	})
	if err != nil {
		return CourseRecord{}, fmt.Errorf("course: find: %w", Error(err, "Course"))
	}
	return r, nil
}

// recordFiles lets the portal serve the stored files it now uses.
func recordFiles(ctx context.Context, tx *Tx, tenantID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO course_files (tenant_id, name, created_at)
		SELECT $1, unnest($2::text[]), $3
		ON CONFLICT DO NOTHING`, tenantID, names, tx.Now)
	return err
}

// checkFilesKnown refuses a draft that refers to a file the portal has not
// uploaded: a typo, or another portal's file.
func checkFilesKnown(ctx context.Context, tx *Tx, tenantID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	var missing []string
	rows, err := tx.Query(ctx, `
		SELECT n FROM unnest($2::text[]) AS n
		WHERE NOT EXISTS (SELECT 1 FROM course_files f WHERE f.tenant_id = $1 AND f.name = n)`, tenantID, names)
	if err != nil {
		return err
	}
	if missing, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	if len(missing) > 0 {
		return &apperr.Error{Code: apperr.EINVALID, Field: "src",
			Message: "No uploaded file is called " + strings.Join(missing, ", ") + ": upload it on the course page and use the name it gets."}
	}
	return nil
}

// RecordUpload lets the portal use and serve a file it uploaded.
func (s *CourseService) RecordUpload(ctx context.Context, tenantID int64, name string, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		if err := recordFiles(ctx, tx, tenantID, []string{name}); err != nil {
			return err
		}
		return audit(ctx, tx, tenantID, by, "course.upload", name, nil)
	})
	if err != nil {
		return fmt.Errorf("course: record upload: %w", err)
	}
	return nil
}

// HasFile reports whether the portal may serve the stored file.
func (s *CourseService) HasFile(ctx context.Context, tenantID int64, name string) (bool, error) {
	var ok bool
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM course_files WHERE tenant_id = $1 AND name = $2)`, tenantID, name).Scan(&ok)
	})
	if err != nil {
		return false, fmt.Errorf("course: file: %w", err)
	}
	return ok, nil
}

// DuplicateCourse copies a course's draft into a new draft course, under
// the first free slug of the form SLUG-copy, SLUG-copy-2, …
func (s *CourseService) DuplicateCourse(ctx context.Context, tenantID, courseID int64, by AuditActor) (CourseRecord, error) {
	src, err := s.FindCourseByID(ctx, tenantID, courseID)
	if err != nil {
		return CourseRecord{}, err
	}
	c := src.Draft
	c.Title = "Copy of " + c.Title
	if len([]rune(c.Title)) > 200 {
		c.Title = string([]rune(c.Title)[:200])
	}
	base := src.Slug
	if len(base) > 70 {
		base = base[:70]
	}
	for i := 1; i <= 50; i++ {
		c.Slug = base + "-copy"
		if i > 1 {
			c.Slug += "-" + strconv.Itoa(i)
		}
		rec, err := s.CreateCourse(ctx, tenantID, c, by)
		if f, ok := apperr.FieldsOf(err); ok && f["slug"] != "" && len(f) == 1 {
			continue // taken: try the next
		}
		return rec, err
	}
	return CourseRecord{}, &apperr.Error{Code: apperr.ECONFLICT, Message: "Too many copies of this course already exist."}
}

// SetCourseArchived archives a course (it leaves the catalog; learners'
// records stay) or brings it back.
func (s *CourseService) SetCourseArchived(ctx context.Context, tenantID, courseID int64, archived bool, by AuditActor) error {
	err := s.db.InTenantTx(ctx, tenantID, func(tx *Tx) error {
		var slug string
		err := tx.QueryRow(ctx, `
			UPDATE courses SET status = CASE WHEN $3 THEN 'archived'
				WHEN published_version IS NULL THEN 'draft' ELSE 'published' END, updated_at = $4
			WHERE tenant_id = $1 AND id = $2 RETURNING slug`, tenantID, courseID, archived, tx.Now).Scan(&slug)
		if err != nil {
			return err
		}
		action := "course.unarchive"
		if archived {
			action = "course.archive"
		}
		return audit(ctx, tx, tenantID, by, action, slug, nil)
	})
	if err != nil {
		return fmt.Errorf("course: archive: %w", Error(err, "Course"))
	}
	return nil
}
