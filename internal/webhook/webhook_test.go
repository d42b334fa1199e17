package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/upward-lms/upward/internal/apperr"
	"github.com/upward-lms/upward/internal/webhook"
)

func TestSign(t *testing.T) {
	t.Parallel()
	t.Run("IsTheDocumentedHMACOfTimeDotBody", func(t *testing.T) {
		// Computed here by hand, as a receiver in another language would.
		secret, body := "whsec_test", []byte(`{"id":"evt_1","type":"ping"}`)
		at := time.Unix(1767225600, 0)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte("1767225600." + string(body)))
		want := "t=1767225600,v1=" + hex.EncodeToString(m.Sum(nil))
		if got := webhook.Sign(secret, at, body); got != want {
			t.Errorf("Sign = %q, want %q", got, want)
		}
	})
}

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := webhook.NewSecret()
	body := []byte(`{"id":"evt_1","type":"course.completed","data":{"user":{"id":7}}}`)
	at := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
	header := webhook.Sign(secret, at, body)
	tol := webhook.DefaultTolerance

	cases := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"AcceptsTheSignedBody", secret, header, body, at.Add(30 * time.Second), nil},
		{"AcceptsAClockSlightlyBehind", secret, header, body, at.Add(-time.Minute), nil},
		{"RefusesAChangedBody", secret, header, []byte(strings.Replace(string(body), "7", "8", 1)), at, webhook.ErrBadSignature},
		{"RefusesAnotherSecret", webhook.NewSecret(), header, body, at, webhook.ErrBadSignature},
		{"RefusesAnOldDelivery", secret, header, body, at.Add(tol + time.Second), webhook.ErrTooOld},
		{"RefusesADeliveryFromTheFuture", secret, header, body, at.Add(-tol - time.Second), webhook.ErrTooOld},
		{"RefusesAnotherTimeWithTheSameSignature", secret, strings.Replace(header, "t=1767605400", "t=1767605401", 1), body, at, webhook.ErrBadSignature},
		{"RefusesAnEmptyHeader", secret, "", body, at, webhook.ErrNoSignature},
		{"RefusesAHeaderWithoutSignature", secret, "t=1767605400", body, at, webhook.ErrNoSignature},
		{"RefusesAHeaderWithoutTime", secret, header[strings.Index(header, ",")+1:], body, at, webhook.ErrNoSignature},
		{"AcceptsOneGoodSignatureAmongSeveral", secret, header + ",v1=00ff", body, at, nil},
		{"AcceptsSpacesAfterCommas", secret, strings.Replace(header, ",", ", ", 1), body, at, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := webhook.Verify(c.secret, c.header, c.body, c.now, tol); !errors.Is(err, c.want) {
				t.Errorf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

func TestEndpointValidate(t *testing.T) {
	t.Parallel()
	good := []string{webhook.CourseCompleted}
	cases := []struct {
		name       string
		in         webhook.Endpoint
		allowLocal bool
		wantURL    string
		wantErr    map[string]bool
	}{
		{"AcceptsHTTPS", webhook.Endpoint{URL: " https://Hooks.Example.com/upward?x=1 ", Events: good}, false, "https://hooks.example.com/upward?x=1", nil},
		{"RefusesHTTPInProduction", webhook.Endpoint{URL: "http://hooks.example.com/", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesHTTPElsewhereInDevelopment", webhook.Endpoint{URL: "http://hooks.example.com/", Events: good}, true, "", map[string]bool{"url": true}},
		{"AcceptsLocalHTTPInDevelopment", webhook.Endpoint{URL: "http://127.0.0.1:8081/hook", Events: good}, true, "http://127.0.0.1:8081/hook", nil},
		{"AcceptsLocalhostInDevelopment", webhook.Endpoint{URL: "http://localhost:9000/", Events: good}, true, "http://localhost:9000/", nil},
		{"RefusesLocalhostInProduction", webhook.Endpoint{URL: "https://localhost/", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesAPrivateAddressInProduction", webhook.Endpoint{URL: "https://10.0.0.5/hook", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesTheMetadataAddressInProduction", webhook.Endpoint{URL: "https://169.254.169.254/", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesCredentials", webhook.Endpoint{URL: "https://user:pw@hooks.example.com/", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesARelativeAddress", webhook.Endpoint{URL: "/hook", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesAnEmptyAddress", webhook.Endpoint{URL: "  ", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesAFragment", webhook.Endpoint{URL: "https://hooks.example.com/#x", Events: good}, false, "", map[string]bool{"url": true}},
		{"RefusesNoEvents", webhook.Endpoint{URL: "https://hooks.example.com/"}, false, "", map[string]bool{"events": true}},
		{"RefusesAnUnknownEvent", webhook.Endpoint{URL: "https://hooks.example.com/", Events: []string{"user.deleted"}}, false, "", map[string]bool{"events": true}},
		{"RefusesSubscribingToPing", webhook.Endpoint{URL: "https://hooks.example.com/", Events: []string{webhook.Ping}}, false, "", map[string]bool{"events": true}},
		{"RefusesALongDescription", webhook.Endpoint{URL: "https://hooks.example.com/", Events: good, Description: strings.Repeat("x", 201)}, false, "", map[string]bool{"description": true}},
		{"ReportsEveryBadField", webhook.Endpoint{URL: "ftp://x", Description: strings.Repeat("x", 201)}, false, "", map[string]bool{"url": true, "events": true, "description": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.in.Validate(webhook.PortalOwner, c.allowLocal)
			if c.wantErr == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if got.URL != c.wantURL {
					t.Errorf("URL = %q, want %q", got.URL, c.wantURL)
				}
				return
			}
			fields, ok := apperr.FieldsOf(err)
			if !ok {
				t.Fatalf("Validate = %v, want field errors", err)
			}
			for f := range c.wantErr {
				if fields[f] == "" {
					t.Errorf("no message at %s: %v", f, fields)
				}
			}
			if len(fields) != len(c.wantErr) {
				t.Errorf("messages at %v, want at %v", fields, c.wantErr)
			}
		})
	}
	t.Run("KeepsTheFormsOrderWithoutRepeats", func(t *testing.T) {
		got, err := webhook.Endpoint{URL: "https://hooks.example.com/", Events: []string{webhook.CertificateIssued, webhook.UserCreated, webhook.CertificateIssued}}.Validate(webhook.PortalOwner, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.Events, ",") != "user.created,certificate.issued" {
			t.Errorf("events %v", got.Events)
		}
	})
}

func TestEventTypesFor(t *testing.T) {
	t.Parallel()
	endpoint := func(events ...string) webhook.Endpoint {
		return webhook.Endpoint{URL: "https://hooks.example.com/", Events: events}
	}
	t.Run("APortalCannotHearItsOwnCreation", func(t *testing.T) {
		if _, err := endpoint(webhook.PortalCreated).Validate(webhook.PortalOwner, false); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("portal.created on a portal's endpoint: %v", err)
		}
	})
	t.Run("AnAccountHearsEverything", func(t *testing.T) {
		got, err := endpoint(webhook.PortalCreated, webhook.LessonCompleted, webhook.UserCreated).Validate(webhook.AccountOwner, false)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Join(got.Events, ",") != "user.created,lesson.completed,portal.created" {
			t.Errorf("events %v", got.Events)
		}
	})
	t.Run("AResellerHearsOnlyPortalLevelEvents", func(t *testing.T) {
		for _, e := range webhook.EventTypes {
			if _, err := endpoint(e.Name).Validate(webhook.ResellerOwner, false); apperr.Code(err) != apperr.EINVALID {
				t.Errorf("a reseller may subscribe to %s: %v", e.Name, err)
			}
		}
		if _, err := endpoint(webhook.PortalCreated).Validate(webhook.ResellerOwner, false); err != nil {
			t.Errorf("portal.created for a reseller: %v", err)
		}
		for _, e := range webhook.EventTypesFor(webhook.ResellerOwner) {
			if !webhook.PortalLevel(e.Name) {
				t.Errorf("a reseller is offered %s", e.Name)
			}
		}
	})
}

func TestPublicAddress(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{
		"93.184.216.34":          true,
		"2606:2800:220:1::1":     true,
		"::ffff:93.184.216.34":   true,
		"100.128.0.1":            true, // just past carrier-grade NAT
		"172.32.0.1":             true, // just past 172.16/12
		"127.0.0.1":              false,
		"::1":                    false,
		"10.1.2.3":               false,
		"172.31.255.255":         false,
		"192.168.1.1":            false,
		"169.254.169.254":        false, // cloud metadata
		"::ffff:169.254.169.254": false,
		"100.64.0.1":             false,
		"0.0.0.0":                false,
		"0.0.0.1":                false,
		"::":                     false,
		"fd00::1":                false,
		"fe80::1":                false,
		"fec0::1":                false,
		"::ffff:127.0.0.1":       false,
		"64:ff9b::a00:1":         false, // NAT64 to 10.0.0.1
		"64:ff9b::5db8:d822":     true,  // NAT64 to 93.184.216.34
		"64:ff9b:1::a00:1":       false, // local-use NAT64 (RFC 8215)
		"64:ff9b:1:ffff::1":      false,
		"::a00:1":                false, // IPv4-compatible, to 10.0.0.1
		"::5db8:d822":            false, // IPv4-compatible: deprecated, refused whatever it names
		"2002:a00:1::1":          false, // 6to4 of 10.0.0.1
		"2002:7f00:1::1":         false, // 6to4 of 127.0.0.1
		"2002:5db8:d822::1":      true,  // 6to4 of 93.184.216.34
		"224.0.0.1":              false,
		"ff02::1":                false,
		"255.255.255.255":        false,
	} {
		if got := webhook.PublicAddress(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddress(%s) = %v, want %v", addr, got, want)
		}
	}
	if webhook.PublicDialAddress("127.0.0.1:443") || !webhook.PublicDialAddress("93.184.216.34:443") || webhook.PublicDialAddress("nonsense") {
		t.Error("PublicDialAddress does not follow PublicAddress")
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	var total time.Duration
	prev := time.Duration(0)
	for n := 1; n < webhook.MaxAttempts; n++ {
		d := webhook.RetryDelay(n)
		if d <= prev {
			t.Errorf("delay after attempt %d is %v, not longer than the one before (%v)", n, d, prev)
		}
		prev, total = d, total+d
	}
	if total < 24*time.Hour || total > 72*time.Hour {
		t.Errorf("the retries span %v; a receiver down for a day should still get its events", total)
	}
	if webhook.RetryDelay(0) != webhook.RetryDelay(1) || webhook.RetryDelay(100) != webhook.RetryDelay(webhook.MaxAttempts-1) {
		t.Error("RetryDelay out of range is not held to the schedule's ends")
	}
}

func TestShouldDisable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name     string
		failures int
		since    time.Time
		want     bool
	}{
		{"ABurstOfFailuresDoesNot", 50, now.Add(-time.Hour), false},
		{"AFewFailuresOverDaysDoNot", webhook.DisableAfter - 1, now.Add(-7 * 24 * time.Hour), false},
		{"ManyFailuresOverADayDo", webhook.DisableAfter, now.Add(-webhook.DisableAfterFailingFor), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := webhook.ShouldDisable(c.failures, c.since, now); got != c.want {
				t.Errorf("ShouldDisable = %v, want %v", got, c.want)
			}
		})
	}
}

func TestNewSecret(t *testing.T) {
	t.Parallel()
	a, b := webhook.NewSecret(), webhook.NewSecret()
	if a == b || !strings.HasPrefix(a, "whsec_") || len(a) < 40 {
		t.Errorf("secrets %q and %q", a, b)
	}
}
