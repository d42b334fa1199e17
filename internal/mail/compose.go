package mail

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/upward-lms/upward/web/email"
)

// DefaultPrimaryColor is used when Branding.PrimaryColor is not a #rrggbb
// colour.
const DefaultPrimaryColor = "#1f5fa8"

// Branding is how a portal's mail looks and where its links point.
type Branding struct {
	SiteName     string // shown in the header bar and the footer
	PrimaryColor string // #rrggbb; header bar and button
	BaseURL      string // relative action URLs are resolved against it
	// LogoURL is the absolute URL of the portal's logo, shown in the
	// header bar beside its name; optional.
	LogoURL string
	// PoweredBy is the reseller a client portal is sold by, named in the
	// footer (white label); empty for a portal the platform sells itself.
	PoweredBy string
	// PoweredByLogo is the absolute URL of the reseller's logo, shown
	// beside its name; optional.
	PoweredByLogo string
}

// Action is the one thing a message asks the reader to do, shown as a button.
type Action struct {
	Label string
	URL   string
}

// Compose builds a message from plain-text parts: intro and outro are
// paragraphs separated by blank lines, action is optional. It fills To,
// ToName, Subject, Text, HTML and, from the branding, FromName (the
// portal's name, which inboxes show as the sender); From is left to the
// caller, who knows the sending address.
//
// Both bodies say the same: every paragraph, the action's URL printed as
// text (so that it works in text-only clients and when a client disables
// the button) and who sent it. The HTML is web/email's.
func Compose(b Branding, to, toName, subject, intro string, action *Action, outro string) Message {
	v := email.View{
		Subject:       subject,
		SiteName:      b.SiteName,
		BaseURL:       b.BaseURL,
		LogoURL:       b.LogoURL,
		Color:         DefaultPrimaryColor,
		PoweredBy:     b.PoweredBy,
		PoweredByLogo: b.PoweredByLogo,
		Intro:         paragraphs(intro),
		Outro:         paragraphs(outro),
	}
	// The colour is written into style attributes; only a strict #rrggbb
	// gets there, so a tenant's setting cannot add CSS of its own.
	if colorRE.MatchString(b.PrimaryColor) {
		v.Color = strings.ToLower(b.PrimaryColor)
	}
	v.OnColor = readableOn(v.Color)
	if action != nil {
		v.Action = &email.Action{Label: action.Label, URL: absoluteURL(b.BaseURL, action.URL)}
	}
	v.Preheader = preheader(v)

	var html bytes.Buffer
	if err := email.Message(v).Render(context.Background(), &html); err != nil {
		// The component is fixed and the view holds only strings, so
		// this is a programming error that the tests catch.
		panic(fmt.Sprintf("mail: compose: %v", err))
	}
	return Message{
		To:       to,
		ToName:   toName,
		FromName: b.SiteName,
		Subject:  subject,
		Text:     text(v),
		HTML:     html.String(),
	}
}

var colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

// preheader is the inbox's preview line: the message's first paragraph,
// or what it asks the reader to do, cut at a word near 120 characters.
func preheader(v email.View) string {
	s := ""
	switch {
	case len(v.Intro) > 0:
		s = v.Intro[0]
	case v.Action != nil:
		s = v.Action.Label
	}
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 120 {
		cut := string(r[:120])
		if i := strings.LastIndex(cut, " "); i > 60 {
			cut = cut[:i]
		}
		s = cut + "…"
	}
	return s
}

// text is the plain-text body: what the HTML says, in the same order.
func text(v email.View) string {
	var sb strings.Builder
	for _, p := range v.Intro {
		sb.WriteString(p + "\n\n")
	}
	if v.Action != nil {
		sb.WriteString(v.Action.Label + ":\n" + v.Action.URL + "\n\n")
	}
	for _, p := range v.Outro {
		sb.WriteString(p + "\n\n")
	}
	// "-- " (with the space) is the signature separator clients recognise.
	sb.WriteString("-- \nSent by " + v.SiteName)
	if v.PoweredBy != "" {
		sb.WriteString(", powered by " + v.PoweredBy)
	}
	sb.WriteString("\n")
	if v.BaseURL != "" {
		sb.WriteString(v.BaseURL + "\n")
	}
	return sb.String()
}

// paragraphs splits s at blank lines, dropping empty paragraphs.
func paragraphs(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var ps []string
	for _, p := range strings.Split(s, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// absoluteURL resolves ref against base, because a mail client has no page
// to resolve a relative link against. ref is returned as it is when either
// does not parse.
func absoluteURL(base, ref string) string {
	if base == "" {
		return ref
	}
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil || r.IsAbs() {
		return ref
	}
	return b.ResolveReference(r).String()
}

// readableOn returns white or near-black, whichever contrasts more with the
// #rrggbb background, so that a pale brand colour keeps its text legible
// (WCAG relative luminance).
func readableOn(bg string) string {
	lum := 0.0
	for i, weight := range []float64{0.2126, 0.7152, 0.0722} {
		c, _ := strconv.ParseUint(bg[1+2*i:3+2*i], 16, 8)
		s := float64(c) / 255
		if s <= 0.03928 {
			s /= 12.92
		} else {
			s = math.Pow((s+0.055)/1.055, 2.4)
		}
		lum += weight * s
	}
	const darkLum = 0.0056 // #111111
	if (1.05)/(lum+0.05) >= (lum+0.05)/(darkLum+0.05) {
		return "#ffffff"
	}
	return "#111111"
}
