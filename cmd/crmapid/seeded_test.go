package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// openSeeded opens c's database (a fresh temporary data directory) with
// the demo organisation and plan's seeded history; the caller closes it.
func openSeeded(t *testing.T, c *Config, plan seedPlan) *managed {
	t.Helper()
	c.DataDir = t.TempDir()
	c.TokenLifetime, c.LogFormat, c.LogLevel = time.Hour, "text", "error"
	mg, err := openManaged(context.Background(), *c)
	if err != nil {
		t.Fatal(err)
	}
	if err := seedDatabase(context.Background(), mg, plan, io.Discard); err != nil {
		mg.close()
		t.Fatal(err)
	}
	return mg
}
