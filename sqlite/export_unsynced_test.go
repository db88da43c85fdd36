package sqlite

import "context"

// OpenUnsynced opens like Open but with synchronous=OFF: the store suite
// tests behaviour, not durability (the crash tests do that with Open), and
// runs about twice as fast without an fsync per commit.
func OpenUnsynced(ctx context.Context, path string) (*DB, error) { return open(ctx, path, "OFF") }
