// Package faults holds the fault suite: black-box tests that run the real
// upward binary against a PostgreSQL cluster of their own, break what it
// depends on (the process itself, the database, the mail server, the disk)
// and check that no acknowledged work is lost or counted twice, that
// requests fail fast and clearly, and that the server recovers by itself.
//
// The suite is slow (about two minutes) and needs PostgreSQL's server
// binaries; the DATA_DIR test also needs to mount a tmpfs (root). It runs
// in make check, not make test.
package faults
