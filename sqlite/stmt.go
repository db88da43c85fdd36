package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds the statement cache; queries built with a
// variable shape (lists of placeholders) beyond it are prepared each time.
const maxCachedStatements = 512

// stmtCache keeps one prepared statement per query text on a pool.
// modernc's driver otherwise parses and plans every statement anew, which
// was a third of a create's time on the single writer connection.
// database/sql prepares a cached statement on each pooled connection the
// first time it runs there (Tx.Stmt), and keeps it prepared on that
// connection.
//
// A statement is first prepared in the background, never by the caller:
// sql.DB.Prepare needs a free connection, and the caller holds one in its
// transaction, so on the single writer connection (or with every reader
// busy preparing) it would wait for itself. Until then the query runs
// unprepared.
type stmtCache struct {
	db      *sql.DB
	mu      sync.RWMutex
	m       map[string]*sql.Stmt
	pending map[string]bool
	wake    chan struct{}
	// trace, when set, sees every statement run through the pool's
	// transactions (crmapid explain).
	trace func(query string, args []any)
	quit  chan struct{}
	done  chan struct{}
}

func newStmtCache(db *sql.DB) *stmtCache {
	c := &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{},
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// get returns the prepared statement for query, or nil (run it unprepared)
// while it is being prepared, when the cache is full, or when it cannot be
// prepared.
func (c *stmtCache) get(query string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[query]
	c.mu.RUnlock()
	if ok {
		return st
	}
	c.mu.Lock()
	if _, ok := c.m[query]; !ok && !c.pending[query] && len(c.m)+len(c.pending) < maxCachedStatements {
		c.pending[query] = true
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
	c.mu.Unlock()
	return nil
}

func (c *stmtCache) loop() {
	defer close(c.done)
	for {
		select {
		case <-c.quit:
			return
		case <-c.wake:
		}
		c.mu.Lock()
		var queries []string
		for q := range c.pending {
			queries = append(queries, q)
		}
		c.mu.Unlock()
		for _, q := range queries {
			st, err := c.db.PrepareContext(context.Background(), q)
			c.mu.Lock()
			if err == nil {
				c.m[q] = st
			} else {
				// Never retried: a query that cannot be prepared runs
				// unprepared, and its caller sees the error there.
				c.m[q] = nil
			}
			delete(c.pending, q)
			c.mu.Unlock()
		}
	}
}

func (c *stmtCache) close() {
	close(c.quit)
	<-c.done
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		if st != nil {
			st.Close()
		}
	}
	c.m = map[string]*sql.Stmt{}
}
