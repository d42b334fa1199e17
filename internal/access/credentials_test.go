package access_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/access"
)

// The list of credentials names tests that exist: a renamed or deleted
// test fails here, so the list stays true.
func TestCredentials_NameTestsThatExist(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs(filepath.Join("..", ".."))
	var sources strings.Builder
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".data" || d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			b, _ := os.ReadFile(path)
			sources.Write(b)
		}
		return nil
	})
	src := sources.String()
	for _, c := range access.Credentials {
		if c.Revoked == "" || len(c.Tests) == 0 {
			t.Errorf("%s: says nothing of its revocation, or names no test", c.Name)
		}
		for _, name := range c.Tests {
			fn, sub, _ := strings.Cut(name, "/")
			if !regexp.MustCompile(`(?m)^func ` + regexp.QuoteMeta(fn) + `\(t \*testing\.T\)`).MatchString(src) {
				t.Errorf("%s: no test %s", c.Name, fn)
			}
			if sub != "" && !strings.Contains(src, `t.Run("`+sub+`"`) {
				t.Errorf("%s: no subtest %s", c.Name, name)
			}
		}
	}
}
