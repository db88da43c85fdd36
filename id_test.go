package crmapi

import (
	"regexp"
	"testing"
)

// TestNewIDShapeAndOrder checks the CRM.COM id shape and that ids made one
// after another never sort backwards across milliseconds (what keeps
// inserts at the end of primary-key indexes).
func TestNewIDShapeAndOrder(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9A-F]{32}$`)
	seen := map[string]bool{}
	prev := NewID()
	for i := 0; i < 100000; i++ {
		id := NewID()
		if !shape.MatchString(id) {
			t.Fatalf("id %q is not 32 upper-case hex characters", id)
		}
		if seen[id] {
			t.Fatalf("id %q made twice", id)
		}
		seen[id] = true
		if id[:12] < prev[:12] {
			t.Fatalf("id %s sorts before the earlier %s: its time prefix went backwards", id, prev)
		}
		prev = id
	}
}
