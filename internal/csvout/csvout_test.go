package csvout_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"

	"github.com/upward-lms/upward/internal/csvout"
)

func TestWrite_QuotesAsRFC4180(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := csvout.New(&b)
	w.Write("name", "note")
	w.Write("Doe, Jane", `She said "hi"`)
	w.Write("Line\nbreak", "plain")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "name,note\r\n\"Doe, Jane\",\"She said \"\"hi\"\"\"\r\n\"Line\r\nbreak\",plain\r\n" // line breaks inside a quoted field become CRLF too
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	// And a reader gets the cells back.
	records, err := csv.NewReader(&b).ReadAll()
	if err != nil || !slices.Equal(records[1], []string{"Doe, Jane", `She said "hi"`}) || records[2][0] != "Line\nbreak" {
		t.Errorf("read back %q, %v", records, err)
	}
}

func TestWrite_NeutralisesFormulas(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://evil\")": "'=HYPERLINK(\"http://evil\")",
		"+1+1":                        "'+1+1",
		"-2+3":                        "'-2+3",
		"@SUM(A1)":                    "'@SUM(A1)",
		"\t=1":                        "'\t=1",
		"\r=1":                        "'\r=1",
		"plain":                       "plain",
		"a=b":                         "a=b",
		"":                            "",
	} {
		if got := csvout.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}
