package library_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/upward-lms/upward/internal/library"
)

const houseCourse = `slug: house
title: House
level: beginner
language: en
modules:
  - title: One
    lessons:
      - file: 01-one.md
      - file: 02-two.md
`

// houseFS is a one-course library; lessons replace its two lessons' text.
func houseFS(one, two, readme string) fstest.MapFS {
	fsys := fstest.MapFS{
		"house/course.yaml": {Data: []byte(houseCourse)},
		"house/01-one.md":   {Data: []byte("---\ntitle: One\n---\n\n" + one)},
		"house/02-two.md":   {Data: []byte("---\ntitle: Two\n---\n\n" + two)},
	}
	if readme != "" {
		fsys["README.md"] = &fstest.MapFile{Data: []byte(readme)}
	}
	return fsys
}

func lint(t *testing.T, fsys fstest.MapFS) string {
	t.Helper()
	loaded, problems := library.LoadAll(fsys, ".")
	if len(problems) > 0 {
		t.Fatalf("the fixture does not load: %v", problems)
	}
	var out []string
	for _, p := range library.Lint(fsys, ".", loaded) {
		out = append(out, p.String())
	}
	return strings.Join(out, "\n")
}

const reflection = "```@reflection\nprompt: What will you try?\n```\n"

const further = "## Further reading\n\n- A book.\n"

func quiz(passMark int, questions string) string {
	return "```@quiz\npass_mark: " + itoa(passMark) + "\nquestions:\n" + questions + "```\n"
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	if s == "" {
		return "0"
	}
	return s
}

// question is a single-choice question whose correct option is right.
func question(right string, wrong ...string) string {
	q := "  - type: single\n    prompt: Which?\n    options:\n      - text: " + right + "\n        correct: true\n        feedback: why\n"
	for _, w := range wrong {
		q += "      - text: " + w + "\n        feedback: why not\n"
	}
	return q
}

func TestLint_Clean(t *testing.T) {
	t.Parallel()
	q := question("Ask for the decision by Friday", "Wait for the next meeting to ask", "Decide and tell them afterwards")
	if got := lint(t, houseFS(reflection, quiz(80, q+q)+further, "")); got != "" {
		t.Errorf("a clean course has problems:\n%s", got)
	}
}

func TestLint_FlagsTheLongestOption(t *testing.T) {
	t.Parallel()
	long := question("Propose a short written update at a fixed time each week, with options", "Keep quiet", "Ask a peer")
	got := lint(t, houseFS(reflection, quiz(80, long+long)+further, ""))
	for _, want := range []string{
		"house/02-two.md:5: quiz question 1: the correct option is",
		"house/02-two.md:5: quiz question 2: the correct option is",
		"house/02-two.md:5: quiz: always picking the longest option passes it (pass mark 80%)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	// Long by a little is not a give-away; but a quiz the longest option
	// passes still is.
	near := question("Tell them this afternoon, in person", "Tell them tomorrow in writing", "Ask a peer first")
	got = lint(t, houseFS(reflection, quiz(60, near+near)+further, ""))
	if strings.Contains(got, "question 1") || !strings.Contains(got, "always picking the longest") {
		t.Errorf("near-balanced options:\n%s", got)
	}
}

func TestLint_FlagsALessonWithoutActivityAndMissingReading(t *testing.T) {
	t.Parallel()
	got := lint(t, houseFS("Just reading.\n", reflection, ""))
	for _, want := range []string{
		`house/01-one.md:1: lesson "One" has no activity`,
		`house/02-two.md:1: the course's last lesson ends with a "## Further reading" section`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

func TestLint_HouseRulesOfALibraryWithACast(t *testing.T) {
	t.Parallel()
	readme := "# Library\n\n## Cast\n\n| Name | Who | Course |\n|---|---|---|\n| Ines Varga | analyst | house |\n" +
		"| Tomasz Bielski | her manager | other |\n| Ines Kovac | someone else | other |\n"
	one := "Ines tells Tomasz the colour of the prioritized list was changed toward the end; the size is fine.\n\n" + reflection
	got := lint(t, houseFS(one, reflection+further, readme))
	for _, want := range []string{
		"README.md:9: Ines is already in the cast on line 7",
		`house/01-one.md:5: "prioritized" is American spelling`,
		`house/01-one.md:5: "toward" is American spelling`,
		"house/01-one.md:5: Tomasz belongs to the cast of other",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
	for _, not := range []string{`"colour"`, `"size"`, "Ines belongs"} {
		if strings.Contains(got, not) {
			t.Errorf("%s flagged:\n%s", not, got)
		}
	}
	// Without a cast table the house spelling is not imposed.
	if got := lint(t, houseFS(one, reflection+further, "")); got != "" {
		t.Errorf("no README: %s", got)
	}
}

func TestLint_FlagsADrawingImportWouldRefuse(t *testing.T) {
	t.Parallel()
	image := "```@image\nsrc: images/flow.svg\nalt: A flow\n```\n"
	fsys := houseFS(image+reflection, reflection+further, "")
	fsys["house/images/flow.svg"] = &fstest.MapFile{Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)}
	if got := lint(t, fsys); !strings.Contains(got, "house/images/flow.svg:1: this SVG cannot be used: it has a script element") {
		t.Errorf("a drawing with a script: %q", got)
	}
	fsys["house/images/flow.svg"] = &fstest.MapFile{Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>`)}
	if got := lint(t, fsys); got != "" {
		t.Errorf("a plain drawing: %q", got)
	}
}
