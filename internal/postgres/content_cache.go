package postgres

import (
	"encoding/json"
	"fmt"
	"sync"

	"github.com/upward-lms/upward/internal/course"
)

// contentCache keeps parsed course versions by their content's digest
// (course_versions.content_digest). A version's content never changes, so
// an entry is never stale; the queries that read a version send the
// digests the cache holds and get the content only when it is missing.
// Readers share an entry's slices and must not change them: a learner's
// course is read, never edited (drafts are edited, and are not cached).
type contentCache struct {
	mu       sync.Mutex
	byDigest map[string]course.Course
	digests  [][]byte // the keys, replaced (not changed) on every change
}

// contentCacheSize bounds the cache: a portal's published versions in
// use, and the library's, which every portal shares.
const contentCacheSize = 128

func newContentCache() *contentCache {
	return &contentCache{byDigest: map[string]course.Course{}}
}

// known returns the digests held now, for a query's parameter.
func (c *contentCache) known() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.digests
}

// content returns the version named by digest: parsed from content when
// the query sent it, else from the cache. ok is false when the query left
// it out and the cache has dropped it since.
func (c *contentCache) content(digest, content []byte) (v course.Course, ok bool, err error) {
	if content == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		v, ok = c.byDigest[string(digest)]
		return v, ok, nil
	}
	if err := json.Unmarshal(content, &v); err != nil {
		return v, false, fmt.Errorf("course version content: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, held := c.byDigest[string(digest)]; !held {
		if len(c.byDigest) >= contentCacheSize {
			for k := range c.byDigest { // drop one at random
				delete(c.byDigest, k)
				break
			}
		}
		c.byDigest[string(digest)] = v
		keys := make([][]byte, 0, len(c.byDigest))
		for k := range c.byDigest {
			keys = append(keys, []byte(k))
		}
		c.digests = keys
	}
	return v, true, nil
}
