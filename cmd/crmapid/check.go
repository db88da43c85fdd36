package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

// cmdCheck verifies every organisation (or one): the books (each
// account's balance against its ledger entries, its holds against its
// BLOCKED authorisations, usage and holds within funding and credit) and
// the Netflix charges (each acknowledgement and decision against the
// reference numbers recorded for it). It prints what is wrong, one line
// each, and fails when anything is.
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
	bad, total, problems, checked := 0, 0, 0, 0
	for _, org := range orgs {
		if orgName != "" && org.Name != orgName {
			continue
		}
		checked++
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
		charges, err := m.svc.Netflix.CheckCharges(ctx, org.ID)
		if err != nil {
			return err
		}
		for _, p := range charges {
			problems++
			number := p.ChargeNumber
			if number == "" {
				number = "(no charge)"
			}
			fmt.Fprintf(stdout, "%s %s: %s\n", org.Name, number, p.Problem)
		}
	}
	if orgName != "" && checked == 0 {
		return fmt.Errorf("no organisation %q", orgName)
	}
	if bad > 0 || problems > 0 {
		return fmt.Errorf("%d of %d accounts do not balance; Netflix charge problems: %d", bad, total, problems)
	}
	fmt.Fprintf(stdout, "%d accounts in %d organisations: all balanced; Netflix charge problems: 0\n", total, checked)
	return nil
}
