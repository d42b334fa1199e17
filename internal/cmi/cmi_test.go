package cmi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/cmi"
)

func ptr(f float64) *float64 { return &f }

func TestApply12_StatusScoreAndTime(t *testing.T) {
	t.Parallel()
	a, err := cmi.Apply(cmi.V12, cmi.New(cmi.V12), map[string]any{
		"cmi.core.lesson_location": "page-2", "cmi.suspend_data": "abc", "cmi.core.lesson_status": "incomplete",
		"cmi.core.session_time": "00:02:30", "cmi.core.student_id": "ignored: read-only", "cmi.core._children": "ignored",
		"cmi.interactions": map[string]any{"childArray": []any{}},
	}, cmi.Rules{}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a.Location != "page-2" || a.SuspendData != "abc" || a.Completion != "incomplete" || a.Finished() || a.TotalTime != 3*time.Minute+30*time.Second {
		t.Errorf("after a first commit: %+v", a)
	}
	if _, kept := a.Data["cmi.core.student_id"]; kept {
		t.Error("a read-only element was kept")
	}
	a, err = cmi.Apply(cmi.V12, a, map[string]any{"cmi.core.lesson_status": "completed", "cmi.core.score.raw": 80.0, "cmi.core.score.min": "0", "cmi.core.score.max": "100"},
		cmi.Rules{MasteryScore: ptr(75)}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.LessonStatus != "passed" || a.Success != "passed" || !a.Done() || !a.Finished() || *a.Score.Scaled != 0.8 {
		t.Errorf("completed over the mastery score: %+v", a)
	}
	failed, _ := cmi.Apply(cmi.V12, a, map[string]any{"cmi.core.score.raw": "60"}, cmi.Rules{MasteryScore: ptr(75)}, 0)
	if failed.LessonStatus != "failed" || failed.Done() || !failed.Finished() {
		t.Errorf("under the mastery score: %+v", failed)
	}
}

func TestApply_RefusesWhatBreaksTheRulesAndKeepsNothingOfIt(t *testing.T) {
	t.Parallel()
	prev, _ := cmi.Apply(cmi.V2004, cmi.New(cmi.V2004), map[string]any{"cmi.location": "p1"}, cmi.Rules{}, 0)
	for _, c := range []struct {
		name    string
		v       cmi.Version
		commit  map[string]any
		code    int
		element string
	}{
		{"SuspendDataOver4096In12", cmi.V12, map[string]any{"cmi.suspend_data": strings.Repeat("x", 4097), "cmi.core.lesson_location": "x"}, 405, "cmi.suspend_data"},
		{"SuspendDataOver64000In2004", cmi.V2004, map[string]any{"cmi.suspend_data": strings.Repeat("x", 64001), "cmi.location": "p9"}, 406, "cmi.suspend_data"},
		{"UnknownStatus", cmi.V12, map[string]any{"cmi.core.lesson_status": "done"}, 405, "cmi.core.lesson_status"},
		{"ScaledOutOfRange", cmi.V2004, map[string]any{"cmi.score.scaled": "1.5", "cmi.location": "p9"}, 407, "cmi.score.scaled"},
		{"RawNotANumber", cmi.V2004, map[string]any{"cmi.score.raw": "lots"}, 406, "cmi.score.raw"},
		{"BadSessionTime", cmi.V2004, map[string]any{"cmi.session_time": "5 minutes"}, 406, "cmi.session_time"},
		{"RawOver100In12", cmi.V12, map[string]any{"cmi.core.score.raw": "101"}, 405, "cmi.core.score.raw"},
	} {
		t.Run(c.name, func(t *testing.T) {
			start := prev
			if c.v == cmi.V12 {
				start = cmi.New(cmi.V12)
			}
			got, err := cmi.Apply(c.v, start, c.commit, cmi.Rules{}, 0)
			var ce *cmi.Error
			if !errors.As(err, &ce) || ce.Code != c.code || ce.Element != c.element {
				t.Fatalf("err %v, want code %d at %s", err, c.code, c.element)
			}
			if got.Location != start.Location || len(got.Data) != len(start.Data) {
				t.Errorf("a refused commit changed the attempt: %+v", got)
			}
		})
	}
	t.Run("ExactlyTheLimitIsKept", func(t *testing.T) {
		a, err := cmi.Apply(cmi.V2004, prev, map[string]any{"cmi.suspend_data": strings.Repeat("é", 64000)}, cmi.Rules{}, 0)
		if err != nil || len([]rune(a.SuspendData)) != 64000 {
			t.Errorf("64,000 characters: %v", err)
		}
	})
}

func TestApply2004_TheManifestsThresholdsDecide(t *testing.T) {
	t.Parallel()
	rules := cmi.Rules{CompletionThreshold: ptr(0.8), ScaledPassingScore: ptr(0.7)}
	a, err := cmi.Apply(cmi.V2004, cmi.New(cmi.V2004), map[string]any{"cmi.completion_status": "completed", "cmi.progress_measure": "0.5",
		"cmi.success_status": "passed", "cmi.score.scaled": "0.6", "cmi.session_time": "PT5M"}, rules, 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if a.Completion != "incomplete" || a.Success != "failed" || a.Finished() || a.TotalTime != 15*time.Minute {
		t.Errorf("under both thresholds: %+v", a)
	}
	a, _ = cmi.Apply(cmi.V2004, a, map[string]any{"cmi.progress_measure": "0.9", "cmi.score.scaled": "0.75"}, rules, 10*time.Minute)
	if a.Completion != "completed" || a.Success != "passed" || !a.Done() {
		t.Errorf("over both thresholds: %+v", a)
	}
}

func TestLaunch_ResumesWithWhatTheSCOWroteAndTellsItWhoAndWhere(t *testing.T) {
	t.Parallel()
	a, _ := cmi.Apply(cmi.V2004, cmi.New(cmi.V2004), map[string]any{"cmi.location": "p2", "cmi.suspend_data": "state", "cmi.exit": "suspend",
		"cmi.session_time": "PT1M", "cmi.interactions.0.id": "q1"}, cmi.Rules{}, 0)
	got := cmi.Launch(cmi.V2004, a, cmi.Learner{ID: "7", Name: "Lee, Ada"}, cmi.Rules{ScaledPassingScore: ptr(0.7)})
	want := map[string]string{"cmi.location": "p2", "cmi.suspend_data": "state", "cmi.entry": "resume", "cmi.learner_id": "7",
		"cmi.interactions.0.id": "q1", "cmi.scaled_passing_score": "0.7", "cmi.total_time": "PT0H1M0.00S"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["cmi.exit"]; ok {
		t.Error("the write-only exit is handed back")
	}
	fresh := cmi.Launch(cmi.V12, cmi.New(cmi.V12), cmi.Learner{ID: "7", Name: "Lee, Ada"}, cmi.Rules{MasteryScore: ptr(80)})
	if fresh["cmi.core.entry"] != "ab-initio" || fresh["cmi.core.lesson_status"] != "not attempted" || fresh["cmi.student_data.mastery_score"] != "80" {
		t.Errorf("a first launch: %v", fresh)
	}
}
