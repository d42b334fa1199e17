package mail

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// DefaultPrimaryColor is used when Branding.PrimaryColor is not a #rrggbb
// colour.
const DefaultPrimaryColor = "#1f5fa8"

// Branding is how a portal's mail looks and where its links point.
type Branding struct {
	SiteName     string // shown in the header bar and the footer
	PrimaryColor string // #rrggbb; header bar and button
	BaseURL      string // relative action URLs are resolved against it
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
// ToName, Subject, Text, HTML and, from the branding, FromName; From is left
// to the caller, who knows the sending address.
//
// The action URL is printed as text in both bodies, so that it works in
// text-only clients and when a client disables the button.
func Compose(b Branding, to, toName, subject, intro string, action *Action, outro string) Message {
	v := view{
		Subject:       subject,
		SiteName:      b.SiteName,
		BaseURL:       b.BaseURL,
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
		v.Action = &Action{Label: action.Label, URL: absoluteURL(b.BaseURL, action.URL)}
	}

	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, v); err != nil {
		// The template is fixed and the view holds only strings, so this
		// is a programming error that the tests catch.
		panic(fmt.Sprintf("mail: compose: %v", err))
	}
	return Message{
		To:       to,
		ToName:   toName,
		FromName: b.SiteName,
		Subject:  subject,
		Text:     v.text(),
		HTML:     html.String(),
	}
}

var (
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	// htmlTemplate escapes every value for its context (text, attribute,
	// URL, CSS), which is what makes user-supplied course names and
	// subjects safe to put in the HTML body.
	htmlTemplate = template.Must(template.New("mail").Parse(htmlSource))
)

// htmlSource is deliberately plain: tables and inline styles are what mail
// clients render consistently; role="presentation" keeps screen readers
// from announcing the layout tables.
const htmlSource = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Subject}}</title>
</head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #d9dde3;border-radius:6px;">
<tr><td data-testid="header" style="background:{{.Color}};color:{{.OnColor}};padding:16px 24px;border-radius:6px 6px 0 0;font:bold 18px/1.3 Arial,Helvetica,sans-serif;">{{.SiteName}}</td></tr>
<tr><td style="padding:24px;color:#1a1a1a;font:16px/1.5 Arial,Helvetica,sans-serif;">
{{- range .Intro}}
<p style="margin:0 0 16px;">{{.}}</p>
{{- end}}
{{- with .Action}}
<p style="margin:24px 0;"><a data-testid="action" href="{{.URL}}" style="display:inline-block;background:{{$.Color}};color:{{$.OnColor}};padding:12px 20px;border-radius:4px;font-weight:bold;text-decoration:none;">{{.Label}}</a></p>
<p style="margin:0 0 16px;color:#444444;font-size:14px;">If the button does not work, copy this address into your browser:<br>
<a data-testid="action-url" href="{{.URL}}" style="color:#1a1a1a;word-break:break-all;">{{.URL}}</a></p>
{{- end}}
{{- range .Outro}}
<p style="margin:0 0 16px;">{{.}}</p>
{{- end}}
</td></tr>
<tr><td data-testid="footer" style="padding:16px 24px;border-top:1px solid #d9dde3;color:#555555;font:13px/1.5 Arial,Helvetica,sans-serif;">Sent by {{if .BaseURL}}<a href="{{.BaseURL}}" style="color:#555555;">{{.SiteName}}</a>{{else}}{{.SiteName}}{{end}}
{{- with .PoweredBy}} · <span data-testid="powered-by">powered by {{if $.PoweredByLogo}}<img src="{{$.PoweredByLogo}}" alt="" height="20" style="height:20px;width:auto;vertical-align:middle;border:0;margin-right:4px;">{{end}}{{.}}</span>{{end}}</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`

// view is what the HTML template and the text body are made from.
type view struct {
	Subject  string
	SiteName string
	BaseURL  string
	// PoweredBy and PoweredByLogo: see Branding.
	PoweredBy, PoweredByLogo string
	Color                    string // validated #rrggbb
	OnColor                  string // text colour readable on Color
	Intro                    []string
	Action                   *Action
	Outro                    []string
}

func (v view) text() string {
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
