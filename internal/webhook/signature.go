package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of every delivery:
//
//	Upward-Signature: t=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd
//	Upward-Event: course.completed
//	Upward-Delivery: 42
//
// t is the Unix time of the attempt; v1 is the lower-case hex HMAC-SHA256,
// keyed with the endpoint's secret (the whole "whsec_…" string), of t, a
// full stop and the request body exactly as received:
//
//	hex(hmac_sha256(secret, "1767225600." + body))
//
// Signing the time with the body lets a receiver refuse an old delivery
// replayed by someone who recorded it. Upward-Delivery names the delivery
// (the same on every retry); the body's "id" names the event.
const (
	SignatureHeader = "Upward-Signature"
	EventHeader     = "Upward-Event"
	DeliveryHeader  = "Upward-Delivery"
)

// DefaultTolerance is how far a delivery's time may be from the
// receiver's clock: enough for clocks that drift, too little for a replay
// to be of much use.
const DefaultTolerance = 5 * time.Minute

// Sign returns the Upward-Signature header of body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac(secret, ts, body))
}

func mac(secret, ts string, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return m.Sum(nil)
}

// Errors of Verify.
var (
	ErrNoSignature  = errors.New("webhook: no valid Upward-Signature header")
	ErrBadSignature = errors.New("webhook: the signature does not match the body")
	ErrTooOld       = errors.New("webhook: the signature's time is outside the tolerance")
)

// Verify checks a delivery's Upward-Signature header against its body, as
// a receiver should before trusting it: the HMAC is compared in constant
// time, and a time further than tolerance from now is refused. It is
// small on purpose, for integrators to copy into their receivers: it
// needs nothing but Go's standard library.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "t":
			ts = v
		case "v1": // several when a secret is being replaced
			if sig, err := hex.DecodeString(v); err == nil {
				sigs = append(sigs, sig)
			}
		}
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if d := now.Sub(time.Unix(unix, 0)); d > tolerance || d < -tolerance {
		return ErrTooOld
	}
	want := mac(secret, ts, body)
	for _, sig := range sigs {
		if hmac.Equal(sig, want) {
			return nil
		}
	}
	return ErrBadSignature
}
