package components

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestInitials(t *testing.T) {
	for name, want := range map[string]string{
		"Lena van Dijk": "LD", "cher": "C", "Émile Zola": "ÉZ", "  ": "?", "42": "?",
		"Seán O'Brien": "SO", "李 小龙": "李小", "Dana (Admin) Smith": "DS",
	} {
		if got := Initials(name); got != want {
			t.Errorf("Initials(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestAvatarColourIsStablePerName(t *testing.T) {
	if avatarClass("Lee Learner") != avatarClass("Lee Learner") {
		t.Fatal("the same name got two colours")
	}
	seen := map[string]bool{}
	for _, n := range []string{"Ana", "Ben", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lu"} {
		seen[avatarClass(n)] = true
	}
	if len(seen) < 4 {
		t.Errorf("twelve names share %d colours", len(seen))
	}
}

func TestRingDashClamps(t *testing.T) {
	for in, want := range map[int]string{-5: "0 100", 0: "0 100", 42: "42 100", 100: "100 100", 140: "100 100"} {
		if got := ringDash(in); got != want {
			t.Errorf("ringDash(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestProgressRingSaysItsFigure(t *testing.T) {
	var b bytes.Buffer
	if err := ProgressRing(37, "Communicating Up progress", "").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `aria-label="Communicating Up progress: 37%"`) || !strings.Contains(b.String(), `stroke-dasharray="37 100"`) {
		t.Errorf("ring: %s", b.String())
	}
}

func TestCoverIsTheTitlesOwn(t *testing.T) {
	a, b := NewCover("Communicating Up", "Course"), NewCover("Communicating Up", "Course")
	if a.Monogram != "C" || len(a.Shapes) != 4 {
		t.Fatalf("cover: %+v", a)
	}
	for i := range a.Shapes {
		if a.Shapes[i] != b.Shapes[i] {
			t.Fatal("the same title drew two covers")
		}
	}
	if c := NewCover("Your First One-on-One", "Course"); c.Shapes[0] == a.Shapes[0] && c.Shapes[1] == a.Shapes[1] {
		t.Error("two titles drew the same cover")
	}
}
