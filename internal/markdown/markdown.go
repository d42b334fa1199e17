// Package markdown turns the Markdown that authors and learners write into
// HTML that is safe to put in a page: rendered with goldmark, then
// sanitised with bluemonday, so that no script, style or event handler
// survives whatever the input.
package markdown

import (
	"bytes"
	"html/template"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// Renderer renders Markdown to sanitised HTML. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New returns a renderer for course content and posts: GitHub-flavoured
// Markdown (tables, strikethrough, autolinks, task lists), headings with
// ids, and the user-generated-content policy, with every link opened safely.
func New() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Typographer),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
	)
	policy := bluemonday.UGCPolicy()
	policy.RequireNoFollowOnLinks(true)
	policy.AddTargetBlankToFullyQualifiedLinks(true)
	policy.RequireNoReferrerOnLinks(true)
	policy.AllowAttrs("id").Matching(bluemonday.SpaceSeparatedTokens).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	return &Renderer{md: md, policy: policy}
}

// HTML renders src. Raw HTML in the source is escaped by goldmark and
// anything unsafe that remains is removed by the policy.
func (r *Renderer) HTML(src string) template.HTML {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		// goldmark does not fail on any input it reads from memory; keep
		// the text visible, escaped, if it ever does.
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised just now
}
