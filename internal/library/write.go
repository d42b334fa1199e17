package library

import (
	"bytes"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/upward-lms/upward/internal/course"
)

// Write renders a course in the library format: course.yaml and one
// lesson file per lesson, named after the lesson's key, so that Load gives
// the same course back. Files the blocks refer to are the caller's to add.
func Write(c course.Course) (map[string][]byte, error) {
	out := map[string][]byte{}
	meta := courseYAML{Slug: c.Slug, Title: c.Title, Summary: c.Summary, Description: c.Description, Level: c.Level,
		Language: c.Language, EstimatedMinutes: c.EstimatedMinutes, Tags: c.Tags, Cover: c.Cover}
	for _, m := range c.Modules {
		mod := struct {
			Title   string `yaml:"title"`
			Lessons []struct {
				File string `yaml:"file"`
			} `yaml:"lessons"`
		}{Title: m.Title}
		for _, l := range m.Lessons {
			name := l.Key + ".md"
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("library: write: lesson key %s is used twice", l.Key)
			}
			mod.Lessons = append(mod.Lessons, struct {
				File string `yaml:"file"`
			}{File: name})
			body, err := writeLesson(l)
			if err != nil {
				return nil, err
			}
			out[name] = body
		}
		meta.Modules = append(meta.Modules, mod)
	}
	y, err := yaml.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("library: write: %w", err)
	}
	out[CourseFile] = y
	return out, nil
}

// kindFences names each block kind as its fence does.
var kindFences = func() map[course.Kind]string {
	m := make(map[course.Kind]string, len(fileKinds))
	for name, k := range fileKinds {
		m[k] = name
	}
	return m
}()

func writeLesson(l course.Lesson) ([]byte, error) {
	var b bytes.Buffer
	required := l.Required
	fm, err := yaml.Marshal(lessonFrontMatter{Title: l.Title, EstimatedMinutes: l.EstimatedMinutes, Required: &required})
	if err != nil {
		return nil, fmt.Errorf("library: write lesson %s: %w", l.Key, err)
	}
	b.WriteString("---\n")
	b.Write(fm)
	b.WriteString("---\n")
	for _, blk := range l.Blocks {
		b.WriteString("\n")
		if blk.Kind == course.KindText {
			if strings.Contains(blk.Text.Markdown, "```@") {
				return nil, fmt.Errorf("library: write lesson %s: a text block contains a ```@ fence", l.Key)
			}
			b.WriteString(blk.Text.Markdown)
			b.WriteString("\n")
			continue
		}
		y, err := BlockYAML(blk)
		if err != nil {
			return nil, fmt.Errorf("library: write lesson %s: %w", l.Key, err)
		}
		// A fence longer than any backtick run inside keeps the YAML whole.
		fence := "```"
		for strings.Contains(y, fence) {
			fence += "`"
		}
		fmt.Fprintf(&b, "%s@%s\n%s%s\n", fence, kindFences[blk.Kind], y, fence)
	}
	return b.Bytes(), nil
}

// BlockYAML is a block's content as written inside its fence.
func BlockYAML(b course.Block) (string, error) {
	var payload any
	switch b.Kind {
	case course.KindCallout:
		payload = b.Callout
	case course.KindVideo, course.KindAudio:
		payload = b.Media
	case course.KindImage:
		payload = b.Image
	case course.KindQuiz:
		payload = b.Quiz
	case course.KindReflection:
		payload = b.Reflection
	case course.KindWriting:
		payload = b.Writing
	case course.KindChecklist:
		payload = b.Checklist
	case course.KindFile:
		payload = b.File
	case course.KindLiveSession:
		payload = b.LiveSession
	default:
		return "", fmt.Errorf("library: no YAML form for %q blocks", b.Kind)
	}
	y, err := yaml.Marshal(payload)
	return string(y), err
}
