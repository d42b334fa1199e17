package scorm

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ManifestName is the manifest's name at the root of every package.
const ManifestName = "imsmanifest.xml"

// The manifest as encoding/xml sees it. Tags carry local names only:
// packages in the wild use default namespaces, prefixes of every spelling
// and sometimes no namespace at all, and encoding/xml matches a tag
// without a namespace against any. Where 1.2 and 2004 spell a name
// differently (scormtype / scormType) both are read.
type xmlManifest struct {
	XMLName       xml.Name
	Attrs         []xml.Attr `xml:",any,attr"`
	Identifier    string     `xml:"identifier,attr"`
	Base          string     `xml:"base,attr"`
	Metadata      xmlMetadata
	Organizations xmlOrganizations `xml:"organizations"`
	Resources     xmlResources     `xml:"resources"`
	Collection    []xmlSequencing  `xml:"sequencingCollection>sequencing"`
}

type xmlMetadata struct {
	XMLName       xml.Name      `xml:"metadata"`
	SchemaVersion string        `xml:"schemaversion"`
	Title         xmlLangString `xml:"lom>general>title"`
	Description   xmlLangString `xml:"lom>general>description"`
}

// xmlLangString is a LOM text: <string> in LOM 1.0 (2004), <langstring>
// in IMS metadata 1.2.
type xmlLangString struct {
	Strings     []string `xml:"string"`
	LangStrings []string `xml:"langstring"`
}

func (s xmlLangString) text() string {
	for _, v := range append(s.Strings, s.LangStrings...) {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

type xmlOrganizations struct {
	Default string            `xml:"default,attr"`
	List    []xmlOrganization `xml:"organization"`
}

type xmlOrganization struct {
	Identifier string         `xml:"identifier,attr"`
	Title      string         `xml:"title"`
	Items      []xmlItem      `xml:"item"`
	Sequencing *xmlSequencing `xml:"sequencing"`
}

type xmlItem struct {
	Identifier          string                  `xml:"identifier,attr"`
	IdentifierRef       string                  `xml:"identifierref,attr"`
	Parameters          string                  `xml:"parameters,attr"`
	Title               string                  `xml:"title"`
	Items               []xmlItem               `xml:"item"`
	MasteryScore        string                  `xml:"masteryscore"`
	Prerequisites       string                  `xml:"prerequisites"`
	MaxTimeAllowed      string                  `xml:"maxtimeallowed"`
	DataFromLMS12       string                  `xml:"datafromlms"`
	DataFromLMS2004     string                  `xml:"dataFromLMS"`
	TimeLimitAction12   string                  `xml:"timelimitaction"`
	TimeLimitAction2004 string                  `xml:"timeLimitAction"`
	CompletionThreshold *xmlCompletionThreshold `xml:"completionThreshold"`
	Sequencing          *xmlSequencing          `xml:"sequencing"`
}

// xmlCompletionThreshold is an attribute-only element in 4th edition and a
// number as text in 2nd and 3rd.
type xmlCompletionThreshold struct {
	CompletedByMeasure string  `xml:"completedByMeasure,attr"`
	MinProgressMeasure *string `xml:"minProgressMeasure,attr"`
	Text               string  `xml:",chardata"`
}

type xmlSequencing struct {
	ID               string               `xml:"ID,attr"`
	IDRef            string               `xml:"IDRef,attr"`
	ControlMode      *xmlControlMode      `xml:"controlMode"`
	PrimaryObjective *xmlPrimaryObjective `xml:"objectives>primaryObjective"`
}

type xmlControlMode struct {
	Choice      string `xml:"choice,attr"`
	Flow        string `xml:"flow,attr"`
	ForwardOnly string `xml:"forwardOnly,attr"`
}

type xmlPrimaryObjective struct {
	SatisfiedByMeasure   string  `xml:"satisfiedByMeasure,attr"`
	MinNormalizedMeasure *string `xml:"minNormalizedMeasure"`
}

type xmlResources struct {
	Base string        `xml:"base,attr"`
	List []xmlResource `xml:"resource"`
}

type xmlResource struct {
	Identifier    string          `xml:"identifier,attr"`
	Href          string          `xml:"href,attr"`
	Base          string          `xml:"base,attr"`
	ScormType12   string          `xml:"scormtype,attr"`
	ScormType2004 string          `xml:"scormType,attr"`
	Files         []xmlFile       `xml:"file"`
	Dependencies  []xmlDependency `xml:"dependency"`
}

type xmlFile struct {
	Href string `xml:"href,attr"`
}

type xmlDependency struct {
	IdentifierRef string `xml:"identifierref,attr"`
}

// fileRef is a file the manifest names: Open checks that it is in the
// package.
type fileRef struct {
	file  string // the decoded, clean path
	href  string // the href as written, for messages
	owner string // the resource naming it
}

// ParseManifest parses a manifest on its own. Every href it accepts stays
// inside the package, but only Open can check that the files exist.
func ParseManifest(data []byte) (Package, error) {
	p, _, err := parseManifest(data)
	return p, err
}

func parseManifest(data []byte) (Package, []fileRef, error) {
	var m xmlManifest
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.CharsetReader = charsetReader
	if err := d.Decode(&m); err != nil {
		return Package{}, nil, manifestSyntaxError(err)
	}
	if m.XMLName.Local != "manifest" {
		return Package{}, nil, invalid("%s: the root element is <%s>, not <manifest>", ManifestName, shown(m.XMLName.Local))
	}
	version, err := detectVersion(&m)
	if err != nil {
		return Package{}, nil, err
	}
	resources, refs, err := readResources(&m)
	if err != nil {
		return Package{}, nil, err
	}
	org, err := defaultOrganization(&m)
	if err != nil {
		return Package{}, nil, err
	}
	p := Package{
		Version:     version,
		Identifier:  strings.TrimSpace(m.Identifier),
		Title:       strings.TrimSpace(org.Title),
		Description: m.Metadata.Description.text(),
	}
	if p.Title == "" {
		p.Title = m.Metadata.Title.text()
	}
	collection := make(map[string]*xmlSequencing, len(m.Collection))
	for i := range m.Collection {
		collection[m.Collection[i].ID] = &m.Collection[i]
	}
	seen := make(map[string]bool)
	if err := collectItems(&p, org.Items, resources, collection, seen); err != nil {
		return Package{}, nil, err
	}
	if len(p.Items) == 0 {
		return Package{}, nil, invalid("%s: organization “%s” has no item that launches anything", ManifestName, shown(org.Identifier))
	}
	if version.Is2004() {
		if cm := controlMode(org.Sequencing, collection); cm != nil {
			p.ForcedOrder = isFalse(cm.Choice) || (isTrue(cm.Flow) && isTrue(cm.ForwardOnly))
		}
	}
	return p, refs, nil
}

// manifestSyntaxError names the line of malformed XML.
func manifestSyntaxError(err error) error {
	var syntax *xml.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return invalid("%s line %d: %s", ManifestName, syntax.Line, syntax.Msg)
	case errors.Is(err, io.EOF):
		return invalid("%s is empty", ManifestName)
	default:
		return invalid("%s: %s", ManifestName, shown(err.Error()))
	}
}

// detectVersion reads metadata/schemaversion, and failing that the ADL
// and IMS namespaces the manifest declares.
func detectVersion(m *xmlManifest) (Version, error) {
	sv := strings.ToLower(strings.TrimSpace(m.Metadata.SchemaVersion))
	switch {
	case strings.Contains(sv, "4th"):
		return SCORM2004_4, nil
	case strings.Contains(sv, "3rd"):
		return SCORM2004_3, nil
	case strings.Contains(sv, "2nd"), strings.Contains(sv, "1.3"):
		return SCORM2004_2, nil
	case strings.Contains(sv, "1.2"):
		return SCORM12, nil
	}
	namespaces := m.XMLName.Space
	for _, a := range m.Attrs {
		namespaces += " " + a.Value
	}
	namespaces = strings.ToLower(namespaces)
	switch {
	case strings.Contains(namespaces, "adlcp_rootv1p2"), strings.Contains(namespaces, "imscp_rootv1p1p2"):
		return SCORM12, nil
	case strings.Contains(namespaces, "adlcp_v1p3"), strings.Contains(namespaces, "imscp_v1p1"):
		// 2004 without an edition: the 4th, which the runtime of the
		// earlier ones is a subset of.
		return SCORM2004_4, nil
	}
	if sv != "" {
		return "", invalid("%s: schemaversion “%s” is not a SCORM version we know (1.2, CAM 1.3, 2004 3rd or 4th Edition)", ManifestName, shown(m.Metadata.SchemaVersion))
	}
	return "", invalid("%s does not say which SCORM version it is (no schemaversion and no ADL namespace)", ManifestName)
}

// defaultOrganization is the organization <organizations default> names,
// else the first.
func defaultOrganization(m *xmlManifest) (*xmlOrganization, error) {
	orgs := m.Organizations.List
	if len(orgs) == 0 {
		return nil, invalid("%s has no organization: a package of resources alone cannot be a course", ManifestName)
	}
	def := strings.TrimSpace(m.Organizations.Default)
	if def == "" {
		return &orgs[0], nil
	}
	for i := range orgs {
		if orgs[i].Identifier == def {
			return &orgs[i], nil
		}
	}
	return nil, invalid("%s: the default organization “%s” is not in the manifest", ManifestName, shown(def))
}

type resource struct {
	href string // the launch href: bases, clean path, then any query and fragment
	sco  bool
}

// readResources resolves every resource's href and files against the
// bases and returns the resources by identifier and the files they name.
func readResources(m *xmlManifest) (map[string]resource, []fileRef, error) {
	resources := make(map[string]resource, len(m.Resources.List))
	var refs []fileRef
	for _, r := range m.Resources.List {
		bases := []string{m.Base, m.Resources.Base, r.Base}
		res := resource{sco: strings.EqualFold(strings.TrimSpace(r.ScormType2004+r.ScormType12), "sco")}
		if strings.TrimSpace(r.Href) != "" {
			href, file, err := resolveHref(bases, r.Href)
			if err != nil {
				return nil, nil, invalid("%s: resource “%s”: the href “%s” %s", ManifestName, shown(r.Identifier), shown(r.Href), err)
			}
			res.href = href
			refs = append(refs, fileRef{file: file, href: r.Href, owner: r.Identifier})
		}
		for _, f := range r.Files {
			_, file, err := resolveHref(bases, f.Href)
			if err != nil {
				return nil, nil, invalid("%s: resource “%s”: the file href “%s” %s", ManifestName, shown(r.Identifier), shown(f.Href), err)
			}
			refs = append(refs, fileRef{file: file, href: f.Href, owner: r.Identifier})
		}
		if _, dup := resources[r.Identifier]; !dup {
			resources[r.Identifier] = res
		}
	}
	for _, r := range m.Resources.List {
		for _, dep := range r.Dependencies {
			if _, ok := resources[dep.IdentifierRef]; !ok {
				return nil, nil, invalid("%s: resource “%s” depends on “%s”, which the manifest does not have", ManifestName, shown(r.Identifier), shown(dep.IdentifierRef))
			}
		}
	}
	return resources, refs, nil
}

// collectItems appends the launchable leaves of items to p in tree order.
func collectItems(p *Package, items []xmlItem, resources map[string]resource, collection map[string]*xmlSequencing, seen map[string]bool) error {
	for i := range items {
		x := &items[i]
		id := strings.TrimSpace(x.Identifier)
		if id == "" {
			return invalid("%s: an item (“%s”) has no identifier", ManifestName, shown(strings.TrimSpace(x.Title)))
		}
		if seen[id] {
			return invalid("%s: two items have the identifier “%s”", ManifestName, shown(id))
		}
		seen[id] = true
		if len(x.Items) > 0 {
			if err := collectItems(p, x.Items, resources, collection, seen); err != nil {
				return err
			}
			continue
		}
		ref := strings.TrimSpace(x.IdentifierRef)
		if ref == "" {
			continue
		}
		item, err := readItem(x, id, ref, resources, collection)
		if err != nil {
			return err
		}
		if item.Prerequisites != "" && p.Version == SCORM12 {
			p.ForcedOrder = true
		}
		p.Items = append(p.Items, item)
	}
	return nil
}

func readItem(x *xmlItem, id, ref string, resources map[string]resource, collection map[string]*xmlSequencing) (Item, error) {
	res, ok := resources[ref]
	if !ok {
		return Item{}, invalid("%s: item “%s” refers to resource “%s”, which the manifest does not have", ManifestName, shown(id), shown(ref))
	}
	if res.href == "" {
		return Item{}, invalid("%s: item “%s” refers to resource “%s”, which has no href to launch", ManifestName, shown(id), shown(ref))
	}
	if strings.ContainsFunc(x.Parameters, isControl) {
		return Item{}, invalid("%s: item “%s”: its parameters hold a control character", ManifestName, shown(id))
	}
	item := Item{
		Identifier:      id,
		Title:           strings.TrimSpace(x.Title),
		Href:            withParameters(res.href, x.Parameters),
		Parameters:      x.Parameters,
		SCO:             res.sco,
		DataFromLMS:     firstNonEmpty(x.DataFromLMS2004, x.DataFromLMS12),
		TimeLimitAction: strings.TrimSpace(firstNonEmpty(x.TimeLimitAction2004, x.TimeLimitAction12)),
		MaxTimeAllowed:  strings.TrimSpace(x.MaxTimeAllowed),
		Prerequisites:   strings.TrimSpace(x.Prerequisites),
	}
	var err error
	if item.MasteryScore, err = number(x.MasteryScore, 0, 100); err != nil {
		return Item{}, invalid("%s: item “%s”: masteryscore “%s” %s", ManifestName, shown(id), shown(x.MasteryScore), err)
	}
	if item.CompletionThreshold, err = completionThreshold(x.CompletionThreshold); err != nil {
		return Item{}, invalid("%s: item “%s”: completionThreshold %s", ManifestName, shown(id), err)
	}
	if item.ScaledPassingScore, err = scaledPassingScore(x.Sequencing, collection); err != nil {
		return Item{}, invalid("%s: item “%s”: minNormalizedMeasure %s", ManifestName, shown(id), err)
	}
	return item, nil
}

// completionThreshold reads the 4th edition's attributes, which count only
// when completedByMeasure="true" (otherwise the content alone says when it
// is complete, and a threshold would override it), else the 2nd and 3rd
// editions' element text.
func completionThreshold(ct *xmlCompletionThreshold) (*float64, error) {
	if ct == nil {
		return nil, nil
	}
	if ct.MinProgressMeasure != nil || ct.CompletedByMeasure != "" {
		if !isTrue(ct.CompletedByMeasure) {
			return nil, nil
		}
		if ct.MinProgressMeasure == nil {
			one := 1.0 // the schema's default
			return &one, nil
		}
		return number(*ct.MinProgressMeasure, 0, 1)
	}
	return number(ct.Text, 0, 1)
}

// scaledPassingScore is the primary objective's minNormalizedMeasure when
// the objective is satisfied by measure (1.0, the schema's default, when
// the element is absent).
func scaledPassingScore(s *xmlSequencing, collection map[string]*xmlSequencing) (*float64, error) {
	if s == nil {
		return nil, nil
	}
	po := s.PrimaryObjective
	if po == nil && s.IDRef != "" && collection[s.IDRef] != nil {
		po = collection[s.IDRef].PrimaryObjective
	}
	if po == nil || !isTrue(po.SatisfiedByMeasure) {
		return nil, nil
	}
	if po.MinNormalizedMeasure == nil || strings.TrimSpace(*po.MinNormalizedMeasure) == "" {
		one := 1.0
		return &one, nil
	}
	return number(*po.MinNormalizedMeasure, -1, 1)
}

// controlMode is the sequencing's own controlMode, else that of the
// sequencingCollection entry it refers to.
func controlMode(s *xmlSequencing, collection map[string]*xmlSequencing) *xmlControlMode {
	if s == nil {
		return nil
	}
	if s.ControlMode == nil && s.IDRef != "" && collection[s.IDRef] != nil {
		return collection[s.IDRef].ControlMode
	}
	return s.ControlMode
}

// resolveHref joins bases and href as folders (the way authoring tools
// mean xml:base, even without a trailing slash) and returns the launch
// href (clean path as written, then any query and fragment) and the file
// it names (the path percent-decoded, as a web server would). The error
// completes a sentence starting with the href.
func resolveHref(bases []string, href string) (launch, file string, err error) {
	href = strings.TrimSpace(href)
	if href == "" {
		return "", "", errors.New("is empty")
	}
	p, rest := href, ""
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		p, rest = href[:i], href[i:]
	}
	parts := make([]string, 0, len(bases)+1)
	for _, b := range append(bases, p) {
		b = strings.TrimSpace(b)
		switch {
		case b == "":
			continue
		case strings.ContainsRune(b, '\\'):
			return "", "", errors.New("uses backslashes")
		case strings.HasPrefix(b, "/"):
			return "", "", errors.New("is an absolute path, outside the package")
		case hasScheme(b):
			return "", "", errors.New("is not a path inside the package")
		}
		parts = append(parts, b)
	}
	joined := strings.Join(parts, "/")
	decoded, derr := url.PathUnescape(joined)
	if derr != nil {
		decoded = joined
	}
	if strings.ContainsFunc(joined, isControl) || strings.ContainsFunc(decoded, isControl) || strings.ContainsRune(decoded, '\\') {
		return "", "", errors.New("holds a control character or a backslash")
	}
	launch, file = path.Clean(joined), path.Clean(decoded)
	if climbs(launch) || climbs(file) || strings.HasPrefix(file, "/") {
		return "", "", errors.New("climbs out of the package")
	}
	if launch == "." || file == "." {
		return "", "", errors.New("names no file")
	}
	return launch + rest, file, nil
}

// hasScheme reports whether a path part starts like a URL's scheme
// (http:, javascript:, data:, C:).
func hasScheme(s string) bool {
	i := strings.IndexRune(s, ':')
	if i <= 0 {
		return false
	}
	return !strings.ContainsRune(s[:i], '/')
}

func climbs(p string) bool { return p == ".." || strings.HasPrefix(p, "../") }

// withParameters joins an item's parameters to its resource's href by the
// IMS content packaging rules: a leading ? or & of the parameters is
// dropped; a query is joined with & when the href has one, else with ?,
// before any fragment; a #fragment in the parameters is used only when
// the href has none.
func withParameters(href, parameters string) string {
	params := strings.TrimLeft(strings.TrimSpace(parameters), "?&")
	if params == "" {
		return href
	}
	base, frag, hasFrag := strings.Cut(href, "#")
	query, pfrag, hasPfrag := strings.Cut(params, "#")
	if query != "" {
		if strings.ContainsRune(base, '?') {
			base += "&" + query
		} else {
			base += "?" + query
		}
	}
	switch {
	case hasFrag:
		return base + "#" + frag
	case hasPfrag:
		return base + "#" + pfrag
	}
	return base
}

// number parses a decimal in [lo, hi]; "" is no value.
func number(s string, lo, hi float64) (*float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, errors.New("is not a number")
	}
	if v < lo || v > hi {
		return nil, fmt.Errorf("is not between %g and %g", lo, hi)
	}
	return &v, nil
}

func isTrue(s string) bool  { return strings.TrimSpace(s) == "true" || strings.TrimSpace(s) == "1" }
func isFalse(s string) bool { return strings.TrimSpace(s) == "false" || strings.TrimSpace(s) == "0" }

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// shown makes a name or href from a package safe to put in a message:
// control characters and invalid UTF-8 escaped, and at most 200 runes.
func shown(s string) string {
	var b strings.Builder
	for n := 0; s != ""; n++ {
		if n == 200 {
			b.WriteString("…")
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case isControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
		s = s[size:]
	}
	return b.String()
}

// charsetReader lets manifests declared in ISO-8859-1 or windows-1252, as
// some older tools write them, be read as UTF-8.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252":
		data, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		for _, c := range data {
			if c >= 0x80 && c < 0xa0 {
				b.WriteRune(cp1252[c-0x80])
			} else {
				b.WriteRune(rune(c))
			}
		}
		return strings.NewReader(b.String()), nil
	}
	return nil, fmt.Errorf("the encoding “%s” is not supported (save it as UTF-8)", shown(label))
}

// cp1252 maps windows-1252's 0x80-0x9f, where it differs from ISO-8859-1
// (whose C1 controls no manifest means).
var cp1252 = [32]rune{
	'€', '\u0081', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u008d', 'Ž', '\u008f',
	'\u0090', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u009d', 'ž', 'Ÿ',
}
