package courses_test

import (
	"bufio"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
)

// The library's promises, checked on every build so that it cannot shrink
// or slip: enough courses, each taught the same way (objective,
// explanation, scenario, takeaway), quizzes that teach, reflections and an
// action plan, and text that is the library's own.

// theLibrary is the library, loaded once for the tests of the package
// (seconds of parsing under the race detector); they only read it.
var theLibrary = sync.OnceValues(func() ([]library.Loaded, []library.Problem) {
	return library.LoadAll(courses.FS, ".")
})

func loadLibrary(t *testing.T) []library.Loaded {
	t.Helper()
	loaded, problems := theLibrary()
	for _, p := range problems {
		t.Error(p)
	}
	return loaded
}

// libraryTexts is every piece of prose in the library, courses and paths,
// by where it is.
func libraryTexts(t *testing.T) map[string]string {
	t.Helper()
	loaded := loadLibrary(t)
	out := map[string]string{}
	for _, l := range loaded {
		for where, text := range texts(l.Course) {
			out[where] = text
		}
	}
	paths, problems := library.LoadPaths(courses.FS, ".", loaded)
	for _, p := range problems {
		t.Error(p)
	}
	for _, p := range paths {
		out["path "+p.Slug] = p.Summary + "\n\n" + p.Description
		if sa := p.SelfAssessment; sa != nil {
			out["path "+p.Slug+" self-assessment"] = sa.Intro + "\n\n" + strings.Join(sa.Items, "\n\n")
		}
	}
	return out
}

func TestLibrary_HasAtLeastThirteenCourses(t *testing.T) {
	t.Parallel()
	if n := len(loadLibrary(t)); n < 13 {
		t.Errorf("the library has %d courses, want at least 13", n)
	}
}

func TestLibrary_EveryCourseHasTheAgreedShape(t *testing.T) {
	t.Parallel()
	for _, l := range loadLibrary(t) {
		c := l.Course
		t.Run(c.Slug, func(t *testing.T) {
			if n := len(c.Modules); n < 2 || n > 6 {
				t.Errorf("%d modules, want 2 to 6", n)
			}
			checklists, writing := 0, 0
			types := map[string]int{}
			for mi, m := range c.Modules {
				reflections := 0
				for _, lesson := range m.Lessons {
					where := fmt.Sprintf("module %d %q, lesson %q", mi+1, m.Title, lesson.Title)
					checkLesson(t, where, lesson)
					for _, b := range lesson.Blocks {
						switch {
						case b.Reflection != nil:
							reflections++
						case b.Writing != nil:
							reflections++
							writing++
						case b.Checklist != nil && len(b.Checklist.Items) >= 3:
							checklists++
						case b.Quiz != nil:
							for _, q := range b.Quiz.Questions {
								types[q.Type]++
							}
						}
					}
				}
				if len(m.Lessons) == 0 {
					t.Errorf("module %d %q has no lessons", mi+1, m.Title)
					continue
				}
				checkModuleQuiz(t, fmt.Sprintf("module %d %q", mi+1, m.Title), m.Lessons[len(m.Lessons)-1])
				if reflections == 0 {
					t.Errorf("module %d %q has no reflection prompt or writing practice", mi+1, m.Title)
				}
			}
			if checklists == 0 {
				t.Error("no action-plan checklist of at least three steps")
			}
			if writing < 2 {
				t.Errorf("%d writing practices, want at least 2", writing)
			}
			for _, kind := range []string{course.Ordering, course.Branching, course.Multiple} {
				if types[kind] == 0 {
					t.Errorf("no %s question: a course's quizzes mix the kinds", kind)
				}
			}
		})
	}
}

// checkLesson: 300 to 1,000 words of teaching that state an objective, tell
// a scenario and end in a takeaway.
func checkLesson(t *testing.T, where string, l course.Lesson) {
	t.Helper()
	if words := proseWords(l); words < 300 || words > 1000 {
		t.Errorf("%s: %d words of prose, want 300 to 1000", where, words)
	}
	var hasObjective, hasScenario, hasTakeaway bool
	for i, b := range l.Blocks {
		switch {
		case b.Text != nil:
			if i == 0 && strings.HasPrefix(strings.TrimSpace(b.Text.Markdown), "**Learning objective:**") {
				hasObjective = true
			}
			if regexp.MustCompile(`(?m)^## Scenario: \S`).MatchString(b.Text.Markdown) {
				hasScenario = true
			}
		case b.Callout != nil && b.Callout.Style == "takeaway":
			hasTakeaway = true
		}
	}
	if !hasObjective {
		t.Errorf("%s: does not open with **Learning objective:**", where)
	}
	if !hasScenario {
		t.Errorf("%s: no \"## Scenario: …\" section", where)
	}
	if !hasTakeaway {
		t.Errorf("%s: no takeaway callout", where)
	}
}

// checkModuleQuiz: a module ends with a quiz of at least four questions,
// those that set a scene with their scenario, whose every option says why
// it is right or wrong.
func checkModuleQuiz(t *testing.T, where string, last course.Lesson) {
	t.Helper()
	var quiz *course.Quiz
	for _, b := range last.Blocks {
		if b.Quiz != nil {
			quiz = b.Quiz
		}
	}
	if quiz == nil {
		t.Errorf("%s: its last lesson %q has no quiz", where, last.Title)
		return
	}
	if len(quiz.Questions) < 4 {
		t.Errorf("%s: the quiz has %d questions, want at least 4", where, len(quiz.Questions))
	}
	for qi, q := range quiz.Questions {
		if q.SetsScene() && strings.TrimSpace(q.Scenario) == "" {
			t.Errorf("%s: question %d has no scenario", where, qi+1)
		}
		for oi, o := range q.Options {
			if len(strings.Fields(o.Feedback)) < 5 {
				t.Errorf("%s: question %d option %d: feedback %q does not say why", where, qi+1, oi+1, o.Feedback)
			}
			if o.Then == nil {
				continue
			}
			for ti, th := range o.Then.Options {
				if len(strings.Fields(th.Feedback)) < 5 {
					t.Errorf("%s: question %d option %d, second decision %d: feedback %q does not say why", where, qi+1, oi+1, ti+1, th.Feedback)
				}
			}
		}
	}
}

// proseWords counts the words a learner reads: text and callouts.
func proseWords(l course.Lesson) int {
	n := 0
	for _, b := range l.Blocks {
		switch {
		case b.Text != nil:
			n += len(words(plain(b.Text.Markdown)))
		case b.Callout != nil:
			n += len(words(plain(b.Callout.Title + " " + b.Callout.Markdown)))
		}
	}
	return n
}

var (
	linkRE   = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	markupRE = regexp.MustCompile("[*_`#>|]+")
	fenceRE  = regexp.MustCompile("(?s)```.*?```")
	breakRE  = regexp.MustCompile(`([.!?:;]["”’)]*)(\s+|$)|\n\s*\n|\n\s*([-+]|\d+\.)\s`)
)

// plain strips Markdown down to its words and sentence ends.
func plain(md string) string {
	md = fenceRE.ReplaceAllString(md, "\n\n")
	md = linkRE.ReplaceAllString(md, "$1")
	return markupRE.ReplaceAllString(md, "")
}

// words are a text's lower-case words, apostrophes unified.
func words(s string) []string {
	s = strings.NewReplacer("’", "'", "‘", "'").Replace(strings.ToLower(s))
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
}

// sentences splits text into normalised sentences (and list items, which
// read as sentences) of at least min words.
func sentences(text string, min int) []string {
	var out []string
	for _, part := range breakRE.Split(plain(text), -1) {
		if w := words(part); len(w) >= min {
			out = append(out, strings.Join(w, " "))
		}
	}
	return out
}

// texts lists every piece of prose in a course with where it is.
func texts(c course.Course) map[string]string {
	out := map[string]string{c.Slug + " summary": c.Summary, c.Slug + " description": c.Description}
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			for bi, b := range l.Blocks {
				where := fmt.Sprintf("%s / %s / block %d", c.Slug, l.Title, bi+1)
				var parts []string
				switch {
				case b.Text != nil:
					// Further reading cites the same sources in several
					// courses: citations are not the library's prose.
					prose, _, _ := strings.Cut(b.Text.Markdown, "## Further reading")
					parts = append(parts, prose)
				case b.Callout != nil:
					parts = append(parts, b.Callout.Markdown)
				case b.Reflection != nil:
					parts = append(parts, b.Reflection.Prompt, b.Reflection.Example)
				case b.Writing != nil:
					parts = append(parts, b.Writing.Title, b.Writing.Prompt, b.Writing.ModelAnswer)
					parts = append(parts, b.Writing.Rubric...)
				case b.Checklist != nil:
					for _, it := range b.Checklist.Items {
						parts = append(parts, it.Text)
					}
				case b.Quiz != nil:
					for _, q := range b.Quiz.Questions {
						parts = append(parts, q.Scenario, q.Prompt, q.Explanation)
						for _, o := range q.Options {
							if q.Type == course.Ordering {
								// Steps are the names of what was taught.
								parts = append(parts, o.Feedback)
								continue
							}
							parts = append(parts, o.Text, o.Feedback, o.Consequence)
							if o.Then != nil {
								parts = append(parts, o.Then.Prompt)
								for _, th := range o.Then.Options {
									parts = append(parts, th.Text, th.Feedback)
								}
							}
						}
					}
				}
				out[where] = strings.Join(parts, "\n\n")
			}
		}
	}
	return out
}

func TestLibrary_NoTwoPlacesShareASentence(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	lesson := func(where string) string { l, _, _ := strings.Cut(where, " / block "); return l }
	for where, text := range libraryTexts(t) {
		for _, s := range sentences(text, 6) {
			// A lesson may name a thing it taught again (in its quiz, in an
			// example); another lesson may not repeat it.
			if other, dup := seen[s]; dup && lesson(other) != lesson(where) {
				t.Errorf("%q is both in %s and in %s", s, other, where)
			}
			seen[s] = where
		}
	}
}

// The reference articles the library was written from are not part of the
// repository; their fingerprints are: hashes of every sentence of five or
// more words and of every run of eight words. go test -update-fingerprints
// rewrites them from the articles (../../shared/reference/articles).
var (
	updateFingerprints = flag.Bool("update-fingerprints", false, "rewrite testdata/reference-fingerprints.txt from the articles")
	articlesDir        = filepath.Join("..", "..", "shared", "reference", "articles")
	fingerprintsFile   = filepath.Join("testdata", "reference-fingerprints.txt")
)

const shingle = 8

func fingerprint(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 16)
}

// fingerprints of a text: its sentences of five words or more, and each
// run of eight words within a paragraph.
func fingerprints(text string) map[string]string {
	out := map[string]string{}
	for _, s := range sentences(text, 5) {
		out["s"+fingerprint(s)] = s
	}
	for _, para := range regexp.MustCompile(`\n\s*\n`).Split(plain(text), -1) {
		w := words(para)
		for i := 0; i+shingle <= len(w); i++ {
			run := strings.Join(w[i:i+shingle], " ")
			out["w"+fingerprint(run)] = run
		}
	}
	return out
}

func articleFingerprints(t *testing.T) (map[string]string, bool) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(articlesDir, "*.txt"))
	if len(files) == 0 {
		return nil, false
	}
	all := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// An article's lines are its paragraphs.
		for k, v := range fingerprints(strings.ReplaceAll(string(b), "\n", "\n\n")) {
			all[k] = v
		}
	}
	return all, true
}

func storedFingerprints(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(fingerprintsFile)
	if err != nil {
		t.Fatalf("%v (run go test ./courses -update-fingerprints where the articles are)", err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); line != "" && line[0] != '#' {
			out[line] = true
		}
	}
	return out
}

func TestLibrary_SharesNoTextWithTheReferenceArticles(t *testing.T) {
	t.Parallel()
	fromArticles, haveArticles := articleFingerprints(t)
	if *updateFingerprints {
		if !haveArticles {
			t.Fatalf("no articles in %s", articlesDir)
		}
		keys := make([]string, 0, len(fromArticles))
		for k := range fromArticles {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		body := "# FNV-64a hashes of the reference articles' sentences (s) and 8-word runs (w); see library_test.go.\n" + strings.Join(keys, "\n") + "\n"
		if err := os.WriteFile(fingerprintsFile, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	stored := storedFingerprints(t)
	if haveArticles {
		for k := range fromArticles {
			if !stored[k] {
				t.Fatalf("%s is out of date with the articles: run go test ./courses -update-fingerprints", fingerprintsFile)
			}
		}
	}
	if len(stored) < 1000 {
		t.Fatalf("only %d fingerprints stored", len(stored))
	}
	for where, text := range libraryTexts(t) {
		var hits []string
		for k, s := range fingerprints(text) {
			if stored[k] {
				hits = append(hits, s)
			}
		}
		slices.Sort(hits)
		for _, s := range hits {
			t.Errorf("%s: %q is also in a reference article", where, s)
		}
	}
}

// The checks must catch what they are for; a library that passed because
// the checks saw nothing would prove nothing.
func TestLibraryChecks_SeeWhatTheyLookFor(t *testing.T) {
	t.Parallel()
	md := "**Learning objective:** do a thing.\n\nFirst sentence here is long enough to count. Second one: also quite long enough to count!\n\n- A list item that reads as a sentence\n- Another [linked](https://x.test) item that reads as one"
	got := sentences(md, 6)
	want := []string{
		"first sentence here is long enough to count",
		"also quite long enough to count",
		"a list item that reads as a sentence",
		"another linked item that reads as one",
	}
	if !slices.Equal(got, want) {
		t.Errorf("sentences:\n got %q\nwant %q", got, want)
	}
	if n := len(words(plain("Don’t **panic**: it's [fine](https://x.test)."))); n != 4 {
		t.Errorf("words: %d, want 4", n)
	}
	fp := fingerprints("one two three four five six seven eight nine")
	if len(fp) != 3 { // one sentence, two runs of eight
		t.Errorf("fingerprints: %v", fp)
	}
}

// The library serves three audiences with a path each, every one opening
// and closing with its self-assessment.
func TestLibrary_AudiencePathsAssessBeforeAndAfter(t *testing.T) {
	t.Parallel()
	loaded := loadLibrary(t)
	paths, problems := library.LoadPaths(courses.FS, ".", loaded)
	for _, p := range problems {
		t.Error(p)
	}
	bySlug := map[string]course.Path{}
	for _, p := range paths {
		bySlug[p.Slug] = p
	}
	for _, slug := range []string{"individual-contributors", "leading-up-as-a-new-manager", "senior-leaders"} {
		p, ok := bySlug[slug]
		switch {
		case !ok:
			t.Errorf("no %s path", slug)
		case p.SelfAssessment == nil || len(p.SelfAssessment.Items) < 5:
			t.Errorf("%s: no self-assessment of at least five statements", slug)
		case len(p.Steps) < 3 || len(p.Steps) == len(loaded):
			t.Errorf("%s: %d steps; a path for an audience picks its courses", slug, len(p.Steps))
		}
	}
}
