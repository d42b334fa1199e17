// Package icaltest reads iCalendar text strictly, for tests: it refuses
// what RFC 5545 does not allow in what Upward writes, and unfolds and
// unescapes the rest.
package icaltest

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Property is one content line: its name, parameters and value (TEXT
// unescaped).
type Property struct {
	Name   string
	Params string
	Value  string
}

// Component is a BEGIN/END block's properties, by name (the first of each).
type Component map[string]Property

// Parse checks data (CRLF line ends, no line over 75 octets, valid UTF-8,
// continuation lines starting with a space, balanced BEGIN/END, escapes
// that RFC 5545 knows) and returns the calendar's properties and its
// events'.
func Parse(data string) (cal Component, events []Component, err error) {
	if !utf8.ValidString(data) {
		return nil, nil, fmt.Errorf("not UTF-8")
	}
	if !strings.HasSuffix(data, "\r\n") {
		return nil, nil, fmt.Errorf("does not end with CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(data, "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			return nil, nil, fmt.Errorf("line %d: a bare CR or LF", i+1)
		}
		if len(l) > 75 {
			return nil, nil, fmt.Errorf("line %d: %d octets", i+1, len(l))
		}
		if strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t") {
			if len(lines) == 0 {
				return nil, nil, fmt.Errorf("line %d: continues nothing", i+1)
			}
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	var stack []string
	var cur Component
	for _, l := range lines {
		colon := strings.IndexByte(l, ':')
		if colon < 0 {
			return nil, nil, fmt.Errorf("%q: no colon", l)
		}
		head, value := l[:colon], l[colon+1:]
		name, params, _ := strings.Cut(head, ";")
		p := Property{Name: strings.ToUpper(name), Params: params, Value: value}
		switch p.Name {
		case "BEGIN":
			stack = append(stack, value)
			cur = Component{}
			if value == "VCALENDAR" {
				cal = cur
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != value {
				return nil, nil, fmt.Errorf("END:%s does not close %v", value, stack)
			}
			stack = stack[:len(stack)-1]
			if value == "VEVENT" {
				events = append(events, cur)
				cur = cal
			}
			continue
		}
		if cur == nil {
			return nil, nil, fmt.Errorf("%q outside a component", l)
		}
		if isText(p.Name) {
			v, err := unescape(value)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", p.Name, err)
			}
			p.Value = v
		}
		if _, seen := cur[p.Name]; !seen {
			cur[p.Name] = p
		}
	}
	if len(stack) != 0 || cal == nil {
		return nil, nil, fmt.Errorf("unbalanced: %v", stack)
	}
	return cal, events, nil
}

func isText(name string) bool {
	switch name {
	case "SUMMARY", "DESCRIPTION", "LOCATION", "X-WR-CALNAME", "PRODID", "UID":
		return true
	}
	return false
}

func unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			if i+1 == len(s) {
				return "", fmt.Errorf("a lone backslash")
			}
			i++
			switch s[i] {
			case '\\', ';', ',':
				b.WriteByte(s[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				return "", fmt.Errorf("unknown escape \\%c", s[i])
			}
		case c == ';' || c == ',':
			return "", fmt.Errorf("unescaped %q in %q", c, s)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// Time reads a DATE-TIME property: in UTC (a trailing Z) or with a TZID
// parameter naming an IANA zone; a floating time is refused, because it
// would mean a different instant to each reader.
func Time(p Property) (time.Time, error) {
	if strings.HasSuffix(p.Value, "Z") {
		return time.Parse("20060102T150405Z", p.Value)
	}
	tzid, ok := strings.CutPrefix(p.Params, "TZID=")
	if !ok {
		return time.Time{}, fmt.Errorf("%s: %q is neither UTC nor has a TZID", p.Name, p.Value)
	}
	loc, err := time.LoadLocation(strings.Trim(tzid, `"`))
	if err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation("20060102T150405", p.Value, loc)
}
