package user

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
)

// Limits of one import file: enough for a large department at once, small
// enough that a preview page and one transaction stay quick.
const (
	MaxImportBytes = 2 << 20
	MaxImportRows  = 5000
)

// ImportLimits says the limits above in words, for the upload form.
func ImportLimits() string {
	return "at most 2 MB and " + formatCount(MaxImportRows) + " people"
}

// ImportColumns are the columns of an import file, in the order the
// example shows them; email and name are required.
var ImportColumns = []string{"email", "name", "roles", "groups", "manager_email"}

// ImportExample is a short file in the import format.
const ImportExample = `email,name,roles,groups,manager_email
amara.okafor@example.com,Amara Okafor,learner;instructor,Sales;Team leads,
li.wei@example.com,"Wei, Li",,Sales,amara.okafor@example.com
`

// ImportRecord is one line of an import file as written, before it is
// checked against the portal.
type ImportRecord struct {
	Line    int // the file's line the record starts on; the header is line 1
	Email   string
	Name    string
	Roles   string
	Groups  string
	Manager string
	// Fields counts the record's fields when they differ from the
	// header's, 0 when they match.
	Fields int
}

// ImportFile is a read import file: its header's width and its records.
type ImportFile struct {
	Columns int
	Records []ImportRecord
}

// fileError is a problem with the file as a whole, shown at its field.
func fileError(format string, args ...any) error {
	return &apperr.Error{Code: apperr.EINVALID, Field: "file", Message: fmt.Sprintf(format, args...)}
}

// ReadImportFile reads an import file: UTF-8 with or without a byte order
// mark, CRLF or LF line ends, a header row naming the columns. Blank lines
// (and lines of empty fields, which spreadsheets leave behind) are
// skipped. A file that cannot be read as such is an EINVALID error on the
// field "file"; problems of single lines are left to Check.
func ReadImportFile(data []byte) (ImportFile, error) {
	if len(data) > MaxImportBytes {
		return ImportFile{}, fileError("The file is larger than 2 MB. Split it into smaller files of at most %s people each.", formatCount(MaxImportRows))
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		return ImportFile{}, fileError("The file is not UTF-8 text. In your spreadsheet, save it as “CSV UTF-8”.")
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1 // a line of the wrong width is that line's problem
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return ImportFile{}, fileError("The file is empty. Its first line must be the header: %s.", strings.Join(ImportColumns, ","))
	}
	if err != nil {
		return ImportFile{}, csvError(err)
	}
	index, err := readHeader(header)
	if err != nil {
		return ImportFile{}, err
	}
	f := ImportFile{Columns: len(header)}
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ImportFile{}, csvError(err)
		}
		if blank(fields) {
			continue
		}
		if len(f.Records) == MaxImportRows {
			return ImportFile{}, fileError("The file has more than %s people. Split it into files of at most %s each.", formatCount(MaxImportRows), formatCount(MaxImportRows))
		}
		line, _ := r.FieldPos(0)
		rec := ImportRecord{Line: line}
		if len(fields) != len(header) {
			rec.Fields = len(fields)
		}
		get := func(col string) string {
			if i, ok := index[col]; ok && i < len(fields) {
				return fields[i]
			}
			return ""
		}
		rec.Email, rec.Name, rec.Roles, rec.Groups, rec.Manager = get("email"), get("name"), get("roles"), get("groups"), get("manager_email")
		f.Records = append(f.Records, rec)
	}
	if len(f.Records) == 0 {
		return ImportFile{}, fileError("The file has a header but no people: add a line for each person below it.")
	}
	return f, nil
}

// readHeader maps the header's column names to their positions. Unknown
// or repeated columns are refused rather than ignored, so that a
// misspelt "groups" column does not silently import no groups.
func readHeader(header []string) (map[string]int, error) {
	index := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case name == "":
			return nil, fileError("Column %d of the header has no name. The header must name the columns: %s.", i+1, strings.Join(ImportColumns, ","))
		case !slices.Contains(ImportColumns, name):
			return nil, fileError("The header names a column “%s” we do not know. The columns are %s; email and name are required.", strings.TrimSpace(h), strings.Join(ImportColumns, ","))
		}
		if _, twice := index[name]; twice {
			return nil, fileError("The header names the column “%s” twice.", name)
		}
		index[name] = i
	}
	for _, required := range []string{"email", "name"} {
		if _, ok := index[required]; !ok {
			return nil, fileError("The first line must be the header, with at least the columns email and name (the columns are %s).", strings.Join(ImportColumns, ","))
		}
	}
	return index, nil
}

// csvError explains a malformed file, with the line where reading stopped.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		line, what := pe.Line, "is not valid CSV"
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			what = "has a quote (\") inside a field that is not in quotes: put the whole field in double quotes and double the quotes inside it"
		case errors.Is(pe.Err, csv.ErrQuote) && pe.StartLine != pe.Line:
			// The quote opened on the record's first line never closed:
			// that is where to look, not where reading gave up.
			line, what = pe.StartLine, "opens a quoted field that is never closed"
		case errors.Is(pe.Err, csv.ErrQuote):
			what = "has text after the closing quote of a field"
		}
		return fileError("Line %d %s. Nothing can be checked until the file reads as CSV.", line, what)
	}
	return fileError("The file could not be read as CSV.")
}

func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// Addresses lists, in lower case, every well-formed address the file
// names, as a person or as a manager: the people the portal may already
// have.
func (f ImportFile) Addresses() []string {
	seen := map[string]bool{}
	var out []string
	for _, rec := range f.Records {
		for _, s := range []string{rec.Email, rec.Manager} {
			if e, err := NormalizeEmail(s); err == nil && !seen[strings.ToLower(e)] {
				seen[strings.ToLower(e)] = true
				out = append(out, strings.ToLower(e))
			}
		}
	}
	return out
}

// ImportGroup is a group of the portal, as an import sees it.
type ImportGroup struct {
	ID   int64
	Name string
	// Assigned: courses are assigned to the group, so a new member is
	// given them and takes a learner seat.
	Assigned bool
}

// ImportPortal is what an import is checked against.
type ImportPortal struct {
	// People are the portal's people the file names (see Addresses): lower-case
	// address -> user ID.
	People map[string]int64
	// Groups are the portal's groups by lower-case name.
	Groups map[string]ImportGroup
	// The portal's learner seats: its limit, those held, and those
	// promised to people invited into groups with assigned courses, who
	// take a seat when they accept.
	SeatLimit     int
	SeatsTaken    int
	SeatsPromised int
}

// FreeSeats is how many more people may be put in groups with assigned
// courses.
func (p ImportPortal) FreeSeats() int { return max(p.SeatLimit-p.SeatsTaken-p.SeatsPromised, 0) }

// ImportRow is one checked line: the person it describes and, when it
// cannot be imported, why.
type ImportRow struct {
	Line    int
	Email   string // trimmed, as written
	Name    string
	Roles   []Role
	Groups  []string // the groups' names as the portal spells them when known
	Manager string   // the manager's address, as written
	// GroupIDs are the row's groups; ManagerEmail its manager's address in
	// lower case when well formed, with ManagerID set when the manager has
	// an account already (otherwise the manager is a line of the file).
	GroupIDs     []int64
	ManagerEmail string
	ManagerID    int64
	// TakesSeat: the row's groups have assigned courses.
	TakesSeat bool
	Problems  []string
}

// OK reports whether the row can be imported.
func (r ImportRow) OK() bool { return len(r.Problems) == 0 }

func (r *ImportRow) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// ImportCheck is a checked file: every row, in the file's order, with its
// problems, and how many rows are fit to import.
type ImportCheck struct {
	Rows  []ImportRow
	Valid int
	Bad   int
}

// Check checks every line of the file against the portal p: the address
// (well formed, once in the file, not used here), the name, the roles
// (learner when none is given), the groups (existing), the manager (a
// person here or a line of the file, itself fit to import) and the seats
// (people put in groups with assigned courses must fit in the free seats,
// in the order of the file). It changes nothing.
func (f ImportFile) Check(p ImportPortal) ImportCheck {
	rows := make([]ImportRow, len(f.Records))
	linesOf := map[string][]int{} // lower-case address -> lines
	for i, rec := range f.Records {
		row := &rows[i]
		row.Line = rec.Line
		row.Email = strings.TrimSpace(rec.Email)
		row.Name = strings.TrimSpace(rec.Name)
		if rec.Fields != 0 {
			row.problem("This line has %d fields but the header has %d. Put a field that contains a comma in double quotes.", rec.Fields, f.Columns)
		}
		if email, err := NormalizeEmail(rec.Email); err != nil {
			if row.Email == "" {
				row.problem("The e-mail address is missing.")
			} else {
				row.problem("“%s” is not an e-mail address like name@example.com.", row.Email)
			}
		} else {
			row.Email = email
			key := strings.ToLower(email)
			linesOf[key] = append(linesOf[key], row.Line)
			if _, taken := p.People[key]; taken {
				row.problem("Someone with this address already has an account here.")
			}
		}
		if _, err := ValidateName(rec.Name); err != nil {
			if row.Name == "" {
				row.problem("The name is missing.")
			} else {
				row.problem("The name is longer than 200 characters.")
			}
		} else if strings.ContainsFunc(row.Name, unicode.IsControl) {
			// A quoted field may span lines; a name may not.
			row.problem("The name has a line break or another control character in it.")
		}
		row.Roles = checkRoles(row, rec.Roles)
		checkGroups(row, rec.Groups, p.Groups)
		checkManager(row, rec.Manager, p.People)
	}
	for i := range rows {
		row := &rows[i]
		lines := linesOf[strings.ToLower(row.Email)]
		if len(lines) < 2 {
			continue
		}
		var others []string
		for _, l := range lines {
			if l != row.Line {
				others = append(others, strconv.Itoa(l))
			}
		}
		word := "line"
		if len(others) > 1 {
			word = "lines"
		}
		if n := len(others); n > 5 {
			others = append(others[:5], formatCount(n-5)+" more")
		}
		// Every copy is refused: which one is right is the admin's call.
		row.problem("This address is also on %s %s: keep it on one line only.", word, joinAnd(others))
	}
	// The first line of each address, for managers named by address.
	rowOf := map[string]int{}
	for i, row := range rows {
		if key := strings.ToLower(row.Email); len(linesOf[key]) > 0 {
			if _, seen := rowOf[key]; !seen {
				rowOf[key] = i
			}
		}
	}
	for i := range rows {
		row := &rows[i]
		if row.ManagerEmail == "" || row.ManagerID != 0 {
			continue
		}
		if _, inFile := rowOf[row.ManagerEmail]; !inFile {
			row.problem("The manager %s is neither a person here nor on another line of this file.", row.Manager)
		}
	}
	refuseUnfitManagers(rows, rowOf)
	seatCheck(rows, p)
	// A line refused for its seat refuses the lines it manages too; the
	// seats those would have taken stay given, which errs on the side of
	// refusing (the admin sees why, and a second upload settles it).
	refuseUnfitManagers(rows, rowOf)
	check := ImportCheck{Rows: rows}
	for _, row := range rows {
		if row.OK() {
			check.Valid++
		} else {
			check.Bad++
		}
	}
	return check
}

func checkRoles(row *ImportRow, field string) []Role {
	var roles []Role
	for _, part := range strings.Split(field, ";") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "" {
			continue
		}
		r := Role(part)
		if !slices.Contains(AllRoles, r) {
			row.problem("“%s” is not a role: use learner, instructor or admin.", strings.TrimSpace(part))
		}
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	if len(roles) == 0 {
		roles = []Role{Learner}
	}
	return roles
}

func checkGroups(row *ImportRow, field string, groups map[string]ImportGroup) {
	for _, part := range strings.Split(field, ";") {
		name := strings.TrimSpace(part)
		if name == "" {
			continue
		}
		g, ok := groups[strings.ToLower(name)]
		if !ok {
			row.Groups = append(row.Groups, name)
			row.problem("There is no group called “%s” here: create it first, or correct the name.", name)
			continue
		}
		if slices.Contains(row.GroupIDs, g.ID) {
			continue
		}
		row.Groups = append(row.Groups, g.Name)
		row.GroupIDs = append(row.GroupIDs, g.ID)
		row.TakesSeat = row.TakesSeat || g.Assigned
	}
}

func checkManager(row *ImportRow, field string, people map[string]int64) {
	row.Manager = strings.TrimSpace(field)
	if row.Manager == "" {
		return
	}
	email, err := NormalizeEmail(row.Manager)
	switch {
	case err != nil:
		row.problem("The manager's address “%s” is not an e-mail address like name@example.com.", row.Manager)
	case strings.EqualFold(email, row.Email):
		row.problem("A person cannot be their own manager.")
	default:
		row.ManagerEmail = strings.ToLower(email)
		row.ManagerID = people[row.ManagerEmail]
	}
}

// refuseUnfitManagers refuses rows whose manager is a line of the file
// that cannot be imported, until no more rows are refused: the manager
// would not exist.
func refuseUnfitManagers(rows []ImportRow, rowOf map[string]int) {
	for changed := true; changed; {
		changed = false
		for i := range rows {
			row := &rows[i]
			if !row.OK() || row.ManagerEmail == "" || row.ManagerID != 0 {
				continue
			}
			m, ok := rowOf[row.ManagerEmail]
			if ok && !rows[m].OK() {
				row.problem("The manager %s is on line %d, which cannot be imported as it is.", row.Manager, rows[m].Line)
				changed = true
			}
		}
	}
}

// seatCheck gives the free seats to the fit rows that take one, in the
// file's order; the rows past them are refused.
func seatCheck(rows []ImportRow, p ImportPortal) {
	free := p.FreeSeats()
	why := fmt.Sprintf("the portal's limit of %s seats", formatCount(p.SeatLimit))
	switch {
	case free == 0:
		why += " is reached"
	default:
		why += fmt.Sprintf(" leaves %s free, which go to earlier lines", formatCount(free))
	}
	if p.SeatsPromised > 0 {
		why += fmt.Sprintf(" (%s held, %s kept for people invited earlier)", formatCount(p.SeatsTaken), formatCount(p.SeatsPromised))
	}
	for i := range rows {
		row := &rows[i]
		if !row.OK() || !row.TakesSeat {
			continue
		}
		if free > 0 {
			free--
			continue
		}
		row.problem("Too many seats: this person's groups have assigned courses, so they would take a learner seat, and %s.", why)
	}
}

// joinAnd joins words as prose: "3", "3 and 7", "3, 7 and 9".
func joinAnd(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}

// formatCount writes a number with thousands separators: 5,000.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
