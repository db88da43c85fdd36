package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// crmapid check reads every organisation's books and says they balance.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	m, _ := startMain(t, Config{Demo: true, DataDir: dir})
	m.Close()
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"check", "--data-dir", dir}, &out, &errOut); err != nil {
		t.Fatalf("check: %v\n%s%s", err, out.String(), errOut.String())
	}
	if !strings.Contains(out.String(), "all balanced") || strings.HasPrefix(out.String(), "0 accounts") {
		t.Fatalf("check said: %s", out.String())
	}
}
