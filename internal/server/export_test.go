package server

import "testing"

// ForgotAnswerTime is forgotAnswerTime, for the hardening tests.
const ForgotAnswerTime = forgotAnswerTime

// Every kind the "Add a block" menu offers says what it is.
func TestBlockKindsHaveLabels(t *testing.T) {
	for _, k := range blockKinds {
		if blockKindLabels[k] == "" {
			t.Errorf("the block kind %q has no label in the Add a block menu", k)
		}
	}
}
