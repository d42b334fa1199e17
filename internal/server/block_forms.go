package server

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/postgres"
	"github.com/upward-lms/upward/web/pages"
)

// formKinds are the block kinds edited with a form of fields. Text is
// edited as Markdown, and quizzes, for now, as YAML.
var formKinds = map[course.Kind]bool{
	course.KindCallout: true, course.KindReflection: true, course.KindWriting: true, course.KindChecklist: true, course.KindLiveSession: true,
	course.KindImage: true, course.KindFile: true, course.KindVideo: true, course.KindAudio: true,
}

// blockFields are a block's values as its form shows them.
func blockFields(b course.Block) map[string]string {
	f := map[string]string{}
	switch {
	case b.Callout != nil:
		f["style"], f["title"], f["text"] = b.Callout.Style, b.Callout.Title, b.Callout.Markdown
	case b.Reflection != nil:
		f["prompt"], f["example"] = b.Reflection.Prompt, b.Reflection.Example
	case b.Writing != nil:
		w := b.Writing
		f["title"], f["prompt"], f["model_answer"], f["rubric"] = w.Title, w.Prompt, w.ModelAnswer, strings.Join(w.Rubric, "\n")
		if w.MinWords > 0 {
			f["min_words"] = strconv.Itoa(w.MinWords)
		}
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
	for _, k := range []string{"style", "title", "text", "prompt", "example", "items", "description", "src", "alt", "caption", "label", "url", "transcript",
		"min_words", "model_answer", "rubric"} {
		fields[k] = r.PostFormValue(k)
	}
	errs := map[string]string{}
	b := course.Block{Kind: kind}
	switch kind {
	case course.KindCallout:
		b.Callout = &course.Callout{Style: v("style"), Title: v("title"), Markdown: v("text")}
	case course.KindReflection:
		b.Reflection = &course.Reflection{Prompt: v("prompt"), Example: v("example")}
	case course.KindWriting:
		b.Writing = &course.Writing{Title: v("title"), Prompt: v("prompt"), ModelAnswer: v("model_answer")}
		if m := v("min_words"); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil {
				errs["min_words"] = "Give the fewest words as a whole number, such as 60."
			}
			b.Writing.MinWords = n
		}
		for _, line := range strings.Split(v("rubric"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				b.Writing.Rubric = append(b.Writing.Rubric, line)
			}
		}
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
			errs[field] = sentence(p.Message)
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

// quizForm shows a quiz as it is stored: saving adds no blank question or
// option. A new quiz starts with one question of two options to fill in;
// more are added with the form's Add buttons (or, with script, in place).
func quizForm(q *course.Quiz) *pages.QuizForm {
	f := &pages.QuizForm{PassMark: "75", Attempts: "0", Errors: map[string]string{}}
	if q == nil {
		f.Questions = []pages.QuestionForm{{Type: course.Scenario, Options: []pages.OptionForm{{}, {}}}}
		return f
	}
	f.PassMark, f.Attempts, f.Shuffle = strconv.Itoa(q.PassMark), strconv.Itoa(q.Attempts), q.Shuffle
	for _, qu := range q.Questions {
		qf := pages.QuestionForm{Type: qu.Type, Scenario: qu.Scenario, Prompt: qu.Prompt, Explanation: qu.Explanation}
		for _, o := range qu.Options {
			of := pages.OptionForm{Text: o.Text, Correct: o.Correct, Feedback: o.Feedback, Consequence: o.Consequence}
			if o.Then != nil {
				of.ThenPrompt, of.ThenOptions = o.Then.Prompt, thenLines(o.Then.Options)
			}
			qf.Options = append(qf.Options, of)
		}
		f.Questions = append(f.Questions, qf)
	}
	return f
}

// thenLines writes a second decision's options as the form's lines: "* "
// before the right one, " | " before the feedback.
func thenLines(options []course.Option) string {
	var lines []string
	for _, o := range options {
		line := o.Text
		if o.Correct {
			line = "* " + line
		}
		if o.Feedback != "" {
			line += " | " + o.Feedback
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n")
}

// thenOptions reads the form's lines of a second decision.
func thenOptions(lines string) []course.Option {
	var out []course.Option
	for _, line := range strings.Split(lines, "\n") {
		text, feedback, _ := strings.Cut(line, "|")
		text = strings.TrimSpace(text)
		if text == "" && strings.TrimSpace(feedback) == "" {
			continue
		}
		o := course.Option{Feedback: strings.TrimSpace(feedback)}
		if t, right := strings.CutPrefix(text, "*"); right {
			o.Correct, text = true, strings.TrimSpace(t)
		}
		o.Text = text
		out = append(out, o)
	}
	return out
}

// maxQuizQuestions and maxQuizOptions bound how far a quiz form is read.
const (
	maxQuizQuestions = 100
	maxQuizOptions   = 20
)

// quizFormOf reads the quiz form as typed, in the form's order.
func quizFormOf(r *http.Request) *pages.QuizForm {
	v := func(name string) string { return strings.TrimSpace(r.PostFormValue(name)) }
	f := &pages.QuizForm{PassMark: v("pass_mark"), Attempts: v("attempts"), Shuffle: r.PostFormValue("shuffle") == "on", Errors: map[string]string{}}
	for i := 0; i < maxQuizQuestions && r.PostForm.Has(pages.QuizField(i, -1, "prompt")); i++ {
		qv := func(field string) string { return v(pages.QuizField(i, -1, field)) }
		qf := pages.QuestionForm{Type: qv("type"), Scenario: qv("scenario"), Prompt: qv("prompt"), Explanation: qv("explanation")}
		for j := 0; j < maxQuizOptions && r.PostForm.Has(pages.QuizField(i, j, "text")); j++ {
			ov := func(field string) string { return v(pages.QuizField(i, j, field)) }
			qf.Options = append(qf.Options, pages.OptionForm{Text: ov("text"), Correct: ov("correct") == "on", Feedback: ov("feedback"),
				Consequence: ov("consequence"), ThenPrompt: ov("second"), ThenOptions: ov("second_options")})
		}
		f.Questions = append(f.Questions, qf)
	}
	return f
}

var (
	quizChangeRE = regexp.MustCompile(`^(add|remove) (question|q(\d+)|q(\d+)_o(\d+))$`)
	quizPathRE   = regexp.MustCompile(`^quiz\.questions\[(\d+)\](?:\.options\[(\d+)\])?(\.[a-z_]+)?`)
)

// changeQuizForm applies one of the form's Add and Remove buttons (the
// value of quiz_change: "add question", "add q1" for an option of question
// 2, "remove q1", "remove q1_o2"). They change the form, never the saved
// quiz, so that questions and options come and go without script too.
func changeQuizForm(f *pages.QuizForm, change string) bool {
	m := quizChangeRE.FindStringSubmatch(change)
	if m == nil {
		return false
	}
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	switch {
	case m[1] == "add" && m[2] == "question":
		if len(f.Questions) < maxQuizQuestions {
			f.Questions = append(f.Questions, pages.QuestionForm{Type: course.Scenario, Options: []pages.OptionForm{{}, {}}})
		}
	case m[1] == "add" && m[3] != "":
		if i := atoi(m[3]); i < len(f.Questions) && len(f.Questions[i].Options) < maxQuizOptions {
			f.Questions[i].Options = append(f.Questions[i].Options, pages.OptionForm{})
		}
	case m[1] == "remove" && m[3] != "":
		if i := atoi(m[3]); i < len(f.Questions) {
			f.Questions = slices.Delete(f.Questions, i, i+1)
		}
	case m[1] == "remove" && m[4] != "":
		if i, j := atoi(m[4]), atoi(m[5]); i < len(f.Questions) && j < len(f.Questions[i].Options) {
			f.Questions[i].Options = slices.Delete(f.Questions[i].Options, j, j+1)
		}
	default:
		return false
	}
	return true
}

// quizFromForm reads the quiz form into a quiz and checks it. A question
// left wholly blank is left out (one added and never filled in); all else
// is checked, and each problem is named by its question and option as the
// form numbers them ("Question 2, option 3: write the option's text."),
// kept at the place it is about (pass_mark, attempts, questions, q1,
// q1_o2) and in the form's summary.
func quizFromForm(f *pages.QuizForm) course.Block {
	q := &course.Quiz{Shuffle: f.Shuffle}
	var err error
	if q.PassMark, err = strconv.Atoi(f.PassMark); err != nil {
		f.AddError("pass_mark", "Pass mark: enter a whole number from 0 to 100.")
	}
	if q.Attempts, err = strconv.Atoi(f.Attempts); err != nil {
		f.AddError("attempts", "Attempts allowed: enter a whole number (0 for no limit).")
	}
	var formIndex []int // the form's place of each question kept
	for i, qf := range f.Questions {
		blank := qf.Prompt == "" && qf.Scenario == "" && qf.Explanation == ""
		qu := course.Question{Type: qf.Type, Scenario: qf.Scenario, Prompt: qf.Prompt, Explanation: qf.Explanation}
		for _, o := range qf.Options {
			blank = blank && o.Text == "" && o.Feedback == "" && !o.Correct
			opt := course.Option{Text: o.Text, Correct: o.Correct, Feedback: o.Feedback}
			if qf.Type == course.Branching {
				// The fields of the other types are hidden, not cleared.
				opt.Consequence = o.Consequence
				if o.ThenPrompt != "" || o.ThenOptions != "" {
					opt.Then = &course.FollowUp{Prompt: o.ThenPrompt, Options: thenOptions(o.ThenOptions)}
				}
			}
			if qf.Type == course.Ordering {
				opt.Correct = false // the box is hidden: the order is the answer
			}
			qu.Options = append(qu.Options, opt)
		}
		if blank {
			continue
		}
		q.Questions = append(q.Questions, qu)
		formIndex = append(formIndex, i)
	}
	b := course.Block{Kind: course.KindQuiz, Quiz: q}
	for _, p := range course.CheckBlock(b) {
		m := quizPathRE.FindStringSubmatch(p.Path)
		switch {
		case p.Path == "quiz.pass_mark" || p.Path == "quiz.attempts":
			if _, taken := f.Errors[p.Path[5:]]; !taken {
				f.AddError(p.Path[5:], sentence(p.Message))
			}
		case m == nil:
			f.AddError("questions", sentence(p.Message))
		case m[2] != "":
			qi, _ := strconv.Atoi(m[1])
			oi, _ := strconv.Atoi(m[2])
			n := formIndex[qi]
			msg := "write the option's text"
			switch {
			case m[3] == ".consequence":
				msg = "say what happens next"
			case m[3] == ".then" && strings.Contains(p.Path, "then.options"):
				msg = "give the second decision at least two options, one per line, with “* ” before the right one"
			case m[3] == ".then":
				msg = "write the second decision"
			case m[3] == "":
				msg = p.Message
			}
			f.AddError(pages.QuizField(n, oi, ""), fmt.Sprintf("Question %d, option %d: %s.", n+1, oi+1, msg))
		default:
			qi, _ := strconv.Atoi(m[1])
			n := formIndex[qi]
			msg := p.Message
			switch m[3] {
			case ".prompt":
				msg = "write the question"
			case ".scenario":
				msg = "write the scenario, or choose another type"
			}
			f.AddError(pages.QuizField(n, -1, ""), fmt.Sprintf("Question %d: %s.", n+1, msg))
		}
	}
	return b
}

// sentence makes a rule's message a sentence.
func sentence(msg string) string { return strings.ToUpper(msg[:1]) + msg[1:] + "." }

// blockForm is the block form as posted: the block it makes, and its
// problems, for the page to show again.
type blockForm struct {
	Kind      course.Kind
	Key       string // the block replaced; empty when adding
	Text      string // Markdown or YAML, for the kinds edited as text
	Block     course.Block
	Msgs      []string
	Fields    map[string]string // the kinds with a form of fields
	FieldErrs map[string]string
	Quiz      *pages.QuizForm
}

// readBlockForm reads and checks the block form of any kind.
func readBlockForm(r *http.Request) blockForm {
	f := blockForm{Kind: course.Kind(r.PostFormValue("kind")), Key: r.PostFormValue("key"), Text: r.PostFormValue("content")}
	switch {
	case f.Kind == course.KindQuiz && r.PostForm.Has("pass_mark"):
		f.Quiz = quizFormOf(r)
		f.Block = quizFromForm(f.Quiz)
		f.Msgs = slices.Clone(f.Quiz.Summary)
	case formKinds[f.Kind]:
		f.Block, f.Fields, f.FieldErrs = blockFromForm(f.Kind, r)
		if len(f.FieldErrs) > 0 {
			f.Msgs = []string{"Please correct the fields marked below."}
		}
	case f.Kind == course.KindText:
		f.Block = course.Block{Kind: course.KindText, Text: &course.Text{Markdown: strings.TrimSpace(f.Text)}}
		for _, p := range course.CheckBlock(f.Block) {
			f.Msgs = append(f.Msgs, sentence(p.Message))
		}
	default:
		var problems []library.Problem
		f.Block, problems = library.ParseBlock(library.FenceName(f.Kind), f.Text)
		for _, p := range problems {
			f.Msgs = append(f.Msgs, fmt.Sprintf("Line %d: %s", max(p.Line, 1), p.Message))
		}
	}
	return f
}

// view is the lesson editor with this form open, as posted.
func (f blockForm) view() pages.LessonEditView {
	return pages.LessonEditView{FormKind: string(f.Kind), FormKey: f.Key, FormText: f.Text, FormErrors: f.Msgs,
		Fields: f.Fields, FieldErrors: f.FieldErrs, Quiz: f.Quiz}
}

// uploadKindOf is the upload rule a block kind's file follows.
var uploadKindOf = map[course.Kind]string{
	course.KindImage: "image", course.KindVideo: "media", course.KindAudio: "media", course.KindFile: "file",
}

// uploadIntoForm stores the file chosen in a media block's form (the way
// without script; the script uploads on drop) and makes it the block's
// file. A refused file is the form's problem at its field.
func (s *Server) uploadIntoForm(r *http.Request, rec postgres.CourseRecord, f *blockForm) error {
	kind, ok := uploadKindOf[f.Kind]
	if !ok || r.MultipartForm == nil {
		return nil
	}
	file, header, err := r.FormFile("upload")
	if err != nil || header.Size == 0 {
		return nil // no file chosen
	}
	defer file.Close()
	name, err := s.storeUpload(r, rec, kind, header.Filename, file)
	var refused uploadRefused
	if errors.As(err, &refused) {
		f.FieldErrs["src"] = refused.Error()
		f.Msgs = []string{"Please correct the fields marked below."}
		return nil
	}
	if err != nil {
		return err
	}
	r.PostForm.Set("src", name)
	f.Block, f.Fields, f.FieldErrs = blockFromForm(f.Kind, r)
	f.Msgs = nil
	if len(f.FieldErrs) > 0 {
		f.Msgs = []string{"Please correct the fields marked below."}
	}
	return nil
}
