package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// accountRef reads an account given on the command line: its number
// (ACR…), its 32-hex id, or else its name.
func accountRef(s string) crmapi.Ref {
	switch {
	case regexp.MustCompile(`^ACR[0-9]+$`).MatchString(s):
		return crmapi.Ref{Field: "number", Value: s}
	case regexp.MustCompile(`^[0-9A-F]{32}$`).MatchString(s):
		return crmapi.RefID(s)
	}
	return crmapi.Ref{Field: "name", Value: s}
}

func cmdAccounts(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var currency, creditLimit, name, company, first, last, reference string
	c, orgName, verb, rest, err := subcommand("accounts", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&currency, "currency", "EUR", "create: the account's currency")
		fs.StringVar(&creditLimit, "credit-limit", "0", "create: the account's credit limit")
		fs.StringVar(&name, "name", "", "create: the account's name (its number when empty)")
		fs.StringVar(&company, "company", "", "create: the owner is this company")
		fs.StringVar(&first, "first-name", "", "create: the owner's first name")
		fs.StringVar(&last, "last-name", "", "create: the owner's last name (a person)")
		fs.StringVar(&reference, "reference", "", "pay, credit: the reference number")
	})
	if err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	org, err := m.org(ctx, orgName)
	if err != nil {
		return err
	}
	accounts := m.svc.Accounts
	switch verb {
	case "list":
		list, err := accounts.Accounts(ctx, org.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NUMBER\tNAME\tSTATE\tCURRENCY\tBALANCE\tCREDIT LIMIT\tHELD\tAVAILABLE")
		for _, a := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Number, a.Name, a.LifeCycleState, a.Currency, a.Balance,
				a.CreditLimit, a.Held, a.Available())
		}
		return tw.Flush()
	case "check":
		books, err := accounts.Books(ctx, org.ID)
		if err != nil {
			return err
		}
		bad := 0
		for _, b := range books {
			if !b.Balanced() || b.OverAuthorised() {
				bad++
				fmt.Fprintf(stdout, "%s does not balance: balance %s, entries %s; held %s, BLOCKED authorisations %s; usage %s + holds over funding %s + credit %s: %v\n",
					b.Number, b.Balance, b.EntriesTotal, b.Held, b.BlockedTotal, b.Usage, b.Funding, b.CreditLimit, b.OverAuthorised())
			}
		}
		if bad > 0 {
			return fmt.Errorf("%d of %d accounts do not balance", bad, len(books))
		}
		fmt.Fprintf(stdout, "%d accounts, all balanced\n", len(books))
		return nil
	case "create":
		n := service.NewContact{Type: crmapi.ContactPerson, FirstName: first, LastName: last}
		if company != "" {
			n = service.NewContact{Type: crmapi.ContactCompany, CompanyName: company}
		}
		limit, err := crmapi.ParseAmount(creditLimit)
		if err != nil {
			return fmt.Errorf("--credit-limit: %w", err)
		}
		contact, err := accounts.CreateContact(ctx, org.ID, n)
		if err != nil {
			return err
		}
		a, err := accounts.CreateAccount(ctx, org.ID, service.NewAccount{OwnerID: contact.ID, Name: name, Currency: currency, CreditLimit: limit})
		if err != nil {
			return err
		}
		sub, err := accounts.CreateSubscription(ctx, org.ID, crmapi.RefID(a.ID), crmapi.SubscriptionKindUsage)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s (%s) created with subscription %s\n", a.Number, a.ID, sub.Number)
		return nil
	case "pay", "credit":
		if len(rest) != 2 {
			return fmt.Errorf("accounts %s: give the account and the amount", verb)
		}
		amount, err := crmapi.ParseAmount(rest[1])
		if err != nil {
			return fmt.Errorf("amount: %w", err)
		}
		kind := crmapi.EntryPayment
		if verb == "credit" {
			kind = crmapi.EntryCredit
		}
		_, a, err := accounts.Fund(ctx, org.ID, service.Funding{Account: accountRef(rest[0]), Kind: kind, Amount: amount, Reference: reference})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s: balance %s %s, available %s\n", a.Number, a.Balance, a.Currency, a.Available())
		return nil
	case "suspend", "activate", "terminate":
		if len(rest) != 1 {
			return fmt.Errorf("accounts %s: give the account", verb)
		}
		to := map[string]crmapi.AccountState{"suspend": crmapi.AccountSuspended, "activate": crmapi.AccountActive,
			"terminate": crmapi.AccountTerminated}[verb]
		a, err := accounts.SetState(ctx, org.ID, "", accountRef(rest[0]), to)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "account %s is %s\n", a.Number, a.LifeCycleState)
		return nil
	}
	return fmt.Errorf("accounts: unknown action %q (list, check, create, pay, credit, suspend, activate, terminate)", verb)
}

func cmdUsage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, orgName, verb, rest, err := subcommand("usage", args, stderr, nil)
	if err != nil {
		return err
	}
	m, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer m.close()
	if verb == "expire" {
		total, err := m.svc.Usage.ExpireAllDue(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d usage authorisations expired\n", total)
		return nil
	}
	org, err := m.org(ctx, orgName)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	switch verb {
	case "services":
		cat, err := m.svc.Usage.Catalogue(ctx, org.ID)
		if err != nil {
			return err
		}
		fmt.Fprintln(tw, "CODE\tALTERNATIVE CODE\tTYPE\tUDR TYPE\tFAMILY\tUNIT RATE")
		for _, s := range cat.ServiceList() {
			pt := cat.ProductTypes[s.ProductTypeID]
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Code, s.AlternativeCode, pt.Name, cat.UDRTypes[pt.UDRTypeID].Name,
				cat.Families[s.FamilyID].Code, s.UnitRate)
		}
		return tw.Flush()
	case "list":
		if len(rest) != 1 {
			return errors.New("usage list: give the account")
		}
		list, err := m.svc.Usage.Authorisations(ctx, org.ID, accountRef(rest[0]), 0, 0)
		if err != nil {
			return err
		}
		loc := org.Location()
		fmt.Fprintln(tw, "AUTHORISATION\tSTATE\tAMOUNT\tAUTHORISED\tEXPIRES\tSERVICES")
		for _, a := range list {
			var services []string
			for _, s := range a.Services {
				services = append(services, fmt.Sprintf("%s ≤%s/≤%s", targetLabel(a.Catalogue, s.Target), s.MaximumAmount, s.MaximumUsage))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Number, a.LifeCycleState, a.Amount,
				a.AuthorisedAt.In(loc).Format(time.DateTime), a.ExpiresAt.In(loc).Format(time.DateTime), strings.Join(services, ", "))
		}
		return tw.Flush()
	}
	return fmt.Errorf("usage: unknown action %q (services, list, expire)", verb)
}

func targetLabel(cat crmapi.Catalogue, t crmapi.Target) string {
	switch t.Kind {
	case crmapi.TargetServiceType:
		return "type " + cat.ProductTypes[t.ID].Name
	case crmapi.TargetFamily:
		return "family " + cat.Families[t.ID].Code
	}
	return cat.Services[t.ID].Code
}
