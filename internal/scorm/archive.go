package scorm

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// Limits cap a package. Sizes and ratios are first checked from the zip's
// central directory, before any content is read, and again while
// extracting, since a header may lie.
type Limits struct {
	MaxZipBytes          int64   // the zip itself
	MaxFiles             int     // entries of the zip, folders included
	MaxUncompressedBytes int64   // all entries together, unpacked
	MaxRatio             float64 // unpacked to packed, per entry and overall; see ratioFloor
}

// DefaultLimits are 500 MB zipped, 10,000 entries, 2 GB unpacked and a
// ratio of 100 to 1, per entry and overall. Authoring tools' packages are
// tens of MB and a few hundred files; video-heavy ones reach a few hundred
// MB, and media barely compress.
var DefaultLimits = Limits{
	MaxZipBytes:          500 << 20,
	MaxFiles:             10_000,
	MaxUncompressedBytes: 2 << 30,
	MaxRatio:             100,
}

// ratioFloor exempts small entries (and small packages) from MaxRatio: a
// few hundred KB of repetitive JSON or padding can compress past 100 to 1
// and harms no one, while a bomb needs size to do damage.
const ratioFloor = 1 << 20

// maxManifestBytes caps the manifest, which is parsed in memory.
const maxManifestBytes = 16 << 20

// Archive is a package that passed Open's checks, ready to extract.
type Archive struct {
	Package Package
	entries []entry // in zip order, checked
	limits  Limits
}

type entry struct {
	name string // cleaned
	dir  bool
	file *zip.File
}

// Open checks a zip against the limits and the naming rules before it
// reads any content (sizes and ratios from the central directory), then
// reads and parses imsmanifest.xml at the root, and checks that every
// href of the manifest (resources, their files and those of their
// dependencies) stays inside the package and names a file in it.
//
// It refuses names with "..", absolute paths, backslashes, drive letters,
// control characters or invalid UTF-8; two entries with one name after
// cleaning, or a file that is also a folder; symbolic links and anything
// else that is not a regular file or a folder (by the entries' external
// attributes); encrypted entries and compression methods other than
// store and deflate. Every refusal is an apperr.EINVALID error naming the
// problem and the entry, e.g. `“../evil.js”: a name that climbs out of
// the package`.
//
// The Archive reads from r until Extract returns.
func Open(r io.ReaderAt, size int64, lim Limits) (*Archive, error) {
	if size > lim.MaxZipBytes {
		return nil, invalid("the package is %s, more than the %s a package may be", megabytes(size), megabytes(lim.MaxZipBytes))
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // insecure names get our own messages below
		return nil, invalid("the upload is not a zip archive, or it is damaged")
	}
	if len(zr.File) > lim.MaxFiles {
		return nil, invalid("the package has %d entries, more than the %d a package may have", len(zr.File), lim.MaxFiles)
	}
	entries, err := checkEntries(zr.File, lim)
	if err != nil {
		return nil, err
	}
	a := &Archive{entries: entries, limits: lim}
	files := make(map[string]*zip.File, len(entries))
	for _, e := range entries {
		if !e.dir {
			files[e.name] = e.file
			a.Package.Files = append(a.Package.Files, e.name)
		}
	}
	sort.Strings(a.Package.Files)
	manifest, err := readManifest(files, a.Package.Files)
	if err != nil {
		return nil, err
	}
	p, refs, err := parseManifest(manifest)
	if err != nil {
		return nil, err
	}
	for _, ref := range refs {
		if files[ref.file] == nil {
			return nil, invalid("%s: resource “%s”: the href “%s” names a file that is not in the package", ManifestName, shown(ref.owner), shown(ref.href))
		}
	}
	p.Files = a.Package.Files
	a.Package = p
	return a, nil
}

// checkEntries applies the naming, type and size rules to the central
// directory.
func checkEntries(zfiles []*zip.File, lim Limits) ([]entry, error) {
	entries := make([]entry, 0, len(zfiles))
	kinds := make(map[string]bool, len(zfiles)) // name -> is a folder
	var unpacked, packed uint64
	for _, f := range zfiles {
		if problem := nameProblem(f.Name); problem != "" {
			return nil, refuse(f.Name, problem)
		}
		if f.Flags&0x1 != 0 {
			return nil, refuse(f.Name, "an encrypted entry")
		}
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			return nil, refuse(f.Name, "a symbolic link")
		case mode.Type()&^fs.ModeDir != 0:
			return nil, refuse(f.Name, "neither a regular file nor a folder")
		}
		e := entry{name: path.Clean(strings.TrimSuffix(f.Name, "/")), dir: mode.IsDir(), file: f}
		if e.dir && f.UncompressedSize64 > 0 {
			return nil, refuse(f.Name, "a folder with content")
		}
		if e.name == "." {
			if e.dir {
				continue // "./": the root itself
			}
			return nil, refuse(f.Name, "a file without a name")
		}
		if _, dup := kinds[e.name]; dup {
			return nil, refuse(f.Name, "a name that appears twice in the package")
		}
		kinds[e.name] = e.dir
		if !e.dir {
			if f.Method != zip.Store && f.Method != zip.Deflate {
				return nil, refuse(f.Name, "compressed with a method we cannot read (use deflate)")
			}
			if f.UncompressedSize64 > uint64(lim.MaxUncompressedBytes) {
				return nil, refuse(f.Name, fmt.Sprintf("a file of %s, more than the %s a package may unpack to", megabytes(int64(min(f.UncompressedSize64, 1<<62))), megabytes(lim.MaxUncompressedBytes)))
			}
			if overRatio(f.UncompressedSize64, f.CompressedSize64, lim.MaxRatio) {
				return nil, refuse(f.Name, fmt.Sprintf("a file that unpacks more than %g times its size (a zip bomb?)", lim.MaxRatio))
			}
			unpacked += f.UncompressedSize64
			packed += f.CompressedSize64
			if unpacked > uint64(lim.MaxUncompressedBytes) {
				return nil, invalid("the package unpacks to more than the %s a package may", megabytes(lim.MaxUncompressedBytes))
			}
		}
		entries = append(entries, e)
	}
	if overRatio(unpacked, packed, lim.MaxRatio) {
		return nil, invalid("the package unpacks more than %g times its size (a zip bomb?)", lim.MaxRatio)
	}
	for _, e := range entries {
		for dir := path.Dir(e.name); dir != "."; dir = path.Dir(dir) {
			if isDir, ok := kinds[dir]; ok && !isDir {
				return nil, refuse(dir, "both a file and a folder")
			}
		}
	}
	return entries, nil
}

func overRatio(unpacked, packed uint64, ratio float64) bool {
	return unpacked > ratioFloor && float64(unpacked) > ratio*float64(packed)
}

// nameProblem says what is wrong with a zip entry's name, or "".
func nameProblem(name string) string {
	switch {
	case name == "":
		return "an empty name"
	case !utf8.ValidString(name):
		return "a name that is not UTF-8"
	case strings.ContainsRune(name, 0):
		return "a name with a NUL byte"
	case strings.ContainsFunc(name, isControl):
		return "a name with a control character"
	case strings.ContainsRune(name, '\\'):
		return "a name with backslashes"
	case strings.HasPrefix(name, "/"):
		return "an absolute path"
	case len(name) >= 2 && name[1] == ':' && ('a' <= name[0]|0x20 && name[0]|0x20 <= 'z'):
		return "a name starting with a drive letter"
	case len(name) > 1024:
		return "a name longer than 1,024 bytes"
	}
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			return "a name that climbs out of the package"
		}
		if len(seg) > 255 {
			return "a name with a part longer than 255 bytes"
		}
	}
	return ""
}

func refuse(name, problem string) error {
	return invalid("“%s”: %s", shown(name), problem)
}

// readManifest reads imsmanifest.xml at the root of the package.
func readManifest(files map[string]*zip.File, names []string) ([]byte, error) {
	f := files[ManifestName]
	if f == nil {
		for _, name := range names {
			if path.Base(name) == ManifestName {
				return nil, invalid("the package has no %s at its root, but has %s: zip the contents of the folder, not the folder", ManifestName, shown(name))
			}
		}
		return nil, invalid("the package has no %s at its root", ManifestName)
	}
	if f.UncompressedSize64 > maxManifestBytes {
		return nil, invalid("%s is %s, more than the %s a manifest may be", ManifestName, megabytes(int64(f.UncompressedSize64)), megabytes(maxManifestBytes))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalid("%s cannot be read: the package is damaged", ManifestName)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes))
	if err != nil {
		return nil, invalid("%s cannot be read: the package is damaged", ManifestName)
	}
	return data, nil
}

// Extract writes every file of the package below root, creating folders
// as needed. It enforces the limits while reading: no entry yields more
// than its header declared (which Open checked against the limits), so a
// header that lies about a size cannot make it write more. It never
// follows or creates symbolic links: root keeps every path inside it, and
// files are created exclusively (O_EXCL), so root should be a new, empty
// folder.
//
// On error Extract leaves what it wrote so far: the caller removes the
// folder (os.RemoveAll of the path root was opened on).
func (a *Archive) Extract(root *os.Root) error {
	budget := a.limits.MaxUncompressedBytes
	for _, e := range a.entries {
		if e.dir {
			if err := root.MkdirAll(e.name, 0o755); err != nil {
				return fmt.Errorf("scorm: extract: %w", err)
			}
			continue
		}
		if dir := path.Dir(e.name); dir != "." {
			if err := root.MkdirAll(dir, 0o755); err != nil {
				return fmt.Errorf("scorm: extract: %w", err)
			}
		}
		n, err := extractFile(root, e, min(int64(e.file.UncompressedSize64), budget))
		if err != nil {
			return err
		}
		budget -= n
	}
	return nil
}

// extractFile copies one entry, at most limit bytes of it.
func extractFile(root *os.Root, e entry, limit int64) (int64, error) {
	rc, err := e.file.Open()
	if err != nil {
		return 0, refuse(e.name, "an entry that cannot be read (the package is damaged)")
	}
	defer rc.Close()
	out, err := root.OpenFile(e.name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return 0, fmt.Errorf("scorm: extract: %w", err)
	}
	src := &readRecorder{r: rc}
	n, err := io.Copy(out, io.LimitReader(src, limit))
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	switch {
	case src.err != nil:
		return n, refuse(e.name, "an entry that cannot be read (the package is damaged)")
	case err != nil:
		return n, fmt.Errorf("scorm: extract: %w", err)
	}
	// One byte more, or archive/zip's own count, tells a lying header.
	extra, err := io.Copy(io.Discard, io.LimitReader(rc, 1))
	switch {
	case extra > 0 || errors.Is(err, zip.ErrFormat):
		return n, refuse(e.name, "an entry holding more data than its header declares")
	case err != nil:
		return n, refuse(e.name, "an entry that cannot be read (the package is damaged)")
	}
	return n, nil
}

// readRecorder remembers a read error, to tell a damaged package from a
// failing disk after io.Copy.
type readRecorder struct {
	r   io.Reader
	err error
}

func (rr *readRecorder) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if err != nil && err != io.EOF {
		rr.err = err
	}
	return n, err
}

// megabytes formats a size for a message.
func megabytes(n int64) string {
	switch {
	case n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 100<<10:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
