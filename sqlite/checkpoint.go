package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// checkpointEvery is how often the checkpointer copies committed WAL
// frames into the database file.
const checkpointEvery = 250 * time.Millisecond

// checkpointer moves most of the WAL checkpointing off the writer. With
// only SQLite's automatic checkpoints the committing connection copies the
// WAL into the database file and fsyncs it inside a commit, and every other
// write request waits behind it. This goroutine checkpoints PASSIVE on a
// connection of its own, which never blocks the writer or the readers, so
// that the writer's automatic checkpoint (kept: alone, a checkpointer
// never catches up with a write load that never pauses, and the WAL would
// grow without bound) finds little left to copy.
type checkpointer struct {
	db   *sql.DB
	stop chan struct{}
	done chan struct{}
}

func newCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, stop: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

func (c *checkpointer) loop() {
	defer close(c.done)
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			if err := c.checkpoint("PASSIVE"); err != nil {
				slog.Warn("sqlite checkpoint failed; retrying on the next tick", "err", err)
			}
		}
	}
}

func (c *checkpointer) checkpoint(mode string) error {
	var busy, frames, done int
	return c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &done)
}

// close stops the loop and checkpoints what is left, shrinking the WAL to
// nothing when no reader holds it, so that a stopped server's database is
// one file.
func (c *checkpointer) close() {
	close(c.stop)
	<-c.done
	if err := c.checkpoint("TRUNCATE"); err != nil {
		slog.Warn("sqlite final checkpoint failed; the WAL is replayed on the next open", "err", err)
	}
	c.db.Close()
}
