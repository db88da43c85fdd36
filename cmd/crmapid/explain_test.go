package main

import (
	"context"
	"testing"

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
	ctx := context.Background()
	mg := openSeeded(t, &c, seedPlan{Accounts: 20, Authorisations: 200, Netflix: 20, Charges: 100, Unacknowledged: 50})
	defer mg.close()
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
