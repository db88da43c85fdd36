package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// cmdCheck verifies the books of every organisation (or one): each
// account's balance against its ledger entries, its holds against its
// BLOCKED authorisations, and that usage and holds stay within funding
// and credit. It prints what is wrong and fails when anything is.
func cmdCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c Config
	var orgName string
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs)
	fs.StringVar(&orgName, "organisation", env("CRMAPI_ORGANISATION", ""), "check one organisation (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	orgs, err := m.svc.Auth.Organisations(ctx)
	if err != nil {
		return err
	}
	bad, total := 0, 0
	for _, org := range orgs {
		if orgName != "" && org.Name != orgName {
			continue
		}
		books, err := m.svc.Accounts.Books(ctx, org.ID)
		if err != nil {
			return err
		}
		for _, b := range books {
			total++
			if !b.Balanced() || b.OverAuthorised() {
				bad++
				fmt.Fprintf(stdout, "%s %s: balance %s, entries %s; held %s, BLOCKED authorisations %s; usage %s, funding %s, credit %s; over-authorised %v\n",
					org.Name, b.Number, b.Balance, b.EntriesTotal, b.Held, b.BlockedTotal, b.Usage, b.Funding, b.CreditLimit, b.OverAuthorised())
			}
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d accounts do not balance", bad, total)
	}
	fmt.Fprintf(stdout, "%d accounts in %d organisations: all balanced\n", total, len(orgs))
	return nil
}
