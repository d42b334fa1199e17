package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/config"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/internal/storage"
	"github.com/upward-lms/upward/internal/tenant"
	"github.com/upward-lms/upward/internal/user"
)

// At scale 1: 1,000 portals of 100 learners each, the course library in
// every one, every learner enrolled in every course with progress on
// every lesson (about 7,000,000 rows) and their learning records. The
// first portal is larger (bigPortal learners), for the course report's
// benchmark.
const (
	scalePortals  = 1000
	scaleLearners = 100
)

// seedScale makes the benchmark data set: portals scale-0001… with an
// admin, the library and their learners. Several portals are made at once,
// each in its own transactions, on connections that do not wait for the
// disk at commit (the data is generated: a crash loses nothing that
// running the command again does not make). A portal whose learners are
// there is kept, so running it again, or after an interruption, only adds
// what is missing.
func seedScale(ctx context.Context, db *postgres.DB, cfg config.Config, scale float64, bigPortal, jobs int, stdout io.Writer) error {
	n := max(1, int(math.Round(scale*scalePortals)))
	hash, err := user.HashPassword(demoPassword)
	if err != nil {
		return err
	}
	files, err := storage.NewDir(filepath.Join(cfg.DataDir, "uploads"))
	if err != nil {
		return err
	}
	fast, err := postgres.Open(ctx, db.Pool.Config().ConnString(), int32(jobs), func(c *pgxpool.Config) {
		c.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	})
	if err != nil {
		return err
	}
	defer fast.Close()
	// Stored files are named after their content: each is written once.
	var stored sync.Map
	put := func(name string, data []byte) error {
		if _, ok := stored.Load(name); ok {
			return nil
		}
		stored.Store(name, true)
		return files.Put(name, data)
	}
	lib, err := postgres.LoadLibrary(courses.FS)
	if err != nil {
		return err
	}
	tenants := postgres.NewTenantService(fast)
	by := postgres.AuditActor{Label: "seed --scale"}
	fill := func(ctx context.Context, i int) error {
		slug := fmt.Sprintf("scale-%04d", i)
		t, err := tenants.FindTenantBySlug(ctx, slug)
		switch {
		case apperr.Code(err) == apperr.ENOTFOUND:
			t, err = tenants.CreateTenant(ctx, tenant.Tenant{Slug: slug, Name: fmt.Sprintf("Scale Portal %d", i), Plan: "enterprise", SeatLimit: 10000}, by)
		case err == nil:
			if filled, err := postgres.ScalePortalFilled(ctx, fast, t.ID); err != nil || filled {
				return err
			}
		}
		if err != nil {
			return err
		}
		if err := lib.Install(ctx, fast, put, t.ID, postgres.LibraryInstall{Publish: true, KeepExisting: true}, by, func(string, ...any) {}); err != nil {
			return err
		}
		learners := scaleLearners
		if i == 1 {
			learners = bigPortal
		}
		return postgres.FillScalePortal(ctx, fast, t.ID, slug, learners, hash)
	}

	bar := newProgress(stdout, n)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	next := make(chan int)
	var wg sync.WaitGroup
	var done atomic.Int64
	for range jobs {
		wg.Go(func() {
			for i := range next {
				if err := fill(ctx, i); err != nil {
					cancel(err)
					return
				}
				bar.step(int(done.Add(1)))
			}
		})
	}
send:
	for i := 1; i <= n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break send
		}
	}
	close(next)
	wg.Wait()
	bar.done()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "scale %g: %d portals of %d learners, the first of %d (sign in as learner-1@scale-0001.test or admin@scale-0001.test, password %s)\n",
		scale, n, scaleLearners, bigPortal, demoPassword)
	return nil
}

// progress draws a bar on a terminal, and a line every tenth otherwise.
type progress struct {
	mu       sync.Mutex
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
	p.mu.Lock()
	defer p.mu.Unlock()
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
