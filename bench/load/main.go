// Command load is `make bench`: it loads Upward and the baseline
// (bench/baseline) with wrk, scenario by scenario, on the data set of
// `upward seed --scale`, and prints a table of requests/s, latency, errors
// and server memory, with Upward's ratio to the baseline measured in the
// same run. The table goes to bench/results/ too.
//
// Without DATABASE_URL it uses the project-private PostgreSQL cluster
// under .data, as `make run` does, in a database of its own per scale
// (upward_bench_1…), seeded the first time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/upward-lms/upward/internal/postgres"
)

type options struct {
	scale, growth          float64
	warmup, duration       time.Duration
	rounds, conns, threads int
	learners               int
	only                   string
	upwardBin, baselineBin string
	resultsDir, dataDir    string
	smoke                  bool
}

func main() {
	var o options
	flag.Float64Var(&o.scale, "scale", 1, "the data set (upward seed --scale)")
	flag.Float64Var(&o.growth, "growth", 0, "also load the lesson page at this scale and compare its p50 with the first (e.g. 10)")
	flag.DurationVar(&o.warmup, "warmup", 10*time.Second, "wrk warm-up before the rounds")
	flag.DurationVar(&o.duration, "duration", 30*time.Second, "length of a round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per scenario and server")
	flag.IntVar(&o.conns, "connections", 64, "wrk connections")
	flag.IntVar(&o.threads, "threads", 2, "wrk threads")
	flag.IntVar(&o.learners, "learners", 128, "signed-in learners the requests rotate over")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run (default all): "+strings.Join(scenarioNames, ","))
	flag.StringVar(&o.upwardBin, "upward", "bin/upward", "the upward binary")
	flag.StringVar(&o.baselineBin, "baseline", "bin/baseline", "the baseline binary")
	flag.StringVar(&o.resultsDir, "results", "bench/results", "folder for the results")
	flag.StringVar(&o.dataDir, "data", ".data", "folder of the private cluster and the benchmark's files")
	flag.BoolVar(&o.smoke, "smoke", false, "a short run on a tiny data set that fails on any error (make check): it proves the runner and every scenario work, and measures nothing worth quoting")
	flag.Parse()
	if o.smoke {
		o.scale, o.growth, o.warmup, o.duration, o.rounds = 0.01, 0, time.Second, 2*time.Second, 1
		o.conns, o.learners = 8, 8
		o.resultsDir = filepath.Join(o.dataDir, "bench-smoke")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if _, err := exec.LookPath("wrk"); err != nil {
		return errors.New("wrk not found: install it (apt-get install wrk); make bench does")
	}
	pgURL, err := findServer(ctx, o.dataDir)
	if err != nil {
		return err
	}
	m := newMachine()
	fmt.Printf("machine: %s\n", m)
	first, err := loadScale(ctx, o, pgURL, o.scale, o.only)
	if err != nil {
		return err
	}
	report := renderReport(o, m, first)
	if o.growth > 0 {
		grown, err := loadScale(ctx, o, pgURL, o.growth, "lesson")
		if err != nil {
			return err
		}
		report += renderGrowth(first, grown)
	}
	fmt.Print("\n" + report)
	if err := os.MkdirAll(o.resultsDir, 0o755); err != nil {
		return err
	}
	name := filepath.Join(o.resultsDir, time.Now().UTC().Format("2006-01-02T1504")+fmt.Sprintf("-scale%g.md", o.scale))
	if err := os.WriteFile(name, []byte(report), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.resultsDir, "latest.md"), []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nwritten to %s and %s\n", name, filepath.Join(o.resultsDir, "latest.md"))
	if o.smoke {
		for _, s := range first.scenarios {
			if n := s.upward.errors() + s.baseline.errors(); n > 0 {
				return fmt.Errorf("smoke: %d failed requests in %q", n, s.name)
			}
		}
	}
	return nil
}

// findServer returns DATABASE_URL, or the private cluster's URL (started when
// it is not running).
func findServer(ctx context.Context, dataDir string) (string, error) {
	if u := os.Getenv("DATABASE_URL"); u != "" {
		return u, nil
	}
	c, err := postgres.StartDevCluster(ctx, dataDir, func(format string, args ...any) { fmt.Printf(format+"\n", args...) })
	if err != nil {
		return "", err
	}
	return c.URL, nil
}

// loadScale seeds the scale's database when needed, starts both servers
// on it and runs the scenarios.
func loadScale(ctx context.Context, o options, serverURL string, scale float64, only string) (scaleResult, error) {
	res := scaleResult{scale: scale}
	dbURL, err := benchDatabase(ctx, serverURL, scale)
	if err != nil {
		return res, err
	}
	dataDir := filepath.Join(o.dataDir, "bench-"+scaleName(scale))
	fmt.Printf("seeding scale %g (kept between runs; only what is missing is added)\n", scale)
	seed := exec.CommandContext(ctx, o.upwardBin, "seed", "--scale", fmt.Sprint(scale))
	seed.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "DATA_DIR="+dataDir, "ENV=dev")
	seed.Stdout, seed.Stderr = os.Stdout, os.Stderr
	start := time.Now()
	if err := seed.Run(); err != nil {
		return res, fmt.Errorf("seed: %w", err)
	}
	res.seeded = time.Since(start)
	if res.rows, err = countRows(ctx, dbURL); err != nil {
		return res, err
	}
	fmt.Printf("data set: %s\n", res.rows)

	up, err := startUpward(ctx, o.upwardBin, dbURL, dataDir)
	if err != nil {
		return res, err
	}
	defer up.stop()
	base, err := startBaseline(ctx, o.baselineBin, dbURL)
	if err != nil {
		return res, err
	}
	defer base.stop()

	db, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		return res, err
	}
	defer db.Close()
	f, err := readFixture(ctx, db, o.learners)
	if err != nil {
		return res, err
	}
	fmt.Printf("signing in %d learners and an admin\n", len(f.learners))
	if err := signInAll(up.site, &f); err != nil {
		return res, err
	}
	admin := benchLearner{email: "admin@" + benchPortal + ".test"}
	if admin.cookie, admin.csrf, err = signIn(up.site, admin.email, "10.1.0.1", "/admin/reports/"); err != nil {
		return res, err
	}
	for _, sc := range scenarios(f, admin, up.site, base.site, db) {
		if only != "" && !strings.Contains(","+only+",", ","+sc.name+",") {
			continue
		}
		r := scenarioResult{scenario: sc}
		for _, target := range []*server{base, up} {
			sr, err := loadServer(ctx, o, sc, target)
			if err != nil {
				return res, fmt.Errorf("%s on %s: %w", sc.name, target.name, err)
			}
			if target == up {
				r.upward = sr
			} else {
				r.baseline = sr
			}
		}
		res.scenarios = append(res.scenarios, r)
	}
	return res, nil
}

func scaleName(scale float64) string { return strings.ReplaceAll(fmt.Sprint(scale), ".", "_") }

// benchDatabase returns the URL of the scale's database on the server,
// creating the database when missing.
func benchDatabase(ctx context.Context, server string, scale float64) (string, error) {
	u, err := url.Parse(server)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	name := "upward_bench_" + scaleName(scale)
	db, err := openOwner(ctx, server)
	if err != nil {
		return "", err
	}
	defer db.Close(ctx)
	var exists bool
	if err := db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := db.Exec(ctx, `CREATE DATABASE `+name); err != nil {
			return "", fmt.Errorf("create the benchmark database: %w", err)
		}
	}
	u.Path = "/" + name
	return u.String(), nil
}
