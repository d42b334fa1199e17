// Package scormexport turns a native course into a SCORM package that runs
// in another LMS: a manifest for SCORM 1.2 or SCORM 2004 4th edition, one
// static page that shows every lesson, the course's files, and one script
// that reports progress and score through the LMS's runtime API. The whole
// course is one SCO, so the score the LMS records is the course's.
package scormexport

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"slices"

	"github.com/upward-lms/upward/internal/course"
)

// Target is the SCORM edition a package is made for.
type Target string

// Targets.
const (
	SCORM12   Target = "scorm12"
	SCORM2004 Target = "scorm2004" // 4th edition
)

// Targets lists every target, as the download routes name them.
var Targets = []Target{SCORM12, SCORM2004}

// suspendLimit is how many characters of suspend_data the target's data
// model holds: the script refuses to write more (the LMS would refuse it).
func (t Target) suspendLimit() int {
	if t == SCORM12 {
		return 4096
	}
	return 64000
}

// Valid reports whether t is a known target.
func (t Target) Valid() bool { return slices.Contains(Targets, t) }

// Files in every package.
const (
	manifestName = "imsmanifest.xml"
	pageName     = "index.html"
	scriptName   = "scorm.js"
	styleName    = "style.css"
	filesDir     = "files/"
)

// PassMark is the course's pass mark as one SCO: the course's quizzes are
// taken as one test, scored as the percentage of all their questions
// answered right, and the pass mark is the quizzes' pass marks averaged
// by their number of questions (rounded up), which is each quiz's own pass
// mark when the quizzes agree, and exactly the quiz's when there is one.
// ok is false for a course without a quiz: it has no score, only
// completion.
func PassMark(c course.Course) (mark int, ok bool) {
	questions, weighted := 0, 0
	for _, l := range c.Lessons() {
		for _, b := range l.Blocks {
			if b.Kind != course.KindQuiz || b.Quiz == nil || len(b.Quiz.Questions) == 0 {
				continue
			}
			n := len(b.Quiz.Questions)
			questions += n
			weighted += b.Quiz.PassMark * n
		}
	}
	if questions == 0 {
		return 0, false
	}
	return (weighted + questions - 1) / questions, true
}

// Export writes course c as a SCORM package for target: a zip whose
// manifest lists every file in it. file reads one of the course's stored
// files by the name the course gives it.
func Export(c course.Course, target Target, file func(name string) ([]byte, error)) ([]byte, error) {
	if !target.Valid() {
		return nil, fmt.Errorf("scormexport: unknown target %q", target)
	}
	files, err := courseFiles(c, file)
	if err != nil {
		return nil, err
	}
	page, err := renderPage(c, target)
	if err != nil {
		return nil, err
	}
	contents := map[string][]byte{
		pageName:   page,
		scriptName: scriptJS,
		styleName:  styleCSS,
	}
	names := []string{pageName, scriptName, styleName}
	for _, f := range files {
		contents[f.name] = f.data
		names = append(names, f.name)
	}
	manifest := buildManifest(c, target, names)

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range append([]string{manifestName}, names...) {
		data := manifest
		if n != manifestName {
			data = contents[n]
		}
		w, err := zw.Create(n)
		if err != nil {
			return nil, fmt.Errorf("scormexport: %w", err)
		}
		if _, err := w.Write(data); err != nil {
			return nil, fmt.Errorf("scormexport: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("scormexport: %w", err)
	}
	return buf.Bytes(), nil
}

type packagedFile struct {
	name string // in the package
	data []byte
}

// courseFiles reads the files the course's blocks show or offer, once
// each, in the order the course first refers to them. The cover is left
// out: the page does not show it.
func courseFiles(c course.Course, file func(name string) ([]byte, error)) ([]packagedFile, error) {
	var out []packagedFile
	seen := map[string]bool{}
	for _, src := range fileRefs(c) {
		if seen[src] {
			continue
		}
		seen[src] = true
		// A name that could climb out of files/ would put a file outside
		// the package root when an LMS extracts it.
		if !fs.ValidPath(src) {
			return nil, fmt.Errorf("scormexport: file name %q is not a plain relative path", src)
		}
		data, err := file(src)
		if err != nil {
			return nil, fmt.Errorf("scormexport: file %s: %w", src, err)
		}
		out = append(out, packagedFile{name: filesDir + src, data: data})
	}
	return out, nil
}

// fileRefs lists the stored files the lessons refer to.
func fileRefs(c course.Course) []string {
	var out []string
	for _, l := range c.Lessons() {
		for _, b := range l.Blocks {
			switch {
			case b.Image != nil:
				out = append(out, b.Image.Src)
			case b.Media != nil && b.Media.Src != "":
				out = append(out, b.Media.Src)
			case b.File != nil:
				out = append(out, b.File.Src)
			}
		}
	}
	return out
}
