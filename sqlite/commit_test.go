package sqlite_test

import (
	"context"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/sqlite"
	"github.com/crmapi/crmapi/storetest"
)

func BenchmarkUpdateParallel(b *testing.B) {
	b.Run("group-commit", func(b *testing.B) { benchUpdates(b, func(s *sqlite.DB) updater { return s.Update }) })
	b.Run("one-commit-each", func(b *testing.B) { benchUpdates(b, func(s *sqlite.DB) updater { return s.UpdateWithoutGroupCommit }) })
}

type updater func(context.Context, func(crmapi.Tx) error) error

func benchUpdates(b *testing.B, pick func(*sqlite.DB) updater) {
	s := openTemp(b)
	update := pick(s.(*sqlite.DB))
	tn := storetest.MustTenant(b, s, "ACME")
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := update(context.Background(), func(tx crmapi.Tx) error {
				_, err := tx.NextNumber(tn.Org.ID, "X")
				return err
			}); err != nil {
				b.Error(err)
			}
		}
	})
}
