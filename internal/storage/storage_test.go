package storage_test

import (
	"errors"
	"io"
	"testing"

	"github.com/upward-lms/upward/internal/storage"
)

func TestDir(t *testing.T) {
	t.Parallel()
	d, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put("logo-1.png", []byte("png bytes")); err != nil {
		t.Fatal(err)
	}
	f, err := d.Open("logo-1.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != "png bytes" {
		t.Errorf("read back %q", b)
	}
	for _, bad := range []string{"../etc/passwd", "a/b", ".hidden", "", "x\x00y"} {
		if err := d.Put(bad, nil); !errors.Is(err, storage.ErrBadName) {
			t.Errorf("Put(%q) = %v, want ErrBadName", bad, err)
		}
		if _, err := d.Open(bad); !errors.Is(err, storage.ErrBadName) {
			t.Errorf("Open(%q) = %v, want ErrBadName", bad, err)
		}
	}
}
