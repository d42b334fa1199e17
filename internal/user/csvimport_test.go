package user_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/user"
)

// portal is a portal with one person, three groups (Sales has courses
// assigned) and plenty of seats.
func portal() user.ImportPortal {
	return user.ImportPortal{
		People: map[string]int64{"boss@acme.test": 7},
		Groups: map[string]user.ImportGroup{
			"sales":      {ID: 1, Name: "Sales", Assigned: true},
			"support":    {ID: 2, Name: "Support"},
			"team leads": {ID: 3, Name: "Team leads"},
		},
		SeatLimit: 100,
	}
}

func check(t *testing.T, csv string, p user.ImportPortal) user.ImportCheck {
	t.Helper()
	f, err := user.ReadImportFile([]byte(csv))
	if err != nil {
		t.Fatalf("ReadImportFile: %v", err)
	}
	return f.Check(p)
}

// problems maps each line with problems to its problems, joined.
func problems(c user.ImportCheck) map[int]string {
	out := map[int]string{}
	for _, r := range c.Rows {
		if !r.OK() {
			out[r.Line] = strings.Join(r.Problems, " | ")
		}
	}
	return out
}

func rowAt(t *testing.T, c user.ImportCheck, line int) user.ImportRow {
	t.Helper()
	for _, r := range c.Rows {
		if r.Line == line {
			return r
		}
	}
	t.Fatalf("no row on line %d", line)
	return user.ImportRow{}
}

func TestReadImportFile(t *testing.T) {
	t.Parallel()
	t.Run("ByteOrderMarkCRLFAndBlankLinesKeepTheFilesLineNumbers", func(t *testing.T) {
		csv := "\xEF\xBB\xBFemail,name\r\n\r\nana@acme.test,Ana\r\n,\r\n  ,  \r\nbo@acme.test,Bo\r\n\r\n"
		f, err := user.ReadImportFile([]byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		if len(f.Records) != 2 || f.Records[0].Line != 3 || f.Records[1].Line != 6 {
			t.Fatalf("records %+v, want ana on line 3 and bo on line 6", f.Records)
		}
		if f.Records[0].Email != "ana@acme.test" {
			t.Errorf("the byte order mark is part of the header or the data: %q", f.Records[0].Email)
		}
	})
	t.Run("QuotedFieldsHoldCommasQuotesAndLineBreaks", func(t *testing.T) {
		csv := "email,name,groups\n" +
			"li@acme.test,\"Wei, Li\",\"Sales;Support\"\n" +
			"jo@acme.test,\"Jo \"\"JJ\"\" Smith\",\n" +
			"al@acme.test,\"Al\nBert\",\n" +
			"cy@acme.test,Cy,\n"
		f, err := user.ReadImportFile([]byte(csv))
		if err != nil {
			t.Fatal(err)
		}
		got := []string{}
		for _, r := range f.Records {
			got = append(got, fmt.Sprintf("%d:%s", r.Line, r.Name))
		}
		want := []string{"2:Wei, Li", `3:Jo "JJ" Smith`, "4:Al\nBert", "6:Cy"}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
		if f.Records[0].Groups != "Sales;Support" {
			t.Errorf("groups %q", f.Records[0].Groups)
		}
	})
	t.Run("ColumnsInAnyOrderOptionalOnesMayBeLeftOut", func(t *testing.T) {
		f, err := user.ReadImportFile([]byte(" Name , EMAIL \nAna,ana@acme.test\n"))
		if err != nil {
			t.Fatal(err)
		}
		if r := f.Records[0]; r.Email != "ana@acme.test" || r.Name != "Ana" || r.Roles != "" {
			t.Errorf("record %+v", r)
		}
	})
	refused := map[string]struct {
		csv  string
		want string
	}{
		"Empty":                  {"", "empty"},
		"HeaderOnly":             {"email,name\r\n\r\n", "no people"},
		"NoHeader":               {"ana@acme.test,Ana\n", "header"},
		"HeaderWithoutName":      {"email,roles\nana@acme.test,learner\n", "email and name"},
		"UnknownColumn":          {"email,name,department\nana@acme.test,Ana,Sales\n", "“department”"},
		"ColumnTwice":            {"email,name,Email\nana@acme.test,Ana,x\n", "twice"},
		"NotUTF8":                {"email,name\nana@acme.test,Ana M\xfcller\n", "UTF-8"},
		"BareQuoteSaysItsLine":   {"email,name\nana@acme.test,Ana\nbo@acme.test,Bo \"the\" boss\n", "Line 3"},
		"UnclosedQuoteSaysWhere": {"email,name\nana@acme.test,\"Ana\nbo@acme.test,Bo\ncy@acme.test,Cy\n", "Line 2 opens a quoted field that is never closed"},
		"TextAfterAClosingQuote": {"email,name\nana@acme.test,Ana\nbo@acme.test,\"Bo\" Smith\n", "Line 3 has text after the closing quote"},
		"LargerThan2MB":          {"email,name\n" + strings.Repeat("x", user.MaxImportBytes), "2 MB"},
		"MoreThan5000People":     {"email,name\n" + strings.Repeat("a@b.test,A\n", user.MaxImportRows+1), "more than 5,000 people"},
	}
	for name, tc := range refused {
		t.Run("Refuses/"+name, func(t *testing.T) {
			_, err := user.ReadImportFile([]byte(tc.csv))
			fields, ok := apperr.FieldsOf(err)
			if !ok || !strings.Contains(fields["file"], tc.want) {
				t.Errorf("error %v, want a message at the file field containing %q", err, tc.want)
			}
		})
	}
	t.Run("Accepts5000People", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("email,name\n")
		for i := range user.MaxImportRows {
			fmt.Fprintf(&b, "p%d@acme.test,Person %d\n", i, i)
		}
		f, err := user.ReadImportFile([]byte(b.String()))
		if err != nil || len(f.Records) != user.MaxImportRows {
			t.Errorf("%d records, %v", len(f.Records), err)
		}
	})
}

func TestCheckImport(t *testing.T) {
	t.Parallel()
	t.Run("AGoodFileHasNoProblems", func(t *testing.T) {
		c := check(t, user.ImportExample, portal())
		if c.Bad != 0 || c.Valid != 2 {
			t.Fatalf("valid %d, bad %d: %v", c.Valid, c.Bad, problems(c))
		}
		amara, li := c.Rows[0], c.Rows[1]
		if !slices.Equal(amara.Roles, []user.Role{user.Learner, user.Instructor}) || !slices.Equal(amara.Groups, []string{"Sales", "Team leads"}) ||
			!slices.Equal(amara.GroupIDs, []int64{1, 3}) || !amara.TakesSeat {
			t.Errorf("amara %+v", amara)
		}
		if !slices.Equal(li.Roles, []user.Role{user.Learner}) || li.Name != "Wei, Li" || li.ManagerEmail != "amara.okafor@example.com" || li.ManagerID != 0 {
			t.Errorf("li: roles default to learner and the manager is line 2: %+v", li)
		}
	})
	t.Run("EachProblemIsReportedAtItsLine", func(t *testing.T) {
		csv := strings.Join([]string{
			"email,name,roles,groups,manager_email",              // 1
			",No Address,,,",                                     // 2
			"not-an-address,Bad Address,,,",                      // 3
			"dup@acme.test,Dup One,,,",                           // 4
			"ok@acme.test,Fine,ADMIN; Instructor,support,",       // 5
			"DUP@acme.test,Dup Two,,,",                           // 6
			"boss@acme.test,Already Here,,,",                     // 7
			"grp@acme.test,Group,,Sales;Marketing,",              // 8
			"mgr@acme.test,Manager,,,nobody@acme.test",           // 9
			"role@acme.test,Role,learner;boss,,",                 // 10
			"noname@acme.test,  ,,,",                             // 11
			"long@acme.test," + strings.Repeat("n", 201) + ",,,", // 12
			"wide@acme.test,Wide,,,,extra",                       // 13
			"self@acme.test,Self,,,Self@acme.test",               // 14
			"badmgr@acme.test,Bad Manager,,,boss",                // 15
			"lines@acme.test,\"Two\nLines\",,,",                  // 16-17
			"",
		}, "\n")
		c := check(t, csv, portal())
		want := map[int]string{
			2:  "The e-mail address is missing.",
			3:  "“not-an-address” is not an e-mail address",
			4:  "This address is also on line 6",
			6:  "This address is also on line 4",
			7:  "already has an account here",
			8:  "no group called “Marketing”",
			9:  "The manager nobody@acme.test is neither a person here nor on another line",
			10: "“boss” is not a role",
			11: "The name is missing.",
			12: "longer than 200 characters",
			13: "This line has 6 fields but the header has 5",
			14: "cannot be their own manager",
			15: "The manager's address “boss” is not an e-mail address",
			16: "The name has a line break",
		}
		got := problems(c)
		for line, msg := range want {
			if !strings.Contains(got[line], msg) {
				t.Errorf("line %d: problems %q, want %q", line, got[line], msg)
			}
		}
		for line, msg := range got {
			if _, ok := want[line]; !ok {
				t.Errorf("line %d has unexpected problems: %q", line, msg)
			}
		}
		if c.Valid != 1 || c.Bad != len(want) {
			t.Errorf("valid %d, bad %d", c.Valid, c.Bad)
		}
		ok := rowAt(t, c, 5)
		if !slices.Equal(ok.Roles, []user.Role{user.Admin, user.Instructor}) || !slices.Equal(ok.Groups, []string{"Support"}) || ok.TakesSeat {
			t.Errorf("roles and groups are read without regard to case or spaces: %+v", ok)
		}
	})
	t.Run("AnAddressOnManyLinesNamesThemAll", func(t *testing.T) {
		c := check(t, "email,name\na@acme.test,A\nb@acme.test,B\na@acme.test,A2\na@acme.test,A3\n", portal())
		if got := problems(c)[2]; !strings.Contains(got, "also on lines 4 and 5") {
			t.Errorf("line 2: %q", got)
		}
		if len(problems(c)) != 3 {
			t.Errorf("problems %v: every copy is refused, the other line is not", problems(c))
		}
	})
	t.Run("ManagersMayBeOtherLinesInAnyOrderOrPeopleHere", func(t *testing.T) {
		csv := "email,name,manager_email\n" +
			"a@acme.test,A,b@acme.test\n" + // a later line
			"b@acme.test,B,a@acme.test\n" + // an earlier line (they name each other)
			"c@acme.test,C,BOSS@acme.test\n" // someone here
		c := check(t, csv, portal())
		if c.Bad != 0 {
			t.Fatalf("problems: %v", problems(c))
		}
		if r := rowAt(t, c, 4); r.ManagerID != 7 {
			t.Errorf("c's manager is user %d, want 7", r.ManagerID)
		}
	})
	t.Run("ALineWhoseManagerCannotBeImportedCannotBeEither", func(t *testing.T) {
		csv := "email,name,manager_email\n" +
			"top@acme.test,,\n" + // no name
			"mid@acme.test,Mid,top@acme.test\n" +
			"low@acme.test,Low,mid@acme.test\n" +
			"dup@acme.test,Dup,\n" +
			"dup@acme.test,Dup,\n" +
			"rep@acme.test,Rep,dup@acme.test\n"
		got := problems(check(t, csv, portal()))
		for line, want := range map[int]string{
			3: "The manager top@acme.test is on line 2, which cannot be imported",
			4: "The manager mid@acme.test is on line 3",
			7: "The manager dup@acme.test is on line 5",
		} {
			if !strings.Contains(got[line], want) {
				t.Errorf("line %d: %q, want %q", line, got[line], want)
			}
		}
	})
	t.Run("PeopleInGroupsWithAssignedCoursesMustFitTheFreeSeats", func(t *testing.T) {
		p := portal()
		p.SeatLimit, p.SeatsTaken = 50, 48
		csv := "email,name,groups\n" +
			"s1@acme.test,S1,Sales\n" + // seat 1
			"n1@acme.test,N1,Support\n" + // no assigned courses: no seat
			"bad@acme.test,,Sales\n" + // refused anyway: takes no seat
			"s2@acme.test,S2,sales;support\n" + // seat 2
			"s3@acme.test,S3,Sales\n" + // none left
			"n2@acme.test,N2,\n" +
			"s4@acme.test,S4,Sales\n"
		c := check(t, csv, p)
		got := problems(c)
		for _, line := range []int{6, 8} {
			if !strings.Contains(got[line], "Too many seats") || !strings.Contains(got[line], "limit of 50 seats leaves 2 free") {
				t.Errorf("line %d: %q, want too many seats naming the limit of 50", line, got[line])
			}
		}
		if len(got) != 3 || c.Valid != 4 {
			t.Errorf("problems %v, valid %d", got, c.Valid)
		}
		p.SeatsTaken, p.SeatsPromised = 45, 5
		if got := problems(check(t, "email,name,groups\ns@acme.test,S,Sales\n", p))[2]; !strings.Contains(got, "limit of 50 seats is reached (45 held, 5 kept for people invited earlier)") {
			t.Errorf("no free seat, counting invitations: %q", got)
		}
	})
	t.Run("AGroupOfAnotherPortalIsUnknown", func(t *testing.T) {
		// The portal's groups are all Check knows: a name from elsewhere is
		// not among them.
		if got := problems(check(t, "email,name,groups\na@acme.test,A,Globex Secret Group\n", portal()))[2]; !strings.Contains(got, "no group called “Globex Secret Group”") {
			t.Errorf("%q", got)
		}
	})
	t.Run("AddressesListsPeopleAndManagersOnceInLowerCase", func(t *testing.T) {
		f, err := user.ReadImportFile([]byte("email,name,manager_email\nA@acme.test,A,Boss@acme.test\nboss@ACME.test,Boss,\nbroken,X,also broken\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Addresses(); !slices.Equal(got, []string{"a@acme.test", "boss@acme.test"}) {
			t.Errorf("addresses %q", got)
		}
	})
}
