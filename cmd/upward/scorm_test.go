package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

func TestScormImport(t *testing.T) {
	t.Parallel()
	_, flags := newDatabase(t)
	if code := run(context.Background(), commandArgs("seed", flags, "--history=false"), io.Discard, io.Discard); code != 0 {
		t.Fatalf("seed: exit %d", code)
	}
	file := func(name string, zip []byte) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(p, zip, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	importFile := func(path string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), commandArgs("scorm import", flags, "--tenant", "demo", "--publish", path), &out, &errOut)
		return code, out.String(), errOut.String()
	}
	t.Run("APackageBecomesAPublishedCourse", func(t *testing.T) {
		code, out, errOut := importFile(file("sco2004.zip", scormtest.Zip(t, scormtest.Fixture(t, "sco2004"))))
		if code != 0 || !strings.Contains(out, "SCORM 2004 4th Edition, 3 activities") || !strings.Contains(out, "published version 1") {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("AHostilePackageIsRefusedNamingTheProblem", func(t *testing.T) {
		code, _, errOut := importFile(file("slip.zip", scormtest.ZipSlip(t)))
		if code != 1 || !strings.Contains(errOut, "slip.zip") || !strings.Contains(errOut, "..") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})
	t.Run("ThePortalIsRequired", func(t *testing.T) {
		var errOut bytes.Buffer
		if code := run(context.Background(), []string{"scorm", "import", "x.zip"}, io.Discard, &errOut); code != 1 || !strings.Contains(errOut.String(), "--tenant") {
			t.Errorf("exit %d: %s", code, errOut.String())
		}
	})
}
