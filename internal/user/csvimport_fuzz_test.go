package user_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
)

// FuzzImportFile feeds arbitrary files to the people importer. Reading
// never panics and refuses a file only as a problem of the field "file";
// a read file's records point at lines of it, in order; checking them
// against a portal gives each record one row, and a row fit to import has
// a well-formed address, a one-line name and a role.
// The seed corpus is in testdata/fuzz/FuzzImportFile; go test replays it.
func FuzzImportFile(f *testing.F) {
	f.Add([]byte(user.ImportExample))
	f.Add([]byte("\xEF\xBB\xBFemail,name\r\nA@Example.com,\"Okafor, Amara\"\r\n\r\n,\r\n"))
	f.Add([]byte("name,email,groups,roles,manager_email\n\"Li\nWei\",li@x.test,Sales;Support,admin;learner,boss@acme.test\n"))
	f.Add([]byte("email,name\nli@x.test,Li,extra\n\"open,quote\nli@x.test,Li\n"))
	f.Add([]byte("email,name,email\n"))
	f.Add([]byte("email,name\n=cmd|' /C calc'!A0,@SUM(1+1)\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := user.ReadImportFile(data)
		if err != nil {
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.EINVALID || ae.Field != "file" || ae.Message == "" {
				t.Fatalf("refused with %#v, not a problem of the field file", err)
			}
			return
		}
		lines := strings.Count(string(data), "\n") + 1
		if len(file.Records) == 0 || len(file.Records) > user.MaxImportRows {
			t.Fatalf("read %d records", len(file.Records))
		}
		last := 1 // the header's line
		for _, rec := range file.Records {
			if rec.Line <= last || rec.Line > lines {
				t.Fatalf("a record on line %d after line %d, in a file of %d lines", rec.Line, last, lines)
			}
			last = rec.Line
		}

		check := file.Check(portal())
		if len(check.Rows) != len(file.Records) || check.Valid+check.Bad != len(check.Rows) {
			t.Fatalf("%d records checked into %d rows, %d valid and %d bad", len(file.Records), len(check.Rows), check.Valid, check.Bad)
		}
		for i, row := range check.Rows {
			if row.Line != file.Records[i].Line {
				t.Fatalf("row %d is on line %d, its record on line %d", i, row.Line, file.Records[i].Line)
			}
			if !row.OK() {
				continue
			}
			if _, err := user.NormalizeEmail(row.Email); err != nil {
				t.Fatalf("line %d is fit to import with the address %q: %v", row.Line, row.Email, err)
			}
			if row.Name == "" || strings.ContainsFunc(row.Name, unicode.IsControl) {
				t.Fatalf("line %d is fit to import with the name %q", row.Line, row.Name)
			}
			if len(row.Roles) == 0 {
				t.Fatalf("line %d is fit to import with no role", row.Line)
			}
		}
	})
}
