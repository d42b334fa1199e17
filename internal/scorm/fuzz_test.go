package scorm_test

import (
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/scorm"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

// seeds are the manifests the fuzzer starts from, by corpus file name.
func seeds(t testing.TB) map[string][]byte {
	s := map[string][]byte{
		"hostile-base": []byte(scormtest.Manifest),
		"2004-2nd":     []byte(sample2004Second),
		"2004-3rd":     []byte(sample2004Third),
		"12-prereq":    []byte(sample12Prerequisites),
	}
	for _, fixture := range []string{"sco12", "sco2004"} {
		data, err := os.ReadFile(filepath.Join(scormtest.Fixture(t, fixture), "imsmanifest.xml"))
		if err != nil {
			t.Fatal(err)
		}
		s[fixture] = data
	}
	return s
}

const corpusDir = "testdata/fuzz/FuzzParseManifest"

func corpusFile(data []byte) string {
	return "go test fuzz v1\n[]byte(" + strconv.Quote(string(data)) + ")\n"
}

// TestTheSeedCorpusHoldsTheFixturesAndSamples keeps the committed corpus in
// step with the manifests above; UPDATE_CORPUS=1 rewrites it.
func TestTheSeedCorpusHoldsTheFixturesAndSamples(t *testing.T) {
	t.Parallel()
	for name, data := range seeds(t) {
		file := filepath.Join(corpusDir, name)
		if os.Getenv("UPDATE_CORPUS") == "1" {
			if err := os.MkdirAll(corpusDir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(corpusFile(data)), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(file)
		if err != nil || string(got) != corpusFile(data) {
			t.Errorf("%s is missing or stale: run UPDATE_CORPUS=1 go test -run=SeedCorpus ./internal/scorm", file)
		}
	}
}

// FuzzParseManifest feeds arbitrary manifests to the parser: it never
// panics, refuses only with EINVALID, and every package it accepts
// launches relative, clean paths inside the package.
func FuzzParseManifest(f *testing.F) {
	for _, data := range seeds(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := scorm.ParseManifest(data)
		if err != nil {
			if apperr.Code(err) != apperr.EINVALID {
				t.Fatalf("refused with %q, not invalid: %v", apperr.Code(err), err)
			}
			return
		}
		switch p.Version {
		case scorm.SCORM12, scorm.SCORM2004_2, scorm.SCORM2004_3, scorm.SCORM2004_4:
		default:
			t.Fatalf("version %q", p.Version)
		}
		if len(p.Items) == 0 {
			t.Fatal("accepted a package with nothing to launch")
		}
		for _, it := range p.Items {
			launch := it.Href
			if i := strings.IndexAny(launch, "?#"); i >= 0 {
				launch = launch[:i]
			}
			decoded, err := url.PathUnescape(launch)
			if err != nil {
				decoded = launch
			}
			for _, p := range []string{launch, decoded} {
				if p == "" || p == "." || strings.HasPrefix(p, "/") || p != path.Clean(p) ||
					p == ".." || strings.HasPrefix(p, "../") || strings.ContainsAny(p, "\\\x00") {
					t.Fatalf("item %q launches %q: not a clean path inside the package", it.Identifier, it.Href)
				}
			}
			if strings.ContainsFunc(it.Href, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("item %q launches %q, with a control character", it.Identifier, it.Href)
			}
		}
	})
}
