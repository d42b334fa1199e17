// Package scormtest builds SCORM packages for tests: the fixture
// directories of internal/scorm/testdata zipped, and hostile zips built in
// memory, each a valid package but for the one thing that must make it
// refused. It also computes the values the fixtures' SCOs write, so that
// a test can compare what reached the database.
package scormtest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fixture returns the path of a fixture package directory of
// internal/scorm/testdata ("sco12", "sco2004"), wherever the test runs.
func Fixture(t testing.TB, name string) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("scormtest: cannot locate the fixtures")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata", name)
}

// What the fixtures' SCOs write when the learner presses "next".
const Location = "page-2"

// SuspendData12 is the suspend data sco12 writes: 3,000 characters.
func SuspendData12() string { return SeededText(12, 3000) }

// SuspendData2004 is the suspend data each page of sco2004 writes: 10,000
// characters, more than 1.2 allows and less than 2004's 64,000.
func SuspendData2004() string { return SeededText(2004, 10000) }

// seededAlphabet holds characters that trip naive escaping (quotes, &, <).
const seededAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,;:-_'\"&<>=/"

// SeededText is n characters from a Park-Miller generator started at
// seed: the same function as seededText in the fixtures' scripts.
func SeededText(seed uint32, n int) string {
	var b strings.Builder
	x := uint64(seed)
	for range n {
		x = x * 48271 % 2147483647
		b.WriteByte(seededAlphabet[x%uint64(len(seededAlphabet))])
	}
	return b.String()
}

// Zip zips a fixture directory: every file, deflated, with forward
// slashes and a fixed time, in walk order.
func Zip(t testing.TB, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := w.CreateHeader(&zip.FileHeader{Name: filepath.ToSlash(rel), Method: zip.Deflate, Modified: fixedTime})
		if err != nil {
			return err
		}
		_, err = f.Write(data)
		return err
	})
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		t.Fatalf("scormtest: zip %s: %v", dir, err)
	}
	return buf.Bytes()
}

var fixedTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// Entry is one entry of a zip built in memory.
type Entry struct {
	Name  string
	Body  []byte
	Mode  fs.FileMode // 0 is a regular file
	Flags uint16      // general purpose bits, e.g. 0x1 encrypted
	Store bool        // stored rather than deflated
}

// Manifest is a valid SCORM 1.2 manifest launching index.html, the base of
// every hostile package.
const Manifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="hostile" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Hostile</title>
      <item identifier="item" identifierref="res"><title>Page</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
`

// Package zips a valid one-page package (Manifest and index.html) followed
// by the extra entries.
func Package(t testing.TB, extra ...Entry) []byte {
	t.Helper()
	return Build(t, append([]Entry{
		{Name: "imsmanifest.xml", Body: []byte(Manifest)},
		{Name: "index.html", Body: []byte("<!DOCTYPE html><title>Page</title><p>Page</p>\n")},
	}, extra...)...)
}

// Build zips exactly the entries given.
func Build(t testing.TB, entries ...Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.Name, Method: zip.Deflate, Modified: fixedTime, Flags: e.Flags}
		if e.Store {
			h.Method = zip.Store
		}
		if e.Mode != 0 {
			h.SetMode(e.Mode)
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			t.Fatalf("scormtest: entry %q: %v", e.Name, err)
		}
		if _, err := f.Write(e.Body); err != nil {
			t.Fatalf("scormtest: entry %q: %v", e.Name, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("scormtest: %v", err)
	}
	return buf.Bytes()
}

// ZipSlip has an entry "../evil.js" that would land beside the package.
func ZipSlip(t testing.TB) []byte {
	return Package(t, Entry{Name: "../evil.js", Body: []byte("alert(1)\n")})
}

// AbsolutePath has an entry "/tmp/evil.js".
func AbsolutePath(t testing.TB) []byte {
	return Package(t, Entry{Name: "/tmp/evil.js", Body: []byte("alert(1)\n")})
}

// Backslash has an entry "scripts\evil.js", a folder on Windows.
func Backslash(t testing.TB) []byte {
	return Package(t, Entry{Name: `scripts\evil.js`, Body: []byte("alert(1)\n")})
}

// Symlink has an entry "passwd.txt" that is a symbolic link to
// /etc/passwd.
func Symlink(t testing.TB) []byte {
	return Package(t, Entry{Name: "passwd.txt", Body: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777})
}

// BombByRatio has an entry "bomb.txt" of 16 MB of zeros, which deflate to
// about 16 KB: a ratio near 1,000.
func BombByRatio(t testing.TB) []byte {
	return memo(t, "bomb", func() []byte { return Package(t, Entry{Name: "bomb.txt", Body: make([]byte, 16<<20)}) })
}

// ManyEntries has n entries in all (the package and n-2 small files).
func ManyEntries(t testing.TB, n int) []byte {
	return memo(t, fmt.Sprintf("many-%d", n), func() []byte {
		extra := make([]Entry, 0, n)
		for i := range n - 2 {
			extra = append(extra, Entry{Name: fmt.Sprintf("files/%06d.txt", i), Body: []byte("x"), Store: true})
		}
		return Package(t, extra...)
	})
}

// built holds the packages that take long to build (seconds each under
// the race detector), by name: every test of a process gets the same
// bytes, so they are built once.
var built struct {
	sync.Mutex
	zips map[string][]byte
}

// memo returns a copy of the package name, building it the first time.
func memo(t testing.TB, name string, build func() []byte) []byte {
	t.Helper()
	built.Lock()
	defer built.Unlock()
	z, ok := built.zips[name]
	if !ok {
		z = build()
		if built.zips == nil {
			built.zips = map[string][]byte{}
		}
		built.zips[name] = z
	}
	return bytes.Clone(z)
}

// NoManifest is a web page without imsmanifest.xml.
func NoManifest(t testing.TB) []byte {
	return Build(t, Entry{Name: "index.html", Body: []byte("<!DOCTYPE html><title>Page</title>\n")})
}

// HrefOutside has a manifest whose resource launches "../x.html".
func HrefOutside(t testing.TB) []byte {
	return Build(t,
		Entry{Name: "imsmanifest.xml", Body: []byte(strings.ReplaceAll(Manifest, `"index.html"`, `"../x.html"`))},
		Entry{Name: "index.html", Body: []byte("<!DOCTYPE html><title>Page</title>\n")},
	)
}

// MissingFile has a manifest whose resource launches "missing.html",
// which the package does not have.
func MissingFile(t testing.TB) []byte {
	return Build(t,
		Entry{Name: "imsmanifest.xml", Body: []byte(strings.ReplaceAll(Manifest, `"index.html"`, `"missing.html"`))},
		Entry{Name: "index.html", Body: []byte("<!DOCTYPE html><title>Page</title>\n")},
	)
}

// MalformedXML has a manifest whose line 6 closes <title> with </titel>.
func MalformedXML(t testing.TB) []byte {
	return Build(t,
		Entry{Name: "imsmanifest.xml", Body: []byte(strings.Replace(Manifest, "<title>Hostile</title>", "<title>Hostile</titel>", 1))},
		Entry{Name: "index.html", Body: []byte("<!DOCTYPE html><title>Page</title>\n")},
	)
}

// LyingSizeDeclared is what LyingSize's "lying.bin" declares it unpacks to.
const LyingSizeDeclared = 1000

// LyingSize has an entry "lying.bin" whose headers say it unpacks to
// 1,000 bytes while its data unpacks to 8 MB of zeros. The central
// directory passes every limit: only a reader that counts what it reads
// stops it.
func LyingSize(t testing.TB) []byte {
	t.Helper()
	return memo(t, "lying-size", func() []byte { return lyingSize(t) })
}

func lyingSize(t testing.TB) []byte {
	t.Helper()
	data := make([]byte, 8<<20)
	var compressed bytes.Buffer
	fw, err := flate.NewWriter(&compressed, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	valid := Package(t)
	r, err := zip.NewReader(bytes.NewReader(valid), int64(len(valid)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range r.File {
		if err := w.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := w.CreateRaw(&zip.FileHeader{
		Name:               "lying.bin",
		Method:             zip.Deflate,
		Modified:           fixedTime,
		CRC32:              crc32.ChecksumIEEE(data),
		CompressedSize64:   uint64(compressed.Len()),
		UncompressedSize64: LyingSizeDeclared,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Write(compressed.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Hostile is a package that must be refused, and the words of the refusal.
type Hostile struct {
	Name      string
	Zip       []byte
	Refusal   string // a part of the error message
	AtExtract bool   // refused by Extract, Open having no way to tell
}

// Hostiles are all the hostile packages, for tests that check a refused
// upload leaves nothing behind.
func Hostiles(t testing.TB) []Hostile {
	t.Helper()
	return []Hostile{
		{Name: "ZipSlip", Zip: ZipSlip(t), Refusal: "“../evil.js”: a name that climbs out of the package"},
		{Name: "AbsolutePath", Zip: AbsolutePath(t), Refusal: "“/tmp/evil.js”: an absolute path"},
		{Name: "Backslash", Zip: Backslash(t), Refusal: `“scripts\evil.js”: a name with backslashes`},
		{Name: "Symlink", Zip: Symlink(t), Refusal: "“passwd.txt”: a symbolic link"},
		{Name: "BombByRatio", Zip: BombByRatio(t), Refusal: "“bomb.txt”: a file that unpacks more than 100 times its size"},
		{Name: "ManyEntries", Zip: ManyEntries(t, 20_000), Refusal: "the package has 20000 entries, more than the 10000 a package may have"},
		{Name: "NoManifest", Zip: NoManifest(t), Refusal: "the package has no imsmanifest.xml at its root"},
		{Name: "HrefOutside", Zip: HrefOutside(t), Refusal: "the href “../x.html” climbs out of the package"},
		{Name: "MissingFile", Zip: MissingFile(t), Refusal: "the href “missing.html” names a file that is not in the package"},
		{Name: "MalformedXML", Zip: MalformedXML(t), Refusal: "imsmanifest.xml line 6: element <title> closed by </titel>"},
		{Name: "LyingSize", Zip: LyingSize(t), Refusal: "“lying.bin”: an entry holding more data than its header declares", AtExtract: true},
	}
}
