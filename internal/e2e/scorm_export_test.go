package e2e

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/upward-lms/upward/courses"
	"github.com/upward-lms/upward/internal/browsertest"
	"github.com/upward-lms/upward/internal/course"
	"github.com/upward-lms/upward/internal/learning"
	"github.com/upward-lms/upward/internal/library"
	"github.com/upward-lms/upward/internal/scormexport"
)

// scormHost is an LMS page reduced to what a SCO needs: a recording
// runtime API, written for this test (the same functions under SCORM
// 2004's and SCORM 1.2's names), and a frame that launches
// the package. Commit keeps a copy of the data model as it stood, so the
// test reads what the LMS would have stored.
const scormHost = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test LMS</title></head>
<body><main><h1>Test LMS</h1>
<script>
window.cmi = {};
window.calls = [];
window.committed = null;
window.errors = [];
var running = false;
function runtime(suspendLimit) {
  return {
    Initialize: function (p) { calls.push("Initialize"); if (running) { errors.push("Initialize twice"); return "false"; } running = true; return "true"; },
    Terminate: function (p) { calls.push("Terminate"); if (!running) { errors.push("Terminate before Initialize"); return "false"; } running = false; return "true"; },
    GetValue: function (k) { if (!running) { errors.push("GetValue " + k + " outside a session"); return ""; } return k in cmi ? cmi[k] : ""; },
    SetValue: function (k, v) {
      calls.push("SetValue " + k);
      if (!running) { errors.push("SetValue " + k + " outside a session"); return "false"; }
      if (typeof v !== "string") { errors.push("SetValue " + k + " with a " + typeof v); }
      if (k === "cmi.suspend_data" && v.length > suspendLimit) { errors.push("suspend_data too long"); return "false"; }
      cmi[k] = v; return "true";
    },
    Commit: function (p) { calls.push("Commit"); if (!running) { errors.push("Commit outside a session"); return "false"; } window.committed = JSON.parse(JSON.stringify(cmi)); return "true"; },
    GetLastError: function () { return "0"; },
    GetErrorString: function (c) { return ""; },
    GetDiagnostic: function (c) { return ""; }
  };
}
window.API_1484_11 = runtime(64000);
var r12 = runtime(4096);
window.API = {
  LMSInitialize: r12.Initialize, LMSFinish: r12.Terminate, LMSGetValue: r12.GetValue, LMSSetValue: r12.SetValue, LMSCommit: r12.Commit,
  LMSGetLastError: r12.GetLastError, LMSGetErrorString: r12.GetErrorString, LMSGetDiagnostic: r12.GetDiagnostic
};
</script>
<iframe id="sco" title="Course" src="/pkg/index.html" style="width:100%;height:600px"></iframe>
</main></body></html>`

// scormRun is a course exported for one target, served with the test LMS
// page, and a browser to run it in.
type scormRun struct {
	t      *testing.T
	b      *browsertest.Browser
	course course.Course
	url    string // of the LMS page; the package is under /pkg/
}

// exportAndServe exports a shipped library course for target and serves
// it in a frame of the test LMS page.
func exportAndServe(t *testing.T, slug string, target scormexport.Target) *scormRun {
	t.Helper()
	loaded, problems := library.LoadAll(courses.FS, ".")
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var c course.Course
	var dir string
	for _, l := range loaded {
		if l.Course.Slug == slug {
			c, dir = l.Course, l.Dir
		}
	}
	pkg, err := scormexport.Export(c, target, func(name string) ([]byte, error) {
		return fs.ReadFile(courses.FS, path.Join(dir, name))
	})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/pkg/", http.StripPrefix("/pkg/", http.FileServerFS(zr)))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, scormHost)
	})
	lms := httptest.NewServer(mux)
	t.Cleanup(lms.Close)
	return &scormRun{t: t, b: browsertest.NewBrowser(t), course: c, url: lms.URL}
}

// eval runs js in the package's frame, with d its document.
func (r *scormRun) eval(js string) string {
	r.t.Helper()
	return browsertest.Run(r.b, chromedp.Evaluate[string](`String((function () { var d = frames[0].document; `+js+` })())`))
}

func (r *scormRun) waitFor(what, js string) {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.eval(`try { return `+js+`; } catch (e) { return false; }`) != "true" {
		if time.Now().After(deadline) {
			r.t.Fatalf("waited 10s for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// launch opens the LMS page and waits for the package to find the API.
func (r *scormRun) launch() {
	r.t.Helper()
	r.b.Visit(r.url + "/")
	r.waitFor("the package to find the API", `d.getElementById("lms-status").getAttribute("data-connected") === "yes"`)
}

// committed is the data model as the LMS stored it at the last commit.
func (r *scormRun) committed() map[string]string {
	r.t.Helper()
	raw := browsertest.Run(r.b, chromedp.Evaluate[string](`JSON.stringify(window.committed || {})`))
	var m map[string]string
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		r.t.Fatal(err)
	}
	return m
}

// visit shows a lesson as the learner following the navigation does.
func (r *scormRun) visit(key string) {
	r.t.Helper()
	r.eval(`frames[0].location.hash = "#lesson-` + key + `"; return ""`)
	r.waitFor("lesson "+key, `!d.getElementById("lesson-`+key+`").hidden`)
}

func (r *scormRun) apiErrors() []string {
	return browsertest.Run(r.b, chromedp.Evaluate[[]string](`errors`))
}

// A shipped library course, exported for SCORM 2004, runs in a frame of an
// LMS page: it finds the API, reports progress as lessons are visited,
// marks a failed quiz and then a passed one with their feedback, resumes
// the learner's place and answers after the frame is closed and opened
// again, and ends completed and passed with the score the LMS stores.
func TestSCORMExport_A2004PackageReportsCompletionAndScoreToTheLMS(t *testing.T) {
	t.Parallel()
	run := exportAndServe(t, "no-surprises", scormexport.SCORM2004)
	b, eval, waitFor, committed := run.b, run.eval, run.waitFor, run.committed
	lessons := run.course.Lessons()

	t.Run("StandaloneItIsAPreview", func(t *testing.T) {
		b.Visit(run.url + "/pkg/index.html") // and axe checks the page
		got := browsertest.Run(b, chromedp.Evaluate[string](`document.getElementById("lms-status").textContent`))
		if !strings.Contains(got, "Preview") {
			t.Errorf("without an LMS the page says %q", got)
		}
		b.Screenshot("scorm-export-preview")
	})

	run.launch()
	if got := committed(); got["cmi.location"] != lessons[0].Key || got["cmi.completion_status"] != "incomplete" {
		t.Errorf("on launch the LMS has location %q and completion %q; want the first lesson, incomplete", got["cmi.location"], got["cmi.completion_status"])
	}

	quizN, reflectionN, writingN := 0, 0, 0
	failedOnce, resumed := false, false
	for i, l := range lessons {
		run.visit(l.Key)
		for _, blk := range l.Blocks {
			switch {
			case blk.Reflection != nil:
				eval(fmt.Sprintf(`var ta = d.querySelector('[data-reflection="%d"]'); ta.value = "I will raise the delay on Monday."; ta.dispatchEvent(new Event("input")); ta.dispatchEvent(new Event("change")); return ""`, reflectionN))
				reflectionN++
			case blk.Writing != nil:
				// A draft kept like a reflection; the model opens once it is long enough.
				sec := fmt.Sprintf(`d.querySelector('section[data-writing="%d"]')`, writingN)
				draft := strings.TrimSpace(strings.Repeat("I will raise the delay on Monday with two options. ", 1+blk.Writing.MinWords/9))
				eval(`var s = ` + sec + `, ta = s.querySelector("textarea"); ta.value = "` + draft + `"; ta.dispatchEvent(new Event("input")); ta.dispatchEvent(new Event("change"));
					s.querySelector("[data-compare]").click(); s.querySelector('input[data-rating="0"][value="p"]').click(); return ""`)
				if got := eval(`return String(` + sec + `.querySelector("[data-model]").hidden)`); got != "false" {
					t.Errorf("the model answer stays hidden after a long enough draft")
				}
				writingN++
			case blk.Quiz != nil:
				form := fmt.Sprintf(`d.querySelector('form[data-quiz="%d"]')`, quizN)
				if !failedOnce {
					eval(answerJS(form, *blk.Quiz, false))
					result := eval(`return ` + form + `.parentNode.querySelector("[data-quiz-result]").textContent`)
					if !strings.Contains(result, "You scored 0%") {
						t.Fatalf("after wrong answers the quiz says %q", result)
					}
					if n := eval(`return ` + form + `.querySelectorAll("[data-verdict]:not([hidden])").length`); n != fmt.Sprint(len(blk.Quiz.Questions)) {
						t.Errorf("%s verdicts shown, want one per question", n)
					}
					if blk.Quiz.Attempts == 1 {
						t.Fatal("the course's first quiz allows one attempt: this test needs a retry")
					}
					b.Screenshot("scorm-export-quiz-feedback")
					eval(`frames[0].document.querySelector('form[data-quiz="` + fmt.Sprint(quizN) + `"]').parentNode.querySelector("[data-retry]").click(); return ""`)
					failedOnce = true
				}
				eval(answerJS(form, *blk.Quiz, true))
				if result := eval(`return ` + form + `.parentNode.querySelector("[data-quiz-result]").textContent`); !strings.Contains(result, "You passed with 100%") {
					t.Errorf("after right answers the quiz says %q", result)
				}
				quizN++
			}
		}
		if i == 1 && !resumed {
			// The learner closes the course half-way and comes back.
			before := committed()
			eval(`document.getElementById("sco"); parent.document.getElementById("sco").src = "/pkg/index.html?again"; return ""`)
			waitFor("the package to launch again", `d.location.search === "?again" && d.getElementById("lms-status").getAttribute("data-connected") === "yes"`)
			calls := browsertest.Run(b, chromedp.Evaluate[[]string](`calls.filter(function (c) { return c === "Initialize" || c === "Terminate"; })`))
			if strings.Join(calls, ",") != "Initialize,Terminate,Initialize" {
				t.Errorf("sessions = %v, want Initialize, Terminate on leaving, Initialize", calls)
			}
			after := committed()
			if after["cmi.exit"] != "suspend" || after["cmi.location"] != l.Key || !strings.HasPrefix(after["cmi.session_time"], "PT") {
				t.Errorf("on leaving half-way: exit %q, location %q, session_time %q; want suspend, %s, PT…", after["cmi.exit"], after["cmi.location"], after["cmi.session_time"], l.Key)
			}
			if after["cmi.suspend_data"] != before["cmi.suspend_data"] {
				t.Errorf("resuming changed suspend_data from %q to %q", before["cmi.suspend_data"], after["cmi.suspend_data"])
			}
			if got := eval(`return d.querySelector("section.lesson:not([hidden])").id`); got != "lesson-"+l.Key {
				t.Errorf("back at %s, want lesson-%s", got, l.Key)
			}
			if reflectionN > 0 {
				if got := eval(`return d.querySelector('[data-reflection="0"]').value`); got != "I will raise the delay on Monday." {
					t.Errorf("reflection after resuming = %q", got)
				}
			}
			if quizN > 0 {
				if got := eval(`return d.querySelector('form[data-quiz="0"]').parentNode.querySelector("[data-quiz-result]").textContent`); !strings.Contains(got, "You passed") {
					t.Errorf("the answered quiz after resuming says %q", got)
				}
			}
			resumed = true
		}
	}
	if quizN == 0 || !resumed {
		t.Fatalf("the course has %d quizzes and %d lessons: pick one with a quiz and two lessons", quizN, len(lessons))
	}

	got := committed()
	if writingN == 0 || !strings.Contains(got["cmi.suspend_data"], "I will raise the delay on Monday with two options.") || !strings.Contains(got["cmi.suspend_data"], `"p`) {
		t.Errorf("the drafts (%d) and their ratings are not kept in suspend_data: %.300s", writingN, got["cmi.suspend_data"])
	}
	for k, want := range map[string]string{
		"cmi.completion_status": "completed",
		"cmi.success_status":    "passed",
		"cmi.score.scaled":      "1",
		"cmi.score.raw":         "100",
		"cmi.score.min":         "0",
		"cmi.score.max":         "100",
		"cmi.progress_measure":  "1.0000",
		"cmi.location":          lessons[len(lessons)-1].Key,
	} {
		if got[k] != want {
			t.Errorf("the LMS has %s = %q, want %q", k, got[k], want)
		}
	}
	if got["cmi.suspend_data"] == "" {
		t.Error("no suspend_data committed")
	}
	if errs := run.apiErrors(); len(errs) > 0 {
		t.Errorf("the package misused the API: %v", errs)
	}
	b.Screenshot("scorm-export-completed")
}

// answerJS ticks the right options of every question of the quiz in form,
// or one wrong option each, and submits it.
func answerJS(form string, q course.Quiz, right bool) string {
	pick := learning.RightAnswers(q)
	kinds := make([]string, len(q.Questions))
	for i, qu := range q.Questions {
		kinds[i] = qu.Type
		if !right {
			pick[i] = learning.WrongAnswer(qu)
		}
	}
	js, _ := json.Marshal(pick)
	ks, _ := json.Marshal(kinds)
	return `var f = ` + form + `; var choices = ` + string(js) + `, kinds = ` + string(ks) + `;
	f.querySelectorAll("fieldset[data-question]").forEach(function (fs, qi) {
		var c = choices[qi];
		if (kinds[qi] === "ordering") {
			c.forEach(function (place, step) { fs.querySelector('select[data-step="' + step + '"]').value = String(place); });
		} else if (kinds[qi] === "branching") {
			fs.querySelector(':scope > .branch > input[value="' + c[0] + '"]').click();
			fs.querySelector('[data-then="' + c[0] + '"] input[value="' + c[1] + '"]').click();
		} else {
			c.forEach(function (o) { fs.querySelector('input[value="' + o + '"]').click(); });
		}
	});
	f.querySelector("[data-submit]").click(); return ""`
}

// The same course exported for SCORM 1.2 reports through API: passed
// with the raw score once every lesson is visited and every quiz answered,
// within the 4,096 characters 1.2 keeps of suspend_data.
func TestSCORMExport_A12PackageReportsPassedAndTheRawScore(t *testing.T) {
	browsertest.Long(t)
	t.Parallel()
	run := exportAndServe(t, "no-surprises", scormexport.SCORM12)
	run.launch()
	lessons := run.course.Lessons()
	if got := run.committed(); got["cmi.core.lesson_location"] != lessons[0].Key || got["cmi.core.lesson_status"] != "incomplete" {
		t.Errorf("on launch: location %q, status %q", got["cmi.core.lesson_location"], got["cmi.core.lesson_status"])
	}
	quizN, reflectionN := 0, 0
	for _, l := range lessons {
		run.visit(l.Key)
		for _, blk := range l.Blocks {
			switch {
			case blk.Reflection != nil:
				// As long as the page lets the learner write.
				run.eval(fmt.Sprintf(`var ta = d.querySelector('[data-reflection="%d"]'); ta.value = "x".repeat(ta.maxLength > 0 ? ta.maxLength : 5000); ta.dispatchEvent(new Event("change")); return ""`, reflectionN))
				reflectionN++
			case blk.Quiz != nil:
				run.eval(answerJS(fmt.Sprintf(`d.querySelector('form[data-quiz="%d"]')`, quizN), *blk.Quiz, true))
				quizN++
			}
		}
	}
	got := run.committed()
	for k, want := range map[string]string{
		"cmi.core.lesson_status":   "passed",
		"cmi.core.score.raw":       "100",
		"cmi.core.score.min":       "0",
		"cmi.core.score.max":       "100",
		"cmi.core.lesson_location": lessons[len(lessons)-1].Key,
	} {
		if got[k] != want {
			t.Errorf("the LMS has %s = %q, want %q", k, got[k], want)
		}
	}
	if !regexp.MustCompile(`^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$`).MatchString(got["cmi.core.session_time"]) {
		t.Errorf("session_time %q is not a SCORM 1.2 time span", got["cmi.core.session_time"])
	}
	if n := len(got["cmi.suspend_data"]); n == 0 || n > 4096 {
		t.Errorf("suspend_data is %d characters, want 1 to 4096", n)
	}
	if _, ok := got["cmi.completion_status"]; ok {
		t.Error("a SCORM 1.2 package set a SCORM 2004 element")
	}
	if saved := run.eval(`return d.getElementById("save-status").hidden`); saved != "true" {
		t.Errorf("the page says the answers cannot be saved: %s", run.eval(`return d.getElementById("save-status").textContent`))
	}
	if errs := run.apiErrors(); len(errs) > 0 {
		t.Errorf("the package misused the API: %v", errs)
	}
}
