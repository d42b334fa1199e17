package library

import (
	"bufio"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
)

// Lint checks what a program can of the library's house rules
// (courses/README.md, "Writing for the library") on courses that loaded
// without problems:
//
//   - quizzes: a single-answer question whose correct option is longer
//     than every other by more than a quarter; a quiz passed by always
//     picking the longest option;
//   - every lesson has an activity (a quiz, a reflection, writing practice
//     or a checklist), and a course's last lesson ends with further
//     reading;
//   - every template (files/*.md) has its Word copy, up to date;
//   - when root holds a README.md with a "## Cast" table (the library's
//     register of its people), British spelling and the cast: a first
//     name of the cast used in another course's files.
func Lint(fsys fs.FS, root string, loaded []Loaded) []Problem {
	var out []Problem
	cast, castProblems := readCast(fsys, root)
	out = append(out, castProblems...)
	for _, ld := range loaded {
		out = append(out, lintCourse(fsys, ld, cast)...)
	}
	return out
}

// balanceRatio is how much longer than every other option a correct one
// may be before it gives itself away.
const balanceRatio = 1.25

func lintCourse(fsys fs.FS, ld Loaded, cast map[string]string) []Problem {
	var out []Problem
	add := func(file string, line int, format string, args ...any) {
		out = append(out, Problem{File: path.Join(ld.Dir, file), Line: line, Message: fmt.Sprintf(format, args...)})
	}
	lessons := ld.Course.Lessons()
	files := lessonFiles(fsys, ld.Dir)
	for li, l := range lessons {
		file := files[l.Key]
		src := readLines(fsys, path.Join(ld.Dir, file))
		quizFences := fenceLines(src, "@quiz")
		activity, quizN := false, 0
		for _, b := range l.Blocks {
			switch b.Kind {
			case course.KindQuiz, course.KindReflection, course.KindWriting, course.KindChecklist:
				activity = true
			}
			if b.Quiz == nil {
				continue
			}
			line := 1
			if quizN < len(quizFences) {
				line = quizFences[quizN]
			}
			quizN++
			for qi, qu := range b.Quiz.Questions {
				for _, msg := range balanceProblems(qu) {
					add(file, line, "quiz question %d: %s", qi+1, msg)
				}
			}
			if learning.Score(*b.Quiz, longestAnswers(*b.Quiz)).Passed {
				add(file, line, "quiz: always picking the longest option passes it (pass mark %d%%): balance the options' lengths", b.Quiz.PassMark)
			}
		}
		if !activity {
			add(file, 1, "lesson %q has no activity: add a quiz, a reflection, writing practice or a checklist", l.Title)
		}
		if li == len(lessons)-1 && !slices.ContainsFunc(src, func(s string) bool { return strings.TrimSpace(s) == "## Further reading" }) {
			add(file, 1, "the course's last lesson ends with a \"## Further reading\" section citing its sources")
		}
		if cast != nil {
			out = append(out, lintText(path.Join(ld.Dir, file), src, ld.Course.Slug, cast)...)
		}
	}
	if cast != nil {
		out = append(out, lintText(path.Join(ld.Dir, CourseFile), readLines(fsys, path.Join(ld.Dir, CourseFile)), ld.Course.Slug, cast)...)
	}
	out = append(out, lintDrawings(fsys, ld)...)
	return append(out, lintTemplates(fsys, ld.Dir)...)
}

// balanceProblems flags a decision whose correct option is the longest
// by a wide margin: a learner who knows nothing picks it.
func balanceProblems(qu course.Question) []string {
	var out []string
	check := func(what string, options []course.Option) {
		right, longestWrong := -1, 0
		for _, o := range options {
			n := utf8.RuneCountInString(strings.TrimSpace(o.Text))
			if o.Correct {
				right = n
			} else {
				longestWrong = max(longestWrong, n)
			}
		}
		if right > 0 && longestWrong > 0 && float64(right) > balanceRatio*float64(longestWrong) {
			out = append(out, fmt.Sprintf("%sthe correct option is %d%% longer than any other: balance the options' lengths",
				what, (right-longestWrong)*100/longestWrong))
		}
	}
	switch qu.Type {
	case course.Single, course.Scenario:
		check("", qu.Options)
	case course.Branching:
		check("first decision: ", qu.Options)
		for j, o := range qu.Options {
			if o.Then != nil {
				check(fmt.Sprintf("second decision after option %d: ", j+1), o.Then.Options)
			}
		}
	}
	return out
}

// longestAnswers are the answers of a learner who always picks the
// longest option (and cannot guess an order or a truth).
func longestAnswers(q course.Quiz) learning.Answers {
	longest := func(options []course.Option) int {
		best := 0
		for i, o := range options {
			if len(o.Text) > len(options[best].Text) {
				best = i
			}
		}
		return best
	}
	a := make(learning.Answers, len(q.Questions))
	for i, qu := range q.Questions {
		switch qu.Type {
		case course.Ordering, course.TrueFalse:
			// Length tells nothing of an order, and "False" is always
			// the longer of two words.
			a[i] = learning.WrongAnswer(qu)
		case course.Branching:
			first := longest(qu.Options)
			second := 0
			if t := qu.Options[first].Then; t != nil {
				second = longest(t.Options)
			}
			a[i] = []int{first, second}
		default:
			a[i] = []int{longest(qu.Options)}
		}
	}
	return a
}

// americanRE matches American spellings the library does not use: -ize
// and -yze verbs and their kin, and a list of words.
var (
	americanRE = regexp.MustCompile(`\b([A-Za-z]+(?:iz|yz)(?:e|es|ed|ing|ation|ations|er|ers)|` +
		`(?:[Cc]olor|[Bb]ehavior|[Ff]avor|[Hh]onor|[Ll]abor|[Nn]eighbor|[Hh]umor|[Rr]umor)(?:s|ed|ing|ful|al|ite|ites|able)?|` +
		`[Cc]ent(?:er|ers|ered)|[Tt]heater|[Dd]efense|[Oo]ffense|[Jj]udgment|[Aa]cknowledgment|[Cc]atalog|` +
		`[Tt]oward|[Aa]fterward|[Tt]ravel(?:ed|ing|er)|[Cc]ancel(?:ed|ing)|[Mm]odel(?:ed|ing)|[Ll]abel(?:ed|ing)|` +
		`[Ff]ulfill|[Ee]nroll|[Ee]nrollment|[Pp]racticing|[Ss]killful|[Mm]om)\b`)
	// Words that end like an American -ize but are the same everywhere.
	izeExceptions = []string{"size", "sizes", "sized", "sizing", "seize", "seized", "seizes", "seizing", "prize", "prizes",
		"prized", "capsize", "capsized", "maize", "baize", "downsize", "downsized", "downsizing", "resize", "resized", "oversized", "undersized"}
)

// lintText flags American spellings and another course's cast in a file's
// lines.
func lintText(file string, lines []string, slug string, cast map[string]string) []Problem {
	var out []Problem
	reading := false // in further reading, titles keep their own spelling
	for i, line := range lines {
		if strings.HasPrefix(line, "## ") {
			reading = strings.TrimSpace(line) == "## Further reading"
		}
		spelt := line
		if reading {
			spelt = ""
		}
		// *Italics* are titles of books and articles, spelt as published.
		spelt = italicRE.ReplaceAllString(spelt, "")
		for _, m := range americanRE.FindAllString(spelt, -1) {
			if slices.Contains(izeExceptions, strings.ToLower(m)) {
				continue
			}
			out = append(out, Problem{File: file, Line: i + 1, Message: fmt.Sprintf("%q is American spelling: the library writes British English", m)})
		}
		if reading {
			continue // sources name their authors and publishers
		}
		for _, w := range nameRE.FindAllString(line, -1) {
			if owner, listed := cast[w]; listed && owner != slug {
				out = append(out, Problem{File: file, Line: i + 1,
					Message: fmt.Sprintf("%s belongs to the cast of %s: give this person another name (courses/README.md, Cast)", w, owner)})
			}
		}
	}
	return out
}

var (
	nameRE   = regexp.MustCompile(`\b[A-Z][a-z]+(?:-[a-z]+)?\b`)
	italicRE = regexp.MustCompile(`(^|[^*])\*[^*\s][^*]*\*`)
)

// readCast reads the cast table of root's README.md: first name -> the
// course they belong to. nil when there is no cast table.
func readCast(fsys fs.FS, root string) (map[string]string, []Problem) {
	file := path.Join(root, "README.md")
	lines := readLines(fsys, file)
	start := slices.IndexFunc(lines, func(s string) bool { return strings.TrimSpace(s) == "## Cast" })
	if start < 0 {
		return nil, nil
	}
	cast := map[string]string{}
	line := map[string]int{}
	var out []Problem
	for i := start + 1; i < len(lines); i++ {
		s := strings.TrimSpace(lines[i])
		if strings.HasPrefix(s, "## ") {
			break
		}
		cells := strings.Split(strings.Trim(s, "|"), "|")
		if !strings.HasPrefix(s, "|") || len(cells) < 3 || strings.HasPrefix(strings.TrimSpace(cells[0]), "---") || strings.TrimSpace(cells[0]) == "Name" {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimSpace(cells[0]), " ")
		owner := strings.TrimSpace(cells[len(cells)-1])
		if prev, dup := line[first]; dup {
			out = append(out, Problem{File: file, Line: i + 1, Message: fmt.Sprintf("%s is already in the cast on line %d: each name is one person", first, prev)})
			continue
		}
		cast[first], line[first] = owner, i+1
	}
	return cast, out
}

// lessonFiles maps a course's lesson keys to their files, as course.yaml
// lists them.
func lessonFiles(fsys fs.FS, dir string) map[string]string {
	out := map[string]string{}
	for _, s := range readLines(fsys, path.Join(dir, CourseFile)) {
		if f, ok := strings.CutPrefix(strings.TrimSpace(s), "- file:"); ok {
			f = strings.Trim(strings.TrimSpace(f), `"'`)
			out[lessonKey(f)] = f
		}
	}
	return out
}

func readLines(fsys fs.FS, name string) []string {
	f, err := fsys.Open(name)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// fenceLines lists the lines (from 1) of the fences opening blocks of a
// kind ("@quiz").
func fenceLines(lines []string, kind string) []int {
	var out []int
	for i, s := range lines {
		if m := fenceRE.FindStringSubmatch(strings.TrimSpace(s)); m != nil && m[2] == kind {
			out = append(out, i+1)
		}
	}
	return out
}

// lintDrawings checks a course's SVG images as an upload of them would be
// checked: a drawing that import would refuse is found here first.
func lintDrawings(fsys fs.FS, ld Loaded) []Problem {
	var out []Problem
	c := ld.Course
	for _, r := range refs(&c) {
		if r.kind != "image" || !strings.EqualFold(path.Ext(*r.src), ".svg") {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(ld.Dir, *r.src))
		if err != nil {
			continue // Load reports a missing file
		}
		if err := checkSVG(data); err != nil {
			out = append(out, Problem{File: path.Join(ld.Dir, *r.src), Message: err.Error()})
		}
	}
	return out
}
