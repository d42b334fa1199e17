package server_test

import (
	"bytes"
	"image"
	pngenc "image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// adminClient signs in acme's administrator, Boss (withAdmin).
func adminClient(t *testing.T, s *testServer) *client {
	t.Helper()
	c := newClient(t, s, "acme.localhost")
	if p := signIn(c, bossOfAcme.Email, goodPassword); p.status != http.StatusSeeOther {
		t.Fatalf("admin sign-in: %d", p.status)
	}
	return c
}

func TestAdmin_LearnersAreRefused(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t)
	c := newClient(t, s, "acme.localhost")
	signIn(c, "ana@acme.test", goodPassword)
	for _, path := range []string{"/admin", "/admin/users", "/admin/groups", "/admin/settings", "/admin/audit"} {
		if p := c.get(path); p.status != http.StatusForbidden {
			t.Errorf("learner on %s: %d, want 403", path, p.status)
		}
	}
}

func TestAdmin_InvitationIsAcceptedOnceAndExpires(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/users")
	if p := admin.post("/admin/users/invite", url.Values{"name": {"Chen Wei"}, "email": {"chen@acme.test"}, "roles": {"learner", "instructor"}}); p.status != http.StatusSeeOther {
		t.Fatalf("invite: %d", p.status)
	}
	link := mailedLink(t, s, "chen@acme.test", "/invitations/accept")
	token, _ := url.QueryUnescape(strings.TrimPrefix(link, "/invitations/accept?token="))

	newcomer := newClient(t, s, "acme.localhost")
	newcomer.get(link)
	t.Run("BadPasswordKeepsTheInvitation", func(t *testing.T) {
		p := newcomer.post("/invitations/accept", url.Values{"token": {token}, "name": {"Chen Wei"}, "password": {"short"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-password"]`) == "" {
			t.Errorf("status %d", p.status)
		}
	})
	if p := newcomer.post("/invitations/accept", url.Values{"token": {token}, "name": {"Chen Wei"}, "password": {goodPassword}}); p.status != http.StatusSeeOther {
		t.Fatalf("accept: %d", p.status)
	}
	if got := newcomer.get("/account").text(`[data-testid="account-email"]`); got != "chen@acme.test" {
		t.Errorf("signed in as %q after accepting", got)
	}
	t.Run("UsedTokenIsRefused", func(t *testing.T) {
		other := newClient(t, s, "acme.localhost")
		other.get(link)
		p := other.post("/invitations/accept", url.Values{"token": {token}, "name": {"Intruder"}, "password": {goodPassword}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="form-error"]`) == "" {
			t.Errorf("second use: %d", p.status)
		}
	})
	t.Run("UnknownTokenIsRefused", func(t *testing.T) {
		other := newClient(t, s, "acme.localhost")
		other.get("/invitations/accept?token=nope")
		if p := other.post("/invitations/accept", url.Values{"token": {"nope"}, "name": {"X"}, "password": {goodPassword}}); p.status != http.StatusUnprocessableEntity {
			t.Errorf("unknown token: %d", p.status)
		}
	})
	t.Run("InvitingAnExistingAddressIsAFieldError", func(t *testing.T) {
		admin.get("/admin/users")
		p := admin.post("/admin/users/invite", url.Values{"name": {"Dup"}, "email": {"CHEN@acme.test"}, "roles": {"learner"}})
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-email"]`) == "" {
			t.Errorf("status %d", p.status)
		}
	})
}

func TestAdmin_RoleChangeEndsThePersonsSessions(t *testing.T) {
	t.Parallel()
	s, acme, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	ana := newClient(t, s, "acme.localhost")
	signIn(ana, "ana@acme.test", goodPassword)

	anaID := itoa(acme.Person(t, "ana@acme.test").ID)
	admin.get("/admin/users/" + anaID)
	if p := admin.post("/admin/users/"+anaID, url.Values{"name": {"Ana"}, "roles": {"learner", "instructor"}, "status": {"active"}}); p.status != http.StatusSeeOther {
		t.Fatalf("update: %d", p.status)
	}
	if p := ana.get("/account"); p.status != http.StatusSeeOther {
		t.Errorf("after a role change Ana's old session still works (%d)", p.status)
	}
	signIn(ana, "ana@acme.test", goodPassword)
	if roles := ana.get("/account").doc.Find("dd").Eq(2).Text(); !strings.Contains(roles, "instructor") {
		t.Errorf("roles after signing in again: %q", roles)
	}
}

func TestAdmin_Groups(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	admin.get("/admin/groups")
	p := admin.post("/admin/groups", url.Values{"name": {"Sales cohort 1"}, "kind": {"cohort"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("create group: %d", p.status)
	}
	groupPath := p.header.Get("Location")
	g := admin.get(groupPath)
	userID, _ := g.doc.Find(`select[name="user_id"] option`).First().Attr("value")
	if p := admin.post(groupPath+"/members", url.Values{"user_id": {userID}}); p.status != http.StatusSeeOther {
		t.Fatalf("add member: %d", p.status)
	}
	if n := admin.get(groupPath).doc.Find(`[data-testid="members"] li`).Length(); n != 1 {
		t.Errorf("%d members, want 1", n)
	}
	admin.get("/admin/groups")
	if p := admin.post("/admin/groups", url.Values{"name": {"SALES COHORT 1"}, "kind": {"cohort"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("duplicate group name: %d, want 422", p.status)
	}
}

func TestAdmin_AuditLogRecordsSignIns(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	c := newClient(t, s, "acme.localhost")
	signIn(c, "ana@acme.test", "wrong password here")
	admin := adminClient(t, s)
	text := admin.get("/admin/audit").doc.Find(`[data-testid="audit"]`).Text()
	for _, want := range []string{"signin.failed", "signin", "boss@acme.test", "127.0.0.1"} {
		if !strings.Contains(text, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
}

func TestAdmin_LogoUpload(t *testing.T) {
	t.Parallel()
	s, _, _ := twoPortals(t, withAdmin)
	admin := adminClient(t, s)
	var png bytes.Buffer
	pngenc.Encode(&png, image.NewRGBA(image.Rect(0, 0, 64, 32)))

	admin.get("/admin/settings")
	t.Run("ScriptInDisguiseIsRefused", func(t *testing.T) {
		p := admin.upload("/admin/settings/logo", "logo", "logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`))
		if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-logo"]`) == "" {
			t.Errorf("status %d", p.status)
		}
	})
	admin.get("/admin/settings")
	if p := admin.upload("/admin/settings/logo", "logo", "logo.png", png.Bytes()); p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d", p.status)
	}
	src, ok := admin.get("/").doc.Find(".brand-logo").Attr("src")
	if !ok {
		t.Fatal("the header shows no logo")
	}
	res, body := admin.raw(src)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, png.Bytes()) {
		t.Errorf("logo: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("logo served without a sandbox CSP: %q", csp)
	}
	t.Run("NotServedOnAnotherPortal", func(t *testing.T) {
		other := newClient(t, s, "globex.localhost")
		if res, _ := other.raw(src); res.StatusCode != http.StatusNotFound {
			t.Errorf("acme's logo on globex: %d", res.StatusCode)
		}
	})
	t.Run("MailShowsTheLogo", func(t *testing.T) {
		admin.get("/admin/users/invite")
		if p := admin.post("/admin/users/invite", url.Values{"name": {"Kim"}, "email": {"kim@acme.test"}, "roles": {"learner"}}); p.status != http.StatusSeeOther {
			t.Fatalf("invite: %d", p.status)
		}
		msgs := storedMailTo(t, s, "kim@acme.test")
		if len(msgs) != 1 {
			t.Fatalf("%d mails to kim", len(msgs))
		}
		m := msgs[0]
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(m.HTML))
		if err != nil {
			t.Fatal(err)
		}
		logo, _ := doc.Find(`[data-testid="logo"]`).Attr("src")
		if !strings.HasPrefix(logo, "http://acme.localhost:") || !strings.HasSuffix(logo, src) {
			t.Errorf("the mail's logo is %q, want the absolute URL of %s", logo, src)
		}
	})
}
