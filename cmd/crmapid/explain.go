package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// explainer is what both stores offer crmapid explain.
type explainer interface {
	Trace(func(query string, args []any))
	Explain(ctx context.Context, query string, args []any) (string, error)
}

// plannedQuery is one distinct statement of the hot paths and its plan.
type plannedQuery struct {
	Query string
	Plan  string
	// FullScan is set when the plan reads a whole table: SQLite's "SCAN
	// table" or, with sequential scans disabled, PostgreSQL's "Seq Scan".
	FullScan bool
}

func cmdExplain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c Config
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.bind(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	mg, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer mg.close()
	plans, err := explainHotPaths(ctx, mg)
	if err != nil {
		return err
	}
	scans := 0
	for _, p := range plans {
		mark := ""
		if p.FullScan {
			mark, scans = "   <-- reads a whole table", scans+1
		}
		fmt.Fprintf(stdout, "%s%s\n", p.Query, mark)
		for _, line := range strings.Split(strings.TrimSpace(p.Plan), "\n") {
			fmt.Fprintf(stdout, "    %s\n", line)
		}
		fmt.Fprintln(stdout)
	}
	fmt.Fprintf(stdout, "%d statements, %d reading a whole table\n", len(plans), scans)
	return nil
}

var spaces = regexp.MustCompile(`\s+`)

// explainHotPaths runs each hot path once in the demo organisation of a
// seeded database (it creates, shows, lists and cancels an authorisation,
// shows a Netflix subscription, lists and acknowledges a charge, and runs
// the background sweeps' queries), records every statement they run, and
// returns each distinct statement with its plan for the arguments it ran
// with.
func explainHotPaths(ctx context.Context, mg *managed) ([]plannedQuery, error) {
	ex, ok := mg.store.(explainer)
	if !ok {
		return nil, errors.New("explain: the store cannot explain")
	}
	var mu sync.Mutex
	seen := map[string][]any{}
	var order []string
	ex.Trace(func(q string, args []any) {
		mu.Lock()
		defer mu.Unlock()
		if _, ok := seen[q]; !ok {
			seen[q] = append([]any(nil), args...)
			order = append(order, q)
		}
	})
	if err := runHotPaths(ctx, mg); err != nil {
		return nil, err
	}
	ex.Trace(nil)
	var out []plannedQuery
	for _, q := range order {
		if !explainable(q) {
			continue
		}
		plan, err := ex.Explain(ctx, q, seen[q])
		if err != nil {
			return nil, fmt.Errorf("explain %q: %w", q, err)
		}
		out = append(out, plannedQuery{Query: strings.TrimSpace(spaces.ReplaceAllString(q, " ")), Plan: plan,
			FullScan: fullScan(plan)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].FullScan && !out[j].FullScan })
	return out, nil
}

// explainable leaves out transaction control, which has no plan.
func explainable(q string) bool {
	w := strings.ToUpper(strings.TrimSpace(q))
	for _, p := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// sqliteScan matches SQLite's plan line for reading a table without an
// index. "SCAN t USING INDEX i" is an index walk in order, which with a
// LIMIT reads only what it returns; "SCAN CONSTANT ROW" and "SCAN 4-ROW
// VALUES CLAUSE" read no table, nor does a scan of a common table
// expression the plan materialises itself ("MATERIALIZE v" … "SCAN v": a
// batch's own rows, such as the VALUES of a set-based update).
var (
	sqliteScan        = regexp.MustCompile(`(?m)^SCAN (\w+)$`)
	sqliteMaterialise = regexp.MustCompile(`(?m)^MATERIALIZE (\w+)$`)
)

func fullScan(plan string) bool {
	if strings.Contains(plan, "Seq Scan") {
		return true
	}
	own := map[string]bool{"CONSTANT": true}
	for _, m := range sqliteMaterialise.FindAllStringSubmatch(plan, -1) {
		own[m[1]] = true
	}
	for _, m := range sqliteScan.FindAllStringSubmatch(plan, -1) {
		if !own[m[1]] {
			return true
		}
	}
	return false
}

// runHotPaths drives the services the way the benchmark's workloads drive
// the API, once each.
func runHotPaths(ctx context.Context, mg *managed) error {
	svc := mg.svc
	org, err := svc.Auth.Organisation(ctx, demoOrganisation)
	if err != nil {
		return fmt.Errorf("explain: the demo organisation (run crmapid seed first): %w", err)
	}
	o := org.ID
	token, err := svc.Auth.Login(ctx, service.Login{Username: demoAdmin, Password: demoPassword, Organisation: demoOrganisation})
	if err != nil {
		return err
	}
	caller, err := svc.Auth.Authenticate(ctx, token)
	if err != nil {
		return err
	}
	// The first seeded account (after the demo's three), else the demo's first.
	acct := crmapi.Ref{Field: "number", Value: crmapi.FormatNumber("ACR", 4)}
	if _, err := svc.Accounts.Account(ctx, o, acct); err != nil {
		acct.Value = crmapi.FormatNumber("ACR", 1)
	}
	d, err := svc.Usage.Authorise(ctx, o, service.NewAuthorisation{Account: &acct, Amount: crmapi.MustAmount("1")})
	if err != nil {
		return fmt.Errorf("explain: authorise: %w", err)
	}
	if _, err := svc.Usage.Authorisation(ctx, o, crmapi.Ref{Field: "authorisation_id", Value: d.Number}); err != nil {
		return err
	}
	if _, err := svc.Usage.Authorisations(ctx, o, acct, 0, 20); err != nil {
		return err
	}
	if _, err := svc.Usage.Cancel(ctx, o, caller.User.ID, crmapi.Ref{Field: "id", Value: d.ID}); err != nil {
		return err
	}
	if _, err := svc.Usage.ExpireDue(ctx, 100); err != nil {
		return err
	}
	if svc.Netflix != nil {
		if _, err := svc.Netflix.Show(ctx, o, "SEED-CUST-0000000", ""); err != nil && !errors.Is(err, crmapi.ErrNotFound) {
			return err
		}
		page, err := svc.Netflix.ListCharges(ctx, o, service.ChargeQuery{Status: "PROCESSED", Limit: 50})
		if err != nil {
			return err
		}
		if len(page.Charges) > 0 {
			c := page.Charges[0]
			if _, err := svc.Netflix.Acknowledge(ctx, o, []service.ChargeItem{{Number: c.Number, CustomerID: c.CustomerID,
				Reference: "EXPLAIN-" + c.Number}}); err != nil {
				return err
			}
		}
	}
	// The background work's own queries.
	return mg.store.View(ctx, func(tx crmapi.Tx) error {
		if _, err := tx.NetflixSubscriptionsToPoll(time.Now().Add(-time.Hour), 100); err != nil {
			return err
		}
		_, err := tx.NetflixPendingWork(time.Now(), 100)
		return err
	})
}
