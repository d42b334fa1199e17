package course_test

import (
	"testing"

	"github.com/upward-lms/upward/internal/course"
)

func TestPlayerURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		{"https://www.youtube.com/watch?v=dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"https://youtube.com/embed/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"},
		{"https://www.youtube-nocookie.com/embed/abc_-1", "https://www.youtube-nocookie.com/embed/abc_-1"},
		{"https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"},
		{"https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"},
		{"https://fast.wistia.net/embed/iframe/abc123", "https://fast.wistia.net/embed/iframe/abc123"},
		{"https://w.soundcloud.com/player/?url=https://api.soundcloud.com/tracks/293", "https://w.soundcloud.com/player/?url=https%3A%2F%2Fapi.soundcloud.com%2Ftracks%2F293"},
		// Refused: other hosts, plain http, odd paths and IDs.
		{"http://www.youtube.com/watch?v=dQw4w9WgXcQ", ""},
		{"https://evil.example/embed/x", ""},
		{"https://www.youtube.com/channel/abc", ""},
		{"https://www.youtube.com/watch?v=a%22onload", ""},
		{"https://vimeo.com/channels/staff", ""},
		{"https://w.soundcloud.com/player/?url=https://evil.example/x", ""},
		{"javascript:alert(1)", ""},
	}
	for _, tt := range tests {
		got, ok := course.PlayerURL(tt.in)
		if !ok {
			got = ""
		}
		if got != tt.want {
			t.Errorf("PlayerURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
