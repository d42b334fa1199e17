package postgres_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"os"
	"testing"
	"testing/fstest"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/fixture"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
)

// libraryCourse is the parser's example course with an image added, so
// files travel too.
func libraryCourse(t *testing.T) (fstest.MapFS, string) {
	t.Helper()
	fsys := fstest.MapFS{}
	for _, name := range []string{"course.yaml", "01-prepare.md", "02-the-conversation.md", "03-practise.md"} {
		b, err := os.ReadFile("../library/testdata/good/example/" + name)
		if err != nil {
			t.Fatal(err)
		}
		fsys["lib/example/"+name] = &fstest.MapFile{Data: b}
	}
	var img bytes.Buffer
	png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 8, 8)))
	fsys["lib/example/images/agenda.png"] = &fstest.MapFile{Data: img.Bytes()}
	fsys["lib/example/01-prepare.md"].Data = append(fsys["lib/example/01-prepare.md"].Data,
		[]byte("\n```@image\nsrc: images/agenda.png\nalt: A three-item agenda written on a notepad.\n```\n")...)
	return fsys, "lib/example"
}

func TestCourse_ImportExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	a := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme"})
	b := fixture.Build(t, db, fixture.Spec{Slug: "globex", Name: "Globex"})
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	courses := postgres.NewCourseService(db)

	src, dir := libraryCourse(t)
	c, problems := library.Load(src, dir)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	if err := library.StoreFiles(&c, src, dir, files.Put); err != nil {
		t.Fatal(err)
	}
	first, err := courses.ImportCourse(ctx, a.ID, c, c.Slug, by)
	if err != nil {
		t.Fatal(err)
	}

	var zipped bytes.Buffer
	open := func(name string) ([]byte, error) {
		f, err := files.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(f)
	}
	if err := library.ExportZip(&zipped, first.Draft, open); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err != nil {
		t.Fatal(err)
	}
	again, problems := library.Load(zr, c.Slug)
	if len(problems) > 0 {
		t.Fatalf("the export does not load: %v", problems)
	}
	if err := library.StoreFiles(&again, zr, c.Slug, files.Put); err != nil {
		t.Fatal(err)
	}
	second, err := courses.ImportCourse(ctx, b.ID, again, "", by)
	if err != nil {
		t.Fatal(err)
	}

	x, y := first.Draft, second.Draft
	if len(x.Modules) != len(y.Modules) {
		t.Fatalf("modules: %d vs %d", len(x.Modules), len(y.Modules))
	}
	blocks := 0
	for i := range x.Modules {
		for j := range x.Modules[i].Lessons {
			lx, ly := x.Modules[i].Lessons[j], y.Modules[i].Lessons[j]
			if len(lx.Blocks) != len(ly.Blocks) {
				t.Fatalf("lesson %s: %d vs %d blocks", lx.Key, len(lx.Blocks), len(ly.Blocks))
			}
			for k := range lx.Blocks {
				bx, _ := json.Marshal(lx.Blocks[k])
				by, _ := json.Marshal(ly.Blocks[k])
				if !bytes.Equal(bx, by) {
					t.Errorf("lesson %s block %d differs:\n%s\n%s", lx.Key, k, bx, by)
				}
				blocks++
			}
		}
	}
	mx, _ := json.Marshal(course.Course{Slug: x.Slug, Title: x.Title, Summary: x.Summary, Description: x.Description, Level: x.Level, Tags: x.Tags})
	my, _ := json.Marshal(course.Course{Slug: y.Slug, Title: y.Title, Summary: y.Summary, Description: y.Description, Level: y.Level, Tags: y.Tags})
	if !bytes.Equal(mx, my) {
		t.Errorf("metadata differs:\n%s\n%s", mx, my)
	}
	if blocks < 7 {
		t.Errorf("compared only %d blocks", blocks)
	}
}

func TestCourse_PublishAndReimport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	a := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme"})
	courses := postgres.NewCourseService(db)
	c := fixture.ExampleCourse(t)
	rec, err := courses.ImportCourse(ctx, a.ID, c, c.Slug, by)
	if err != nil {
		t.Fatal(err)
	}
	v, err := courses.Publish(ctx, a.ID, rec.ID, "First release", by)
	if err != nil || v != 1 {
		t.Fatalf("publish: %d, %v", v, err)
	}
	t.Run("AVersionIsImmutable", func(t *testing.T) {
		err := db.InTenantTx(ctx, a.ID, func(tx *postgres.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE course_versions SET note = 'changed'`)
			return err
		})
		if err == nil {
			t.Error("a published version was updated")
		}
	})
	t.Run("ReimportWithoutLocalChangesMakesANewDraft", func(t *testing.T) {
		c2 := c
		c2.Title = "Your First One-on-One, Revised"
		r, err := courses.ImportCourse(ctx, a.ID, c2, c.Slug, by)
		if err != nil || r.Draft.Title != c2.Title || r.Title != c.Title {
			t.Errorf("draft %q, catalog %q, err %v", r.Draft.Title, r.Title, err)
		}
		pub, _ := courses.FindVersion(ctx, a.ID, rec.ID, 1)
		if pub.Title != c.Title {
			t.Errorf("the published version changed: %q", pub.Title)
		}
	})
	t.Run("ReimportNeverOverwritesUnpublishedChanges", func(t *testing.T) {
		_, err := courses.ImportCourse(ctx, a.ID, c, c.Slug, by)
		if apperr.Code(err) != apperr.ECONFLICT {
			t.Errorf("err = %v, want a conflict", err)
		}
	})
	t.Run("AnIncompleteCourseIsRefused", func(t *testing.T) {
		bad := c
		bad.Slug = "bad"
		bad.Modules = nil
		if _, err := courses.ImportCourse(ctx, a.ID, bad, "", by); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("err = %v, want invalid", err)
		}
	})
}

func TestCourse_EditDraft(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	a := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme"})
	courses := postgres.NewCourseService(db)
	c := fixture.ExampleCourse(t)
	rec, err := courses.ImportCourse(ctx, a.ID, c, "", by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, a.ID, rec.ID, "v1", by); err != nil {
		t.Fatal(err)
	}
	lessonKey := rec.Draft.Modules[0].Lessons[0].Key
	firstBlock := rec.Draft.Modules[0].Lessons[0].Blocks[0].Key

	edited, err := courses.EditDraft(ctx, a.ID, rec.ID, rec.DraftRevision, by, func(c *course.Course) error {
		return c.MoveBlock(firstBlock, lessonKey, 99)
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("TheDraftShowsUnpublishedChanges", func(t *testing.T) {
		ch, err := courses.DraftChanges(ctx, edited)
		if err != nil || ch.BlocksMoved == 0 {
			t.Errorf("changes %+v, %v", ch, err)
		}
	})
	t.Run("AStaleRevisionIsRefused", func(t *testing.T) {
		_, err := courses.EditDraft(ctx, a.ID, rec.ID, rec.DraftRevision, by, func(c *course.Course) error { return nil })
		if apperr.Code(err) != apperr.ECONFLICT {
			t.Errorf("err = %v, want conflict", err)
		}
	})
	t.Run("AFailedEditChangesNothing", func(t *testing.T) {
		_, err := courses.EditDraft(ctx, a.ID, rec.ID, edited.DraftRevision, by, func(c *course.Course) error {
			c.Title = "Changed"
			return course.ErrNotFound
		})
		after, _ := courses.FindCourseBySlug(ctx, a.ID, c.Slug)
		if err == nil || after.Draft.Title == "Changed" || after.DraftRevision != edited.DraftRevision {
			t.Errorf("err %v, title %q, revision %d", err, after.Draft.Title, after.DraftRevision)
		}
	})
	t.Run("RollbackRestoresAVersionAsTheDraft", func(t *testing.T) {
		r, err := courses.Rollback(ctx, a.ID, rec.ID, 1, by)
		if err != nil {
			t.Fatal(err)
		}
		if ch, _ := courses.DraftChanges(ctx, r); ch.Any() {
			t.Errorf("after rollback the draft still differs: %+v", ch)
		}
	})
	t.Run("AnotherTenantCannotEdit", func(t *testing.T) {
		b := fixture.Build(t, db, fixture.Spec{Slug: "globex", Name: "Globex"})
		_, err := courses.EditDraft(ctx, b.ID, rec.ID, 0, by, func(c *course.Course) error { return nil })
		if apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("err = %v, want not found", err)
		}
	})
}

// A course made in the editor (its modules and blocks keyed at random),
// published, exported and imported again unchanged comes back unchanged:
// the import keeps the keys the files cannot carry. Changed in its files,
// it shows just that change.
func TestCourse_AnUnchangedExportReimportsUnchanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := fixture.DB(t)
	by := postgres.AuditActor{Label: "test"}
	a := fixture.Build(t, db, fixture.Spec{Slug: "acme", Name: "Acme"})
	courses := postgres.NewCourseService(db)
	c := fixture.ExampleCourse(t)
	for i := range c.Modules {
		c.Modules[i].Key = "editor-module-" + string(rune('q'+i))
		for j := range c.Modules[i].Lessons {
			for k := range c.Modules[i].Lessons[j].Blocks {
				c.Modules[i].Lessons[j].Blocks[k].Key = "editor-block-" + c.Modules[i].Lessons[j].Key + "-" + string(rune('a'+k))
			}
		}
	}
	rec, err := courses.ImportCourse(ctx, a.ID, c, "", by)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := courses.Publish(ctx, a.ID, rec.ID, "First", by); err != nil {
		t.Fatal(err)
	}
	roundTrip := func(edit func(files map[string][]byte)) course.Course {
		t.Helper()
		files, err := library.Write(c)
		if err != nil {
			t.Fatal(err)
		}
		edit(files)
		fsys := fstest.MapFS{}
		for name, data := range files {
			fsys["x/"+name] = &fstest.MapFile{Data: data}
		}
		back, problems := library.Load(fsys, "x")
		if len(problems) > 0 {
			t.Fatalf("the export does not load: %v", problems)
		}
		return back
	}

	same := roundTrip(func(map[string][]byte) {})
	again, err := courses.ImportCourse(ctx, a.ID, same, "", by)
	if err != nil {
		t.Fatal(err)
	}
	if ch := course.Diff(c, again.Draft); ch.Any() {
		t.Errorf("the unchanged export reimported as changes: %+v", ch)
	}

	lesson := c.Modules[0].Lessons[0].Key + ".md"
	edited := roundTrip(func(files map[string][]byte) {
		if !bytes.Contains(files[lesson], []byte(" the ")) {
			t.Fatalf("%s has no word to change", lesson)
		}
		files[lesson] = bytes.Replace(files[lesson], []byte(" the "), []byte(" THE "), 1)
	})
	again, err = courses.ImportCourse(ctx, a.ID, edited, "", by)
	if err != nil {
		t.Fatal(err)
	}
	if ch := course.Diff(c, again.Draft); ch != (course.Changes{BlocksChanged: 1, LessonsChanged: 0}) {
		t.Errorf("one word changed in one block: %+v", ch)
	}
}
