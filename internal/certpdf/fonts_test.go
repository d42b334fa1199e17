package certpdf

import "testing"

// The coverage read from each font's cmap is what the layout chooses
// fonts by: DejaVu Sans for the alphabets, Droid Sans Fallback for CJK.
func TestFontCoverage(t *testing.T) {
	for _, tc := range []struct {
		face        face
		has, hasNot string
	}{
		{regular, "AzëŁΠπЖж\u05D0\u0628\uFEFB\uFFFD\u0301", "王さ김"},
		{bold, "AzëŁΠπЖж\u05D0\u0628\uFEFB\uFFFD\u0301", "王さ김"},
		// The file of Droid Sans Fallback that has Hangul's syllables:
		// DroidSansFallbackFull, in the same Debian package, has 3 of them.
		{fallback, "王小明さくらサクラ김민수\u3000", "AŁ\u0628"},
	} {
		for _, r := range tc.has {
			if !tc.face.covers.has(r) {
				t.Errorf("%s lacks %q", tc.face.file, r)
			}
		}
		for _, r := range tc.hasNot {
			if tc.face.covers.has(r) {
				t.Errorf("%s has %q", tc.face.file, r)
			}
		}
	}
	if regular.covers.has(0x1F600) || regular.covers.has(-1) {
		t.Error("coverage beyond the Basic Multilingual Plane")
	}
}

func TestReadCoverageRefusesWhatIsNotAFont(t *testing.T) {
	for _, data := range [][]byte{nil, []byte("not a font at all"), make([]byte, 64)} {
		if _, err := readCoverage(data); err == nil {
			t.Errorf("readCoverage(%q) did not fail", data)
		}
	}
	// A font cut short after its table directory.
	font := regular.bytes()
	if _, err := readCoverage(font[:2048]); err == nil {
		t.Error("a truncated font did not fail")
	}
}
