package scormexport

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/course"
)

// sampleCourse has a block of every kind that keeps something of the
// learner's or brings a file: two quizzes, a reflection, a checklist, an
// uploaded video, an embedded one, an image and a download.
func sampleCourse() course.Course {
	return course.Course{
		Slug: "managing-up", Title: "Managing up & across", Summary: "Work with your manager", Level: course.Beginner, Language: "en",
		Description: "Learn to work **with** your manager.",
		Modules: []course.Module{
			{Key: "m1", Title: "Foundations", Lessons: []course.Lesson{
				{Key: "l1", Title: "Why it matters", Blocks: []course.Block{
					{Key: "b1", Kind: course.KindText, Text: &course.Text{Markdown: "Read [the study](https://example.org/study) first.\n\n<script>alert(1)</script>"}},
					{Key: "b2", Kind: course.KindVideo, Media: &course.Media{Src: "intro.mp4", Title: "Intro", Transcript: "Hello."}},
					{Key: "b3", Kind: course.KindVideo, Media: &course.Media{URL: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", Title: "A talk", Transcript: "Words."}},
					{Key: "b4", Kind: course.KindImage, Image: &course.Image{Src: "team.png", Alt: "A team at a table"}},
				}},
				{Key: "l2", Title: "Your manager", Blocks: []course.Block{
					{Key: "b5", Kind: course.KindReflection, Reflection: &course.Reflection{Prompt: "What does your manager need from you?"}},
					{Key: "b6", Kind: course.KindFile, File: &course.File{Src: "plan.pdf", Label: "Plan template"}},
					{Key: "b7", Kind: course.KindQuiz, Quiz: &course.Quiz{PassMark: 50, Questions: []course.Question{
						{Type: course.Single, Prompt: "First?", Options: []course.Option{{Text: "Yes", Correct: true, Feedback: "Indeed."}, {Text: "No", Feedback: "Not so."}}},
					}}},
				}},
			}},
			{Key: "m2", Title: "Practice", Lessons: []course.Lesson{
				{Key: "l3", Title: "Your plan", Blocks: []course.Block{
					{Key: "b8", Kind: course.KindChecklist, Checklist: &course.Checklist{Title: "This week", Items: []course.ChecklistItem{{Text: "Book a 1:1", DueInDays: 7}, {Text: "Write goals"}}}},
					{Key: "b9", Kind: course.KindQuiz, Quiz: &course.Quiz{PassMark: 80, Attempts: 2, Questions: []course.Question{
						{Type: course.Multiple, Prompt: "Which help?", Explanation: "Both do.", Options: []course.Option{{Text: "Agendas", Correct: true}, {Text: "Notes", Correct: true}, {Text: "Silence"}}},
						{Type: course.TrueFalse, Prompt: "Managers read minds.", Options: []course.Option{{Text: "True"}, {Text: "False", Correct: true}}},
						{Type: course.Scenario, Scenario: "Your manager is late.", Prompt: "You…", Options: []course.Option{{Text: "wait", Correct: true}, {Text: "leave"}}},
					}}},
					{Key: "b10", Kind: course.KindImage, Image: &course.Image{Src: "team.png", Alt: "The team again"}},
				}},
			}},
		},
	}
}

var sampleFiles = map[string][]byte{"intro.mp4": []byte("video"), "team.png": []byte("png"), "plan.pdf": []byte("pdf")}

func readSample(name string) ([]byte, error) {
	if b, ok := sampleFiles[name]; ok {
		return b, nil
	}
	return nil, errors.New("no such file")
}

func unzip(t *testing.T, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[f.Name]; dup {
			t.Errorf("%s is in the zip twice", f.Name)
		}
		out[f.Name] = b
	}
	return out
}

// manifest is what the tests read of imsmanifest.xml, by namespace.
type manifest struct {
	XMLName       xml.Name
	Schema        string `xml:"metadata>schema"`
	SchemaVersion string `xml:"metadata>schemaversion"`
	Organizations struct {
		Default string `xml:"default,attr"`
		List    []struct {
			Identifier string `xml:"identifier,attr"`
			Items      []struct {
				IdentifierRef string `xml:"identifierref,attr"`
				Mastery       string `xml:"http://www.adlnet.org/xsd/adlcp_rootv1p2 masteryscore"`
				Primary       *struct {
					SatisfiedByMeasure string `xml:"satisfiedByMeasure,attr"`
					MinNormalized      string `xml:"http://www.imsglobal.org/xsd/imsss minNormalizedMeasure"`
				} `xml:"http://www.imsglobal.org/xsd/imsss sequencing>objectives>primaryObjective"`
			} `xml:"item"`
		} `xml:"organization"`
	} `xml:"organizations"`
	Resources []struct {
		Identifier string `xml:"identifier,attr"`
		Href       string `xml:"href,attr"`
		Files      []struct {
			Href string `xml:"href,attr"`
		} `xml:"file"`
	} `xml:"resources>resource"`
}

func parseManifest(t *testing.T, data []byte) manifest {
	t.Helper()
	var m manifest
	if err := xml.Unmarshal(data, &m); err != nil {
		t.Fatalf("manifest is not well-formed XML: %v\n%s", err, data)
	}
	return m
}

// scormType reads the resource's adlcp scorm type attribute, spelled as
// the edition spells it.
func scormType(t *testing.T, data []byte, ns, local string) string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return ""
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "resource" {
			for _, a := range se.Attr {
				if a.Name.Space == ns && a.Name.Local == local {
					return a.Value
				}
			}
		}
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	c := sampleCourse()
	if problems := course.Check(c); len(problems) > 0 {
		t.Fatalf("the sample course breaks the course rules: %v", problems)
	}
	for _, tc := range []struct {
		target                 Target
		namespace, version     string
		scormTypeNS, scormAttr string
		api                    string
	}{
		{SCORM12, nsCP12, "1.2", nsADLCP12, "scormtype", "API"},
		{SCORM2004, nsCP2004, "2004 4th Edition", nsADLCP2004, "scormType", "API_1484_11"},
	} {
		t.Run(string(tc.target), func(t *testing.T) {
			data, err := Export(c, tc.target, readSample)
			if err != nil {
				t.Fatal(err)
			}
			files := unzip(t, data)
			raw, ok := files["imsmanifest.xml"]
			if !ok {
				t.Fatal("no imsmanifest.xml at the root of the package")
			}
			m := parseManifest(t, raw)

			t.Run("ManifestOfTheEdition", func(t *testing.T) {
				if m.XMLName.Space != tc.namespace || m.XMLName.Local != "manifest" {
					t.Errorf("root = %v, want manifest in %s", m.XMLName, tc.namespace)
				}
				if m.Schema != "ADL SCORM" || m.SchemaVersion != tc.version {
					t.Errorf("schema = %q %q, want ADL SCORM %q", m.Schema, m.SchemaVersion, tc.version)
				}
				if got := scormType(t, raw, tc.scormTypeNS, tc.scormAttr); got != "sco" {
					t.Errorf("resource adlcp:%s = %q, want sco", tc.scormAttr, got)
				}
				if tc.target == SCORM2004 && strings.Contains(string(raw), nsADLCP12) {
					t.Error("the 2004 manifest uses the SCORM 1.2 namespace")
				}
			})

			t.Run("OneSCOForTheWholeCourse", func(t *testing.T) {
				if len(m.Organizations.List) != 1 || m.Organizations.Default != m.Organizations.List[0].Identifier {
					t.Fatalf("organizations = %+v, want one, the default", m.Organizations)
				}
				items := m.Organizations.List[0].Items
				if len(items) != 1 || len(m.Resources) != 1 || items[0].IdentifierRef != m.Resources[0].Identifier {
					t.Fatalf("want one item launching the one resource; items %+v resources %d", items, len(m.Resources))
				}
				if m.Resources[0].Href != "index.html" {
					t.Errorf("launch = %q, want index.html", m.Resources[0].Href)
				}
			})

			t.Run("PassMarkIsTheMastery", func(t *testing.T) {
				// One question at 50% and three at 80%: (50+240)/4 = 72.5, up to 73.
				item := m.Organizations.List[0].Items[0]
				if tc.target == SCORM12 {
					if item.Mastery != "73" {
						t.Errorf("adlcp:masteryscore = %q, want 73", item.Mastery)
					}
					return
				}
				if item.Primary == nil || item.Primary.SatisfiedByMeasure != "true" || item.Primary.MinNormalized != "0.73" {
					t.Errorf("primary objective = %+v, want satisfiedByMeasure with minNormalizedMeasure 0.73", item.Primary)
				}
			})

			t.Run("EveryFileListedAndPresent", func(t *testing.T) {
				var listed []string
				for _, f := range m.Resources[0].Files {
					listed = append(listed, f.Href)
					if _, ok := files[f.Href]; !ok {
						t.Errorf("the manifest lists %s, which is not in the package", f.Href)
					}
				}
				for name := range files {
					if name != "imsmanifest.xml" && !slices.Contains(listed, name) {
						t.Errorf("%s is in the package but not in the manifest", name)
					}
				}
				for _, want := range []string{"index.html", "scorm.js", "style.css", "files/intro.mp4", "files/team.png", "files/plan.pdf"} {
					if !slices.Contains(listed, want) {
						t.Errorf("%s is not listed", want)
					}
				}
				if string(files["files/team.png"]) != "png" {
					t.Error("a course file is not packaged as stored")
				}
			})

			t.Run("ScriptFindsTheEditionsAPI", func(t *testing.T) {
				js := string(files["scorm.js"])
				if !strings.Contains(js, `"`+tc.api+`"`) || !strings.Contains(js, "win.parent") || !strings.Contains(js, "opener") {
					t.Errorf("scorm.js does not look for %s up the frames and openers", tc.api)
				}
			})

			t.Run("NothingOutsideThePackage", func(t *testing.T) {
				// The only addresses elsewhere are the links the course has.
				allowed := []string{"https://example.org/study", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"}
				url := regexp.MustCompile(`(?i)(https?:)?//[^\s"'<>)]+`)
				for _, name := range []string{"index.html", "scorm.js", "style.css"} {
					for _, u := range url.FindAllString(string(files[name]), -1) {
						if !slices.Contains(allowed, u) {
							t.Errorf("%s refers to %s, outside the package", name, u)
						}
					}
				}
				doc, err := goquery.NewDocumentFromReader(bytes.NewReader(files["index.html"]))
				if err != nil {
					t.Fatal(err)
				}
				doc.Find("[src], [href]").Each(func(_ int, s *goquery.Selection) {
					ref := s.AttrOr("src", s.AttrOr("href", ""))
					switch {
					case strings.HasPrefix(ref, "#"), slices.Contains(allowed, ref):
					case files[ref] == nil:
						t.Errorf("index.html refers to %q, which is not in the package", ref)
					}
				})
				if doc.Find("script").Length() != 1 || doc.Find("script").AttrOr("src", "") != "scorm.js" || strings.TrimSpace(doc.Find("script").Text()) != "" {
					t.Error("want exactly one script, scorm.js, and no inline script")
				}
				if doc.Find("[onclick], [onload], iframe").Length() > 0 {
					t.Error("the page has an event handler attribute or a frame")
				}
			})

			t.Run("PagesShowEveryLessonAccessibly", func(t *testing.T) {
				doc, _ := goquery.NewDocumentFromReader(bytes.NewReader(files["index.html"]))
				if got := doc.Find("h1").Text(); got != c.Title {
					t.Errorf("h1 = %q", got)
				}
				if n := doc.Find("section.lesson").Length(); n != 3 {
					t.Errorf("%d lesson sections, want 3", n)
				}
				if n := doc.Find(`nav.course-nav a[href^="#lesson-"]`).Length(); n != 3 {
					t.Errorf("the navigation links %d lessons, want 3", n)
				}
				if n := doc.Find("form[data-quiz] fieldset legend").Length(); n != 4 {
					t.Errorf("%d questions in fieldsets with legends, want 4", n)
				}
				doc.Find("input, textarea").Each(func(_ int, s *goquery.Selection) {
					id := s.AttrOr("id", "")
					if id == "" || doc.Find(`label[for="`+id+`"]`).Length() != 1 {
						t.Errorf("field %q has no label", id)
					}
				})
				if doc.Find(`textarea[data-reflection]`).Length() != 1 || doc.Find(`fieldset[data-checklist] input[type=checkbox]`).Length() != 2 {
					t.Error("the reflection or the action plan is missing")
				}
				if doc.Find(`a[href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"]`).Length() != 1 || doc.Find(`video[src="files/intro.mp4"]`).Length() != 1 {
					t.Error("the embed is not a link or the uploaded video is not played from the package")
				}
				if strings.Contains(string(files["index.html"]), "<script>alert") {
					t.Error("the Markdown was not sanitised")
				}
				if got := doc.Find(`fieldset[data-question]`).Eq(1).AttrOr("data-answer", ""); got != "0,1" {
					t.Errorf("multiple-choice key = %q, want 0,1", got)
				}
			})
		})
	}

	t.Run("SuspendLimitOfTheEdition", func(t *testing.T) {
		for target, want := range map[Target]string{SCORM12: `data-suspend-limit="4096"`, SCORM2004: `data-suspend-limit="64000"`} {
			data, _ := Export(c, target, readSample)
			if !strings.Contains(string(unzip(t, data)["index.html"]), want) {
				t.Errorf("%s: want %s", target, want)
			}
		}
	})
}

func TestExport_CourseWithoutQuiz(t *testing.T) {
	t.Parallel()
	c := sampleCourse()
	c.Modules = c.Modules[:1]
	c.Modules[0].Lessons = c.Modules[0].Lessons[:1]
	for _, target := range Targets {
		data, err := Export(c, target, readSample)
		if err != nil {
			t.Fatal(err)
		}
		files := unzip(t, data)
		raw := string(files["imsmanifest.xml"])
		if strings.Contains(raw, "masteryscore") || strings.Contains(raw, "minNormalizedMeasure") {
			t.Errorf("%s: a course without a quiz has no pass mark, but the manifest gives one", target)
		}
		if strings.Contains(string(files["index.html"]), "data-pass-mark") {
			t.Errorf("%s: the page reports a score for a course without a quiz", target)
		}
	}
}

func TestExport_Refuses(t *testing.T) {
	t.Parallel()
	t.Run("AMissingFile", func(t *testing.T) {
		if _, err := Export(sampleCourse(), SCORM12, func(string) ([]byte, error) { return nil, errors.New("gone") }); err == nil {
			t.Error("exported a package without its files")
		}
	})
	t.Run("AFileNameThatLeavesThePackage", func(t *testing.T) {
		c := sampleCourse()
		c.Modules[0].Lessons[0].Blocks[3].Image.Src = "a/../../etc/passwd"
		if _, err := Export(c, SCORM2004, func(string) ([]byte, error) { return []byte("x"), nil }); err == nil {
			t.Error("exported a file outside files/")
		}
	})
	t.Run("AnUnknownTarget", func(t *testing.T) {
		if _, err := Export(sampleCourse(), "scorm2005", readSample); err == nil {
			t.Error("exported for an unknown target")
		}
	})
}

func TestPassMark(t *testing.T) {
	t.Parallel()
	quiz := func(mark, questions int) course.Block {
		q := &course.Quiz{PassMark: mark}
		for range questions {
			q.Questions = append(q.Questions, course.Question{Type: course.TrueFalse})
		}
		return course.Block{Kind: course.KindQuiz, Quiz: q}
	}
	withBlocks := func(bs ...course.Block) course.Course {
		return course.Course{Modules: []course.Module{{Lessons: []course.Lesson{{Blocks: bs}}}}}
	}
	for _, tc := range []struct {
		name   string
		c      course.Course
		mark   int
		scored bool
	}{
		{"NoQuiz", withBlocks(course.Block{Kind: course.KindText, Text: &course.Text{Markdown: "x"}}), 0, false},
		{"OneQuizIsItsOwnMark", withBlocks(quiz(70, 5)), 70, true},
		{"AgreeingQuizzes", withBlocks(quiz(80, 2), quiz(80, 7)), 80, true},
		{"WeightedByQuestionsRoundedUp", withBlocks(quiz(50, 1), quiz(80, 3)), 73, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mark, ok := PassMark(tc.c)
			if mark != tc.mark || ok != tc.scored {
				t.Errorf("PassMark = %d, %v; want %d, %v", mark, ok, tc.mark, tc.scored)
			}
		})
	}
}

// The second edition's kinds in the package: an ordering question's steps
// shuffled with a place each, a branching question's consequences and
// second decisions with their answers for the script, writing practice
// with its model and rubric; the marks are Upward's (two a branching
// question).
func TestExport_OrderingBranchingAndWriting(t *testing.T) {
	t.Parallel()
	c := sampleCourse()
	then := &course.FollowUp{Prompt: "Next?", Options: []course.Option{{Text: "Draft it", Feedback: "f"}, {Text: "Say sorry", Correct: true, Feedback: "f"}}}
	c.Modules[1].Lessons[0].Blocks = append(c.Modules[1].Lessons[0].Blocks,
		course.Block{Key: "b11", Kind: course.KindQuiz, Quiz: &course.Quiz{PassMark: 60, Questions: []course.Question{
			{Type: course.Ordering, Prompt: "Order", Options: []course.Option{{Text: "One"}, {Text: "Two"}, {Text: "Three"}, {Text: "Four"}, {Text: "Five"}}},
			{Type: course.Branching, Scenario: "S", Prompt: "First?", Options: []course.Option{
				{Text: "Tell", Correct: true, Consequence: "It goes well.", Feedback: "f", Then: then},
				{Text: "Hide", Consequence: "It goes badly.", Feedback: "f", Then: then}}},
		}}},
		course.Block{Key: "b12", Kind: course.KindWriting, Writing: &course.Writing{Title: "Your update", Prompt: "Write **it**.", MinWords: 30,
			ModelAnswer: "Done: the contract.", Rubric: []string{"Leads with the point", "Asks for a decision"}}})
	if problems := course.Check(c); len(problems) > 0 {
		t.Fatal(problems)
	}
	data, err := Export(c, SCORM2004, readSample)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(unzip(t, data)["index.html"]))
	if err != nil {
		t.Fatal(err)
	}
	order := doc.Find(`fieldset[data-kind="ordering"] select[data-step]`)
	var steps []string
	order.Each(func(_ int, s *goquery.Selection) { v, _ := s.Attr("data-step"); steps = append(steps, v) })
	if len(steps) != 5 || strings.Join(steps, "") == "01234" {
		t.Errorf("ordering steps %v: want five, shuffled", steps)
	}
	if n := order.First().Find("option").Length(); n != 6 {
		t.Errorf("a step's select has %d options, want a blank and five places", n)
	}
	br := doc.Find(`fieldset[data-kind="branching"]`)
	if a, _ := br.Attr("data-answer"); a != "0" {
		t.Errorf("branching data-answer %q", a)
	}
	if a, _ := br.Find(`[data-then="1"]`).Attr("data-then-answer"); a != "1" {
		t.Errorf("the second decision's answer %q", a)
	}
	if got := br.Find(`[data-then="1"] .consequence`).Text(); !strings.Contains(got, "It goes badly.") {
		t.Errorf("consequence %q", got)
	}
	w := doc.Find(`section[data-writing="0"]`)
	if m, _ := w.Attr("data-min-words"); m != "30" || w.Find("[data-model]").Length() != 1 || w.Find(`input[data-rating="1"]`).Length() != 3 {
		t.Errorf("writing practice: min %q, model %d, ratings %d", m, w.Find("[data-model]").Length(), w.Find(`input[data-rating="1"]`).Length())
	}
	if got, _ := w.Find("[data-model]").Html(); !strings.Contains(got, "Done: the contract.") {
		t.Errorf("model answer %q", got)
	}
}
