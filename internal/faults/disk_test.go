package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

// TestDataDirFullOrReadOnly gives the server a tiny tmpfs as DATA_DIR,
// fills it (and, later, makes it read-only), and uploads a logo, a course
// file and a SCORM package. Each must fail with a clear 507 page, leave no
// temporary or partial file and no row pointing at a missing file; once
// space is freed, the same uploads work.
func TestDataDirFullOrReadOnly(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dataDir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs as DATA_DIR (needs root): %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dataDir).Run() })
	dbURL := newDatabase(t)
	db := openDB(t, dbURL)
	tenantID, courses := publishedCourses(t, db)
	srv := startUpward(t, dbURL, "DATA_DIR="+dataDir)
	ctx := context.Background()
	admin := newBrowser(t, srv.addr, "10.6.0.1")
	admin.signIn(t, "admin@demo.test", "/admin/settings")

	logo := noisyPNG(t, 96)
	file := bytes.Repeat([]byte("A course handout, line after line.\n"), 2000) // 70 KB
	pkg := scormtest.Package(t, scormtest.Entry{Name: "handout.txt", Body: file})
	uploads := []struct {
		name, path, field, filename string
		data                        []byte
		fields                      map[string]string
	}{
		{"logo", "/admin/settings/logo", "logo", "logo.png", logo, nil},
		{"course file", fmt.Sprintf("/admin/courses/%d/uploads", courses[0].id), "file", "handout.txt", file, map[string]string{"kind": "file"}},
		{"SCORM package", "/admin/courses/import-scorm", "package", "package.zip", pkg, nil},
	}
	upload := func(i int) response {
		u := uploads[i]
		res, err := admin.postFile(ctx, u.path, u.fields, u.field, u.filename, u.data)
		if err != nil {
			t.Fatalf("%s: %v", u.name, err)
		}
		return res
	}
	stored := func() (logoFile string, files, packages int) {
		err := db.InTenantTx(ctx, tenantID, func(tx *postgres.Tx) error {
			return tx.QueryRow(ctx, `SELECT
				(SELECT coalesce(logo_file, '') FROM tenants WHERE id = current_tenant_id()),
				(SELECT count(*) FROM course_files WHERE tenant_id = current_tenant_id() AND name LIKE '%.txt'),
				(SELECT count(*) FROM scorm_packages WHERE tenant_id = current_tenant_id())`).Scan(&logoFile, &files, &packages)
		})
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	// leftovers lists every file under DATA_DIR but the filler and what
	// was stored before.
	leftovers := func(before map[string]bool) []string {
		var out []string
		filepath.WalkDir(dataDir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && filepath.Base(p) != "filler" && !before[p] {
				out = append(out, strings.TrimPrefix(p, dataDir))
			}
			return nil
		})
		return out
	}
	refused := func(why string) {
		t.Helper()
		before := map[string]bool{}
		for _, p := range leftovers(nil) {
			before[dataDir+p] = true
		}
		logoBefore, filesBefore, packagesBefore := stored()
		for i, u := range uploads {
			res := upload(i)
			if res.status != http.StatusInsufficientStorage || !strings.Contains(res.body, "no room to store files") {
				t.Errorf("%s, %s: %d, want 507 with the page saying there is no room to store files; body %.300q", why, u.name, res.status, res.body)
			}
		}
		if left := leftovers(before); len(left) > 0 {
			t.Errorf("%s: files left behind: %v", why, left)
		}
		if l, f, p := stored(); l != logoBefore || f != filesBefore || p != packagesBefore {
			t.Errorf("%s: rows changed: logo %q -> %q, files %d -> %d, packages %d -> %d", why, logoBefore, l, filesBefore, f, packagesBefore, p)
		}
	}

	// Full, with a few kilobytes left: each upload starts writing and
	// runs out half-way.
	free := fill(t, dataDir, 8<<10)
	t.Logf("DATA_DIR full: %d bytes free on a 2 MB tmpfs", free)
	refused("disk full")
	if err := os.Remove(filepath.Join(dataDir, "filler")); err != nil {
		t.Fatal(err)
	}
	for i, u := range uploads {
		if res := upload(i); res.status != http.StatusSeeOther {
			t.Errorf("space freed, %s: %d, want 303", u.name, res.status)
		}
	}
	logoFile, files, packages := stored()
	if _, err := os.Stat(filepath.Join(dataDir, "uploads", logoFile)); logoFile == "" || err != nil || files != 1 || packages != 1 {
		t.Errorf("space freed: logo %q (%v), %d course files, %d packages; want each stored", logoFile, err, files, packages)
	}

	// Read-only.
	if out, err := exec.Command("mount", "-o", "remount,ro", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v %s", err, out)
	}
	uploads[0].data = noisyPNG(t, 64) // another logo: the same one would be stored already
	uploads[1].data = append(file, "and one more line\n"...)
	refused("DATA_DIR read-only")
	if out, err := exec.Command("mount", "-o", "remount,rw", dataDir).CombinedOutput(); err != nil {
		t.Fatalf("remount read-write: %v %s", err, out)
	}
	if res := upload(0); res.status != http.StatusSeeOther {
		t.Errorf("writable again, logo: %d, want 303", res.status)
	}
	t.Logf("DATA_DIR full, then read-only: logo, course file and SCORM package each refused with 507, nothing left behind; accepted again once writable")
}

// fill writes DATA_DIR/filler until the file system is full, then frees
// leave bytes of it; it returns the bytes free.
func fill(t *testing.T, dir string, leave int64) int64 {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 4096)
	var size int64
	for {
		n, err := f.Write(chunk)
		size += int64(n)
		if errors.Is(err, syscall.ENOSPC) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Truncate(size - leave); err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// noisyPNG is a PNG of side pixels that does not compress well, so that
// it is larger than the room left.
func noisyPNG(t *testing.T, side int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	seed := uint32(side)
	for i := range img.Pix {
		seed = seed*1664525 + 1013904223
		img.Pix[i] = uint8(seed >> 24)
	}
	img.Set(0, 0, color.RGBA{1, 2, 3, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// postFile sends a multipart form with one file and the session's CSRF
// token, as a browser's upload form does.
func (b *browser) postFile(ctx context.Context, path string, fields map[string]string, field, filename string, data []byte) (response, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	w.WriteField("csrf_token", b.csrf)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	part, err := w.CreateFormFile(field, filename)
	if err != nil {
		return response{}, err
	}
	part.Write(data)
	w.Close()
	req, err := http.NewRequestWithContext(ctx, "POST", "http://"+b.addr+path, &body)
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	return b.send(req, false)
}
