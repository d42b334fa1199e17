package markdown

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

// The memo answers a source it rendered with the same HTML, stays within
// its limit however many sources pass, and is safe for concurrent use.
func TestMemo(t *testing.T) {
	r := New()
	first := r.HTML("**Hello** <script>alert(1)</script>")
	if again := r.HTML("**Hello** <script>alert(1)</script>"); again != first || strings.Contains(string(again), "<script") {
		t.Errorf("rendered again: %q, first %q", again, first)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 3000 {
				src := fmt.Sprintf("Paragraph %d of worker %d. %s", i, w, strings.Repeat("Words to fill the page. ", 40))
				if got := r.HTML(src); !strings.HasPrefix(string(got), "<p>Paragraph") {
					t.Errorf("rendered %q", got)
					return
				}
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
