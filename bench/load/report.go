package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

type scaleResult struct {
	scale     float64
	seeded    time.Duration
	rows      string
	scenarios []scenarioResult
}

type scenarioResult struct {
	scenario
	upward, baseline serverResult
}

// machine describes where the figures come from.
type machine struct{ cpu, memory, goVersion, postgres, wrk, commit string }

func newMachine() machine {
	m := machine{cpu: fmt.Sprintf("%d cores", runtime.NumCPU()), goVersion: runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(l, "model name"); ok {
				m.cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":")) + ", " + m.cpu
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.SplitN(string(b), "\n", 2)[0], "MemTotal: %d kB", &kb)
		m.memory = fmt.Sprintf("%d GB", (kb+(1<<19))>>20)
	}
	m.postgres = firstLine(exec.Command("postgres", "--version"), "/usr/lib/postgresql/15/bin/postgres")
	m.wrk = firstLine(exec.Command("wrk", "--version"), "")
	m.commit = firstLine(exec.Command("git", "describe", "--always", "--dirty"), "")
	return m
}

func firstLine(cmd *exec.Cmd, fallback string) string {
	b, err := cmd.CombinedOutput()
	if (err != nil || len(b) == 0) && fallback != "" {
		b, _ = exec.Command(fallback, "--version").CombinedOutput()
	}
	return strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
}

func (m machine) String() string {
	return fmt.Sprintf("%s, %s RAM; %s; %s; %s; commit %s", m.cpu, m.memory, m.goVersion, m.postgres, m.wrk, m.commit)
}

// targets are the issue's, on a 2-core machine.
const (
	lessonRatio, completeRatio = 0.5, 0.5
	lessonP99                  = 25 * time.Millisecond
	completeP99                = 50 * time.Millisecond
	reportP99                  = 150 * time.Millisecond
	csvFirstByte               = 100 * time.Millisecond
	rssLimit                   = 200 << 20
	growthLimit                = 1.3
)

func renderReport(o options, m machine, r scaleResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# make bench, scale %g\n\n", r.scale)
	fmt.Fprintf(&b, "- When: %s\n- Machine: %s\n- Data set: %s; seeding took %s (0 when already there)\n",
		time.Now().UTC().Format("2006-01-02 15:04 UTC"), m, r.rows, r.seeded.Round(time.Second))
	fmt.Fprintf(&b, "- Load: wrk, %d connections, %d threads, a %s warm-up then %d rounds of %s per scenario and server, on loopback; PostgreSQL, wrk and the server share the machine\n",
		o.conns, o.threads, o.warmup, o.rounds, o.duration)
	fmt.Fprintf(&b, "- req/s over all rounds; p50 of the middle round; p99 of the worst; RSS the most the server held; ratio = Upward/baseline req/s\n\n")
	fmt.Fprintf(&b, "| Scenario | Server | req/s | p50 | p99 | errors | RSS | ratio |\n|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.scenarios {
		ratio := s.upward.rate() / s.baseline.rate()
		for _, row := range []struct {
			name  string
			r     serverResult
			ratio string
		}{{"baseline", s.baseline, ""}, {"Upward", s.upward, fmt.Sprintf("%.2f", ratio)}} {
			fmt.Fprintf(&b, "| %s | %s | %.0f | %s | %s | %d | %d MB | %s |\n", s.title, row.name, row.r.rate(),
				roundMS(row.r.p50()), roundMS(row.r.p99()), row.r.errors(), row.r.rss>>20, row.ratio)
		}
		if s.firstByte {
			fmt.Fprintf(&b, "| %s: first byte, p99 of %d probes during the rounds | baseline / Upward | | | %s / %s | | | |\n",
				s.title, len(s.upward.firstByte), roundMS(s.baseline.firstByteP99()), roundMS(s.upward.firstByteP99()))
		}
	}
	b.WriteString("\n## Targets\n\n")
	for _, s := range r.scenarios {
		ratio := s.upward.rate() / s.baseline.rate()
		switch s.name {
		case "lesson":
			target(&b, "lesson page ≥ 0.5× baseline req/s", ratio >= lessonRatio, fmt.Sprintf("%.2f×", ratio))
			target(&b, "lesson page p99 ≤ 25 ms", s.upward.p99() <= lessonP99, roundMS(s.upward.p99()))
		case "complete":
			target(&b, "completion ≥ 0.5× baseline req/s", ratio >= completeRatio, fmt.Sprintf("%.2f×", ratio))
			target(&b, "completion p99 ≤ 50 ms", s.upward.p99() <= completeP99, roundMS(s.upward.p99()))
		case "report":
			target(&b, "course report p99 ≤ 150 ms", s.upward.p99() <= reportP99, roundMS(s.upward.p99()))
		case "csv":
			target(&b, "CSV export's first byte ≤ 100 ms (p99)", s.upward.firstByteP99() <= csvFirstByte, roundMS(s.upward.firstByteP99()))
		}
	}
	var peak, errs int64
	for _, s := range r.scenarios {
		peak, errs = max(peak, s.upward.rss), errs+s.upward.errors()
	}
	target(&b, "server RSS ≤ 200 MB under load", peak <= rssLimit, fmt.Sprintf("%d MB", peak>>20))
	target(&b, "zero errors", errs == 0, fmt.Sprint(errs))
	return b.String()
}

func renderGrowth(first, grown scaleResult) string {
	var b strings.Builder
	find := func(r scaleResult) *scenarioResult {
		for i := range r.scenarios {
			if r.scenarios[i].name == "lesson" {
				return &r.scenarios[i]
			}
		}
		return nil
	}
	a, z := find(first), find(grown)
	fmt.Fprintf(&b, "\n## Growth\n\nScale %g: %s.\n\n", grown.scale, grown.rows)
	if a == nil || z == nil {
		b.WriteString("The lesson page did not run at both scales.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "| Lesson page, Upward | req/s | p50 | p99 |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| scale %g | %.0f | %s | %s |\n| scale %g | %.0f | %s | %s |\n\n",
		first.scale, a.upward.rate(), roundMS(a.upward.p50()), roundMS(a.upward.p99()),
		grown.scale, z.upward.rate(), roundMS(z.upward.p50()), roundMS(z.upward.p99()))
	g := float64(z.upward.p50()) / float64(a.upward.p50())
	target(&b, fmt.Sprintf("lesson page p50 at scale %g within 1.3× of scale %g", grown.scale, first.scale), g <= growthLimit, fmt.Sprintf("%.2f×", g))
	return b.String()
}

func target(b *strings.Builder, what string, met bool, got string) {
	mark := "met"
	if !met {
		mark = "MISSED"
	}
	fmt.Fprintf(b, "- %s: %s (%s)\n", what, mark, got)
}
