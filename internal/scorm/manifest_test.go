package scorm_test

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/scorm"
	"github.com/upward-lms/upward/internal/scorm/scormtest"
)

func num(v float64) *float64 { return &v }

func parse(t *testing.T, manifest string) scorm.Package {
	t.Helper()
	p, err := scorm.ParseManifest([]byte(manifest))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func wantPackage(t *testing.T, got, want scorm.Package) {
	t.Helper()
	if got.Version != want.Version || got.Identifier != want.Identifier || got.Title != want.Title ||
		got.Description != want.Description || got.ForcedOrder != want.ForcedOrder {
		t.Errorf("package: version %q, identifier %q, title %q, description %q, forced order %v\nwant: version %q, identifier %q, title %q, description %q, forced order %v",
			got.Version, got.Identifier, got.Title, got.Description, got.ForcedOrder,
			want.Version, want.Identifier, want.Title, want.Description, want.ForcedOrder)
	}
	if len(got.Items) != len(want.Items) {
		t.Fatalf("%d items, want %d: %s", len(got.Items), len(want.Items), itemsString(got.Items))
	}
	for i := range want.Items {
		if !reflect.DeepEqual(got.Items[i], want.Items[i]) {
			t.Errorf("item %d:\n got %s\nwant %s", i, itemString(got.Items[i]), itemString(want.Items[i]))
		}
	}
}

func itemsString(items []scorm.Item) string {
	var s []string
	for _, it := range items {
		s = append(s, itemString(it))
	}
	return strings.Join(s, "; ")
}

func itemString(it scorm.Item) string {
	deref := func(p *float64) string {
		if p == nil {
			return "nil"
		}
		return fmt.Sprint(*p)
	}
	mastery, threshold, passing := deref(it.MasteryScore), deref(it.CompletionThreshold), deref(it.ScaledPassingScore)
	it.MasteryScore, it.CompletionThreshold, it.ScaledPassingScore = nil, nil, nil
	return fmt.Sprintf("%+v mastery=%s threshold=%s passing=%s", it, mastery, threshold, passing)
}

func TestTheSCORM12FixtureHasOneSCOWithAMasteryScore(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(scormtest.Fixture(t, "sco12") + "/imsmanifest.xml")
	if err != nil {
		t.Fatal(err)
	}
	wantPackage(t, parse(t, string(data)), scorm.Package{
		Version:    scorm.SCORM12,
		Identifier: "upward.test.sco12",
		Title:      "Upward test: SCORM 1.2",
		Items: []scorm.Item{{
			Identifier: "item_sco12", Title: "The one SCO",
			Href: "index.html?mode=normal", Parameters: "?mode=normal", SCO: true,
			MasteryScore: num(70), DataFromLMS: "upward-fixture",
			TimeLimitAction: "continue,no message", MaxTimeAllowed: "00:30:00",
		}},
	})
}

func TestTheSCORM2004FixtureHasThreeSCOsInForcedOrder(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(scormtest.Fixture(t, "sco2004") + "/imsmanifest.xml")
	if err != nil {
		t.Fatal(err)
	}
	sco := func(id, title, href, params string) scorm.Item {
		return scorm.Item{Identifier: id, Title: title, Href: href, Parameters: params, SCO: true,
			CompletionThreshold: num(0.8), ScaledPassingScore: num(0.7)}
	}
	third := sco("item_3", "Page three", "pages/page3.html?lang=en#start", "lang=en")
	third.DataFromLMS = "upward-fixture"
	wantPackage(t, parse(t, string(data)), scorm.Package{
		Version:     scorm.SCORM2004_4,
		Identifier:  "upward.test.sco2004",
		Title:       "Upward test: SCORM 2004",
		ForcedOrder: true,
		Items: []scorm.Item{
			sco("item_1", "Page one", "page1.html", ""),
			sco("item_2", "Page two", "page2.html?chapter=2", "?chapter=2"),
			third,
		},
	})
}

func TestA2004SecondEditionManifest(t *testing.T) {
	t.Parallel()
	wantPackage(t, parse(t, sample2004Second), scorm.Package{
		Version:    scorm.SCORM2004_2,
		Identifier: "second",
		Title:      "Second edition course", // the default organization's, not the first's
		Items: []scorm.Item{
			{Identifier: "intro", Title: "Introduction", SCO: true,
				Href: "course/content/lesson1/intro.html#part-2", Parameters: "#part-2", CompletionThreshold: num(0.75)},
			{Identifier: "test", Title: "Test", SCO: true,
				Href: "course/content/test/index.html?mode=exam&attempt=1#top", Parameters: "?attempt=1", ScaledPassingScore: num(0.6)},
		},
	})
}

func TestA2004ThirdEditionManifest(t *testing.T) {
	t.Parallel()
	wantPackage(t, parse(t, sample2004Third), scorm.Package{
		Version:     scorm.SCORM2004_3,
		Identifier:  "third",
		Title:       "Third edition course", // the organization has none: the metadata's
		Description: "Takes ten minutes.",
		ForcedOrder: true, // flow and forwardOnly, from the sequencing collection
		Items: []scorm.Item{
			{Identifier: "reading", Title: "Reading", Href: "reading.pdf"},
			{Identifier: "quiz", Title: "Quiz", SCO: true, Href: "quiz.html?lang=fr", Parameters: "&lang=fr",
				TimeLimitAction: "exit,message", DataFromLMS: "level=2",
				CompletionThreshold: num(0.5), ScaledPassingScore: num(1)},
		},
	})
}

func TestA12ManifestWithPrerequisitesForcesTheOrder(t *testing.T) {
	t.Parallel()
	wantPackage(t, parse(t, sample12Prerequisites), scorm.Package{
		Version:     scorm.SCORM12, // by its namespace
		Identifier:  "prereq",
		Title:       "Cours en deux parties (début)", // ISO-8859-1, read as such
		ForcedOrder: true,
		Items: []scorm.Item{
			{Identifier: "part1", Title: "Part one", SCO: true, Href: "part1/index.html?from=lms&chapter=1", Parameters: "?chapter=1",
				MasteryScore: num(75.5), DataFromLMS: "part=1"},
			{Identifier: "part2", Title: "Part two", SCO: true, Href: "part2/index.html",
				Prerequisites: "part1", MaxTimeAllowed: "01:00:00", TimeLimitAction: "exit,no message"},
		},
	})
}

func TestVersionDetection(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		schemaVersion, namespace string
		want                     scorm.Version
	}{
		{"1.2", "", scorm.SCORM12},
		{"CAM 1.3", "", scorm.SCORM2004_2},
		{"2004 3rd Edition", "", scorm.SCORM2004_3},
		{"2004 4th Edition", "", scorm.SCORM2004_4},
		{"", "http://www.adlnet.org/xsd/adlcp_rootv1p2", scorm.SCORM12},
		{"", "http://www.adlnet.org/xsd/adlcp_v1p3", scorm.SCORM2004_4}, // no edition said: the latest
	} {
		manifest := strings.Replace(scormtest.Manifest, "<schemaversion>1.2</schemaversion>", "<schemaversion>"+tt.schemaVersion+"</schemaversion>", 1)
		manifest = strings.Replace(manifest, "http://www.adlnet.org/xsd/adlcp_rootv1p2", tt.namespace, 1)
		manifest = strings.Replace(manifest, "http://www.imsproject.org/xsd/imscp_rootv1p1p2", "", 1)
		if got := parse(t, manifest).Version; got != tt.want {
			t.Errorf("schemaversion %q, namespace %q: %q, want %q", tt.schemaVersion, tt.namespace, got, tt.want)
		}
		if tt.want.Is2004() != (tt.want != scorm.SCORM12) {
			t.Errorf("%q.Is2004() = %v", tt.want, tt.want.Is2004())
		}
	}
}

func TestACompletionThresholdNotCompletedByMeasureIsIgnored(t *testing.T) {
	t.Parallel()
	// In 4th edition the content alone says when it is complete unless
	// completedByMeasure is true; a threshold would override it.
	manifest := strings.Replace(scormtest.Manifest, "<title>Page</title>",
		`<title>Page</title><adlcp:completionThreshold completedByMeasure="false" minProgressMeasure="0.9"/>`, 1)
	manifest = strings.Replace(manifest, "<schemaversion>1.2", "<schemaversion>2004 4th Edition", 1)
	if got := parse(t, manifest).Items[0].CompletionThreshold; got != nil {
		t.Errorf("threshold %v, want none", *got)
	}
	manifest = strings.Replace(manifest, `completedByMeasure="false" minProgressMeasure="0.9"`, `completedByMeasure="true"`, 1)
	if got := parse(t, manifest).Items[0].CompletionThreshold; got == nil || *got != 1 {
		t.Errorf("threshold %v, want 1 (the default minProgressMeasure)", got)
	}
}

func TestForcedOrderIn2004(t *testing.T) {
	t.Parallel()
	for controlMode, forced := range map[string]bool{
		``: false,
		`<imsss:sequencing><imsss:controlMode choice="true" flow="true"/></imsss:sequencing>`:                     false,
		`<imsss:sequencing><imsss:controlMode choice="false"/></imsss:sequencing>`:                                true,
		`<imsss:sequencing><imsss:controlMode flow="true" forwardOnly="true"/></imsss:sequencing>`:                true,
		`<imsss:sequencing><imsss:controlMode flow="false" forwardOnly="true"/></imsss:sequencing>`:               false,
		`<imsss:sequencing><imsss:controlMode choice="true" flow="true" forwardOnly="false"/></imsss:sequencing>`: false,
	} {
		manifest := strings.Replace(scormtest.Manifest, "</organization>", controlMode+"</organization>", 1)
		manifest = strings.Replace(manifest, "<schemaversion>1.2", "<schemaversion>2004 4th Edition", 1)
		if got := parse(t, manifest).ForcedOrder; got != forced {
			t.Errorf("%s: forced order %v, want %v", controlMode, got, forced)
		}
	}
}

func TestParametersJoinByTheIMSRules(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ href, parameters, want string }{
		{"a.html", "", "a.html"},
		{"a.html", "x=1", "a.html?x=1"},
		{"a.html", "?x=1", "a.html?x=1"},
		{"a.html", "&x=1", "a.html?x=1"},
		{"a.html?y=2", "?x=1", "a.html?y=2&x=1"},
		{"a.html#top", "x=1", "a.html?x=1#top"}, // the query before the fragment
		{"a.html", "#part", "a.html#part"},      // a fragment when the href has none
		{"a.html#top", "#part", "a.html#top"},   // and ignored when it has one
		{"a.html?y=2#top", "x=1#part", "a.html?y=2&x=1#top"},
	} {
		if got := scorm.WithParameters(tt.href, tt.parameters); got != tt.want {
			t.Errorf("%q + %q = %q, want %q", tt.href, tt.parameters, got, tt.want)
		}
	}
}

func TestParseManifestRefusesNamingTheProblem(t *testing.T) {
	t.Parallel()
	m := scormtest.Manifest
	for _, tt := range []struct {
		name, manifest, message string
	}{
		{"Empty", "", "imsmanifest.xml is empty"},
		{"NotAManifest", "<html><body/></html>", "imsmanifest.xml: the root element is <html>, not <manifest>"},
		{"Malformed", "<manifest>\n<organizations>\n</manifest>", "imsmanifest.xml line 3: element <organizations> closed by </manifest>"},
		{"UnknownEncoding", `<?xml version="1.0" encoding="Shift_JIS"?><manifest/>`, "the encoding “Shift_JIS” is not supported (save it as UTF-8)"},
		{"NoVersion", "<manifest><organizations/></manifest>", "imsmanifest.xml does not say which SCORM version it is"},
		{"UnknownVersion", strings.NewReplacer("<schemaversion>1.2", "<schemaversion>9.9", "adlcp_rootv1p2", "other", "imscp_rootv1p1p2", "other").Replace(m),
			"imsmanifest.xml: schemaversion “9.9” is not a SCORM version we know"},
		{"NoOrganization", strings.Replace(m, `identifier="org"`, `identifier="org2"`, 1), "the default organization “org” is not in the manifest"},
		{"ResourcesOnly", strings.NewReplacer(`<organizations default="org">`, "<organizations/><x>", "</organizations>", "</x>").Replace(m),
			"imsmanifest.xml has no organization: a package of resources alone cannot be a course"},
		{"NothingToLaunch", strings.Replace(m, ` identifierref="res"`, "", 1), "organization “org” has no item that launches anything"},
		{"MissingResource", strings.Replace(m, `identifierref="res"`, `identifierref="nope"`, 1), "item “item” refers to resource “nope”, which the manifest does not have"},
		{"ResourceWithoutHref", strings.Replace(m, ` href="index.html">`, `>`, 1), "item “item” refers to resource “res”, which has no href to launch"},
		{"ItemWithoutIdentifier", strings.Replace(m, `identifier="item" `, "", 1), "an item (“Page”) has no identifier"},
		{"DuplicateItems", strings.Replace(m, `<title>Page</title></item>`, `<title>Page</title></item><item identifier="item" identifierref="res"/>`, 1), "two items have the identifier “item”"},
		{"MasteryOutOfRange", strings.Replace(m, "<title>Page</title>", "<title>Page</title><adlcp:masteryscore>150</adlcp:masteryscore>", 1), "item “item”: masteryscore “150” is not between 0 and 100"},
		{"MasteryNotANumber", strings.Replace(m, "<title>Page</title>", "<title>Page</title><adlcp:masteryscore>NaN</adlcp:masteryscore>", 1), "masteryscore “NaN” is not a number"},
		{"AbsoluteHref", strings.Replace(m, `href="index.html">`, `href="/index.html">`, 1), "the href “/index.html” is an absolute path, outside the package"},
		{"URLHref", strings.Replace(m, `href="index.html">`, `href="https://evil.example/x.html">`, 1), "the href “https://evil.example/x.html” is not a path inside the package"},
		{"ScriptHref", strings.Replace(m, `href="index.html">`, `href="javascript:alert(1)">`, 1), "is not a path inside the package"},
		{"EncodedClimb", strings.Replace(m, `href="index.html">`, `href="a/%2e%2e/%2E%2E/x.html">`, 1), "the href “a/%2e%2e/%2E%2E/x.html” climbs out of the package"},
		{"BaseClimbs", strings.Replace(m, `type="webcontent"`, `type="webcontent" xml:base="../"`, 1), "the href “index.html” climbs out of the package"},
		{"BackslashHref", strings.Replace(m, `<file href="index.html"/>`, `<file href="js\api.js"/>`, 1), "resource “res”: the file href “js\\api.js” uses backslashes"},
		{"MissingDependency", strings.Replace(m, `<file href="index.html"/>`, `<file href="index.html"/><dependency identifierref="lib"/>`, 1), "resource “res” depends on “lib”, which the manifest does not have"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scorm.ParseManifest([]byte(tt.manifest))
			wantRefusal(t, err, tt.message)
		})
	}
}
