package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/web/pages"
)

// formKinds are the block kinds edited with a form of fields. Text is
// edited as Markdown, and quizzes, for now, as YAML.
var formKinds = map[course.Kind]bool{
	course.KindCallout: true, course.KindReflection: true, course.KindChecklist: true, course.KindLiveSession: true,
	course.KindImage: true, course.KindFile: true, course.KindVideo: true, course.KindAudio: true,
}

// blockFields are a block's values as its form shows them.
func blockFields(b course.Block) map[string]string {
	f := map[string]string{}
	switch {
	case b.Callout != nil:
		f["style"], f["title"], f["text"] = b.Callout.Style, b.Callout.Title, b.Callout.Markdown
	case b.Reflection != nil:
		f["prompt"] = b.Reflection.Prompt
	case b.Checklist != nil:
		f["title"] = b.Checklist.Title
		var lines []string
		for _, it := range b.Checklist.Items {
			line := it.Text
			if it.DueInDays > 0 {
				line += " | " + strconv.Itoa(it.DueInDays)
			}
			lines = append(lines, line)
		}
		f["items"] = strings.Join(lines, "\n")
	case b.LiveSession != nil:
		f["title"], f["description"] = b.LiveSession.Title, b.LiveSession.Description
	case b.Image != nil:
		f["src"], f["alt"], f["caption"] = b.Image.Src, b.Image.Alt, b.Image.Caption
	case b.File != nil:
		f["src"], f["label"] = b.File.Src, b.File.Label
	case b.Media != nil:
		f["src"], f["url"], f["title"], f["transcript"] = b.Media.Src, b.Media.URL, b.Media.Title, b.Media.Transcript
	}
	return f
}

// blockFromForm builds a block of kind from its form, and the form's own
// problems (a due date that is not a number) by field.
func blockFromForm(kind course.Kind, r *http.Request) (course.Block, map[string]string, map[string]string) {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	fields := map[string]string{}
	for _, k := range []string{"style", "title", "text", "prompt", "items", "description", "src", "alt", "caption", "label", "url", "transcript"} {
		fields[k] = r.PostFormValue(k)
	}
	errs := map[string]string{}
	b := course.Block{Kind: kind}
	switch kind {
	case course.KindCallout:
		b.Callout = &course.Callout{Style: v("style"), Title: v("title"), Markdown: v("text")}
	case course.KindReflection:
		b.Reflection = &course.Reflection{Prompt: v("prompt")}
	case course.KindChecklist:
		b.Checklist = &course.Checklist{Title: v("title")}
		for n, line := range strings.Split(v("items"), "\n") {
			text, due, hasDue := strings.Cut(line, "|")
			item := course.ChecklistItem{Text: strings.TrimSpace(text)}
			if item.Text == "" && !hasDue {
				continue
			}
			if hasDue {
				d, err := strconv.Atoi(strings.TrimSpace(due))
				if err != nil {
					errs["items"] = fmt.Sprintf("Line %d: after | give a number of days.", n+1)
				}
				item.DueInDays = d
			}
			b.Checklist.Items = append(b.Checklist.Items, item)
		}
	case course.KindLiveSession:
		b.LiveSession = &course.LiveSession{Title: v("title"), Description: v("description")}
	case course.KindImage:
		b.Image = &course.Image{Src: v("src"), Alt: v("alt"), Caption: v("caption")}
	case course.KindFile:
		b.File = &course.File{Src: v("src"), Label: v("label")}
	case course.KindVideo, course.KindAudio:
		b.Media = &course.Media{Src: v("src"), URL: v("url"), Title: v("title"), Transcript: v("transcript")}
	}
	for _, p := range course.CheckBlock(b) {
		field := fieldOfProblem(p.Path)
		if _, taken := errs[field]; !taken {
			errs[field] = strings.ToUpper(p.Message[:1]) + p.Message[1:] + "."
		}
	}
	return b, fields, errs
}

// fieldOfProblem maps a rule's path inside a block ("checklist.items[0].text",
// "media.url") to the form field it is about.
func fieldOfProblem(path string) string {
	_, rest, _ := strings.Cut(path, ".")
	if rest == "" {
		rest = path
	}
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		rest = rest[:i]
	}
	if rest == "media" {
		return "src"
	}
	return rest
}

// quizForm shows a quiz with one blank question and two blank options per
// question to fill in, so questions and answers are added without script.
func quizForm(q *course.Quiz, errs map[string]string) *pages.QuizForm {
	f := &pages.QuizForm{PassMark: "75", Attempts: "0", Errors: errs}
	if q != nil {
		f.PassMark, f.Attempts, f.Shuffle = strconv.Itoa(q.PassMark), strconv.Itoa(q.Attempts), q.Shuffle
		for _, qu := range q.Questions {
			qf := pages.QuestionForm{Type: qu.Type, Scenario: qu.Scenario, Prompt: qu.Prompt, Explanation: qu.Explanation}
			for _, o := range qu.Options {
				qf.Options = append(qf.Options, pages.OptionForm{Text: o.Text, Correct: o.Correct, Feedback: o.Feedback})
			}
			f.Questions = append(f.Questions, qf)
		}
	}
	f.Questions = append(f.Questions, pages.QuestionForm{Type: course.Scenario})
	for i := range f.Questions {
		f.Questions[i].Options = append(f.Questions[i].Options, pages.OptionForm{}, pages.OptionForm{})
	}
	return f
}

// quizFromForm reads the quiz form: blank questions and blank answers are
// left out. It returns the quiz, the form as typed (to show again), and
// the problems by field (pass_mark, attempts, questions, q0, q1…).
func quizFromForm(r *http.Request) (course.Block, *pages.QuizForm) {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	errs := map[string]string{}
	q := &course.Quiz{Shuffle: r.PostFormValue("shuffle") == "on"}
	var err error
	if q.PassMark, err = strconv.Atoi(v("pass_mark")); err != nil {
		errs["pass_mark"] = "Enter a whole number from 0 to 100."
	}
	if q.Attempts, err = strconv.Atoi(v("attempts")); err != nil {
		errs["attempts"] = "Enter a whole number (0 for no limit)."
	}
	for i := 0; i < 100 && r.PostForm.Has(fmt.Sprintf("q%d_prompt", i)); i++ {
		qv := func(f string) string { return v(fmt.Sprintf("q%d_%s", i, f)) }
		qu := course.Question{Type: qv("type"), Scenario: qv("scenario"), Prompt: qv("prompt"), Explanation: qv("explanation")}
		for j := 0; j < 50 && r.PostForm.Has(fmt.Sprintf("q%d_o%d_text", i, j)); j++ {
			ov := func(f string) string { return v(fmt.Sprintf("q%d_o%d_%s", i, j, f)) }
			o := course.Option{Text: ov("text"), Correct: ov("correct") == "on", Feedback: ov("feedback")}
			if o.Text != "" || o.Feedback != "" || o.Correct {
				qu.Options = append(qu.Options, o)
			}
		}
		if qu.Prompt == "" && qu.Scenario == "" && len(qu.Options) == 0 {
			continue // the blank question left for adding one
		}
		q.Questions = append(q.Questions, qu)
	}
	b := course.Block{Kind: course.KindQuiz, Quiz: q}
	for _, p := range course.CheckBlock(b) {
		field := fieldOfProblem(p.Path)
		if strings.HasPrefix(p.Path, "quiz.questions[") {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.SplitN(strings.TrimPrefix(p.Path, "quiz.questions["), "]", 2)[0], "]"))
			field = "q" + strconv.Itoa(n)
		}
		if _, taken := errs[field]; !taken {
			errs[field] = strings.ToUpper(p.Message[:1]) + p.Message[1:] + "."
		}
	}
	form := quizForm(q, errs)
	return b, form
}
