package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// recordingTB keeps the errors a check reports instead of failing.
type recordingTB struct {
	testing.TB
	errors []string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// A visit fails on any axe violation (serious or moderate), on text the
// browser paints without contrast (white on white, which axe leaves
// "incomplete"), and on a page wider than a phone.
func TestCheckAccessibility_FailsOnViolationsLowContrastAndWidePages(t *testing.T) {
	t.Parallel()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		// No lang, an image without alt text, an input without a label, a
		// heading skipping levels (moderate), a button drawn white on
		// white, and a line of 1,000 px.
		fmt.Fprint(w, `<!doctype html><html><head><title>Bad</title></head><body><main>
			<h1>Title</h1><h4>Skipped</h4>
			<img src="/x.png"><input type="text">
			<button style="background:none;border:0;color:#fff">Invisible</button>
			<div style="width:1000px">Wide</div></main></body></html>`)
	}))
	defer bad.Close()

	b := NewBrowser(t)
	b.Do() // the tab exists before its test handle is swapped
	rec := &recordingTB{TB: t}
	b.tb = rec
	b.Visit(bad.URL)
	b.tb = t

	all := strings.Join(rec.errors, "\n")
	for _, rule := range []string{"image-alt", "label", "heading-order"} {
		if !strings.Contains(all, "["+rule+"]") {
			t.Errorf("axe did not report %s; reported:\n%s", rule, all)
		}
	}
	if !strings.Contains(all, `contrast on`) || !strings.Contains(all, `"Invisible": 1.00:1`) {
		t.Errorf("the white-on-white button was not reported:\n%s", all)
	}
	if !strings.Contains(all, "on a 390 px screen") {
		t.Errorf("the wide page was not reported:\n%s", all)
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }
