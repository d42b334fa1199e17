package library_test

import (
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/library"
)

func TestCheckUpload_SVG(t *testing.T) {
	t.Parallel()
	good := `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><defs><linearGradient id="g"/></defs>` +
		`<rect width="10" height="10" fill="url(#g)"/><text x="1" y="5">Hi</text><use href="#g"/></svg>`
	name, data, err := library.CheckUpload("image", "diagram.svg", []byte(good))
	if err != nil || !strings.HasPrefix(name, "f-") || !strings.HasSuffix(name, ".svg") || string(data) != good {
		t.Fatalf("a plain drawing: %q %v", name, err)
	}
	for why, svg := range map[string]string{
		"script":          `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`,
		"event handler":   `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		"external link":   `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="https://evil.test">x</a></svg>`,
		"external image":  `<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.test/x.png"/></svg>`,
		"foreign object":  `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><div/></foreignObject></svg>`,
		"entities":        `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>`,
		"css import":      `<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.test/x.css);</style></svg>`,
		"remote fill":     `<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.test/p)"/></svg>`,
		"not svg at root": `<?xml version="1.0"?><note><svg/></note>`,
		"broken":          `<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>`,
	} {
		if _, _, err := library.CheckUpload("image", "x.svg", []byte(svg)); err == nil || !strings.Contains(err.Error(), "SVG cannot be used") {
			t.Errorf("%s: %v", why, err)
		}
	}
	// An SVG is a drawing only as an image; as a download it is any file.
	if _, _, err := library.CheckUpload("media", "x.svg", []byte(good)); err == nil {
		t.Error("an SVG accepted as media")
	}
}
