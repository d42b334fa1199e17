// Package cmi holds the rules of the SCORM run-time data model (CMI): which
// elements a SCO may write, what each may hold, and what an attempt's
// state says about completion and success. The runtime API in the browser
// (scorm-again) checks the same rules as the SCO calls it; the server
// checks them again on every commit, because the browser is not ours to
// trust. It imports no infrastructure.
package cmi

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Version is the runtime API a SCO talks to.
type Version int

// The two runtimes: SCORM 1.2's API and SCORM 2004's API_1484_11.
const (
	V12   Version = 12
	V2004 Version = 2004
)

// Error is a refusal with the runtime's own error code, so the SCO sees
// what a conforming LMS would say.
type Error struct {
	Code    int
	Element string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s (error %d)", e.Element, e.Message, e.Code) }

// The error codes a commit can be refused with: 1.2's "incorrect data
// type", 2004's "type mismatch" and "value out of range".
const (
	code12Type      = 405
	code2004Type    = 406
	code2004OfRange = 407
)

// Suspend data limits: SCORM 1.2's CMIString4096 and SCORM 2004's SPM of
// 64,000 characters. Longer values are refused, never cut.
const (
	MaxSuspend12   = 4096
	MaxSuspend2004 = 64000
)

// Score is a score as reported; nil parts were not set.
type Score struct {
	Raw, Min, Max, Scaled *float64
}

// Attempt is what is kept of one attempt at a SCO.
type Attempt struct {
	// LessonStatus is SCORM 1.2's cmi.core.lesson_status as the LMS holds
	// it (after the mastery score is applied).
	LessonStatus string
	// Completion is completed, incomplete, not attempted or unknown;
	// Success passed, failed or unknown. For 1.2 both follow from
	// LessonStatus.
	Completion, Success string
	Score               Score
	ProgressMeasure     *float64
	Location            string
	SuspendData         string
	Exit                string
	// SessionTime is the current session's; TotalTime the attempt's, this
	// session included.
	SessionTime, TotalTime time.Duration
	// Data is every element the SCO wrote, flattened, as it wrote it, so
	// that a resumed attempt gets it all back.
	Data map[string]string
}

// Rules are what the manifest says of the item.
type Rules struct {
	MasteryScore        *float64 // 1.2, 0-100
	CompletionThreshold *float64 // 2004, 0-1
	ScaledPassingScore  *float64 // 2004, -1-1
	LaunchData          string
}

// New is a fresh attempt.
func New(v Version) Attempt {
	a := Attempt{Completion: "not attempted", Success: "unknown", Data: map[string]string{}}
	if v == V12 {
		a.LessonStatus = "not attempted"
	}
	return a
}

// Finished reports whether the attempt is over, so that the next launch
// starts a new one: the SCO reported it complete (or, in 1.2, passed or
// failed).
func (a Attempt) Finished() bool { return a.Completion == "completed" }

// Done reports whether the SCO counts as done for its lesson: complete,
// and not failed.
func (a Attempt) Done() bool { return a.Completion == "completed" && a.Success != "failed" }

// element is the rule of one writable element: check returns the value
// to keep, or an error message and whether it is out of range (2004's
// 407) rather than of the wrong type.
type element struct {
	pattern *regexp.Regexp
	check   func(v string) (msg string, outOfRange bool)
}

func oneOf(values ...string) func(string) (string, bool) {
	return func(v string) (string, bool) {
		if slices.Contains(values, v) {
			return "", false
		}
		return "must be one of " + strings.Join(values, ", "), false
	}
}

func maxLen(n int) func(string) (string, bool) {
	return func(v string) (string, bool) {
		if len([]rune(v)) > n {
			return fmt.Sprintf("is longer than %d characters", n), false
		}
		return "", false
	}
}

// number checks a real number, blank allowed when blank is true, within
// [lo, hi] when they are not NaN.
func number(blank bool, lo, hi float64) func(string) (string, bool) {
	return func(v string) (string, bool) {
		if v == "" && blank {
			return "", false
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return "must be a number", false
		}
		if (!math.IsNaN(lo) && f < lo) || (!math.IsNaN(hi) && f > hi) {
			return fmt.Sprintf("must be between %g and %g", lo, hi), true
		}
		return "", false
	}
}

var (
	timespan12 = regexp.MustCompile(`^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$`)
	duration04 = regexp.MustCompile(`^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,2})?)S)?)?$`)
)

func matches(re *regexp.Regexp, what string) func(string) (string, bool) {
	return func(v string) (string, bool) {
		if re.MatchString(v) {
			return "", false
		}
		return "must be " + what, false
	}
}

// matchesOrBlank is matches, with "" (not set) allowed: the runtime sends
// every element, set or not.
func matchesOrBlank(re *regexp.Regexp, what string) func(string) (string, bool) {
	m := matches(re, what)
	return func(v string) (string, bool) {
		if v == "" {
			return "", false
		}
		return m(v)
	}
}

func rule(pattern string, check func(string) (string, bool)) element {
	return element{pattern: regexp.MustCompile(`^` + pattern + `$`), check: check}
}

const n = `\d{1,3}` // an index of a collection

var any4000 = maxLen(4000)

// writable12 are the elements a SCORM 1.2 SCO may set.
var writable12 = []element{
	rule(`cmi\.core\.lesson_location`, maxLen(255)),
	// A commit carries the state, which starts as "not attempted".
	rule(`cmi\.core\.lesson_status`, oneOf("passed", "completed", "failed", "incomplete", "browsed", "not attempted")),
	rule(`cmi\.core\.score\.(raw|min|max)`, number(true, 0, 100)),
	rule(`cmi\.core\.exit`, oneOf("time-out", "suspend", "logout", "")),
	rule(`cmi\.core\.session_time`, matchesOrBlank(timespan12, "a time span like 0000:05:00")),
	rule(`cmi\.suspend_data`, maxLen(MaxSuspend12)),
	rule(`cmi\.comments`, maxLen(4096)),
	rule(`cmi\.objectives\.`+n+`\.id`, maxLen(255)),
	rule(`cmi\.objectives\.`+n+`\.score\.(raw|min|max)`, number(true, 0, 100)),
	rule(`cmi\.objectives\.`+n+`\.status`, oneOf("passed", "completed", "failed", "incomplete", "browsed", "not attempted")),
	rule(`cmi\.interactions\.`+n+`\.(id|objectives\.`+n+`\.id|time|type|correct_responses\.`+n+`\.pattern|weighting|student_response|result|latency)`, maxLen(255)),
	rule(`cmi\.student_preference\.(audio|language|speed|text)`, maxLen(255)),
}

// writable2004 are the elements a SCORM 2004 SCO may set.
var writable2004 = []element{
	rule(`cmi\.location`, maxLen(1000)),
	rule(`cmi\.completion_status`, oneOf("completed", "incomplete", "not attempted", "unknown")),
	rule(`cmi\.success_status`, oneOf("passed", "failed", "unknown")),
	rule(`cmi\.score\.scaled`, number(true, -1, 1)),
	rule(`cmi\.score\.(raw|min|max)`, number(true, math.NaN(), math.NaN())),
	rule(`cmi\.progress_measure`, number(true, 0, 1)),
	rule(`cmi\.exit`, oneOf("time-out", "suspend", "logout", "normal", "")),
	rule(`cmi\.session_time`, matchesOrBlank(duration04, "an ISO 8601 duration like PT5M")),
	rule(`cmi\.suspend_data`, maxLen(MaxSuspend2004)),
	rule(`cmi\.comments_from_learner\.`+n+`\.(comment|location|timestamp)`, any4000),
	rule(`cmi\.interactions\.`+n+`\.(id|type|timestamp|weighting|learner_response|result|latency|description|objectives\.`+n+`\.id|correct_responses\.`+n+`\.pattern)`, any4000),
	rule(`cmi\.objectives\.`+n+`\.(id|description)`, any4000),
	rule(`cmi\.objectives\.`+n+`\.score\.scaled`, number(true, -1, 1)),
	rule(`cmi\.objectives\.`+n+`\.score\.(raw|min|max)`, number(true, math.NaN(), math.NaN())),
	rule(`cmi\.objectives\.`+n+`\.(success_status)`, oneOf("passed", "failed", "unknown")),
	rule(`cmi\.objectives\.`+n+`\.(completion_status)`, oneOf("completed", "incomplete", "not attempted", "unknown")),
	rule(`cmi\.objectives\.`+n+`\.progress_measure`, number(true, 0, 1)),
	rule(`cmi\.learner_preference\.(audio_level|language|delivery_speed|audio_captioning)`, any4000),
}

// MaxElements caps the elements one commit may carry.
const MaxElements = 5000

// Apply checks a commit (the runtime's flattened CMI: element -> value)
// and returns the attempt with it applied. Elements a SCO may not write
// (read-only ones, counts, children lists) are ignored: the runtime
// answers the SCO's attempts to write them itself. A value that breaks
// its element's rule refuses the whole commit with the runtime's error
// code; nothing of it is kept. sessionBase is the attempt's total time
// before this session.
func Apply(v Version, prev Attempt, commit map[string]any, rules Rules, sessionBase time.Duration) (Attempt, error) {
	if len(commit) > MaxElements {
		return prev, &Error{Code: typeCode(v), Element: "cmi", Message: fmt.Sprintf("more than %d elements", MaxElements)}
	}
	writable := writable12
	if v == V2004 {
		writable = writable2004
	}
	a := prev
	a.Data = maps.Clone(prev.Data)
	if a.Data == nil {
		a.Data = map[string]string{}
	}
	names := slices.Sorted(maps.Keys(commit))
	for _, name := range names {
		value, ok := text(commit[name])
		if !ok {
			continue // objects and arrays: scorm-again's own bookkeeping
		}
		i := slices.IndexFunc(writable, func(e element) bool { return e.pattern.MatchString(name) })
		if i < 0 {
			continue
		}
		if msg, outOfRange := writable[i].check(value); msg != "" {
			code := typeCode(v)
			if outOfRange && v == V2004 {
				code = code2004OfRange
			}
			return prev, &Error{Code: code, Element: name, Message: msg}
		}
		a.Data[name] = value
	}
	a.derive(v, rules, sessionBase)
	return a, nil
}

func typeCode(v Version) int {
	if v == V2004 {
		return code2004Type
	}
	return code12Type
}

// text is a value of the commit as the runtime's string; numbers and
// booleans are written as the runtime would.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case nil:
		return "", true
	}
	return "", false
}

// derive sets the attempt's summary from its data and the item's rules.
func (a *Attempt) derive(v Version, rules Rules, sessionBase time.Duration) {
	d := a.Data
	num := func(name string) *float64 {
		f, err := strconv.ParseFloat(d[name], 64)
		if err != nil {
			return nil
		}
		return &f
	}
	if v == V12 {
		a.Location, a.SuspendData, a.Exit = d["cmi.core.lesson_location"], d["cmi.suspend_data"], d["cmi.core.exit"]
		a.Score = Score{Raw: num("cmi.core.score.raw"), Min: num("cmi.core.score.min"), Max: num("cmi.core.score.max")}
		if a.Score.Raw != nil {
			lo, hi := 0.0, 100.0
			if a.Score.Min != nil {
				lo = *a.Score.Min
			}
			if a.Score.Max != nil {
				hi = *a.Score.Max
			}
			if hi > lo {
				s := (*a.Score.Raw - lo) / (hi - lo)
				a.Score.Scaled = &s
			}
		}
		status := d["cmi.core.lesson_status"]
		if status == "" {
			status = a.LessonStatus
		}
		// With a mastery score, the LMS decides pass or fail from the raw
		// score once the SCO reports itself done (1.2 RTE 3.4.4).
		if rules.MasteryScore != nil && a.Score.Raw != nil && slices.Contains([]string{"completed", "passed", "failed"}, status) {
			status = "failed"
			if *a.Score.Raw >= *rules.MasteryScore {
				status = "passed"
			}
		}
		a.LessonStatus = status
		switch status {
		case "passed", "failed", "completed":
			a.Completion = "completed"
		case "incomplete", "browsed":
			a.Completion = "incomplete"
		default:
			a.Completion = "not attempted"
		}
		a.Success = "unknown"
		if status == "passed" || status == "failed" {
			a.Success = status
		}
		a.SessionTime = parseTimespan(d["cmi.core.session_time"])
	} else {
		a.Location, a.SuspendData, a.Exit = d["cmi.location"], d["cmi.suspend_data"], d["cmi.exit"]
		a.Score = Score{Raw: num("cmi.score.raw"), Min: num("cmi.score.min"), Max: num("cmi.score.max"), Scaled: num("cmi.score.scaled")}
		a.ProgressMeasure = num("cmi.progress_measure")
		a.Completion, a.Success = orDefault(d["cmi.completion_status"], "unknown"), orDefault(d["cmi.success_status"], "unknown")
		// The LMS evaluates the manifest's thresholds (2004 RTE 4.2.4.1,
		// 4.2.22.1): a measure set against a threshold decides.
		if rules.CompletionThreshold != nil && a.ProgressMeasure != nil {
			a.Completion = "incomplete"
			if *a.ProgressMeasure >= *rules.CompletionThreshold {
				a.Completion = "completed"
			}
		}
		if rules.ScaledPassingScore != nil && a.Score.Scaled != nil {
			a.Success = "failed"
			if *a.Score.Scaled >= *rules.ScaledPassingScore {
				a.Success = "passed"
			}
		}
		a.SessionTime = parseDuration(d["cmi.session_time"])
	}
	a.TotalTime = sessionBase + a.SessionTime
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func parseTimespan(s string) time.Duration {
	if !timespan12.MatchString(s) {
		return 0
	}
	parts := strings.Split(s, ":")
	h, _ := strconv.Atoi(parts[0])
	m, _ := strconv.Atoi(parts[1])
	sec, _ := strconv.ParseFloat(parts[2], 64)
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec*float64(time.Second))
}

func parseDuration(s string) time.Duration {
	m := duration04.FindStringSubmatch(s)
	if m == nil {
		return 0
	}
	f := func(i int) float64 { x, _ := strconv.ParseFloat(m[i], 64); return x }
	days := f(1)*365 + f(2)*30 + f(3)
	return time.Duration((days*86400 + f(4)*3600 + f(5)*60 + f(6)) * float64(time.Second))
}

// FormatTimespan writes a duration as SCORM 1.2's CMITimespan.
func FormatTimespan(d time.Duration) string {
	cs := d.Round(10*time.Millisecond) / (10 * time.Millisecond)
	return fmt.Sprintf("%04d:%02d:%02d.%02d", cs/360000, cs/6000%60, cs/100%60, cs%100)
}

// FormatDuration writes a duration as SCORM 2004's ISO 8601 timeinterval.
func FormatDuration(d time.Duration) string {
	cs := d.Round(10*time.Millisecond) / (10 * time.Millisecond)
	return fmt.Sprintf("PT%dH%dM%d.%02dS", cs/360000, cs/6000%60, cs/100%60, cs%100)
}

// Learner is who the runtime says is taking the SCO.
type Learner struct {
	ID, Name string
}

// Launch is the flattened CMI a launch starts the runtime with: what the
// SCO wrote before (a resumed attempt) and what the LMS tells it.
func Launch(v Version, a Attempt, l Learner, rules Rules) map[string]string {
	out := maps.Clone(a.Data)
	if out == nil {
		out = map[string]string{}
	}
	// Resuming after the SCO said it would come back.
	entry := "ab-initio"
	if len(a.Data) > 0 {
		entry = ""
		if a.Exit == "suspend" {
			entry = "resume"
		}
	}
	if v == V12 {
		out["cmi.core.student_id"], out["cmi.core.student_name"] = l.ID, l.Name
		out["cmi.core.entry"], out["cmi.core.credit"], out["cmi.core.lesson_mode"] = entry, "credit", "normal"
		out["cmi.core.lesson_status"] = a.LessonStatus
		out["cmi.core.total_time"] = FormatTimespan(a.TotalTime)
		if rules.MasteryScore != nil {
			out["cmi.student_data.mastery_score"] = strconv.FormatFloat(*rules.MasteryScore, 'f', -1, 64)
		}
		if rules.LaunchData != "" {
			out["cmi.launch_data"] = rules.LaunchData
		}
		delete(out, "cmi.core.session_time")
		delete(out, "cmi.core.exit")
		return out
	}
	out["cmi.learner_id"], out["cmi.learner_name"] = l.ID, l.Name
	out["cmi.entry"], out["cmi.credit"], out["cmi.mode"] = entry, "credit", "normal"
	out["cmi.total_time"] = FormatDuration(a.TotalTime)
	if rules.CompletionThreshold != nil {
		out["cmi.completion_threshold"] = strconv.FormatFloat(*rules.CompletionThreshold, 'f', -1, 64)
	}
	if rules.ScaledPassingScore != nil {
		out["cmi.scaled_passing_score"] = strconv.FormatFloat(*rules.ScaledPassingScore, 'f', -1, 64)
	}
	if rules.LaunchData != "" {
		out["cmi.launch_data"] = rules.LaunchData
	}
	delete(out, "cmi.session_time")
	delete(out, "cmi.exit")
	return out
}
