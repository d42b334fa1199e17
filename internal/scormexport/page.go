package scormexport

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/markdown"
)

var (
	//go:embed assets/index.html.tmpl
	pageTemplate string
	//go:embed assets/scorm.js
	scriptJS []byte
	//go:embed assets/style.css
	styleCSS []byte
)

var page = template.Must(template.New("index").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	// ratings are a draft's self-ratings, by the letter kept for each.
	"ratings": func() []struct{ Value, Label string } {
		return []struct{ Value, Label string }{{"y", "Yes"}, {"p", "Partly"}, {"n", "Not yet"}}
	},
}).Parse(pageTemplate))

// pageView is what index.html shows. Blocks that keep something of the
// learner's (quizzes, reflections, checklists) are numbered course-wide
// by kind: the script stores their state by these numbers.
type pageView struct {
	Title        string
	Lang         string
	Description  template.HTML
	Target       Target
	PassMark     int
	Scored       bool
	SuspendLimit int
	Modules      []moduleView
}

type moduleView struct {
	Title   string
	Lessons []lessonView
}

type lessonView struct {
	Key              string
	Index            int
	Title            string
	Minutes          int
	Blocks           []blockView
	PrevKey, NextKey string
	PrevTitle        string
	NextTitle        string
}

type blockView struct {
	Kind        string
	HTML        template.HTML
	Style       string
	Title       string
	Description string
	Src         string // a file in the package
	Link        string // an embed, shown as a link
	Alt         string
	Caption     string
	Label       string
	Transcript  string
	Prompt      string
	Number      int // of its kind, course-wide: quizzes, reflections, writing and checklists
	MaxLength   int // reflections and writing
	Items       []itemView
	Quiz        *quizView
	Writing     *writingView
}

type writingView struct {
	Title    string
	Task     template.HTML
	MinWords int
	Model    template.HTML
	Rubric   []string
}

type itemView struct {
	Text    string
	DueDays int
}

type quizView struct {
	PassMark  int
	Attempts  int // 0: no limit
	Questions []questionView
}

type questionView struct {
	Kind        string // the question's type
	Scenario    string
	Prompt      string
	Multiple    bool
	Answer      string // indexes of the correct options, comma-separated; a branching question's first
	Explanation string
	Options     []optionView // as shown: an ordering question's shuffled
}

type optionView struct {
	Index int // in the question's own order
	course.Option
	ThenAnswer int // branching: the right option of the second decision
}

func renderPage(c course.Course, t Target) ([]byte, error) {
	md := markdown.New()
	mark, scored := PassMark(c)
	v := pageView{
		Title: c.Title, Lang: c.Language, Description: md.HTML(c.Description),
		Target: t, PassMark: mark, Scored: scored, SuspendLimit: t.suspendLimit(),
	}
	reflections := 0 // and writing practices: both keep the learner's text
	for _, l := range c.Lessons() {
		for _, b := range l.Blocks {
			if b.Kind == course.KindReflection || b.Kind == course.KindWriting {
				reflections++
			}
		}
	}
	maxLen := 0 // no limit but the suspend_data's
	if t == SCORM12 && reflections > 0 {
		// SCORM 1.2 keeps 4,096 characters of suspend_data for everything:
		// share what the progress and answers leave over between the
		// reflections, so that an answer is never too long to keep.
		maxLen = max(100, 3000/reflections)
	}

	all := c.Lessons()
	index := 0
	var quizzes, checklists, reflectionN, writingN int
	for _, m := range c.Modules {
		mv := moduleView{Title: m.Title}
		for _, l := range m.Lessons {
			lv := lessonView{Key: l.Key, Index: index, Title: l.Title, Minutes: l.EstimatedMinutes}
			if index > 0 {
				lv.PrevKey, lv.PrevTitle = all[index-1].Key, all[index-1].Title
			}
			if index < len(all)-1 {
				lv.NextKey, lv.NextTitle = all[index+1].Key, all[index+1].Title
			}
			index++
			for _, b := range l.Blocks {
				bv := blockView{Kind: string(b.Kind)}
				switch {
				case b.Text != nil:
					bv.HTML = md.HTML(b.Text.Markdown)
				case b.Callout != nil:
					bv.Style, bv.Title, bv.HTML = b.Callout.Style, b.Callout.Title, md.HTML(b.Callout.Markdown)
				case b.Media != nil:
					bv.Title, bv.Transcript = b.Media.Title, b.Media.Transcript
					if b.Media.Src != "" {
						bv.Src = filesDir + b.Media.Src
					} else {
						// Another LMS's Content-Security-Policy may not allow
						// framing the player: link to it instead.
						bv.Link = b.Media.URL
					}
				case b.Image != nil:
					bv.Src, bv.Alt, bv.Caption = filesDir+b.Image.Src, b.Image.Alt, b.Image.Caption
				case b.File != nil:
					bv.Src, bv.Label = filesDir+b.File.Src, b.File.Label
				case b.LiveSession != nil:
					bv.Title, bv.Description = b.LiveSession.Title, b.LiveSession.Description
				case b.Reflection != nil:
					bv.Prompt, bv.Number, bv.MaxLength = b.Reflection.Prompt, reflectionN, maxLen
					reflectionN++
				case b.Writing != nil:
					w := b.Writing
					bv.Number, bv.MaxLength = writingN, maxLen
					writingN++
					bv.Writing = &writingView{Title: w.Title, Task: md.HTML(w.Prompt), MinWords: w.MinWords, Model: md.HTML(w.ModelAnswer), Rubric: w.Rubric}
				case b.Checklist != nil:
					bv.Title, bv.Number = b.Checklist.Title, checklists
					checklists++
					for _, it := range b.Checklist.Items {
						bv.Items = append(bv.Items, itemView{Text: it.Text, DueDays: it.DueInDays})
					}
				case b.Quiz != nil:
					bv.Number = quizzes
					quizzes++
					bv.Quiz = quizOf(b.Key, *b.Quiz)
				default:
					return nil, fmt.Errorf("scormexport: block %s of lesson %s has no content", b.Key, l.Key)
				}
				lv.Blocks = append(lv.Blocks, bv)
			}
			mv.Lessons = append(mv.Lessons, lv)
		}
		v.Modules = append(v.Modules, mv)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("scormexport: page: %w", err)
	}
	return buf.Bytes(), nil
}

func quizOf(key string, q course.Quiz) *quizView {
	v := &quizView{PassMark: q.PassMark, Attempts: q.Attempts}
	for qi, qu := range q.Questions {
		var right []string
		for i, o := range qu.Options {
			if o.Correct {
				right = append(right, strconv.Itoa(i))
			}
		}
		order := make([]int, len(qu.Options))
		for i := range order {
			order[i] = i
		}
		if qu.Type == course.Ordering {
			// In their own order the steps would be the answer. The same
			// shuffle every export, so a package is reproducible.
			order = learning.Order(true, fmt.Sprintf("%s/q%d", key, qi), len(order))
		}
		qv := questionView{Kind: qu.Type, Scenario: qu.Scenario, Prompt: qu.Prompt, Multiple: qu.Type == course.Multiple,
			Answer: strings.Join(right, ","), Explanation: qu.Explanation}
		for _, i := range order {
			ov := optionView{Index: i, Option: qu.Options[i]}
			if t := ov.Then; t != nil {
				ov.ThenAnswer = slices.IndexFunc(t.Options, func(o course.Option) bool { return o.Correct })
			}
			qv.Options = append(qv.Options, ov)
		}
		v.Questions = append(v.Questions, qv)
	}
	return v
}
