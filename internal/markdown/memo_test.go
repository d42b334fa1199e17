package markdown

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The memo answers a source it rendered with the same HTML, stays within
// its limit however many sources pass, and is safe for concurrent use.
func TestMemo(t *testing.T) {
	t.Parallel()
	r := New()
	first := r.HTML("**Hello** <script>alert(1)</script>")
	if again := r.HTML("**Hello** <script>alert(1)</script>"); again != first || strings.Contains(string(again), "<script") {
		t.Errorf("rendered again: %q, first %q", again, first)
	}
	// Distinct sources from four workers at once, until more has passed
	// than the memo may hold (rendering costs about the same per byte
	// whatever the source, so no more than that is sent).
	var passed atomic.Int64 // bytes of sources and their HTML
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := 0; passed.Load() <= memoLimit*9/8; i++ {
				src := fmt.Sprintf("Paragraph %d of worker %d. %s", i, w, strings.Repeat("Words to fill the page. ", 40))
				got := r.HTML(src)
				if !strings.HasPrefix(string(got), "<p>Paragraph") {
					t.Errorf("rendered %q", got)
					return
				}
				passed.Add(int64(len(src) + len(got)))
			}
		})
	}
	wg.Wait()
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.memoBytes > memoLimit || r.memoBytes == 0 {
		t.Errorf("the memo holds %d bytes, limit %d", r.memoBytes, memoLimit)
	}
}
