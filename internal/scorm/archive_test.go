package scorm_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/scorm"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

func open(t *testing.T, zip []byte, lim scorm.Limits) (*scorm.Archive, error) {
	t.Helper()
	return scorm.Open(bytes.NewReader(zip), int64(len(zip)), lim)
}

// extractInto extracts a below dir/pkg and returns dir, so that a test can
// check nothing landed beside the package.
func extractInto(t *testing.T, a *scorm.Archive) (dir string, err error) {
	t.Helper()
	dir = t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "pkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(filepath.Join(dir, "pkg"))
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	return dir, a.Extract(root)
}

// filesUnder lists the files below dir, relative, with forward slashes.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// hostiles are scormtest.Hostiles, made once for the tests of the package:
// the zip bomb, the 20,000 entries and the lying entry take seconds each
// to make under the race detector.
var hostiles struct {
	once sync.Once
	all  []scormtest.Hostile
}

func allHostiles(t *testing.T) []scormtest.Hostile {
	t.Helper()
	hostiles.once.Do(func() { hostiles.all = scormtest.Hostiles(t) })
	if hostiles.all == nil {
		t.Fatal("scormtest: the hostile packages could not be made")
	}
	return hostiles.all
}

// hostileZip is the hostile package of that name.
func hostileZip(t *testing.T, name string) []byte {
	t.Helper()
	for _, h := range allHostiles(t) {
		if h.Name == name {
			return h.Zip
		}
	}
	t.Fatalf("scormtest has no hostile package %s", name)
	return nil
}

func wantRefusal(t *testing.T, err error, message string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want refused with %q", message)
	}
	if apperr.Code(err) != apperr.EINVALID {
		t.Fatalf("error %v is %q, want invalid", err, apperr.Code(err))
	}
	if !strings.Contains(apperr.Message(err), message) {
		t.Fatalf("message %q does not say %q", apperr.Message(err), message)
	}
}

func TestOpenRefusesHostilePackagesNamingTheProblem(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		zip     []byte
		message string
	}{
		{"ZipSlip", scormtest.ZipSlip(t), "“../evil.js”: a name that climbs out of the package"},
		{"DotDotInside", scormtest.Package(t, scormtest.Entry{Name: "a/../index.html", Body: []byte("x")}), "“a/../index.html”: a name that climbs out of the package"},
		{"AbsolutePath", scormtest.AbsolutePath(t), "“/tmp/evil.js”: an absolute path"},
		{"Backslash", scormtest.Backslash(t), `“scripts\evil.js”: a name with backslashes`},
		{"DriveLetter", scormtest.Package(t, scormtest.Entry{Name: "C:evil.js", Body: []byte("x")}), "“C:evil.js”: a name starting with a drive letter"},
		{"NUL", scormtest.Package(t, scormtest.Entry{Name: "evil\x00.js", Body: []byte("x")}), `“evil\x00.js”: a name with a NUL byte`},
		{"DuplicateAfterCleaning", scormtest.Package(t, scormtest.Entry{Name: "./index.html", Body: []byte("x")}), "“./index.html”: a name that appears twice in the package"},
		{"FileAndFolder", scormtest.Package(t, scormtest.Entry{Name: "index.html/x.js", Body: []byte("x")}), "“index.html”: both a file and a folder"},
		{"Symlink", scormtest.Symlink(t), "“passwd.txt”: a symbolic link"},
		{"NamedPipe", scormtest.Package(t, scormtest.Entry{Name: "fifo", Mode: fs.ModeNamedPipe | 0o644}), "“fifo”: neither a regular file nor a folder"},
		{"Device", scormtest.Package(t, scormtest.Entry{Name: "disk", Mode: fs.ModeDevice | 0o644}), "“disk”: neither a regular file nor a folder"},
		{"Encrypted", scormtest.Package(t, scormtest.Entry{Name: "secret.js", Body: []byte("x"), Flags: 0x1}), "“secret.js”: an encrypted entry"},
		{"BombByRatio", hostileZip(t, "BombByRatio"), "“bomb.txt”: a file that unpacks more than 100 times its size (a zip bomb?)"},
		{"ManyEntries", hostileZip(t, "ManyEntries"), "the package has 20000 entries, more than the 10000 a package may have"},
		{"NotAZip", []byte("<html>not a zip</html>"), "the upload is not a zip archive, or it is damaged"},
		{"NoManifest", scormtest.NoManifest(t), "the package has no imsmanifest.xml at its root"},
		{"ManifestInAFolder", scormtest.Build(t, scormtest.Entry{Name: "course/imsmanifest.xml", Body: []byte(scormtest.Manifest)}), "the package has no imsmanifest.xml at its root, but has course/imsmanifest.xml: zip the contents of the folder, not the folder"},
		{"HrefOutside", scormtest.HrefOutside(t), "imsmanifest.xml: resource “res”: the href “../x.html” climbs out of the package"},
		{"MissingFile", scormtest.MissingFile(t), "imsmanifest.xml: resource “res”: the href “missing.html” names a file that is not in the package"},
		{"MalformedXML", scormtest.MalformedXML(t), "imsmanifest.xml line 6: element <title> closed by </titel>"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := open(t, tt.zip, scorm.DefaultLimits)
			wantRefusal(t, err, tt.message)
		})
	}
}

func TestOpenRefusesPackagesOverTheLimits(t *testing.T) {
	t.Parallel()
	pkg := scormtest.Package(t, scormtest.Entry{Name: "media.bin", Body: []byte(scormtest.SeededText(1, 1<<20+16))}) // just over 1 MB, compressing about 5 to 4
	for _, tt := range []struct {
		name    string
		limits  func(*scorm.Limits)
		message string
	}{
		{"ZipSize", func(l *scorm.Limits) { l.MaxZipBytes = 1000 }, "more than the 1000 bytes a package may be"},
		{"Entries", func(l *scorm.Limits) { l.MaxFiles = 2 }, "the package has 3 entries, more than the 2 a package may have"},
		{"OneFileUnpacked", func(l *scorm.Limits) { l.MaxUncompressedBytes = 1 << 19 }, "“media.bin”: a file of 1.0 MB, more than the 0.5 MB a package may unpack to"},
		{"AllFilesUnpacked", func(l *scorm.Limits) { l.MaxUncompressedBytes = 1<<20 + 100 }, "the package unpacks to more than the 1.0 MB a package may"},
		{"RatioPerEntry", func(l *scorm.Limits) { l.MaxRatio = 1.1 }, "“media.bin”: a file that unpacks more than 1.1 times its size"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lim := scorm.DefaultLimits
			tt.limits(&lim)
			_, err := open(t, pkg, lim)
			wantRefusal(t, err, tt.message)
		})
	}
	t.Run("RatioOverall", func(t *testing.T) {
		// Many files each under the 1 MB exempting small files from the
		// ratio, together well over it.
		var extra []scormtest.Entry
		for _, name := range []string{"a", "b", "c", "d"} {
			extra = append(extra, scormtest.Entry{Name: name + ".txt", Body: make([]byte, 1<<19)})
		}
		_, err := open(t, scormtest.Package(t, extra...), scorm.DefaultLimits)
		wantRefusal(t, err, "the package unpacks more than 100 times its size (a zip bomb?)")
	})
	t.Run("SmallCompressibleFilesAreFine", func(t *testing.T) {
		pkg := scormtest.Package(t, scormtest.Entry{Name: "padding.json", Body: make([]byte, 100_000)})
		if _, err := open(t, pkg, scorm.DefaultLimits); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEveryHostileFixtureIsRefusedWithItsMessage(t *testing.T) {
	t.Parallel()
	for _, h := range allHostiles(t) {
		t.Run(h.Name, func(t *testing.T) {
			a, err := open(t, h.Zip, scorm.DefaultLimits)
			if h.AtExtract {
				if err != nil {
					t.Fatalf("Open refused what only Extract can tell: %v", err)
				}
				_, err = extractInto(t, a)
			}
			wantRefusal(t, err, h.Refusal)
		})
	}
}

func TestExtractStopsAtWhatAHeaderDeclared(t *testing.T) {
	t.Parallel()
	a, err := open(t, hostileZip(t, "LyingSize"), scorm.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := extractInto(t, a)
	wantRefusal(t, err, "“lying.bin”: an entry holding more data than its header declares")
	info, err := os.Stat(filepath.Join(dir, "pkg", "lying.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if info.Size() > scormtest.LyingSizeDeclared {
		t.Errorf("wrote %d bytes of lying.bin, more than the %d its header declared", info.Size(), scormtest.LyingSizeDeclared)
	}
	for _, f := range filesUnder(t, dir) {
		if !strings.HasPrefix(f, "pkg/") {
			t.Errorf("%s was written outside the package root", f)
		}
	}
}

func TestExtractWritesEveryFileBelowRootAndNothingElse(t *testing.T) {
	t.Parallel()
	for _, fixture := range []string{"sco12", "sco2004"} {
		t.Run(fixture, func(t *testing.T) {
			src := scormtest.Fixture(t, fixture)
			a, err := open(t, scormtest.Zip(t, src), scorm.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			dir, err := extractInto(t, a)
			if err != nil {
				t.Fatal(err)
			}
			got := filesUnder(t, dir)
			var want []string
			for _, f := range filesUnder(t, src) {
				want = append(want, "pkg/"+f)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("extracted %q, want %q", got, want)
			}
			for _, f := range a.Package.Files {
				written, err := os.ReadFile(filepath.Join(dir, "pkg", f))
				if err != nil {
					t.Fatal(err)
				}
				original, err := os.ReadFile(filepath.Join(src, f))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(written, original) {
					t.Errorf("%s differs from the fixture", f)
				}
			}
		})
	}
}

func TestExtractCreatesFoldersFromEntriesAndPaths(t *testing.T) {
	t.Parallel()
	pkg := scormtest.Package(t,
		scormtest.Entry{Name: "empty/", Mode: fs.ModeDir | 0o755},
		scormtest.Entry{Name: "deep/er/still/file.txt", Body: []byte("x")},
		scormtest.Entry{Name: "./dotted/./file.txt", Body: []byte("y")},
	)
	a, err := open(t, pkg, scorm.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"deep/er/still/file.txt", "dotted/file.txt", "imsmanifest.xml", "index.html"}
	if !slices.Equal(a.Package.Files, want) {
		t.Errorf("Files = %q, want %q", a.Package.Files, want)
	}
	dir, err := extractInto(t, a)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, "pkg", "empty")); err != nil || !info.IsDir() {
		t.Errorf("the empty folder was not created: %v", err)
	}
	if got := filesUnder(t, filepath.Join(dir, "pkg")); !slices.Equal(got, want) {
		t.Errorf("extracted %q, want %q", got, want)
	}
}

func TestExtractNeverFollowsASymlinkOutOfRoot(t *testing.T) {
	t.Parallel()
	// A root is meant to be new and empty; should something have planted
	// links in it, the files still land nowhere else.
	outside := t.TempDir()
	target := filepath.Join(outside, "target.html")
	if err := os.WriteFile(target, []byte("untouched"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ link, to, entry string }{
		{"index.html", target, "index.html"},
		{"sub", outside, "sub/target.html"},
	} {
		t.Run(tt.link, func(t *testing.T) {
			a, err := open(t, scormtest.Package(t, scormtest.Entry{Name: "sub/target.html", Body: []byte("planted")}), scorm.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			if err := os.Symlink(tt.to, filepath.Join(dir, tt.link)); err != nil {
				t.Fatal(err)
			}
			root, err := os.OpenRoot(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			if err := a.Extract(root); err == nil {
				t.Fatalf("extracted %s through a link out of root", tt.entry)
			}
			if got, _ := os.ReadFile(target); string(got) != "untouched" {
				t.Errorf("the file outside root now holds %q", got)
			}
			if got := filesUnder(t, outside); !slices.Equal(got, []string{"target.html"}) {
				t.Errorf("outside root: %q", got)
			}
		})
	}
}
