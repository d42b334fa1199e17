package mail_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/upward-lms/upward/internal/mail"
)

var acme = mail.Branding{SiteName: "Acme Academy", PrimaryColor: "#2a7d4f", BaseURL: "https://acme.example"}

// htmlOf parses the message's HTML body, failing the test on error.
func htmlOf(t *testing.T, m mail.Message) *goquery.Document {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(m.HTML))
	if err != nil {
		t.Fatalf("parse HTML: %v", err)
	}
	return doc
}

func TestCompose(t *testing.T) {
	t.Parallel()
	invite := &mail.Action{Label: "Accept the invitation", URL: "https://acme.example/invite?token=abc123&course=7"}

	t.Run("FillsRecipientSubjectAndSenderName", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "Welcome", "Hello.", nil, "")
		if m.To != "ada@example.com" || m.ToName != "Ada" || m.Subject != "Welcome" || m.FromName != "Acme Academy" {
			t.Errorf("got %+v", m)
		}
		if m.From != "" {
			t.Errorf("From = %q; the caller sets the sending address", m.From)
		}
	})

	t.Run("EscapesMarkupInHTML", func(t *testing.T) {
		script := "<script>alert(1)</script>"
		m := mail.Compose(acme, "ada@example.com", "Ada", "Hi "+script, "Intro "+script, nil, "Outro "+script)
		if strings.Contains(m.HTML, "<script") {
			t.Fatalf("HTML contains a script element:\n%s", m.HTML)
		}
		doc := htmlOf(t, m)
		if got := doc.Find("title").Text(); got != "Hi "+script {
			t.Errorf("title = %q", got)
		}
		if !strings.Contains(doc.Find("body").Text(), "Intro "+script) {
			t.Errorf("intro is not shown as text:\n%s", m.HTML)
		}
		if !strings.Contains(m.Text, "Intro "+script) {
			t.Errorf("plain text altered the intro:\n%s", m.Text)
		}
	})

	t.Run("PutsActionURLInBothParts", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "Invitation", "You are invited.", invite, "")
		if !strings.Contains(m.Text, invite.URL) {
			t.Errorf("text part lacks the URL:\n%s", m.Text)
		}
		doc := htmlOf(t, m)
		button := doc.Find(`[data-testid="action"]`)
		if href, _ := button.Attr("href"); href != invite.URL {
			t.Errorf("button href = %q, want %q", href, invite.URL)
		}
		if got := button.Text(); got != invite.Label {
			t.Errorf("button label = %q", got)
		}
		// Printed as text too, for clients that drop the button.
		if got := doc.Find(`[data-testid="action-url"]`).Text(); got != invite.URL {
			t.Errorf("URL as text = %q, want %q", got, invite.URL)
		}
	})

	t.Run("ResolvesRelativeActionURLAgainstBaseURL", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "Course", "", &mail.Action{Label: "Open", URL: "/courses/7"}, "")
		want := "https://acme.example/courses/7"
		if href, _ := htmlOf(t, m).Find(`[data-testid="action"]`).Attr("href"); href != want {
			t.Errorf("href = %q, want %q", href, want)
		}
		if !strings.Contains(m.Text, want) {
			t.Errorf("text part lacks %s:\n%s", want, m.Text)
		}
	})

	t.Run("NeutralisesScriptURL", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "", &mail.Action{Label: "Open", URL: "javascript:alert(1)"}, "")
		if href, _ := htmlOf(t, m).Find(`[data-testid="action"]`).Attr("href"); strings.HasPrefix(href, "javascript:") {
			t.Errorf("href = %q", href)
		}
	})

	t.Run("WithoutActionHasNoButton", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "Just news.", nil, "")
		if n := htmlOf(t, m).Find(`[data-testid="action"]`).Length(); n != 0 {
			t.Errorf("found %d buttons", n)
		}
	})

	t.Run("KeepsParagraphs", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "First.\n\nSecond.", invite, "Third.")
		var got []string
		htmlOf(t, m).Find("p").Each(func(_ int, p *goquery.Selection) { got = append(got, p.Text()) })
		if len(got) < 4 || got[0] != "First." || got[1] != "Second." || got[len(got)-1] != "Third." {
			t.Errorf("paragraphs = %q", got)
		}
		if !strings.HasPrefix(m.Text, "First.\n\nSecond.\n\n") || !strings.Contains(m.Text, "Third.") {
			t.Errorf("text part:\n%s", m.Text)
		}
	})

	t.Run("SignsWithSiteName", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "Hi.", nil, "")
		if got := htmlOf(t, m).Find(`[data-testid="footer"]`).Text(); got != "Sent by Acme Academy" {
			t.Errorf("footer = %q", got)
		}
		if !strings.Contains(m.Text, "\nSent by Acme Academy\n") {
			t.Errorf("text part lacks the footer:\n%s", m.Text)
		}
	})

	t.Run("NamesTheResellerOfAClientPortalWithItsLogo", func(t *testing.T) {
		b := acme
		b.PoweredBy, b.PoweredByLogo = "Northwind Learning", "https://acme.example/logo/reseller-logo-1-ab.png"
		m := mail.Compose(b, "ada@example.com", "Ada", "x", "Hi.", nil, "")
		footer := htmlOf(t, m).Find(`[data-testid="footer"]`)
		if got := footer.Text(); got != "Sent by Acme Academy · powered by Northwind Learning" {
			t.Errorf("footer = %q", got)
		}
		if src, _ := footer.Find("img").Attr("src"); src != b.PoweredByLogo {
			t.Errorf("footer logo = %q, want %q", src, b.PoweredByLogo)
		}
		if !strings.Contains(m.Text, "\nSent by Acme Academy, powered by Northwind Learning\n") || strings.Contains(m.HTML+m.Text, "Upward") {
			t.Errorf("text part:\n%s", m.Text)
		}
	})

	t.Run("UsesPrimaryColorForHeaderAndButton", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "", invite, "")
		doc := htmlOf(t, m)
		for _, id := range []string{"header", "action"} {
			style, _ := doc.Find(`[data-testid="` + id + `"]`).Attr("style")
			if !strings.Contains(style, "background:#2a7d4f;") {
				t.Errorf("%s style = %q", id, style)
			}
		}
	})

	t.Run("FallsBackFromInvalidColor", func(t *testing.T) {
		for _, bad := range []string{"", "red", "#12345", "#1234567", "#2a7d4f;background:url(https://evil.example/x)"} {
			b := acme
			b.PrimaryColor = bad
			m := mail.Compose(b, "ada@example.com", "Ada", "x", "", invite, "")
			style, _ := htmlOf(t, m).Find(`[data-testid="header"]`).Attr("style")
			if !strings.Contains(style, "background:"+mail.DefaultPrimaryColor+";") || strings.Contains(m.HTML, "evil") {
				t.Errorf("PrimaryColor %q gave style %q", bad, style)
			}
		}
	})

	t.Run("KeepsTextReadableOnPaleColor", func(t *testing.T) {
		cases := map[string]string{"#ffd700": "color:#111111;", "#1f5fa8": "color:#ffffff;"}
		for bg, want := range cases {
			b := acme
			b.PrimaryColor = bg
			style, _ := htmlOf(t, mail.Compose(b, "a@example.com", "", "x", "", invite, "")).Find(`[data-testid="action"]`).Attr("style")
			if !strings.Contains(style, want) {
				t.Errorf("on %s: style = %q, want %s", bg, style, want)
			}
		}
	})

	t.Run("BrandsWithLogoColourAndSenderName", func(t *testing.T) {
		b := acme
		b.LogoURL = "https://acme.example/logo/logo-1-0a1b2c3d4e5f6071.png"
		m := mail.Compose(b, "ada@example.com", "Ada", "Welcome", "Hello.", invite, "")
		if m.FromName != "Acme Academy" {
			t.Errorf("FromName = %q, want the portal's name", m.FromName)
		}
		doc := htmlOf(t, m)
		header := doc.Find(`[data-testid="header"]`)
		if src, _ := header.Find(`img[data-testid="logo"]`).Attr("src"); src != b.LogoURL {
			t.Errorf("header logo = %q, want %q", src, b.LogoURL)
		}
		// Many clients block images: the name stays beside the logo.
		if got := strings.TrimSpace(header.Text()); got != "Acme Academy" {
			t.Errorf("header text = %q", got)
		}
		if style, _ := header.Attr("style"); !strings.Contains(style, "background:#2a7d4f;") {
			t.Errorf("header style = %q", style)
		}
	})

	t.Run("WithoutLogoHasNoImage", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "Hi.", nil, "")
		if n := htmlOf(t, m).Find("img").Length(); n != 0 {
			t.Errorf("found %d images", n)
		}
	})

	t.Run("TextPartSaysWhatTheHTMLSays", func(t *testing.T) {
		b := acme
		b.PoweredBy = "Northwind Learning"
		m := mail.Compose(b, "ada@example.com", "Ada", "Invitation", "You are invited.\n\nBring a friend.", invite, "See you there.")
		doc := htmlOf(t, m)
		var html []string
		doc.Find(`p, [data-testid="footer"]`).Each(func(_ int, s *goquery.Selection) {
			html = append(html, strings.Join(strings.Fields(s.Text()), " "))
		})
		text := strings.Join(strings.Fields(m.Text), " ")
		for _, want := range []string{"You are invited.", "Bring a friend.", "See you there.", invite.Label, invite.URL,
			"Sent by Acme Academy", "powered by Northwind Learning"} {
			inHTML := false
			for _, h := range html {
				inHTML = inHTML || strings.Contains(h, want)
			}
			if !inHTML || !strings.Contains(text, want) {
				t.Errorf("%q: in HTML %v, in text %v\ntext:\n%s", want, inHTML, strings.Contains(text, want), m.Text)
			}
		}
		// And in the same order.
		if a, b2, c := strings.Index(text, "You are invited."), strings.Index(text, invite.URL), strings.Index(text, "See you there."); !(a < b2 && b2 < c) {
			t.Errorf("text part out of order:\n%s", m.Text)
		}
	})

	t.Run("HasAHiddenPreheader", func(t *testing.T) {
		long := strings.Repeat("A rather long sentence about the course. ", 8)
		for intro, want := range map[string]string{
			"Your course starts Monday.\n\nMore.": "Your course starts Monday.",
			"":                                    invite.Label,
		} {
			m := mail.Compose(acme, "ada@example.com", "Ada", "x", intro, invite, "")
			pre := htmlOf(t, m).Find(`[data-testid="preheader"]`)
			if got := pre.Text(); got != want {
				t.Errorf("preheader = %q, want %q", got, want)
			}
			if style, _ := pre.Attr("style"); !strings.Contains(style, "display:none") {
				t.Errorf("preheader is shown: %q", style)
			}
		}
		got := htmlOf(t, mail.Compose(acme, "a@example.com", "", "x", long, nil, "")).Find(`[data-testid="preheader"]`).Text()
		if n := len([]rune(got)); n > 121 || !strings.HasSuffix(got, "…") {
			t.Errorf("long preheader = %q (%d characters)", got, n)
		}
	})

	t.Run("FitsAPhoneAndFollowsDarkMode", func(t *testing.T) {
		m := mail.Compose(acme, "ada@example.com", "Ada", "x", "Hi.", invite, "")
		doc := htmlOf(t, m)
		if v, _ := doc.Find(`meta[name="viewport"]`).Attr("content"); v != "width=device-width, initial-scale=1" {
			t.Errorf("viewport = %q", v)
		}
		if v, _ := doc.Find(`meta[name="color-scheme"]`).Attr("content"); v != "light dark" {
			t.Errorf("color-scheme = %q", v)
		}
		css := doc.Find("style").Text()
		if !strings.Contains(css, "prefers-color-scheme: dark") || !strings.Contains(css, "max-width: 480px") {
			t.Errorf("style block:\n%s", css)
		}
		// No fixed width wider than a phone: the card is 100% up to 560 px.
		if strings.Contains(m.HTML, `width="560"`) || strings.Contains(m.HTML, "min-width") {
			t.Error("the layout has a fixed width")
		}
	})
}
