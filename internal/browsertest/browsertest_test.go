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

func TestCheckAccessibility_FailsOnSeriousViolations(t *testing.T) {
	t.Parallel()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		// No lang, an image without alt text, an input without a label.
		fmt.Fprint(w, `<!doctype html><html><head><title>Bad</title></head><body><main>
			<img src="/x.png"><input type="text"></main></body></html>`)
	}))
	defer bad.Close()

	b := NewBrowser(t)
	b.Do() // the tab exists before its test handle is swapped
	rec := &recordingTB{TB: t}
	b.tb = rec
	b.Visit(bad.URL)
	b.tb = t

	all := strings.Join(rec.errors, "\n")
	for _, rule := range []string{"image-alt", "label"} {
		if !strings.Contains(all, "["+rule+"]") {
			t.Errorf("axe did not report %s; reported:\n%s", rule, all)
		}
	}
}

func TestMain(m *testing.M) { os.Exit(Main(m)) }
