package server_test

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/upward-lms/upward/internal/certpdf/certpdftest"
	"github.com/upward-lms/upward/internal/fixture"
)

// A learner downloads the PDF of a certificate, and it prints her name
// as she writes it, in any script: the Latin, Greek and Chinese of one
// name, Cyrillic, and Arabic joined and right to left.
func TestCertificatePDF_PrintsTheLearnersNameInAnyScript(t *testing.T) {
	t.Parallel()
	s := newServer(t, nil)
	learners := []struct {
		email, name string
		// what the PDF's text must hold: the name, or for Arabic the
		// letters' joined forms, which pdftotext reads in typed order
		want string
	}{
		{"zoe@acme.test", "Zoë Łukasiewicz-Παπαδόπουλος 王小明", "Zoë Łukasiewicz-Παπαδόπουλος 王小明"},
		{"anna@acme.test", "Анна Каренина", "Анна Каренина"},
		{"muhammad@acme.test", "محمد عبد الله", "\uFEE3\uFEA4\uFEE4\uFEAA \uFECB\uFE92\uFEAA \uFE8D\uFEDF\uFEE0\uFEEA"},
	}
	spec := fixture.Spec{Slug: "acme", Name: "Acme Learning", Courses: []fixture.Course{{Slug: "feedback", Title: "Giving feedback that lands"}}}
	for _, l := range learners {
		spec.People = append(spec.People, fixture.Person{Email: l.email, Name: l.name})
		spec.Progress = append(spec.Progress, fixture.Progress{Who: l.email, Course: "feedback", Step: fixture.Passed})
	}
	fixture.Build(t, s.db, spec)

	for _, l := range learners {
		t.Run(l.email, func(t *testing.T) {
			c := newClient(t, s, "acme.localhost")
			if p := signIn(c, l.email, fixture.Password); p.status != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", p.status)
			}
			link, ok := c.get("/learn").doc.Find(`[data-testid="certificates"] a`).Attr("href")
			if !ok {
				t.Fatal("the dashboard shows no certificate")
			}
			res, body := c.raw(link + "/pdf")
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
				!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="certificate-`) || !strings.HasPrefix(string(body), "%PDF-") {
				t.Fatalf("the PDF: %d %s %q %.20q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), body)
			}
			text := certpdftest.Text(t, body)
			code := link[strings.LastIndex(link, "/")+1:]
			for _, want := range []string{"Acme Learning", "Certificate of completion", l.want, "Giving feedback that lands", "Verification code " + code} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF's text lacks %+q:\n%s", want, text)
				}
			}
			// Under NFKC the joined forms are the letters: the name as typed.
			if !strings.Contains(norm.NFKC.String(text), l.name) {
				t.Errorf("the PDF's text, under NFKC, lacks %q:\n%s", l.name, text)
			}
		})
	}
}
