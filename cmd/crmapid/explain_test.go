package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/crmapi/crmapi/internal/testdb"
)

// Every statement of the hot paths can use an index: on a tiny seeded
// database SQLite's plans (which do not depend on table sizes without
// ANALYZE) and PostgreSQL's with sequential scans disabled read no whole
// table. docs/performance.md shows the plans on a large database.
func TestHotPathsUseIndexes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testHotPathsUseIndexes(t, Config{}) })
	t.Run("postgres", func(t *testing.T) { testHotPathsUseIndexes(t, Config{Database: testdb.FreshPostgresURL(t)}) })
}

func testHotPathsUseIndexes(t *testing.T, c Config) {
	c.DataDir = t.TempDir()
	c.TokenLifetime, c.LogFormat, c.LogLevel = time.Hour, "text", "error"
	ctx := context.Background()
	mg, err := openManaged(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer mg.close()
	plan := seedPlan{Accounts: 20, Authorisations: 200, Netflix: 20, Charges: 100, Unacknowledged: 50}
	if err := seedDatabase(ctx, mg, plan, io.Discard); err != nil {
		t.Fatal(err)
	}
	plans, err := explainHotPaths(ctx, mg)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) < 30 {
		t.Fatalf("only %d statements traced", len(plans))
	}
	for _, p := range plans {
		if p.FullScan {
			t.Errorf("reads a whole table: %s\n%s", p.Query, p.Plan)
		}
	}
}
