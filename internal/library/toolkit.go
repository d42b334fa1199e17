package library

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/upward-lms/upward/internal/docx"
)

// Templates are a course's downloadable templates: the Markdown files in
// its files folder. Each has a Word copy beside it (the same name, .docx),
// made by TemplateDOCX and kept in the repository for authors who cannot
// run Go.
func Templates(fsys fs.FS, dir string) []string {
	matches, _ := fs.Glob(fsys, path.Join(dir, "files", "*.md"))
	return matches
}

// TemplateDOCX renders a template as its Word copy, titled by its first
// heading.
func TemplateDOCX(fsys fs.FS, name string) ([]byte, error) {
	md, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	title := strings.TrimSuffix(path.Base(name), ".md")
	for _, line := range strings.Split(string(md), "\n") {
		if t, ok := strings.CutPrefix(line, "# "); ok {
			title = strings.TrimSpace(t)
			break
		}
	}
	return docx.FromMarkdown(title, string(md))
}

// DOCXName is a template's Word copy.
func DOCXName(template string) string { return strings.TrimSuffix(template, ".md") + ".docx" }

// lintTemplates flags a template whose Word copy is missing or older than
// the template.
func lintTemplates(fsys fs.FS, dir string) []Problem {
	var out []Problem
	for _, t := range Templates(fsys, dir) {
		want, err := TemplateDOCX(fsys, t)
		if err != nil {
			out = append(out, Problem{File: t, Message: fmt.Sprintf("cannot render the template: %v", err)})
			continue
		}
		got, err := fs.ReadFile(fsys, DOCXName(t))
		switch {
		case err != nil:
			out = append(out, Problem{File: t, Message: "the template has no Word copy: run upward courses docx"})
		case !bytes.Equal(got, want):
			out = append(out, Problem{File: t, Message: "the Word copy is older than the template: run upward courses docx"})
		}
	}
	return out
}
