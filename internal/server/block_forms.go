package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/internal/course"
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
