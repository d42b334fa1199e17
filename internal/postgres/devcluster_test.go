package postgres

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindPostgresBin(t *testing.T) {
	// Not parallel: its subtests set PATH with t.Setenv, which is process-wide.
	t.Run("NoneInstalledSaysWhatToInstall", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		_, err := findPostgresBinIn(t.TempDir())
		if !errors.Is(err, ErrNoPostgres) {
			t.Fatalf("err = %v, want ErrNoPostgres", err)
		}
		for _, hint := range []string{"postgresql-15", "docker compose up -d db", "DATABASE_URL"} {
			if !strings.Contains(err.Error(), hint) {
				t.Errorf("message %q does not mention %q", err, hint)
			}
		}
	})
	t.Run("PicksTheNewestDebianVersion", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		root := t.TempDir()
		for _, v := range []string{"9", "15", "13"} {
			bin := filepath.Join(root, v, "bin")
			os.MkdirAll(bin, 0o755)
			os.WriteFile(filepath.Join(bin, "initdb"), nil, 0o755)
		}
		got, err := findPostgresBinIn(root)
		if err != nil || got != filepath.Join(root, "15", "bin") {
			t.Errorf("got %q, %v; want version 15", got, err)
		}
	})
}
