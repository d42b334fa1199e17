// Package courses embeds the course library, so that every Upward binary
// carries it: `upward courses import` and the admin's "Add from library"
// read it from here. The format is in README.md.
package courses

import "embed"

// FS holds every course folder.
//
//go:embed *
var FS embed.FS
