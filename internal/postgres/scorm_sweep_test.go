package postgres_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
)

// An extraction left by a stopped import is removed once it is old; one
// under way is left alone.
func TestSweepExtractions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := postgres.NewScormService(nil, dir)
	if err := s.SweepExtractions(time.Hour); err != nil {
		t.Fatalf("without a tmp folder: %v", err)
	}
	old, fresh := filepath.Join(dir, "tmp", "old"), filepath.Join(dir, "tmp", "fresh")
	for _, d := range []string{old, fresh} {
		if err := os.MkdirAll(filepath.Join(d, "pages"), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	then := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, then, then)
	if err := s.SweepExtractions(time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !os.IsNotExist(err) {
		t.Error("the old extraction is still there")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("the fresh extraction was removed")
	}
}
