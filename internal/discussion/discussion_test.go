package discussion_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/discussion"
)

func TestHandle(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{
		"Priya Shah":        "priya.shah",
		"Jean-Luc O'Brien":  "jean.luc.o.brien",
		"  Zoë   Ångström ": "zoë.ångström",
		"Lee":               "lee",
	} {
		if got := discussion.Handle(name); got != want {
			t.Errorf("Handle(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestMentions(t *testing.T) {
	t.Parallel()
	got := discussion.Mentions("Thanks @Priya.Shah. Ask @lee, and @priya.shah again; mail lee@acme.test or @@x (@kim)")
	if want := []string{"priya.shah", "lee", "kim"}; !slices.Equal(got, want) {
		t.Errorf("Mentions = %q, want %q", got, want)
	}
	if got := discussion.Mentions("@a.b.\n@c"); !slices.Equal(got, []string{"a.b", "c"}) {
		t.Errorf("at line starts: %q", got)
	}
	var many strings.Builder
	for i := range 30 {
		many.WriteString(" @p" + strings.Repeat("x", i))
	}
	if n := len(discussion.Mentions(many.String())); n != discussion.MaxMentions {
		t.Errorf("%d mentions kept, want %d", n, discussion.MaxMentions)
	}
	if got := discussion.NewMentions("hi @lee", "hi @lee and @kim"); !slices.Equal(got, []string{"kim"}) {
		t.Errorf("NewMentions = %q", got)
	}
}

func TestMayEditWithinFifteenMinutes(t *testing.T) {
	t.Parallel()
	posted := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if !discussion.MayEdit(posted, posted.Add(15*time.Minute)) {
		t.Error("at 15 minutes")
	}
	if discussion.MayEdit(posted, posted.Add(15*time.Minute+time.Second)) {
		t.Error("after 15 minutes")
	}
}

func TestCheckBodyAndReason(t *testing.T) {
	t.Parallel()
	if b, err := discussion.CheckBody("  hello\r\nthere "); err != nil || b != "hello\nthere" {
		t.Errorf("%q %v", b, err)
	}
	for _, bad := range []string{"", "   ", strings.Repeat("é", discussion.MaxBody+1)} {
		if _, err := discussion.CheckBody(bad); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("body of %d characters accepted", len(bad))
		}
	}
	if _, err := discussion.CheckBody(strings.Repeat("é", discussion.MaxBody)); err != nil {
		t.Error(err)
	}
	if _, err := discussion.CheckReason(" "); apperr.Code(err) != apperr.EINVALID {
		t.Error("an empty reason")
	}
	if msg, _ := apperr.FieldsOf(func() error { _, err := discussion.CheckBody(strings.Repeat("x", 6001)); return err }()); !strings.Contains(msg["body"], "6,001") {
		t.Errorf("message %q", msg["body"])
	}
}
