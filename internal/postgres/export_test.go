package postgres

// Hooks for the package's external tests.

// CachedVersions is how many parsed course versions the server holds.
func (db *DB) CachedVersions() int {
	db.contents.mu.Lock()
	defer db.contents.mu.Unlock()
	return len(db.contents.byDigest)
}

// DropCachedVersionsOnly empties the cache but leaves the digests queries
// send: as when another request drops an entry between the query and its
// answer.
func (db *DB) DropCachedVersionsOnly() {
	db.contents.mu.Lock()
	defer db.contents.mu.Unlock()
	clear(db.contents.byDigest)
}

// MailRetryDelay exposes the mail worker's retry schedule.
var MailRetryDelay = mailRetryDelay
