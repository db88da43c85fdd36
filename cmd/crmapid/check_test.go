package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/storetest"
)

// crmapid check reads every organisation's books and Netflix charges and
// says they agree; a broken row of either makes it name the account or
// the charge and exit non-zero.
func TestCheckCommand(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testCheckCommand(t, Config{}) })
	t.Run("postgres", func(t *testing.T) { testCheckCommand(t, Config{Database: testdb.FreshPostgresURL(t)}) })
}

func testCheckCommand(t *testing.T, c Config) {
	ctx := context.Background()
	// The demo organisation with seeded history: accounts, authorisations,
	// Netflix charges acknowledged and not.
	mg := openSeeded(t, &c, seedPlan{Accounts: 5, Authorisations: 20, Netflix: 4, Charges: 12, Unacknowledged: 4})
	org, err := mg.svc.Auth.Organisation(ctx, demoOrganisation)
	if err != nil {
		t.Fatal(err)
	}
	mg.close()
	args := []string{"check", "--data-dir", c.DataDir}
	if c.Database != "" {
		args = append(args, "--database", c.Database)
	}
	check := func() (string, error) {
		t.Helper()
		var out, errOut bytes.Buffer
		err := run(ctx, args, &out, &errOut)
		return out.String() + errOut.String(), err
	}
	out, err := check()
	if err != nil || !strings.Contains(out, "all balanced; Netflix charge problems: 0") || strings.HasPrefix(out, "0 accounts") {
		t.Fatalf("check of a consistent database: %v\n%s", err, out)
	}

	// change opens the database and changes it through the store, as a
	// bug or a half-done write would leave it.
	change := func(fn func(mg *managed, tx crmapi.Tx) error) {
		t.Helper()
		mg, err := openManaged(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		defer mg.close()
		if err := mg.store.Update(ctx, func(tx crmapi.Tx) error { return fn(mg, tx) }); err != nil {
			t.Fatal(err)
		}
	}
	// A charge acknowledged with a reference number that was never recorded.
	tn := storetest.Tenant{Org: org}
	mg, err = openManaged(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	charge := storetest.MustNetflixCharge(t, mg.store, storetest.MustNetflixSubscription(t, mg.store, tn, "check-1", "check-pai-1"),
		crmapi.ChargePending)
	mg.close()
	change(func(_ *managed, tx crmapi.Tx) error {
		_, err := tx.AcknowledgeNetflixCharge(org.ID, charge.ID, false, "NEVER-RECORDED", time.Now())
		return err
	})
	out, err = check()
	wantLine := org.Name + " " + charge.Number + ": acknowledged while PENDING with reference_number NEVER-RECORDED"
	if err == nil || !strings.Contains(out, wantLine) || !strings.HasPrefix(err.Error(), "0 of ") ||
		!strings.HasSuffix(err.Error(), "accounts do not balance; Netflix charge problems: 1") {
		t.Fatalf("check of a broken charge: %v\n%s", err, out)
	}
	// Recording the reference mends it; a hold without its authorisation
	// then breaks an account's books.
	var account crmapi.AccountsReceivable
	change(func(_ *managed, tx crmapi.Tx) error {
		if err := tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: org.ID, Reference: "NEVER-RECORDED",
			ChargeID: charge.ID, Use: "ACKNOWLEDGE", CreatedAt: time.Now()}); err != nil {
			return err
		}
		accounts, err := tx.ListAccounts(org.ID)
		if err != nil {
			return err
		}
		account = accounts[0]
		_, err = tx.HoldFunds(org.ID, account.ID, crmapi.MustAmount("1"))
		return err
	})
	out, err = check()
	if err == nil || !strings.Contains(out, org.Name+" "+account.Number+": balance") ||
		!strings.HasPrefix(err.Error(), "1 of ") ||
		!strings.HasSuffix(err.Error(), "accounts do not balance; Netflix charge problems: 0") {
		t.Fatalf("check of broken books: %v\n%s", err, out)
	}
}
