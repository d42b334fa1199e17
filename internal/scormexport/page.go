package scormexport

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/course"
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

var page = template.Must(template.New("index").Parse(pageTemplate))

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
	Number      int // of its kind, course-wide: quizzes, reflections and checklists
	MaxLength   int // reflections
	Items       []itemView
	Quiz        *quizView
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
	Scenario    string
	Prompt      string
	Multiple    bool
	Answer      string // indexes of the correct options, comma-separated
	Explanation string
	Options     []course.Option
}

func renderPage(c course.Course, t Target) ([]byte, error) {
	md := markdown.New()
	mark, scored := PassMark(c)
	v := pageView{
		Title: c.Title, Lang: c.Language, Description: md.HTML(c.Description),
		Target: t, PassMark: mark, Scored: scored, SuspendLimit: t.suspendLimit(),
	}
	reflections := 0
	for _, l := range c.Lessons() {
		for _, b := range l.Blocks {
			if b.Kind == course.KindReflection {
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
	var quizzes, checklists, reflectionN int
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
				case b.Checklist != nil:
					bv.Title, bv.Number = b.Checklist.Title, checklists
					checklists++
					for _, it := range b.Checklist.Items {
						bv.Items = append(bv.Items, itemView{Text: it.Text, DueDays: it.DueInDays})
					}
				case b.Quiz != nil:
					bv.Number = quizzes
					quizzes++
					bv.Quiz = quizOf(*b.Quiz)
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

func quizOf(q course.Quiz) *quizView {
	v := &quizView{PassMark: q.PassMark, Attempts: q.Attempts}
	for _, qu := range q.Questions {
		var right []string
		for i, o := range qu.Options {
			if o.Correct {
				right = append(right, strconv.Itoa(i))
			}
		}
		v.Questions = append(v.Questions, questionView{
			Scenario: qu.Scenario, Prompt: qu.Prompt, Multiple: qu.Type == course.Multiple,
			Answer: strings.Join(right, ","), Explanation: qu.Explanation, Options: qu.Options,
		})
	}
	return v
}
