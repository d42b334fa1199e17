// Package migrations holds the SQL migrations, the one source of truth for
// the schema, embedded so the binary can migrate itself.
package migrations

import "embed"

// FS holds the golang-migrate files NNNNNN_name.up.sql and .down.sql.
//
//go:embed *.sql
var FS embed.FS
