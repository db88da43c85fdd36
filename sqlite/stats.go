package sqlite

import "database/sql"

// Reader returns the pool of read-only connections, for read-only
// queries outside the Store: the metrics count the job queue's jobs with
// it, so that counting never waits for, or holds up, the one writer.
func (db *DB) Reader() *sql.DB { return db.reader }

// WriteQueueDepth is how many write transactions wait for the group
// committer. A depth that stays above zero means writes arrive faster than
// the disk commits them.
func (db *DB) WriteQueueDepth() int {
	if db.committer == nil {
		return 0
	}
	return db.committer.queue.Depth()
}
