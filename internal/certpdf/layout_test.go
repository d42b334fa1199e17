package certpdf

import (
	"math/rand/v2"
	"testing"
)

// A line is drawn as runs, left to right, each in the first font that
// has its characters.
func TestLayout(t *testing.T) {
	type want struct {
		face face
		text string
	}
	for _, tc := range []struct {
		in   string
		main face
		want []want
	}{
		{"Zoë Łukasiewicz-Παπαδόπουλος 王小明", bold, []want{{bold, "Zoë Łukasiewicz-Παπαδόπουλος "}, {fallback, "王小明"}}},
		{"王小明 (Wang)", regular, []want{{fallback, "王小明"}, {regular, " (Wang)"}}},
		{"김민수", regular, []want{{fallback, "김민수"}}},
		// Shaped, then drawn right to left: dal, meem, hah, meem.
		{"محمد", regular, []want{{regular, "\uFEAA\uFEE4\uFEA4\uFEE3"}}},
		{"Ana محمد 王", regular, []want{{regular, "Ana \uFEAA\uFEE4\uFEA4\uFEE3 "}, {fallback, "王"}}},
		// Thai is in neither font: it stays in the run it is in.
		{"Ana สมชาย", regular, []want{{regular, "Ana สมชาย"}}},
		{"", regular, nil},
	} {
		got := layout(tc.in, tc.main)
		ok := len(got) == len(tc.want)
		for i := 0; ok && i < len(got); i++ {
			ok = got[i].face == tc.want[i].face && got[i].text == tc.want[i].text
		}
		if !ok {
			t.Errorf("layout(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"Ana\tBell\x00e\n":               "Ana Belle ",
		"\u202Blive\u202C \u2067x\u2069": "live x",
		"😀 𠮷野":                           "\uFFFD \uFFFD野",
		"\xffA":                          "\uFFFDA",
		"Ana \u200E(2)":                  "Ana \u200E(2)", // a direction mark stays for the bidi algorithm
	} {
		if got := string(printable(in)); got != want {
			t.Errorf("printable(%+q) = %+q, want %+q", in, got, want)
		}
	}
}

// Whatever a name holds, the line is drawn whole: visual order only
// reorders (and mirrors), and the runs hold every character it gives.
func TestLayoutOfRandomText(t *testing.T) {
	alphabet := []rune("aZé Ł.,-()1٣$% \u0301\u064E\u05B8אבبلاةء王김さ😀\u200C\u200D\u200E\u202E\u2067\x00\t\uFFFF\uFEFFสँ")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		s := make([]rune, rng.IntN(16))
		for i := range s {
			s[i] = alphabet[rng.IntN(len(alphabet))]
		}
		in := shapeArabic(printable(string(s)))
		out := visualOrder(append([]rune(nil), in...))
		if !samePermutation(in, out) {
			t.Fatalf("visualOrder(%+q) = %+q: not a reordering", string(in), string(out))
		}
		drawn := ""
		for _, r := range layout(string(s), regular) {
			drawn += r.text
		}
		if want := string(visual(string(s))); drawn != want {
			t.Fatalf("layout(%+q) draws %+q, not %+q", string(s), drawn, want)
		}
	}
}

func samePermutation(a, b []rune) bool {
	count := map[rune]int{}
	for _, r := range a {
		count[mirror(r)]++
		count[r]++
	}
	for _, r := range b {
		count[mirror(r)]--
		count[r]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return len(a) == len(b)
}
