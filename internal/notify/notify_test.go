package notify_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/notify"
)

func TestDefaultsAndChoices(t *testing.T) {
	t.Parallel()
	if notify.Default(notify.SessionReminder) != notify.Immediate || notify.Default(notify.Reply) != notify.Daily {
		t.Error("defaults")
	}
	for _, k := range notify.Kinds {
		if notify.Describe(k) == string(k) {
			t.Errorf("%s has no description", k)
		}
		if err := notify.CheckChannel(k, notify.Off); err != nil {
			t.Errorf("%s off: %v", k, err)
		}
	}
	if apperr.Code(notify.CheckChannel(notify.Mention, "weekly")) != apperr.EINVALID || apperr.Code(notify.CheckChannel("other", notify.Off)) != apperr.EINVALID {
		t.Error("a bad choice is accepted")
	}
}

func TestClip(t *testing.T) {
	t.Parallel()
	n := notify.Note{Title: strings.Repeat("é", 300), Body: " short "}.Clip()
	if utf8.RuneCountInString(n.Title) != notify.MaxTitle || !strings.HasSuffix(n.Title, "…") || n.Body != "short" {
		t.Errorf("%d %q", utf8.RuneCountInString(n.Title), n.Body)
	}
}
