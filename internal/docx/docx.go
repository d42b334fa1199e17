// Package docx writes simple Markdown (headings, paragraphs, lists, quotes,
// rules and tables, with bold and italic) as a Word document, so that the
// library's templates can be downloaded in a format people edit. The
// output is the same bytes for the same input: the files are kept in the
// repository and checked for drift.
package docx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// FromMarkdown renders md as a .docx file titled title.
func FromMarkdown(title, md string) ([]byte, error) {
	body := render(md)
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	// A fixed time: the same template always makes the same file.
	stamp := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, part := range []struct{ name, data string }{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", rootRels},
		{"docProps/core.xml", fmt.Sprintf(coreProps, esc(title))},
		{"word/_rels/document.xml.rels", documentRels},
		{"word/styles.xml", styles},
		{"word/numbering.xml", numbering},
		{"word/document.xml", xml.Header + `<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` +
			body + `<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1247" w:right="1247" w:bottom="1247" w:left="1247" w:header="709" w:footer="709" w:gutter="0"/></w:sectPr></w:body></w:document>`},
	} {
		w, err := z.CreateHeader(&zip.FileHeader{Name: part.name, Method: zip.Deflate, Modified: stamp})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(part.data)); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var (
	headingRE  = regexp.MustCompile(`^(#{1,3})\s+(.*)$`)
	bulletRE   = regexp.MustCompile(`^\s*[-*+]\s+(.*)$`)
	numberedRE = regexp.MustCompile(`^\s*\d+[.)]\s?(.*)$`)
	ruleRE     = regexp.MustCompile(`^\s*(-{3,}|\*{3,}|_{3,})\s*$`)
	inlineRE   = regexp.MustCompile(`\*\*(.+?)\*\*|__(.+?)__|\*(.+?)\*|\b_(.+?)_\b|` + "`([^`]+)`")
	tableSepRE = regexp.MustCompile(`^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$`)
)

// render turns Markdown into WordprocessingML paragraphs and tables. Each
// numbered list restarts at 1.
func render(md string) string {
	var out strings.Builder
	lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
	list := 0 // numbering instances: 1 is bullets, 2 and on are numbered lists
	inNumbered := false
	var para []string
	flush := func() {
		if len(para) > 0 {
			out.WriteString(paragraph("", 0, strings.Join(para, " ")))
			para = nil
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		t := strings.TrimSpace(line)
		numbered := numberedRE.FindStringSubmatch(line)
		if numbered == nil || t == "" {
			if t != "" {
				inNumbered = false
			}
		}
		switch {
		case t == "":
			flush()
		case ruleRE.MatchString(line):
			flush()
			out.WriteString(`<w:p><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="999999"/></w:pBdr></w:pPr></w:p>`)
		case headingRE.MatchString(t):
			flush()
			m := headingRE.FindStringSubmatch(t)
			out.WriteString(paragraph(fmt.Sprintf("Heading%d", len(m[1])), 0, m[2]))
		case strings.HasPrefix(t, "|") && i+1 < len(lines) && tableSepRE.MatchString(lines[i+1]):
			flush()
			j := i + 2
			rows := [][]string{cells(t)}
			for ; j < len(lines) && strings.HasPrefix(strings.TrimSpace(lines[j]), "|"); j++ {
				rows = append(rows, cells(lines[j]))
			}
			out.WriteString(table(rows))
			i = j - 1
		case bulletRE.MatchString(line):
			flush()
			out.WriteString(paragraph("ListParagraph", 1, bulletRE.FindStringSubmatch(line)[1]))
		case numbered != nil:
			flush()
			if !inNumbered {
				list++
				inNumbered = true
			}
			out.WriteString(paragraph("ListParagraph", list+1, numbered[1]))
		case strings.HasPrefix(t, ">"):
			flush()
			// A quote line is where the reader writes: an answer box.
			out.WriteString(paragraph("Answer", 0, strings.TrimSpace(strings.TrimPrefix(t, ">"))))
		default:
			para = append(para, t)
		}
	}
	flush()
	return out.String()
}

func cells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	parts := strings.Split(row, "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func table(rows [][]string) string {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	var b strings.Builder
	b.WriteString(`<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(&b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="808080"/>`, side)
	}
	b.WriteString(`</w:tblBorders></w:tblPr><w:tblGrid>`)
	for range width {
		fmt.Fprintf(&b, `<w:gridCol w:w="%d"/>`, 9412/width)
	}
	b.WriteString(`</w:tblGrid>`)
	for ri, r := range rows {
		b.WriteString(`<w:tr>`)
		if ri == 0 {
			b.WriteString(`<w:trPr><w:tblHeader/></w:trPr>`)
		}
		for c := range width {
			text := ""
			if c < len(r) {
				text = r[c]
			}
			if ri == 0 && text != "" {
				text = "**" + text + "**"
			}
			b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/></w:tcPr>` + paragraph("", 0, text) + `</w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	b.WriteString(`</w:tbl><w:p/>`)
	return b.String()
}

// paragraph is one paragraph of a style, in a numbering list when num > 0.
func paragraph(style string, num int, text string) string {
	var b strings.Builder
	b.WriteString(`<w:p>`)
	if style != "" || num > 0 {
		b.WriteString(`<w:pPr>`)
		if style != "" {
			fmt.Fprintf(&b, `<w:pStyle w:val="%s"/>`, style)
		}
		if num > 0 {
			fmt.Fprintf(&b, `<w:numPr><w:ilvl w:val="0"/><w:numId w:val="%d"/></w:numPr>`, num)
		}
		b.WriteString(`</w:pPr>`)
	}
	b.WriteString(runs(text))
	b.WriteString(`</w:p>`)
	return b.String()
}

// runs renders inline Markdown: bold, italic and code (as plain text).
func runs(text string) string {
	var b strings.Builder
	run := func(s, props string) {
		if s == "" {
			return
		}
		b.WriteString(`<w:r>`)
		if props != "" {
			b.WriteString(`<w:rPr>` + props + `</w:rPr>`)
		}
		b.WriteString(`<w:t xml:space="preserve">` + esc(s) + `</w:t></w:r>`)
	}
	last := 0
	for _, m := range inlineRE.FindAllStringSubmatchIndex(text, -1) {
		run(text[last:m[0]], "")
		switch {
		case m[2] >= 0:
			run(text[m[2]:m[3]], `<w:b/>`)
		case m[4] >= 0:
			run(text[m[4]:m[5]], `<w:b/>`)
		case m[6] >= 0:
			run(text[m[6]:m[7]], `<w:i/>`)
		case m[8] >= 0:
			run(text[m[8]:m[9]], `<w:i/>`)
		default:
			run(text[m[10]:m[11]], "")
		}
		last = m[1]
	}
	run(text[last:], "")
	return b.String()
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

const contentTypes = xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`</Types>`

const rootRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`</Relationships>`

const coreProps = xml.Header + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">` +
	`<dc:title>%s</dc:title><dc:creator>Upward</dc:creator></cp:coreProperties>`

const documentRels = xml.Header + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>` +
	`</Relationships>`

const styles = xml.Header + `<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">` +
	`<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Calibri" w:hAnsi="Calibri" w:cs="Calibri"/><w:sz w:val="22"/><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault>` +
	`<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="276" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>` +
	`<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="120"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:color w:val="1F3864"/><w:sz w:val="36"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:color w:val="1F3864"/><w:sz w:val="28"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:pPr><w:keepNext/><w:spacing w:before="160" w:after="60"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:sz w:val="24"/></w:rPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="60"/><w:ind w:left="720"/></w:pPr></w:style>` +
	`<w:style w:type="paragraph" w:styleId="Answer"><w:name w:val="Answer"/><w:basedOn w:val="Normal"/><w:pPr><w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="A6A6A6"/></w:pBdr><w:spacing w:before="120" w:after="240"/><w:ind w:left="284"/></w:pPr></w:style>` +
	`<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:tblPr><w:tblCellMar><w:left w:w="108" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>` +
	`</w:styles>`

// numbering: instance 1 is bullets; 2 to 40 are numbered lists, each
// starting at 1.
var numbering = func() string {
	var b strings.Builder
	b.WriteString(xml.Header + `<w:numbering xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">`)
	b.WriteString(`<w:abstractNum w:abstractNumId="0"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="bullet"/><w:lvlText w:val="•"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>`)
	for n := 2; n <= 40; n++ {
		fmt.Fprintf(&b, `<w:abstractNum w:abstractNumId="%d"><w:multiLevelType w:val="singleLevel"/><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%%1."/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="720" w:hanging="360"/></w:pPr></w:lvl></w:abstractNum>`, n-1)
	}
	b.WriteString(`<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>`)
	for n := 2; n <= 40; n++ {
		fmt.Fprintf(&b, `<w:num w:numId="%d"><w:abstractNumId w:val="%d"/></w:num>`, n, n-1)
	}
	b.WriteString(`</w:numbering>`)
	return b.String()
}()
