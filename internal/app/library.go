package app

import (
	"context"
	"io/fs"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
)

// LibraryInstall says what to copy from a course library into a portal.
type LibraryInstall = postgres.LibraryInstall

// InstallLibrary copies library courses (and, with all of them, the
// paths) into a portal, storing their files in files: see
// postgres.InstallLibrary.
func InstallLibrary(ctx context.Context, db *postgres.DB, files *storage.Dir, src fs.FS, tenantID int64, opt LibraryInstall, by postgres.AuditActor, say func(format string, args ...any)) error {
	return postgres.InstallLibrary(ctx, db, files.Put, src, tenantID, opt, by, say)
}
