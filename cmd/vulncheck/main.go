// Command vulncheck runs govulncheck over the module and decides what
// fails the check (make check).
//
// Both the scanner and the vulnerability database come from the Go module
// proxy, the one registry this project's machines reach: the database is
// the golang.org/x/vulndb module's OSV files, indexed once per version
// into .data/vulndb-<version> with the vulndb's own indexdb command.
//
// A vulnerability in a third-party module fails the check when our code
// calls or imports the vulnerable package: the fix is a version bump in
// go.mod. One only in a module we require but whose package we do not
// import is listed. The standard library's are listed with the Go release
// that fixes them: they belong to the toolchain that builds the binary
// (this machine's Go for make; the Dockerfile's golang image, which takes
// the newest patch release, for releases), not to go.mod.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/semver"
)

func main() {
	scanner := flag.String("scanner", "v1.9.0", "version of golang.org/x/vuln (govulncheck)")
	db := flag.String("db", "v0.0.0-20261105234957-e22db6528018", "version of golang.org/x/vulndb")
	cache := flag.String("cache", ".data", "folder that keeps the indexed database")
	flag.Parse()

	dir, err := database(*db, *cache)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(2)
	}
	var out bytes.Buffer
	cmd := exec.Command("go", "run", "golang.org/x/vuln/cmd/govulncheck@"+*scanner, "-db", "file://"+dir, "-format", "json", "./...")
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck: govulncheck:", err)
		os.Exit(2)
	}
	found, goVersion, err := readFindings(&out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(2)
	}
	failed := report(os.Stdout, found, goVersion, *db)
	if failed {
		os.Exit(1)
	}
}

// database returns the indexed database of the vulndb version, building
// it when this machine has none yet.
func database(version, cache string) (string, error) {
	dir, err := filepath.Abs(filepath.Join(cache, "vulndb-"+version))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "index", "db.json")); err == nil {
		return dir, nil
	}
	fmt.Println("vulncheck: indexing golang.org/x/vulndb@" + version + " from the module proxy (once per machine)")
	var info struct{ Dir string }
	dl, err := exec.Command("go", "mod", "download", "-json", "golang.org/x/vulndb@"+version).Output()
	if err != nil {
		return "", fmt.Errorf("download the database: %w", err)
	}
	if err := json.Unmarshal(dl, &info); err != nil || info.Dir == "" {
		return "", fmt.Errorf("download the database: no folder in %s", dl)
	}
	tmp := dir + ".tmp"
	os.RemoveAll(tmp)
	index := exec.Command("go", "run", "golang.org/x/vulndb/cmd/indexdb@"+version,
		"-vulns", filepath.Join(info.Dir, "data", "osv"), "-out", tmp)
	index.Stdout, index.Stderr = os.Stderr, os.Stderr
	if err := index.Run(); err != nil {
		return "", fmt.Errorf("index the database: %w", err)
	}
	// Renamed into place only when whole, so an interrupted run indexes again.
	return dir, os.Rename(tmp, dir)
}

// level is how close our code comes to a vulnerability, least first.
type level int

const (
	required level = iota // the module is in the graph
	imported              // we import the vulnerable package
	called                // we call the vulnerable function
)

func (l level) String() string {
	return [...]string{"module required, package not imported", "package imported", "called"}[l]
}

type finding struct {
	ID, Module, Version, Fixed, Summary string
	Level                               level
	Where                               string // the first call or import, when known
}

// readFindings reads govulncheck's JSON stream: one finding per
// vulnerability, at the closest level any of its traces reaches.
func readFindings(r io.Reader) (map[string]*finding, string, error) {
	dec := json.NewDecoder(r)
	found := map[string]*finding{}
	summaries := map[string]string{}
	goVersion := ""
	for {
		var msg struct {
			Config *struct {
				GoVersion string `json:"go_version"`
			} `json:"config"`
			OSV *struct {
				ID      string `json:"id"`
				Summary string `json:"summary"`
			} `json:"osv"`
			Finding *struct {
				OSV          string `json:"osv"`
				FixedVersion string `json:"fixed_version"`
				Trace        []struct {
					Module   string `json:"module"`
					Version  string `json:"version"`
					Package  string `json:"package"`
					Function string `json:"function"`
				} `json:"trace"`
			} `json:"finding"`
		}
		err := dec.Decode(&msg)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("read govulncheck's output: %w", err)
		}
		switch {
		case msg.Config != nil:
			goVersion = msg.Config.GoVersion
		case msg.OSV != nil:
			summaries[msg.OSV.ID] = msg.OSV.Summary
		case msg.Finding != nil && len(msg.Finding.Trace) > 0:
			f, t := msg.Finding, msg.Finding.Trace
			lv := required
			switch {
			case t[0].Function != "":
				lv = called
			case t[0].Package != "":
				lv = imported
			}
			cur := found[f.OSV]
			if cur == nil {
				cur = &finding{ID: f.OSV, Module: t[0].Module, Version: t[0].Version, Fixed: f.FixedVersion, Level: -1}
				found[f.OSV] = cur
			}
			if lv > cur.Level {
				cur.Level = lv
				last := t[len(t)-1]
				cur.Where = strings.Trim(last.Package+"."+last.Function, ".")
			}
		}
	}
	for id, f := range found {
		f.Summary = summaries[id]
	}
	return found, goVersion, nil
}

// report prints the findings, ours first, and says whether they fail.
func report(w io.Writer, found map[string]*finding, goVersion, db string) (failed bool) {
	var modules, stdlib []*finding
	for _, f := range found {
		if f.Module == "stdlib" {
			stdlib = append(stdlib, f)
		} else {
			modules = append(modules, f)
		}
	}
	byID := func(fs []*finding) {
		sort.Slice(fs, func(i, j int) bool { return fs[i].ID < fs[j].ID })
	}
	byID(modules)
	byID(stdlib)
	fmt.Fprintf(w, "govulncheck over ./... with golang.org/x/vulndb@%s, built by %s\n", db, goVersion)
	for _, f := range modules {
		verdict := "listed"
		if f.Level >= imported {
			verdict, failed = "FAILS", true
		}
		fmt.Fprintf(w, "  %s %s  %s@%s, fixed in %s; %s%s\n    %s\n", verdict, f.ID, f.Module, f.Version, f.Fixed, f.Level, where(f), f.Summary)
	}
	if len(modules) == 0 {
		fmt.Fprintln(w, "  modules: no known vulnerability")
	}
	if len(stdlib) > 0 {
		fixedIn := ""
		for _, f := range stdlib {
			if semver.Compare(f.Fixed, fixedIn) > 0 {
				fixedIn = f.Fixed
			}
		}
		fmt.Fprintf(w, "  standard library of %s: %d known vulnerabilities in code we reach, all fixed by %s; build releases with it (the Dockerfile's golang:1.26 image takes the newest patch release)\n",
			goVersion, len(stdlib), fixedIn)
		for _, f := range stdlib {
			fmt.Fprintf(w, "    %s  fixed in %s; %s%s: %s\n", f.ID, f.Fixed, f.Level, where(f), f.Summary)
		}
	}
	return failed
}

// where names our code's entry into the vulnerable code, when known.
func where(f *finding) string {
	if f.Where == "" {
		return ""
	}
	return " (" + f.Where + ")"
}
