package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("ReserveAndAllocateNumbers", testReserveAndAllocate)
}

// ReserveNumbers takes a block; AllocateNumber never gives a number twice,
// even to concurrent transactions, and continues the same series.
func testReserveAndAllocate(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		last, err := tx.ReserveNumbers(a.Org.ID, "UA", 100)
		if last != 100 {
			t.Errorf("first block of 100 ends at %d, want 100", last)
		}
		return err
	})
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 5 {
				err := s.Update(t.Context(), func(tx crmapi.Tx) error {
					n, err := tx.AllocateNumber(a.Org.ID, "UA")
					if err != nil {
						return err
					}
					mu.Lock()
					defer mu.Unlock()
					if n <= 100 || seen[n] {
						t.Errorf("allocated %d twice or inside the reserved block", n)
					}
					seen[n] = true
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if len(seen) != 40 {
		t.Fatalf("%d distinct numbers, want 40", len(seen))
	}
	// A failed transaction may lose its number, never give it again.
	var lost int64
	_ = s.Update(t.Context(), func(tx crmapi.Tx) error {
		lost, _ = tx.AllocateNumber(a.Org.ID, "UA")
		return errors.New("roll back")
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		n, err := tx.AllocateNumber(a.Org.ID, "UA")
		if n < lost || seen[n] {
			t.Errorf("after a rollback allocated %d (lost %d)", n, lost)
		}
		return err
	})
}
