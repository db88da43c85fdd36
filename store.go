package crmapi

import "context"

// SchemaVersion is the migration version both engines reach; the store
// suite checks that each engine's newest migration has this number.
const SchemaVersion = 9

// Store is a storage engine. Services own transactions: every service
// method runs its reads and writes through one Update or View.
type Store interface {
	// Update runs fn in one write transaction and commits when fn returns
	// nil. An engine may run fn again when the database asks for a retry
	// (serialization failure, deadlock), so fn must have no effects outside
	// the transaction.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Read runs fn outside a transaction: each statement sees the
	// database as of its own start, so two statements may see different
	// moments, and fn must not write. It is for reads that are one
	// statement, or whose statements need no common moment; it saves
	// View's BEGIN and COMMIT.
	Read(ctx context.Context, fn func(Tx) error) error
	// Ping tells whether the database answers.
	Ping(ctx context.Context) error
	// SchemaVersion returns the newest applied migration.
	SchemaVersion(ctx context.Context) (int, error)
	// Engine names the engine: "sqlite" or "postgres".
	Engine() string
	// Close releases the database.
	Close() error
}

// Tx is one transaction. Every method takes the organisation explicitly
// (where the data belongs to one), so a missing tenant filter shows in
// review and in the store suite.
type Tx interface {
	AuthStore
	SequenceStore
	NetflixStore
	IdempotencyStore
	AccountStore
	CatalogueStore
	UsageStore
	EventStore
	FiguresStore
}
