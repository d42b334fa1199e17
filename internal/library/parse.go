// Package library reads the course library: courses written as plain files,
// one folder per course, as courses/README.md documents. Every problem it
// finds is reported with its file and line, so an author can go straight
// to it.
package library

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/upward-lms/upward/internal/course"
)

// Problem is one thing wrong in a course's files.
type Problem struct {
	File    string // relative to the folder given to Load
	Line    int    // 1-based; 0 when the problem is about the whole file
	Message string
}

func (p Problem) String() string {
	line := p.Line
	if line < 1 {
		line = 1
	}
	return fmt.Sprintf("%s:%d: %s", p.File, line, p.Message)
}

// CourseFile is the name of a course's metadata and outline.
const CourseFile = "course.yaml"

// courseYAML is course.yaml: the course's metadata and its outline, whose
// lessons are files of their own.
type courseYAML struct {
	Slug             string       `yaml:"slug"`
	Title            string       `yaml:"title"`
	Summary          string       `yaml:"summary"`
	Description      string       `yaml:"description"`
	Level            course.Level `yaml:"level"`
	Language         string       `yaml:"language"`
	EstimatedMinutes int          `yaml:"estimated_minutes"`
	Tags             []string     `yaml:"tags"`
	Cover            string       `yaml:"cover"`
	Modules          []struct {
		Title   string `yaml:"title"`
		Lessons []struct {
			File string `yaml:"file"`
		} `yaml:"lessons"`
	} `yaml:"modules"`
}

// lessonFrontMatter is the YAML between the --- lines atop a lesson file.
type lessonFrontMatter struct {
	Title            string `yaml:"title"`
	EstimatedMinutes int    `yaml:"estimated_minutes"`
	Required         *bool  `yaml:"required"`
}

// Load reads the course in folder dir of fsys. The course is usable only
// when no problems are returned.
func Load(fsys fs.FS, dir string) (course.Course, []Problem) {
	l := &loader{fsys: fsys, dir: dir}
	c := l.load()
	sort.SliceStable(l.problems, func(i, j int) bool {
		a, b := l.problems[i], l.problems[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	return c, l.problems
}

type loader struct {
	fsys     fs.FS
	dir      string
	problems []Problem
}

func (l *loader) problem(file string, line int, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: path.Join(l.dir, file), Line: line, Message: fmt.Sprintf(format, args...)})
}

func (l *loader) load() course.Course {
	var c course.Course
	data, err := fs.ReadFile(l.fsys, path.Join(l.dir, CourseFile))
	if err != nil {
		l.problem(CourseFile, 0, "cannot read the course file: %v", cleanFSError(err))
		return c
	}
	var meta courseYAML
	root, ok := l.decodeYAML(CourseFile, 0, data, &meta)
	if !ok {
		return c
	}
	c = course.Course{Slug: meta.Slug, Title: meta.Title, Summary: meta.Summary, Description: meta.Description,
		Level: meta.Level, Language: meta.Language, EstimatedMinutes: meta.EstimatedMinutes, Tags: meta.Tags, Cover: meta.Cover}
	for _, p := range course.CheckCourse(c) {
		if p.Path == "modules" && len(meta.Modules) > 0 {
			continue // the outline is checked below, with its lessons read
		}
		l.problem(CourseFile, lineOf(root, p.Path), "%s", p.Message)
	}
	if c.Cover != "" {
		l.checkFileExists(CourseFile, lineOf(root, "cover"), c.Cover)
	}
	seen := map[string]int{}
	for i, m := range meta.Modules {
		// Keys come from the files: stable as long as the files are.
		mod := course.Module{Key: fmt.Sprintf("m%d", i+1), Title: m.Title}
		mpath := fmt.Sprintf("modules[%d]", i)
		for j, ref := range m.Lessons {
			line := lineOf(root, fmt.Sprintf("%s.lessons[%d]", mpath, j))
			if ref.File == "" {
				l.problem(CourseFile, line, "lesson needs a file: entry")
				continue
			}
			if first, dup := seen[ref.File]; dup {
				l.problem(CourseFile, line, "lesson file %s is already used on line %d", ref.File, first)
				continue
			}
			seen[ref.File] = line
			lesson, ok := l.loadLesson(ref.File, line)
			if ok {
				mod.Lessons = append(mod.Lessons, lesson)
			}
		}
		for _, p := range course.CheckModule(course.Module{Title: mod.Title, Lessons: make([]course.Lesson, len(m.Lessons))}) {
			l.problem(CourseFile, lineOf(root, mpath+"."+p.Path), "%s", p.Message)
		}
		c.Modules = append(c.Modules, mod)
	}
	if len(l.problems) == 0 {
		for _, p := range course.CheckKeys(c) {
			l.problem(CourseFile, 1, "%s (rename a lesson file)", p.Message)
		}
	}
	return c
}

func (l *loader) checkFileExists(from string, line int, name string) {
	if strings.Contains(name, "..") {
		l.problem(from, line, "%s must stay inside the course folder", name)
		return
	}
	if _, err := fs.Stat(l.fsys, path.Join(l.dir, name)); err != nil {
		l.problem(from, line, "file %s is missing", name)
	}
}

// fenceRE matches a fence line: its backticks and its info string.
var fenceRE = regexp.MustCompile("^(`{3,})\\s*(\\S*)\\s*$")

// loadLesson reads one lesson file: front matter, then Markdown with
// Upward blocks in fences whose info string starts with @ (```@quiz).
func (l *loader) loadLesson(file string, refLine int) (course.Lesson, bool) {
	data, err := fs.ReadFile(l.fsys, path.Join(l.dir, file))
	if err != nil {
		l.problem(CourseFile, refLine, "lesson file %s is missing", file)
		return course.Lesson{}, false
	}
	before := len(l.problems)
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "---" {
		l.problem(file, 1, "a lesson file starts with front matter between --- lines (title: …)")
		return course.Lesson{}, false
	}
	end := -1
	for i := 1; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "---" {
			end = i
			break
		}
	}
	if end < 0 {
		l.problem(file, 1, "the front matter is not closed with a --- line")
		return course.Lesson{}, false
	}
	var fm lessonFrontMatter
	fmRoot, ok := l.decodeYAML(file, 1, []byte(strings.Join(lines[1:end], "\n")), &fm)
	if !ok {
		return course.Lesson{}, false
	}
	lesson := course.Lesson{Key: lessonKey(file), Title: fm.Title, EstimatedMinutes: fm.EstimatedMinutes, Required: fm.Required == nil || *fm.Required}
	nextKey := func() string { return fmt.Sprintf("%s-b%d", lesson.Key, len(lesson.Blocks)+1) }

	var text []string
	textStart := 0
	flush := func() {
		md := strings.TrimSpace(strings.Join(text, "\n"))
		if md != "" {
			lesson.Blocks = append(lesson.Blocks, course.Block{Key: nextKey(), Kind: course.KindText, Text: &course.Text{Markdown: md}})
		}
		text, textStart = nil, 0
	}
	for i := end + 1; i < len(lines); i++ {
		m := fenceRE.FindStringSubmatch(lines[i])
		if m == nil || !strings.HasPrefix(m[2], "@") {
			if m != nil { // an ordinary code fence: keep it, whole, in the text
				j := closingFence(lines, i, m[1])
				text = append(text, lines[i:min(j+1, len(lines))]...)
				i = j
				continue
			}
			if textStart == 0 {
				textStart = i + 1
			}
			text = append(text, lines[i])
			continue
		}
		flush()
		start := i + 1 // the fence's line number, 1-based
		j := closingFence(lines, i, m[1])
		if j >= len(lines) {
			l.problem(file, start, "block %s is not closed with %s", m[2], m[1])
			break
		}
		if b, ok := l.parseBlock(file, start, m[2][1:], lines[i+1:j]); ok {
			b.Key = nextKey()
			lesson.Blocks = append(lesson.Blocks, b)
		}
		i = j
	}
	flush()
	for _, p := range course.CheckLesson(lesson) {
		if p.Path == "blocks" && len(l.problems) > before {
			continue // the blocks' own problems say more
		}
		l.problem(file, lineOf(fmRoot, p.Path)+1, "%s", p.Message)
	}
	return lesson, len(l.problems) == before
}

var nonKeyRE = regexp.MustCompile(`[^a-z0-9-]+`)

// lessonKey derives a lesson's key from its file name: 01-prepare.md is
// 01-prepare.
func lessonKey(file string) string {
	k := strings.ToLower(strings.TrimSuffix(path.Base(file), path.Ext(file)))
	k = strings.Trim(nonKeyRE.ReplaceAllString(k, "-"), "-")
	if len(k) > 70 {
		k = k[:70]
	}
	if k == "" {
		k = "lesson"
	}
	return k
}

// closingFence returns the index of the line closing the fence opened at
// lines[open], or len(lines) when there is none.
func closingFence(lines []string, open int, ticks string) int {
	for j := open + 1; j < len(lines); j++ {
		if strings.TrimSpace(lines[j]) == ticks {
			return j
		}
	}
	return len(lines)
}

// fileKinds maps the names used in fences to block kinds.
var fileKinds = map[string]course.Kind{
	"callout": course.KindCallout, "video": course.KindVideo, "audio": course.KindAudio, "image": course.KindImage,
	"quiz": course.KindQuiz, "reflection": course.KindReflection, "writing": course.KindWriting, "checklist": course.KindChecklist,
	"file": course.KindFile, "live-session": course.KindLiveSession,
}

// parseBlock decodes the YAML inside a block fence that starts on line
// fence of file.
func (l *loader) parseBlock(file string, fence int, name string, body []string) (course.Block, bool) {
	kind, known := fileKinds[name]
	if !known {
		names := make([]string, 0, len(fileKinds))
		for k := range fileKinds {
			names = append(names, "@"+k)
		}
		sort.Strings(names)
		l.problem(file, fence, "unknown block kind @%s (known: %s)", name, strings.Join(names, ", "))
		return course.Block{}, false
	}
	b := course.Block{Kind: kind}
	var target any
	switch kind {
	case course.KindCallout:
		b.Callout = &course.Callout{}
		target = b.Callout
	case course.KindVideo, course.KindAudio:
		b.Media = &course.Media{}
		target = b.Media
	case course.KindImage:
		b.Image = &course.Image{}
		target = b.Image
	case course.KindQuiz:
		b.Quiz = &course.Quiz{}
		target = b.Quiz
	case course.KindReflection:
		b.Reflection = &course.Reflection{}
		target = b.Reflection
	case course.KindWriting:
		b.Writing = &course.Writing{}
		target = b.Writing
	case course.KindChecklist:
		b.Checklist = &course.Checklist{}
		target = b.Checklist
	case course.KindFile:
		b.File = &course.File{}
		target = b.File
	case course.KindLiveSession:
		b.LiveSession = &course.LiveSession{}
		target = b.LiveSession
	}
	root, ok := l.decodeYAML(file, fence, []byte(strings.Join(body, "\n")), target)
	if !ok {
		return course.Block{}, false
	}
	before := len(l.problems)
	for _, p := range course.CheckBlock(b) {
		// Paths start with the kind's field ("quiz.questions[0]"); the YAML
		// inside the fence is that field's content.
		_, rest, _ := strings.Cut(p.Path, ".")
		l.problem(file, fence+lineOf(root, rest), "%s: %s", name, p.Message)
	}
	if l.fsys != nil { // the editor's blocks refer to stored uploads instead
		for _, src := range blockFiles(b) {
			l.checkFileExists(file, fence, src)
		}
	}
	return b, len(l.problems) == before
}

// blockFiles lists the course files a block refers to.
func blockFiles(b course.Block) []string {
	switch {
	case b.Image != nil && b.Image.Src != "":
		return []string{b.Image.Src}
	case b.Media != nil && b.Media.Src != "":
		return []string{b.Media.Src}
	case b.File != nil && b.File.Src != "":
		return []string{b.File.Src}
	}
	return nil
}

var yamlLineRE = regexp.MustCompile(`line (\d+):?`)

// decodeYAML decodes data (which starts after line offset of file) into v,
// refusing unknown fields, and returns the parsed tree for finding lines.
func (l *loader) decodeYAML(file string, offset int, data []byte, v any) (*yaml.Node, bool) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		l.problem(file, offset+yamlErrorLine(err), "broken YAML: %s", yamlMessage(err))
		return nil, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) { // EOF: an empty document
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, msg := range te.Errors {
				l.problem(file, offset+yamlErrorLine(errors.New(msg)), "%s", yamlMessage(errors.New(msg)))
			}
			return nil, false
		}
		l.problem(file, offset+yamlErrorLine(err), "broken YAML: %s", yamlMessage(err))
		return nil, false
	}
	return &root, true
}

func yamlErrorLine(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

// unknownFieldRE is the decoder's word for a key the format does not have.
var unknownFieldRE = regexp.MustCompile(`field (\S+) not found in type \S+`)

// yamlMessage says a YAML error without the parts the file:line prefix
// already says, and in the format's words.
func yamlMessage(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(yamlLineRE.ReplaceAllString(msg, ""), ": ")
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		return "unknown key " + m[1] + " (a typo?)"
	}
	return strings.TrimSpace(msg)
}

func cleanFSError(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "it does not exist"
	}
	return err.Error()
}

var pathPartRE = regexp.MustCompile(`^([a-z_]+)?(?:\[(\d+)\])?$`)

// lineOf finds the line of a path such as "modules[1].lessons[0]" in a
// YAML tree: the deepest node the path reaches. 0 when root is nil.
func lineOf(root *yaml.Node, p string) int {
	if root == nil {
		return 0
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	if p == "" {
		return line
	}
	for _, part := range strings.Split(p, ".") {
		m := pathPartRE.FindStringSubmatch(part)
		if m == nil {
			return line
		}
		if m[1] != "" {
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
		}
		if m[2] != "" {
			idx, _ := strconv.Atoi(m[2])
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

// ParseBlock reads one block written as it is inside a lesson file's fence
// (the kind as in ```@quiz, and the YAML body), for the editor's block
// forms. Problems name the line within yamlText.
func ParseBlock(kind, yamlText string) (course.Block, []Problem) {
	l := &loader{dir: "."}
	b, ok := l.parseBlock("block", 0, kind, strings.Split(strings.ReplaceAll(yamlText, "\r\n", "\n"), "\n"))
	if !ok && len(l.problems) == 0 {
		l.problem("block", 0, "the block could not be read")
	}
	return b, l.problems
}

// FenceName is how a block kind is written in a lesson file's fence.
func FenceName(k course.Kind) string { return kindFences[k] }
