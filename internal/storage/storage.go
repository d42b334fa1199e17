// Package storage keeps uploaded files. Today it is a folder under
// DATA_DIR; the same small interface can sit on an S3-compatible store when
// there are several app servers.
package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"syscall"
)

// Dir stores files in one folder.
type Dir struct {
	root string
}

// NewDir returns a store rooted at root, creating the folder if needed.
func NewDir(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return &Dir{root: root}, nil
}

// nameRE admits flat names only: no separators, no dot-files, so a name
// can never leave the folder.
var nameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,199}$`)

// ErrBadName is returned for a name that could escape the folder.
var ErrBadName = errors.New("storage: invalid file name")

// NoRoom reports whether err says the file system is full or will not
// take writes (read-only, over quota): the operator's problem, not the
// uploader's, and one that passes once space is freed. It looks at the
// system's error number, so it also fits errors of code that writes its
// own folders under DATA_DIR (the SCORM import).
func NoRoom(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EROFS) || errors.Is(err, syscall.EDQUOT)
}

// Put writes the file atomically: readers see the old file or the new one,
// never half of it, and a failed write leaves no temporary file behind.
func (d *Dir) Put(name string, data []byte) error {
	if !nameRE.MatchString(name) {
		return ErrBadName
	}
	if err := d.put(name, data); err != nil {
		return fmt.Errorf("storage: put: %w", err)
	}
	return nil
}

func (d *Dir) put(name string, data []byte) error {
	tmp, err := os.CreateTemp(d.root, ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(d.root, name))
}

// Open opens a stored file for reading.
func (d *Dir) Open(name string) (io.ReadSeekCloser, error) {
	if !nameRE.MatchString(name) {
		return nil, ErrBadName
	}
	f, err := os.Open(filepath.Join(d.root, name))
	if err != nil {
		return nil, fmt.Errorf("storage: open: %w", err)
	}
	return f, nil
}
