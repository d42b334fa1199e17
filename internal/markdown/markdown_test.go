package markdown_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/markdown"
)

func TestHTML(t *testing.T) {
	r := markdown.New()
	cases := []struct {
		name, src     string
		want, notWant []string
	}{
		{"Formatting", "**Bold** and a [link](https://example.com).\n\n- one\n- two",
			[]string{"<strong>Bold</strong>", `href="https://example.com"`, `rel="nofollow noreferrer noopener"`, "<li>one</li>"}, nil},
		{"RawScriptIsEscapedOrRemoved", "Hi <script>alert(1)</script>",
			nil, []string{"<script"}},
		{"EventHandlersAreRemoved", `<img src="x" onerror="alert(1)">`,
			nil, []string{"onerror"}},
		{"JavascriptLinksAreRemoved", "[click](javascript:alert(1))",
			nil, []string{"javascript:"}},
		{"Tables", "| a | b |\n|---|---|\n| 1 | 2 |", []string{"<table>", "<td>1</td>"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := string(r.HTML(c.src))
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
			for _, n := range c.notWant {
				if strings.Contains(got, n) {
					t.Errorf("%q contains %q", got, n)
				}
			}
		})
	}
}

func FuzzHTML(f *testing.F) {
	f.Add("**x** <script>alert(1)</script> [a](javascript:x)")
	r := markdown.New()
	f.Fuzz(func(t *testing.T, src string) {
		out := strings.ToLower(string(r.HTML(src)))
		for _, bad := range []string{"<script", `href="javascript:`, ` onerror="`, ` onload="`} {
			if strings.Contains(out, bad) {
				t.Errorf("unsafe output for %q: %s", src, out)
			}
		}
	})
}
