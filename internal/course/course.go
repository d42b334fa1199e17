// Package course owns the content model: a course is an ordered outline of
// modules and lessons, and a lesson an ordered list of blocks of a few
// kinds. It holds the rules every course must keep, whether it comes from
// the editor, the library files or an import.
package course

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Level is how much a course assumes.
type Level string

// Levels.
const (
	Beginner     Level = "beginner"
	Intermediate Level = "intermediate"
	Advanced     Level = "advanced"
)

// Course is a course's content: metadata and outline.
type Course struct {
	Slug             string   `json:"slug" yaml:"slug"`
	Title            string   `json:"title" yaml:"title"`
	Summary          string   `json:"summary" yaml:"summary"`
	Description      string   `json:"description" yaml:"description"` // Markdown
	Level            Level    `json:"level" yaml:"level"`
	Language         string   `json:"language" yaml:"language"`
	EstimatedMinutes int      `json:"estimated_minutes" yaml:"estimated_minutes"`
	Tags             []string `json:"tags" yaml:"tags"`
	Cover            string   `json:"cover,omitempty" yaml:"cover,omitempty"` // a file of the course
	Modules          []Module `json:"modules" yaml:"modules"`
}

// Module is a titled, ordered group of lessons.
type Module struct {
	Key     string   `json:"key" yaml:"-"` // stable across edits and versions
	Title   string   `json:"title" yaml:"title"`
	Lessons []Lesson `json:"lessons" yaml:"lessons"`
}

// Lesson is a titled, ordered list of blocks.
type Lesson struct {
	Key              string  `json:"key" yaml:"-"` // stable across edits and versions; in URLs
	Title            string  `json:"title" yaml:"title"`
	EstimatedMinutes int     `json:"estimated_minutes" yaml:"estimated_minutes"`
	Required         bool    `json:"required" yaml:"required"`
	Blocks           []Block `json:"blocks" yaml:"blocks"`
}

// Kind names a kind of block.
type Kind string

// Block kinds.
const (
	KindText        Kind = "text"
	KindCallout     Kind = "callout"
	KindVideo       Kind = "video"
	KindAudio       Kind = "audio"
	KindImage       Kind = "image"
	KindQuiz        Kind = "quiz"
	KindReflection  Kind = "reflection"
	KindChecklist   Kind = "checklist"
	KindFile        Kind = "file"
	KindLiveSession Kind = "live_session"
	// KindWriting is writing practice: the learner drafts, compares the
	// draft with a model answer and rates it against a rubric.
	KindWriting Kind = "writing"
	// KindSCORM is a SCO of an imported SCORM package, played by the
	// SCORM runtime; it is made by importing a package, not in the editor.
	KindSCORM Kind = "scorm"
)

// Kinds lists every block kind.
var Kinds = []Kind{KindText, KindCallout, KindVideo, KindAudio, KindImage, KindQuiz, KindReflection, KindWriting, KindChecklist, KindFile, KindLiveSession, KindSCORM}

// Block is one piece of a lesson. Exactly the field of its kind is set.
type Block struct {
	Key         string       `json:"key" yaml:"-"` // stable across edits and versions
	Kind        Kind         `json:"kind" yaml:"kind"`
	Text        *Text        `json:"text,omitempty" yaml:"text,omitempty"`
	Callout     *Callout     `json:"callout,omitempty" yaml:"callout,omitempty"`
	Media       *Media       `json:"media,omitempty" yaml:"media,omitempty"` // video and audio
	Image       *Image       `json:"image,omitempty" yaml:"image,omitempty"`
	Quiz        *Quiz        `json:"quiz,omitempty" yaml:"quiz,omitempty"`
	Reflection  *Reflection  `json:"reflection,omitempty" yaml:"reflection,omitempty"`
	Writing     *Writing     `json:"writing,omitempty" yaml:"writing,omitempty"`
	Checklist   *Checklist   `json:"checklist,omitempty" yaml:"checklist,omitempty"`
	File        *File        `json:"file,omitempty" yaml:"file,omitempty"`
	LiveSession *LiveSession `json:"live_session,omitempty" yaml:"live_session,omitempty"`
	SCORM       *SCORM       `json:"scorm,omitempty" yaml:"-"`
}

// SCORM is one item (a SCO) of an imported SCORM package: the package's
// version row of the portal and the item's identifier in its manifest.
// Learners' records of the SCO are kept by the block's key, which an
// import derives from the identifier, so a new version of the package
// keeps them.
type SCORM struct {
	Package int64  `json:"package"`
	Item    string `json:"item"`
	Title   string `json:"title"` // the item's, from the manifest
	// Ordered: the package's items are taken in order (its sequencing).
	Ordered bool `json:"ordered,omitempty"`
	// Asset: the item does not talk to the runtime, so opening it
	// completes it.
	Asset bool `json:"asset,omitempty"`
}

// FromSCORM reports whether the course was made from a SCORM package: its
// content is the package's, replaced by uploading a new version.
func (c Course) FromSCORM() bool {
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			for _, b := range l.Blocks {
				if b.SCORM != nil {
					return true
				}
			}
		}
	}
	return false
}

// Text is rich text written in Markdown.
type Text struct {
	Markdown string `json:"markdown" yaml:"markdown"`
}

// Callout styles.
var CalloutStyles = []string{"takeaway", "tip", "note", "warning"}

// Callout is a highlighted passage: a key takeaway, a tip, a note, a warning.
type Callout struct {
	Style    string `json:"style" yaml:"style"`
	Title    string `json:"title,omitempty" yaml:"title,omitempty"`
	Markdown string `json:"text" yaml:"text"`
}

// Media is a video or an audio recording: an uploaded file of the course,
// or an embed from an allow-listed host; with a transcript.
type Media struct {
	Src        string `json:"src,omitempty" yaml:"src,omitempty"` // a file of the course
	URL        string `json:"url,omitempty" yaml:"url,omitempty"` // an embed
	Title      string `json:"title" yaml:"title"`
	Transcript string `json:"transcript" yaml:"transcript"`
}

// Image is a picture with its required text alternative.
type Image struct {
	Src     string `json:"src" yaml:"src"`
	Alt     string `json:"alt" yaml:"alt"`
	Caption string `json:"caption,omitempty" yaml:"caption,omitempty"`
}

// Question types.
const (
	Single    = "single"
	Multiple  = "multiple"
	TrueFalse = "true_false"
	Scenario  = "scenario"
	// Ordering: the learner puts the options in order; they are written
	// in the right order and shown shuffled.
	Ordering = "ordering"
	// Branching: a scenario whose first choice leads to a consequence and
	// a second decision (the chosen option's Then).
	Branching = "branching"
)

// QuestionTypes lists every question type.
var QuestionTypes = []string{Single, Multiple, TrueFalse, Scenario, Ordering, Branching}

// Quiz is a scored set of questions.
type Quiz struct {
	PassMark  int        `json:"pass_mark" yaml:"pass_mark"` // percent
	Attempts  int        `json:"attempts" yaml:"attempts"`   // 0: unlimited
	Shuffle   bool       `json:"shuffle" yaml:"shuffle"`
	Questions []Question `json:"questions" yaml:"questions"`
}

// Question is one quiz question; a scenario question sets the scene first.
type Question struct {
	Type        string   `json:"type" yaml:"type"`
	Scenario    string   `json:"scenario,omitempty" yaml:"scenario,omitempty"`
	Prompt      string   `json:"prompt" yaml:"prompt"`
	Explanation string   `json:"explanation" yaml:"explanation"`
	Options     []Option `json:"options" yaml:"options"`
}

// Marks is what a question is worth: a branching question one mark per
// decision, any other one.
func (q Question) Marks() int {
	if q.Type == Branching {
		return 2
	}
	return 1
}

// SetsScene reports whether the question opens with a scenario.
func (q Question) SetsScene() bool { return q.Type == Scenario || q.Type == Branching }

// Option is an answer with the feedback shown once it is chosen. In a
// branching question's first decision it also has the Consequence shown
// as soon as it is chosen, and Then, the second decision it leads to.
type Option struct {
	Text        string    `json:"text" yaml:"text"`
	Correct     bool      `json:"correct,omitempty" yaml:"correct,omitempty"`
	Feedback    string    `json:"feedback" yaml:"feedback"`
	Consequence string    `json:"consequence,omitempty" yaml:"consequence,omitempty"`
	Then        *FollowUp `json:"then,omitempty" yaml:"then,omitempty"`
}

// FollowUp is a branching question's second decision.
type FollowUp struct {
	Prompt  string   `json:"prompt" yaml:"prompt"`
	Options []Option `json:"options" yaml:"options"`
}

// Reflection asks for the learner's private free-text answer; Example,
// when set, is shown once they have saved theirs.
type Reflection struct {
	Prompt  string `json:"prompt" yaml:"prompt"`
	Example string `json:"example,omitempty" yaml:"example,omitempty"` // Markdown
}

// Writing is writing practice: the learner drafts a piece (an update, an
// agenda, a note), then sees the model answer and rates their draft
// against each rubric statement.
type Writing struct {
	Title       string   `json:"title" yaml:"title"`
	Prompt      string   `json:"prompt" yaml:"prompt"` // Markdown
	MinWords    int      `json:"min_words,omitempty" yaml:"min_words,omitempty"`
	ModelAnswer string   `json:"model_answer" yaml:"model_answer"` // Markdown
	Rubric      []string `json:"rubric" yaml:"rubric"`
}

// Self-ratings of a draft against a rubric statement.
const (
	RatingYes    = "yes"
	RatingPartly = "partly"
	RatingNotYet = "not_yet"
)

// Ratings lists the self-ratings in the order they are offered.
var Ratings = []string{RatingYes, RatingPartly, RatingNotYet}

// Checklist is an action plan the learner ticks off.
type Checklist struct {
	Title string          `json:"title" yaml:"title"`
	Items []ChecklistItem `json:"items" yaml:"items"`
}

// ChecklistItem is one step, optionally due some days after the learner
// starts the lesson.
type ChecklistItem struct {
	Text      string `json:"text" yaml:"text"`
	DueInDays int    `json:"due_in_days,omitempty" yaml:"due_in_days,omitempty"`
}

// File is a download.
type File struct {
	Src   string `json:"src" yaml:"src"`
	Label string `json:"label" yaml:"label"`
}

// LiveSession is a place for a live session; the sessions themselves are
// scheduled separately.
type LiveSession struct {
	Title       string `json:"title" yaml:"title"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// EmbedHosts are the hosts a video or audio embed may come from.
var EmbedHosts = []string{"www.youtube-nocookie.com", "www.youtube.com", "youtube.com", "player.vimeo.com", "vimeo.com", "fast.wistia.net", "w.soundcloud.com"}

var (
	slugRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,78}[a-z0-9])?$`)
	fileRE = regexp.MustCompile(`^[a-zA-Z0-9_-][a-zA-Z0-9._/-]{0,199}$`)
)

// Problem is one broken rule, with where it is (a path such as
// "modules[1].lessons[0].blocks[2].quiz.questions[0]").
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// pathIndex reads a problem path's "modules[i]", "lessons[j]" and
// "blocks[k]" indexes (-1 when absent).
var pathIndex = regexp.MustCompile(`(modules|lessons|blocks)\[(\d+)\]`)

// Where says in words where in c a problem's path points, for an author:
// "Module 2 “Updates”, lesson 1 “Lead with the point”, block 3 (quiz)"; the
// course itself is "The course details".
func (c Course) Where(path string) string {
	idx := map[string]int{"modules": -1, "lessons": -1, "blocks": -1}
	for _, m := range pathIndex.FindAllStringSubmatch(path, -1) {
		idx[m[1]], _ = strconv.Atoi(m[2])
	}
	i, j, k := idx["modules"], idx["lessons"], idx["blocks"]
	if i < 0 || i >= len(c.Modules) {
		return "The course details"
	}
	m := c.Modules[i]
	out := fmt.Sprintf("Module %d “%s”", i+1, m.Title)
	if j < 0 || j >= len(m.Lessons) {
		return out
	}
	l := m.Lessons[j]
	out += fmt.Sprintf(", lesson %d “%s”", j+1, l.Title)
	if k >= 0 && k < len(l.Blocks) {
		out += fmt.Sprintf(", block %d (%s)", k+1, l.Blocks[k].Kind)
	}
	return out
}

// problems collects Problems under a path prefix.
type problems struct {
	list   []Problem
	prefix string
}

func (p *problems) add(path, format string, args ...any) {
	full := p.prefix
	if path != "" {
		if full != "" {
			full += "."
		}
		full += path
	}
	p.list = append(p.list, Problem{Path: full, Message: fmt.Sprintf(format, args...)})
}

func textLen(s string) int { return utf8.RuneCountInString(strings.TrimSpace(s)) }

// CheckCourse checks the course's own fields (not its modules).
func CheckCourse(c Course) []Problem {
	p := &problems{}
	if !slugRE.MatchString(c.Slug) {
		p.add("slug", "slug must be 1 to 80 lower-case letters, digits and hyphens")
	}
	if n := textLen(c.Title); n == 0 || n > 200 {
		p.add("title", "title is required (at most 200 characters)")
	}
	if textLen(c.Summary) > 500 {
		p.add("summary", "summary is longer than 500 characters")
	}
	switch c.Level {
	case Beginner, Intermediate, Advanced:
	default:
		p.add("level", "level must be beginner, intermediate or advanced")
	}
	if c.Language == "" {
		p.add("language", "language is required (e.g. en)")
	}
	if c.EstimatedMinutes < 0 || c.EstimatedMinutes > 10000 {
		p.add("estimated_minutes", "estimated_minutes must be between 0 and 10000")
	}
	if c.Cover != "" && !fileRE.MatchString(c.Cover) {
		p.add("cover", "cover must be a file of the course, like images/cover.png")
	}
	if len(c.Modules) == 0 {
		p.add("modules", "a course needs at least one module")
	}
	return p.list
}

// CheckModule checks a module's own fields.
func CheckModule(m Module) []Problem {
	p := &problems{}
	if n := textLen(m.Title); n == 0 || n > 200 {
		p.add("title", "module title is required (at most 200 characters)")
	}
	if len(m.Lessons) == 0 {
		p.add("lessons", "a module needs at least one lesson")
	}
	return p.list
}

// CheckLesson checks a lesson's own fields.
func CheckLesson(l Lesson) []Problem {
	p := &problems{}
	if n := textLen(l.Title); n == 0 || n > 200 {
		p.add("title", "lesson title is required (at most 200 characters)")
	}
	if l.EstimatedMinutes < 0 || l.EstimatedMinutes > 600 {
		p.add("estimated_minutes", "estimated_minutes must be between 0 and 600")
	}
	if len(l.Blocks) == 0 {
		p.add("blocks", "a lesson needs at least one block")
	}
	return p.list
}

// CheckBlock checks one block by its kind.
func CheckBlock(b Block) []Problem {
	p := &problems{}
	set := 0
	for _, isSet := range []bool{b.Text != nil, b.Callout != nil, b.Media != nil, b.Image != nil, b.Quiz != nil,
		b.Reflection != nil, b.Writing != nil, b.Checklist != nil, b.File != nil, b.LiveSession != nil, b.SCORM != nil} {
		if isSet {
			set++
		}
	}
	if set != 1 {
		p.add("", "a block must have exactly the content of its kind")
		return p.list
	}
	switch b.Kind {
	case KindText:
		if b.Text == nil || textLen(b.Text.Markdown) == 0 {
			p.add("text", "text block is empty")
		}
	case KindCallout:
		if b.Callout == nil {
			p.add("", "callout block has no callout")
			break
		}
		if !slices.Contains(CalloutStyles, b.Callout.Style) {
			p.add("callout.style", "style must be one of %s", strings.Join(CalloutStyles, ", "))
		}
		if textLen(b.Callout.Markdown) == 0 {
			p.add("callout.text", "callout text is required")
		}
	case KindVideo, KindAudio:
		checkMedia(p, b.Media)
	case KindImage:
		if b.Image == nil {
			p.add("", "image block has no image")
			break
		}
		if !fileRE.MatchString(b.Image.Src) {
			p.add("image.src", "src must be a file of the course, like images/team.png")
		}
		if textLen(b.Image.Alt) == 0 {
			p.add("image.alt", "alt text is required: describe the picture for people who cannot see it")
		}
	case KindQuiz:
		checkQuiz(p, b.Quiz)
	case KindReflection:
		if b.Reflection == nil || textLen(b.Reflection.Prompt) == 0 {
			p.add("reflection.prompt", "reflection prompt is required")
		}
	case KindWriting:
		checkWriting(p, b.Writing)
	case KindChecklist:
		if b.Checklist == nil || len(b.Checklist.Items) == 0 {
			p.add("checklist.items", "a checklist needs at least one item")
			break
		}
		for i, it := range b.Checklist.Items {
			if textLen(it.Text) == 0 {
				p.add(fmt.Sprintf("checklist.items[%d].text", i), "checklist item text is required")
			}
			if it.DueInDays < 0 || it.DueInDays > 365 {
				p.add(fmt.Sprintf("checklist.items[%d].due_in_days", i), "due_in_days must be between 0 and 365")
			}
		}
	case KindFile:
		if b.File == nil || !fileRE.MatchString(b.File.Src) {
			p.add("file.src", "src must be a file of the course, like files/plan.pdf")
		} else if textLen(b.File.Label) == 0 {
			p.add("file.label", "a download needs a label")
		}
	case KindLiveSession:
		if b.LiveSession == nil || textLen(b.LiveSession.Title) == 0 {
			p.add("live_session.title", "live session title is required")
		}
	case KindSCORM:
		if b.SCORM == nil || b.SCORM.Package <= 0 || b.SCORM.Item == "" {
			p.add("scorm", "a SCORM block names its package and item")
		}
	default:
		p.add("kind", "unknown block kind %q", b.Kind)
	}
	return p.list
}

func checkMedia(p *problems, m *Media) {
	if m == nil {
		p.add("", "media block has no media")
		return
	}
	switch {
	case m.Src == "" && m.URL == "":
		p.add("media", "give src (a file of the course) or url (an embed)")
	case m.Src != "" && m.URL != "":
		p.add("media", "give src or url, not both")
	case m.Src != "" && !fileRE.MatchString(m.Src):
		p.add("media.src", "src must be a file of the course, like media/intro.mp4")
	case m.URL != "":
		if _, ok := PlayerURL(m.URL); !ok {
			p.add("media.url", "url must be an https address of a video or recording on an allowed host (%s)", strings.Join(EmbedHosts, ", "))
		}
	}
	if textLen(m.Transcript) == 0 {
		p.add("media.transcript", "a transcript is required, for people who cannot hear the recording")
	}
}

func checkQuiz(p *problems, q *Quiz) {
	if q == nil {
		p.add("", "quiz block has no quiz")
		return
	}
	if q.PassMark < 0 || q.PassMark > 100 {
		p.add("quiz.pass_mark", "pass_mark must be a percentage from 0 to 100")
	}
	if q.Attempts < 0 || q.Attempts > 100 {
		p.add("quiz.attempts", "attempts must be from 0 (unlimited) to 100")
	}
	if len(q.Questions) == 0 {
		p.add("quiz.questions", "a quiz needs at least one question")
	}
	for i, qu := range q.Questions {
		checkQuestion(p, fmt.Sprintf("quiz.questions[%d]", i), qu)
	}
}

func checkQuestion(p *problems, at string, qu Question) {
	if textLen(qu.Prompt) == 0 {
		p.add(at+".prompt", "question prompt is required")
	}
	correct := 0
	for j, o := range qu.Options {
		if textLen(o.Text) == 0 {
			p.add(fmt.Sprintf("%s.options[%d].text", at, j), "option text is required")
		}
		if o.Correct {
			correct++
		}
		if qu.Type != Branching && (o.Then != nil || o.Consequence != "") {
			p.add(fmt.Sprintf("%s.options[%d]", at, j), "only a branching question's options have a consequence and then")
		}
	}
	switch qu.Type {
	case Single, Scenario:
		if len(qu.Options) < 2 {
			p.add(at+".options", "a question needs at least two options")
		}
		if correct != 1 {
			p.add(at+".options", "a single-choice question needs exactly one correct option (it has %d)", correct)
		}
	case Multiple:
		if len(qu.Options) < 2 {
			p.add(at+".options", "a question needs at least two options")
		}
		if correct == 0 {
			p.add(at+".options", "a multiple-choice question needs at least one correct option")
		}
	case TrueFalse:
		if len(qu.Options) != 2 || correct != 1 {
			p.add(at+".options", "a true/false question needs the two options true and false, one of them correct")
		}
	case Ordering:
		if len(qu.Options) < 3 || len(qu.Options) > 8 {
			p.add(at+".options", "an ordering question needs 3 to 8 steps, written in the right order")
		}
		if correct != 0 {
			p.add(at+".options", "an ordering question's steps are written in the right order and none is marked correct")
		}
		seen := map[string]bool{}
		for _, o := range qu.Options {
			t := strings.TrimSpace(o.Text)
			if seen[t] {
				p.add(at+".options", "two steps read %q: the order would be ambiguous", t)
			}
			seen[t] = true
		}
	case Branching:
		if len(qu.Options) < 2 {
			p.add(at+".options", "a branching question needs at least two first choices")
		}
		if correct != 1 {
			p.add(at+".options", "a branching question's first decision needs exactly one correct option (it has %d)", correct)
		}
		for j, o := range qu.Options {
			op := fmt.Sprintf("%s.options[%d]", at, j)
			if textLen(o.Consequence) == 0 {
				p.add(op+".consequence", "each first choice needs its consequence: what happens next")
			}
			if o.Then == nil {
				p.add(op+".then", "each first choice leads to a second decision (then: prompt and options)")
				continue
			}
			if textLen(o.Then.Prompt) == 0 {
				p.add(op+".then.prompt", "the second decision needs its prompt")
			}
			n := 0
			for k, t := range o.Then.Options {
				if textLen(t.Text) == 0 {
					p.add(fmt.Sprintf("%s.then.options[%d].text", op, k), "option text is required")
				}
				if t.Then != nil || t.Consequence != "" {
					p.add(fmt.Sprintf("%s.then.options[%d]", op, k), "a second decision does not branch again")
				}
				if t.Correct {
					n++
				}
			}
			if len(o.Then.Options) < 2 || n != 1 {
				p.add(op+".then.options", "the second decision needs at least two options, exactly one correct")
			}
		}
	default:
		p.add(at+".type", "question type must be one of %s", strings.Join(QuestionTypes, ", "))
	}
	if qu.SetsScene() && textLen(qu.Scenario) == 0 {
		p.add(at+".scenario", "a %s question needs its scenario", qu.Type)
	}
}

func checkWriting(p *problems, w *Writing) {
	if w == nil {
		p.add("", "writing block has no writing practice")
		return
	}
	if n := textLen(w.Title); n == 0 || n > 200 {
		p.add("writing.title", "title is required (at most 200 characters)")
	}
	if textLen(w.Prompt) == 0 {
		p.add("writing.prompt", "prompt is required: say what to write and for whom")
	}
	if w.MinWords < 0 || w.MinWords > 2000 {
		p.add("writing.min_words", "min_words must be from 0 to 2000")
	}
	if textLen(w.ModelAnswer) == 0 {
		p.add("writing.model_answer", "a model answer is required: learners compare their draft with it")
	}
	if len(w.Rubric) < 2 || len(w.Rubric) > 8 {
		p.add("writing.rubric", "a rubric needs 2 to 8 statements to check a draft against")
	}
	for i, r := range w.Rubric {
		if n := textLen(r); n == 0 || n > 300 {
			p.add(fmt.Sprintf("writing.rubric[%d]", i), "a rubric statement is required (at most 300 characters)")
		}
	}
}

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,79}$`)

// CheckKeys checks that every module, lesson and block has a key of its
// own: progress and answers are recorded against them.
func CheckKeys(c Course) []Problem {
	p := &problems{}
	seen := map[string]bool{}
	check := func(path, key string) {
		switch {
		case !keyRE.MatchString(key):
			p.add(path+".key", "key %q must be 1 to 80 lower-case letters, digits and hyphens", key)
		case seen[key]:
			p.add(path+".key", "key %q is used twice", key)
		}
		seen[key] = true
	}
	for i, m := range c.Modules {
		check(fmt.Sprintf("modules[%d]", i), m.Key)
		for j, l := range m.Lessons {
			lp := fmt.Sprintf("modules[%d].lessons[%d]", i, j)
			check(lp, l.Key)
			for k, b := range l.Blocks {
				check(fmt.Sprintf("%s.blocks[%d]", lp, k), b.Key)
			}
		}
	}
	return p.list
}

// Check runs every rule over the whole course.
func Check(c Course) []Problem {
	out := CheckCourse(c)
	for i, m := range c.Modules {
		out = append(out, prefixed(fmt.Sprintf("modules[%d]", i), CheckModule(m))...)
		for j, l := range m.Lessons {
			lp := fmt.Sprintf("modules[%d].lessons[%d]", i, j)
			out = append(out, prefixed(lp, CheckLesson(l))...)
			for k, b := range l.Blocks {
				out = append(out, prefixed(fmt.Sprintf("%s.blocks[%d]", lp, k), CheckBlock(b))...)
			}
		}
	}
	return append(out, CheckKeys(c)...)
}

func prefixed(prefix string, ps []Problem) []Problem {
	for i := range ps {
		if ps[i].Path == "" {
			ps[i].Path = prefix
		} else {
			ps[i].Path = prefix + "." + ps[i].Path
		}
	}
	return ps
}
