package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a goroutine outlives its tests: a
// server, pool, worker or client connection that a test (or the code)
// forgot to stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// scs.New always starts an in-memory store whose cleanup
		// goroutine ticks once a minute, before app.Open replaces the
		// store with PostgreSQL's. It cannot be stopped: the goroutine
		// makes its stop channel itself, so MemStore.StopCleanup right
		// after New finds none and does nothing (scs v2.9.0). It holds
		// an empty map and nothing else.
		goleak.IgnoreTopFunction("github.com/alexedwards/scs/v2/memstore.(*MemStore).startCleanup"),
	)
}
