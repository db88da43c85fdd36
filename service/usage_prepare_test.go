package service_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/sqlite"
)

// betweenStore runs a change just before the next write transaction: after
// a create has read what it needs outside it (prepareAuthorisation), before
// its hold.
type betweenStore struct {
	crmapi.Store
	between func()
}

func (b *betweenStore) Update(ctx context.Context, fn func(crmapi.Tx) error) error {
	if f := b.between; f != nil {
		b.between = nil
		f()
	}
	return b.Store.Update(ctx, fn)
}

// TestAuthoriseDecidesMoneyInTheWrite: what changes between a create's
// reads and its write decides it, because the write checks again.
func TestAuthoriseDecidesMoneyInTheWrite(t *testing.T) {
	inner, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "crmapi.db"))
	ok(t, err)
	t.Cleanup(func() { inner.Close() })
	store := &betweenStore{Store: inner}
	f := fixtureOn(t, store, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC))
	f.mustCatalogue(t)
	ctx := context.Background()
	acct := f.mustAccount(t, "100")
	authorise := func(amount string) (service.AuthorisationDetail, error) {
		return f.svc.Usage.Authorise(ctx, f.org.ID, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount(amount)})
	}

	// Another create takes 50 meanwhile: 80 is no longer covered.
	store.between = func() {
		if _, err := authorise("50"); err != nil {
			t.Fatal(err)
		}
	}
	_, err = authorise("80")
	if crmapi.ErrorCode(err) != crmapi.InsufficientFunds {
		t.Fatalf("80 after 50 of 100 was taken meanwhile: %v", err)
	}

	// The account is suspended meanwhile: nothing is held.
	store.between = func() {
		if _, err := f.svc.Accounts.SetState(ctx, f.org.ID, f.user.ID, acct, crmapi.AccountSuspended); err != nil {
			t.Fatal(err)
		}
	}
	_, err = authorise("1")
	if crmapi.ErrorCode(err) != crmapi.InvalidLifeCycleState {
		t.Fatalf("a create on an account suspended meanwhile: %v", err)
	}
	d, err := f.svc.Accounts.Account(ctx, f.org.ID, acct)
	ok(t, err)
	if d.Held.Cmp(crmapi.MustAmount("50")) != 0 {
		t.Fatalf("held %s, want the 50 of the one create that passed", d.Held)
	}
	books, err := f.svc.Accounts.Books(ctx, f.org.ID)
	ok(t, err)
	for _, b := range books {
		if !b.Balanced() {
			t.Fatalf("books not balanced: %+v", b)
		}
	}
}
