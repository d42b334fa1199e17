package docx_test

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/docx"
)

const template = `# Weekly update

Fill in **every** line; *none this week* is fine.

---

## 1. Done

- Outcomes, not activity
- One line each

1. First
2. Second

> 

| Action | Owner | By |
|---|---|---|
| Book the review | Me | Friday |
`

func TestFromMarkdown(t *testing.T) {
	t.Parallel()
	a, err := docx.FromMarkdown("Weekly update", template)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := docx.FromMarkdown("Weekly update", template)
	if !bytes.Equal(a, b) {
		t.Error("the same template made two different files")
	}
	z, err := zip.NewReader(bytes.NewReader(a), int64(len(a)))
	if err != nil {
		t.Fatal(err)
	}
	parts := map[string]string{}
	for _, f := range z.File {
		r, _ := f.Open()
		data, _ := io.ReadAll(r)
		parts[f.Name] = string(data)
		// Word refuses a part that is not well-formed XML.
		d := xml.NewDecoder(bytes.NewReader(data))
		for {
			if _, err := d.Token(); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", f.Name, err)
			}
		}
	}
	for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/numbering.xml", "word/_rels/document.xml.rels", "docProps/core.xml"} {
		if parts[name] == "" {
			t.Errorf("no %s", name)
		}
	}
	doc := parts["word/document.xml"]
	for _, want := range []string{
		`<w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t xml:space="preserve">Weekly update</w:t>`,
		`<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">every</w:t></w:r>`,
		`<w:r><w:rPr><w:i/></w:rPr><w:t xml:space="preserve">none this week</w:t></w:r>`,
		`<w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">Outcomes, not activity`,
		`<w:numId w:val="2"/></w:numPr></w:pPr><w:r><w:t xml:space="preserve">Second`,
		`<w:pStyle w:val="Answer"/>`,
		`<w:tbl>`, `<w:tblHeader/>`, `Book the review`,
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document.xml lacks %s", want)
		}
	}
	if !strings.Contains(parts["docProps/core.xml"], "<dc:title>Weekly update</dc:title>") {
		t.Error("no title")
	}
}
