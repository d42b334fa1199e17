package scormexport

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/upward-lms/upward/internal/course"
)

// Namespaces of the two editions' manifests.
const (
	nsCP12    = "http://www.imsproject.org/xsd/imscp_rootv1p1p2"
	nsADLCP12 = "http://www.adlnet.org/xsd/adlcp_rootv1p2"

	nsCP2004     = "http://www.imsglobal.org/xsd/imscp_v1p1"
	nsADLCP2004  = "http://www.adlnet.org/xsd/adlcp_v1p3"
	nsADLSeq2004 = "http://www.adlnet.org/xsd/adlseq_v1p3"
	nsADLNav2004 = "http://www.adlnet.org/xsd/adlnav_v1p3"
	nsIMSSS      = "http://www.imsglobal.org/xsd/imsss"

	nsXSI = "http://www.w3.org/2001/XMLSchema-instance"
)

// buildManifest writes imsmanifest.xml: one organization with one item
// launching the one SCO, whose resource lists every file of the package.
func buildManifest(c course.Course, t Target, files []string) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	id := "upward-" + c.Slug
	title := esc(c.Title)
	mark, scored := PassMark(c)

	b.WriteString(xml.Header)
	if t == SCORM12 {
		w(`<manifest identifier="%s" version="1.0" xmlns="%s" xmlns:adlcp="%s" xmlns:xsi="%s" xsi:schemaLocation="%s imscp_rootv1p1p2.xsd %s adlcp_rootv1p2.xsd">`+"\n",
			esc(id), nsCP12, nsADLCP12, nsXSI, nsCP12, nsADLCP12)
		w("  <metadata>\n    <schema>ADL SCORM</schema>\n    <schemaversion>1.2</schemaversion>\n  </metadata>\n")
	} else {
		w(`<manifest identifier="%s" version="1.0" xmlns="%s" xmlns:adlcp="%s" xmlns:adlseq="%s" xmlns:adlnav="%s" xmlns:imsss="%s" xmlns:xsi="%s" xsi:schemaLocation="%s imscp_v1p1.xsd %s adlcp_v1p3.xsd %s adlseq_v1p3.xsd %s adlnav_v1p3.xsd %s imsss_v1p0.xsd">`+"\n",
			esc(id), nsCP2004, nsADLCP2004, nsADLSeq2004, nsADLNav2004, nsIMSSS, nsXSI,
			nsCP2004, nsADLCP2004, nsADLSeq2004, nsADLNav2004, nsIMSSS)
		w("  <metadata>\n    <schema>ADL SCORM</schema>\n    <schemaversion>2004 4th Edition</schemaversion>\n  </metadata>\n")
	}
	w("  <organizations default=\"org\">\n    <organization identifier=\"org\">\n      <title>%s</title>\n", title)
	w("      <item identifier=\"item\" identifierref=\"sco\" isvisible=\"true\">\n        <title>%s</title>\n", title)
	switch {
	case t == SCORM12 && scored:
		w("        <adlcp:masteryscore>%d</adlcp:masteryscore>\n", mark)
	case t == SCORM2004:
		// The content sets completion and success itself; with a pass mark
		// the LMS also judges success by the scaled score, at the same
		// threshold the page uses.
		w("        <imsss:sequencing>\n")
		if scored {
			w("          <imsss:objectives>\n")
			w("            <imsss:primaryObjective objectiveID=\"course-pass\" satisfiedByMeasure=\"true\">\n")
			w("              <imsss:minNormalizedMeasure>%s</imsss:minNormalizedMeasure>\n", scaled(mark))
			w("            </imsss:primaryObjective>\n          </imsss:objectives>\n")
		}
		w("          <imsss:deliveryControls completionSetByContent=\"true\" objectiveSetByContent=\"true\"/>\n")
		w("        </imsss:sequencing>\n")
	}
	w("      </item>\n    </organization>\n  </organizations>\n  <resources>\n")
	if t == SCORM12 {
		w("    <resource identifier=\"sco\" type=\"webcontent\" adlcp:scormtype=\"sco\" href=\"%s\">\n", pageName)
	} else {
		w("    <resource identifier=\"sco\" type=\"webcontent\" adlcp:scormType=\"sco\" href=\"%s\">\n", pageName)
	}
	for _, f := range files {
		w("      <file href=\"%s\"/>\n", esc(f))
	}
	w("    </resource>\n  </resources>\n</manifest>\n")
	return b.Bytes()
}

// scaled writes a percentage as the 0..1 decimal SCORM 2004 measures use.
func scaled(percent int) string {
	s := fmt.Sprintf("%.2f", float64(percent)/100)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "" {
		return "0"
	}
	return s
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // a strings.Builder does not fail
	return b.String()
}
