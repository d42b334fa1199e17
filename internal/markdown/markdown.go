// Package markdown turns the Markdown that authors and learners write into
// HTML that is safe to put in a page: rendered with goldmark, then
// sanitised with bluemonday, so that no script, style or event handler
// survives whatever the input.
package markdown

import (
	"bytes"
	"html/template"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
)

// Renderer renders Markdown to sanitised HTML. It is safe for concurrent use.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy

	// memo keeps what it rendered, by source: the same lesson text is
	// shown on every view (and the library's in every portal), and
	// rendering and sanitising it is most of a lesson page's work. The
	// output depends on the source alone, so an entry is never stale.
	mu        sync.RWMutex
	memo      map[string]template.HTML
	memoBytes int
}

// memoLimit bounds the memo's sources and outputs: when full, it starts
// again empty.
const memoLimit = 8 << 20

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
	return &Renderer{md: md, policy: policy, memo: map[string]template.HTML{}}
}

// HTML renders src. Raw HTML in the source is escaped by goldmark and
// anything unsafe that remains is removed by the policy.
func (r *Renderer) HTML(src string) template.HTML {
	r.mu.RLock()
	h, ok := r.memo[src]
	r.mu.RUnlock()
	if ok {
		return h
	}
	h = r.render(src)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.memoBytes+len(src)+len(h) > memoLimit {
		clear(r.memo)
		r.memoBytes = 0
	}
	if _, ok := r.memo[src]; !ok {
		r.memo[src] = h
		r.memoBytes += len(src) + len(h)
	}
	return h
}

func (r *Renderer) render(src string) template.HTML {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		// goldmark does not fail on any input it reads from memory; keep
		// the text visible, escaped, if it ever does.
		return template.HTML(template.HTMLEscapeString(src))
	}
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised just now
}
