package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/app"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// At scale 1: 1,000 portals of 100 learners each, the course library in
// every one, every learner enrolled in every course with progress on
// every lesson (about 5,000,000 rows) and their learning records.
const (
	scalePortals  = 1000
	scaleLearners = 100
)

// seedScale makes the benchmark data set: portals scale-0001… with the
// library and their learners. Portals already there are kept, so running
// it again (or after an interruption) only adds what is missing.
func seedScale(ctx context.Context, db *postgres.DB, cfg config.Config, scale float64, stdout io.Writer) error {
	n := max(1, int(math.Round(scale*scalePortals)))
	hash, err := user.HashPassword(demoPassword)
	if err != nil {
		return err
	}
	files, err := storage.NewDir(filepath.Join(cfg.DataDir, "uploads"))
	if err != nil {
		return err
	}
	tenants := postgres.NewTenantService(db)
	by := postgres.AuditActor{Label: "seed --scale"}
	bar := newProgress(stdout, n)
	for i := 1; i <= n; i++ {
		slug := fmt.Sprintf("scale-%04d", i)
		if _, err := tenants.FindTenantBySlug(ctx, slug); err == nil {
			bar.step(i)
			continue
		}
		t, err := tenants.CreateTenant(ctx, tenant.Tenant{Slug: slug, Name: fmt.Sprintf("Scale Portal %d", i), Plan: "enterprise", SeatLimit: 1000}, by)
		if err != nil {
			return err
		}
		if err := app.InstallLibrary(ctx, db, files, courses.FS, t.ID, app.LibraryInstall{Publish: true}, by, func(string, ...any) {}); err != nil {
			return err
		}
		if err := postgres.FillScalePortal(ctx, db, t.ID, slug, scaleLearners, hash); err != nil {
			return err
		}
		bar.step(i)
	}
	bar.done()
	fmt.Fprintf(stdout, "scale %g: %d portals of %d learners (sign in as learner-1@scale-0001.test, password %s)\n", scale, n, scaleLearners, demoPassword)
	return nil
}

// progress draws a bar on a terminal, and a line every tenth otherwise.
type progress struct {
	w        io.Writer
	total    int
	terminal bool
	start    time.Time
	last     int
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) step(done int) {
	if p.terminal {
		width := 40
		filled := done * width / p.total
		fmt.Fprintf(p.w, "\r[%s%s] %d/%d portals, %s", strings.Repeat("#", filled), strings.Repeat(" ", width-filled), done, p.total,
			time.Since(p.start).Round(time.Second))
		return
	}
	if tenth := done * 10 / p.total; tenth > p.last || done == p.total {
		p.last = tenth
		fmt.Fprintf(p.w, "%d/%d portals, %s\n", done, p.total, time.Since(p.start).Round(time.Second))
	}
}

func (p *progress) done() {
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}
