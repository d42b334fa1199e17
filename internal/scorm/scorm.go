// Package scorm reads SCORM packages: it checks an uploaded zip against
// size limits and naming rules before reading anything from it, parses its
// imsmanifest.xml (SCORM 1.2 and SCORM 2004 2nd, 3rd and 4th edition) into
// the few things an LMS needs to make a course of it, and extracts the
// files below a directory without ever writing outside it. It imports no
// infrastructure; every refusal is an apperr.EINVALID error whose message
// names the problem and the entry or href at fault.
package scorm

import "github.com/upward-lms/upward/internal/apperr"

// Version is the SCORM version and edition a manifest declares.
type Version string

// Versions.
const (
	SCORM12     Version = "1.2"
	SCORM2004_2 Version = "2004 2nd Edition"
	SCORM2004_3 Version = "2004 3rd Edition"
	SCORM2004_4 Version = "2004 4th Edition"
)

// Is2004 reports whether v is an edition of SCORM 2004, whose runtime is
// API_1484_11 rather than the 1.2 API.
func (v Version) Is2004() bool {
	return v == SCORM2004_2 || v == SCORM2004_3 || v == SCORM2004_4
}

// Package is what a manifest says.
type Package struct {
	Version     Version
	Identifier  string // the manifest's identifier
	Title       string // the default organization's title, else the metadata title ("" when neither has one)
	Description string // the metadata description
	// Items are the default organization's launchable items: the leaves of
	// its tree that have an identifierref, in tree (flow) order. A parent
	// item that also names a resource (allowed in 1.2, not in 2004) is not
	// launched: its children are.
	Items []Item
	// ForcedOrder says the learner must take the items in order. In 2004
	// it is the organization's sequencing (its own or, through IDRef, one
	// of the sequencingCollection): controlMode choice="false", or
	// flow="true" with forwardOnly="true". In 1.2 it is any launchable
	// item with adlcp:prerequisites: we do not evaluate the expressions,
	// which in practice name the previous items, and take the order of
	// the tree instead.
	ForcedOrder bool
	// Files are every file of the package, cleaned relative paths in
	// sorted order. ParseManifest, which sees no package, leaves it nil.
	Files []string
}

// Item is one launchable item of the default organization.
type Item struct {
	Identifier, Title string
	// Href is the launch path relative to the package root: the bases
	// (xml:base of the manifest, the resources and the resource) joined
	// as folders, then the resource href, then the item's parameters
	// joined by the IMS rules (a query after ? or &, a #fragment kept
	// last). Its path part is clean and stays inside the package.
	Href       string
	Parameters string // the item's parameters, as written
	// SCO is scormtype/scormType "sco": the content talks to the runtime
	// API. Otherwise it is an asset, launched without one.
	SCO                 bool
	MasteryScore        *float64 // 1.2 adlcp:masteryscore, 0-100
	CompletionThreshold *float64 // 2004 adlcp:completionThreshold, 0-1 (see completionThreshold)
	ScaledPassingScore  *float64 // 2004 primary objective's minNormalizedMeasure when satisfiedByMeasure, -1-1
	DataFromLMS         string   // adlcp:datafromlms (1.2) / adlcp:dataFromLMS (2004)
	TimeLimitAction     string   // adlcp:timelimitaction (1.2) / adlcp:timeLimitAction (2004)
	MaxTimeAllowed      string   // 1.2 adlcp:maxtimeallowed, as written
	Prerequisites       string   // 1.2 adlcp:prerequisites, as written
}

// invalid returns the EINVALID error every refusal of this package is.
func invalid(format string, args ...any) error {
	return apperr.Errorf(apperr.EINVALID, format, args...)
}
