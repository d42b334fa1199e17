package library

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// svgForbidden are elements that run code, embed other documents or pull
// in anything from elsewhere.
var svgForbidden = map[string]bool{"script": true, "foreignobject": true, "iframe": true, "object": true, "embed": true,
	"handler": true, "listener": true, "animate": true, "set": true, "animatemotion": true, "animatetransform": true}

// IsDrawing reports whether an SVG file is only a drawing (checkSVG's
// rules): such a file may be shown as an image; any other is a download.
func IsDrawing(data []byte) bool { return checkSVG(data) == nil }

// checkSVG accepts a drawing and nothing more: an svg root, no scripts, no
// event handlers, no links or references outside the file, no DTD (whose
// entities can expand without end), no CSS that loads anything. Files are
// also served with a sandbox policy; this is the first lock.
func checkSVG(data []byte) error {
	refuse := func(why string) error { return fmt.Errorf("this SVG cannot be used: %s", why) }
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	root := true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return refuse("it is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return refuse("it has a DTD or entity declarations")
		case xml.ProcInst:
			if t.Target != "xml" {
				return refuse("it has processing instructions")
			}
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if root && name != "svg" {
				return refuse("its root element is not svg")
			}
			root = false
			if svgForbidden[name] {
				return refuse("it has a " + t.Name.Local + " element")
			}
			for _, a := range t.Attr {
				an, v := strings.ToLower(a.Name.Local), strings.ToLower(strings.TrimSpace(a.Value))
				switch {
				case strings.HasPrefix(an, "on"):
					return refuse("it has an event handler (" + a.Name.Local + ")")
				case an == "href" && !strings.HasPrefix(v, "#"):
					return refuse("it links outside the file")
				case strings.Contains(v, "url(") && !strings.Contains(v, "url(#"), strings.Contains(v, "javascript:"):
					return refuse("an attribute refers outside the file")
				}
			}
		case xml.CharData:
			v := strings.ToLower(string(t))
			if strings.Contains(v, "@import") || (strings.Contains(v, "url(") && !strings.Contains(v, "url(#")) {
				return refuse("its styles refer outside the file")
			}
		}
	}
	if root {
		return refuse("it is empty")
	}
	return nil
}
