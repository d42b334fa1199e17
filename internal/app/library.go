package app

import (
	"context"
	"io/fs"
	"sync"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
)

// builtinLibrary is the course library compiled into the binary, read and
// checked once per process: it cannot change, and every server a process
// opens (a test run opens hundreds) shares it. make test lints it; a
// course with problems is left out rather than stopping the server.
var builtinLibrary = sync.OnceValues(func() ([]library.Loaded, []library.Problem) {
	return library.LoadAll(courses.FS, ".")
})

// LibraryInstall says what to copy from a course library into a portal.
type LibraryInstall = postgres.LibraryInstall

// InstallLibrary copies library courses (and, with all of them, the
// paths) into a portal, storing their files in files: see
// postgres.InstallLibrary.
func InstallLibrary(ctx context.Context, db *postgres.DB, files *storage.Dir, src fs.FS, tenantID int64, opt LibraryInstall, by postgres.AuditActor, say func(format string, args ...any)) error {
	return postgres.InstallLibrary(ctx, db, files.Put, src, tenantID, opt, by, say)
}
