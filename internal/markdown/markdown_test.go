package markdown_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/upward-lms/upward/internal/markdown"
)

func TestHTML(t *testing.T) {
	t.Parallel()
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

// FuzzHTML renders arbitrary sources and parses the output as a browser
// would: no element that runs or loads code or changes the page's form or
// base, no event handler or style attribute, no link or source with a
// scheme but http(s) and mailto, and every link opened safely.
// The seed corpus is in testdata/fuzz/FuzzHTML; go test replays it.
func FuzzHTML(f *testing.F) {
	f.Add("**x** <script>alert(1)</script> [a](javascript:x) [b](https://example.com) <https://x.test>")
	f.Add("[a](JaVaScRiPt&#58;alert(1)) ![i](data:text/html;base64,PHNjcmlwdD4=) <a href=\"vbscript:x\">v</a>")
	f.Add("<svg><script>alert(1)</script></svg><math><mtext><style><img src=x onerror=alert(1)>")
	f.Add("<iframe src=//evil></iframe><form action=//evil><button formaction=x>b</button></form><base href=//evil>")
	f.Add("<a href=\"java\tscript:x\">t</a> <img src=x style=\"background:url(javascript:x)\"> <!-- <script> --> <![CDATA[<script>]]>")
	r := markdown.New()
	forbidden := map[string]bool{"script": true, "iframe": true, "object": true, "embed": true, "base": true, "meta": true,
		"form": true, "input": true, "button": true, "style": true, "link": true, "svg": true, "math": true, "frame": true, "frameset": true}
	f.Fuzz(func(t *testing.T, src string) {
		out := string(r.HTML(src))
		doc, err := html.Parse(strings.NewReader(out))
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		for n := range doc.Descendants() {
			if n.Type != html.ElementNode {
				continue
			}
			if forbidden[n.Data] {
				t.Fatalf("a <%s> element from %q: %s", n.Data, src, out)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if strings.HasPrefix(key, "on") || key == "style" || key == "formaction" || key == "srcdoc" {
					t.Fatalf("attribute %s on <%s> from %q: %s", a.Key, n.Data, src, out)
				}
				if key == "href" || key == "src" || key == "action" || key == "cite" {
					if !safeURL(a.Val) {
						t.Fatalf("%s=%q on <%s> from %q", a.Key, a.Val, n.Data, src)
					}
				}
			}
			if n.Data == "a" && attr(n, "target") == "_blank" && !strings.Contains(attr(n, "rel"), "noopener") {
				t.Fatalf("a link opens a new window without noopener: %s", out)
			}
		}
	})
}

// safeURL reports whether a link's value, as a browser reads it (control
// characters and whitespace dropped), is relative or has a harmless scheme.
func safeURL(v string) bool {
	v = strings.ToLower(strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, v))
	scheme, _, found := strings.Cut(v, ":")
	if !found || strings.ContainsAny(scheme, "/?#") {
		return true // no scheme: a relative reference
	}
	return scheme == "http" || scheme == "https" || scheme == "mailto"
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
