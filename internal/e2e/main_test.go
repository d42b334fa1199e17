package e2e

import (
	"os"
	"testing"

	"github.com/upward-lms/upward/internal/browsertest"
)

// TestMain shares one chromium among the package's journeys; each has a
// browser context of its own.
func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
