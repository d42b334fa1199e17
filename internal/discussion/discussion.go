// Package discussion holds the rules of course discussions: what a post
// may hold, how long its author may edit it, how people are mentioned,
// and what a report needs. It imports no infrastructure.
package discussion

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/upward-lms/upward/internal/apperr"
)

// Limits of what people write.
const (
	MaxBody   = 5000 // characters of Markdown in a post
	MaxReason = 500  // characters of a report's reason
	// MaxMentions is how many people one post notifies at most, so a post
	// cannot page a whole course.
	MaxMentions = 20
)

// EditWindow is how long after posting its author may change a post.
const EditWindow = 15 * time.Minute

// CheckBody checks a post's text, returning it trimmed.
func CheckBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return "", apperr.Fields{"body": "Write something to post."}
	case n > MaxBody:
		return "", apperr.Fields{"body": "A post holds at most 5,000 characters; this one has " + itoa(n) + "."}
	}
	return body, nil
}

// CheckReason checks a report's reason, returning it trimmed.
func CheckReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", apperr.Fields{"reason": "Say what is wrong with this post, so a moderator can judge it."}
	case n > MaxReason:
		return "", apperr.Fields{"reason": "A reason holds at most 500 characters."}
	}
	return reason, nil
}

// MayEdit reports whether a post written at createdAt may be changed at now.
func MayEdit(createdAt, now time.Time) bool {
	return !now.Before(createdAt) && now.Sub(createdAt) <= EditWindow
}

// Handle is how a person is mentioned: their name in lower case, its
// words (letters and digits) joined by dots, so "Priya Shah" is
// @priya.shah and "Jean-Luc O'Brien" is @jean.luc.o.brien.
func Handle(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	return strings.Join(words, ".")
}

// mentionRE finds @handles: words joined by single dots, so the full stop
// ending a sentence is not part of the handle. An @ inside a word (an
// e-mail address) is no mention.
var mentionRE = regexp.MustCompile(`(?:^|[^\p{L}\p{N}@.])@([\p{L}\p{N}]+(?:\.[\p{L}\p{N}]+)*)`)

// Mentions lists the distinct handles a post mentions, in lower case, in
// the order they first appear, at most MaxMentions.
func Mentions(body string) []string {
	var out []string
	for _, m := range mentionRE.FindAllStringSubmatch(body, -1) {
		h := strings.ToLower(m[1])
		if !slices.Contains(out, h) {
			out = append(out, h)
		}
		if len(out) == MaxMentions {
			break
		}
	}
	return out
}

// NewMentions lists the handles after mentions that before did not: an
// edit notifies only the people it adds.
func NewMentions(before, after string) []string {
	old := Mentions(before)
	var out []string
	for _, h := range Mentions(after) {
		if !slices.Contains(old, h) {
			out = append(out, h)
		}
	}
	return out
}

// Excerpt is the start of a post's text for a notification: one line.
func Excerpt(body string, max int) string {
	s := strings.Join(strings.Fields(body), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max-1]) + "…"
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for n >= 10 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	i--
	b[i] = byte('0' + n)
	s := string(b[i:])
	if len(s) > 3 {
		return s[:len(s)-3] + "," + s[len(s)-3:]
	}
	return s
}

// ThreadPath is where a thread is on the portal: the course's page for
// the course's own thread (lesson ""), else the lesson's.
func ThreadPath(courseSlug, lesson string) string {
	p := "/courses/" + url.PathEscape(courseSlug)
	if lesson != "" {
		p += "/lessons/" + url.PathEscape(lesson)
	}
	return p
}

// PostPath is a post's place in its thread.
func PostPath(courseSlug, lesson string, postID int64) string {
	return ThreadPath(courseSlug, lesson) + "#" + Anchor(postID)
}

// Anchor is the id of a post's element on the page.
func Anchor(postID int64) string { return "post-" + strconv.FormatInt(postID, 10) }
