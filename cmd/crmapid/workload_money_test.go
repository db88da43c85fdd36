package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/crmapi/crmapi"
)

// The money writes of the crash workload: payments, holds (usage
// authorisations) and their release, and usage posted to a subscription,
// each worker on an account of its own; and Netflix subscriptions, whose
// sign-up goes to the partner emulator that serve runs in-process.

// fixture is what the workers act on, made once per run before the load.
type fixture struct {
	accounts []fxAccount // one per worker
}

type fxAccount struct{ ID, Subscription string }

// setupFixture opens one funded account with a usage subscription per
// worker, for the demo organisation's first contact.
func setupFixture(t *testing.T, c *apiClient) *fixture {
	t.Helper()
	ctx := context.Background()
	must := func(path string, params map[string]any) map[string]any {
		t.Helper()
		a := c.post(ctx, path, params, "")
		var d map[string]any
		if a.Err != nil || a.Status != 200 || jsonUnmarshal(a.Data, &d) != nil {
			t.Fatalf("fixture %s: %d %s %s %v", path, a.Status, a.Code, a.Message, a.Err)
		}
		return d
	}
	contacts, err := c.list("contacts/list")
	if err != nil || len(contacts) == 0 {
		t.Fatalf("no demo contact: %v", err)
	}
	fx := &fixture{}
	for i := range crashWorkers {
		acc := must("accounts_receivable/create", map[string]any{"contact_identifier": map[string]any{"id": contacts[0]["id"]},
			"currency": "EUR", "name": fmt.Sprintf("crash-w%d", i)})
		id := fmt.Sprint(acc["id"])
		must("accounts_receivable/payments/create", map[string]any{"accounts_receivable_identifier": map[string]any{"id": id},
			"amount": "1000", "reference_number": fmt.Sprintf("fund-w%d", i)})
		sub := must("subscriptions/create", map[string]any{"accounts_receivable_identifier": map[string]any{"id": id}})
		fx.accounts = append(fx.accounts, fxAccount{ID: id, Subscription: fmt.Sprint(sub["id"])})
	}
	return fx
}

// account is the worker's own account, or nil without a fixture.
func (w *loadWorker) account() *fxAccount {
	if w.fx == nil {
		return nil
	}
	return &w.fx.accounts[w.id]
}

func accountParam(id string) map[string]any {
	return map[string]any{"accounts_receivable_identifier": map[string]any{"id": id}}
}

var paymentCreate = &writeKind{
	name: "accounts_receivable/payments/create", weight: 8,
	next: func(w *loadWorker) *write {
		a := w.account()
		if a == nil {
			return nil
		}
		p := accountParam(a.ID)
		p["amount"] = fmt.Sprintf("%d.%02d", 1+w.rng.IntN(9), w.rng.IntN(100))
		p["reference_number"] = w.uniqueName("pay")
		wr := w.newWrite("accounts_receivable/payments/create", p)
		wr.subject = a.ID
		return wr
	},
	check: func(s *state, wr *write) error {
		return s.checkCreatedIn(wr, "accounts_receivable/ledger_entries/list", accountParam(wr.subject),
			"reference_number", wr.params["reference_number"].(string), func(row map[string]any) error {
				want, _ := crmapi.ParseAmount(wr.params["amount"].(string))
				got, err := crmapi.ParseAmount(fmt.Sprint(row["amount"]))
				if err != nil || got != want || row["type"] != "PAYMENT" {
					return fmt.Errorf("payment %v stored as %v %v", wr.params["amount"], row["type"], row["amount"])
				}
				return nil
			})
	},
}

var holdCreate = &writeKind{
	name: "usage_authorisations/create", weight: 8,
	next: func(w *loadWorker) *write {
		a := w.account()
		if a == nil {
			return nil
		}
		p := accountParam(a.ID)
		p["authorisation_amount"] = "0.50"
		wr := w.newWrite("usage_authorisations/create", p)
		wr.subject = a.ID
		return wr
	},
	check: func(s *state, wr *write) error {
		params := accountParam(wr.subject)
		if s.h.last(wr.kind, wr.subject) == wr {
			// Holds carry no client reference: count them. The account has
			// every acknowledged one and at most the unknown ones besides.
			rows, err := s.rows("usage_authorisations/list", params)
			if err != nil {
				return err
			}
			lo, hi := s.h.bounds(wr.kind, wr.subject, 1)
			if len(rows) < lo || len(rows) > hi {
				return fmt.Errorf("account %s has %d authorisations; the history says %d to %d", wr.subject, len(rows), lo, hi)
			}
		}
		id, ok := created(wr)["id"].(string)
		if wr.outcome != outcomeOK || !ok {
			return nil
		}
		rows, err := s.findIn("usage_authorisations/list", params, "id", id)
		if err != nil || len(rows) != 1 {
			return fmt.Errorf("acknowledged authorisation %s: %d rows, %v", id, len(rows), err)
		}
		state := rows[0]["life_cycle_state"]
		switch s.h.outcomeOf(holdRelease, id) {
		case outcomeOK:
			if state != "CANCELLED" {
				return fmt.Errorf("authorisation %s is %v after an acknowledged cancel", id, state)
			}
		case outcomeFailed:
			if state != "BLOCKED" {
				return fmt.Errorf("authorisation %s is %v, but nothing changed it", id, state)
			}
		default:
			if state != "BLOCKED" && state != "CANCELLED" {
				return fmt.Errorf("authorisation %s is %v", id, state)
			}
		}
		if rows[0]["authorisation_amount"] != "0.5" {
			return fmt.Errorf("authorisation %s holds %v, want 0.5", id, rows[0]["authorisation_amount"])
		}
		return nil
	},
}

var holdRelease = &writeKind{
	name: "usage_authorisations/cancel", weight: 4,
	next: func(w *loadWorker) *write {
		id := w.takeOwned("auth")
		if id == "" {
			return nil
		}
		wr := w.newWrite("usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": map[string]any{"id": id}})
		wr.subject = id
		return wr
	},
	// The authorisation's own check tells whether the cancel took.
	check: func(s *state, wr *write) error { return nil },
}

var usagePost = &writeKind{
	name: "subscriptions/add_service_usage", weight: 5,
	next: func(w *loadWorker) *write {
		a := w.account()
		if a == nil {
			return nil
		}
		wr := w.newWrite("subscriptions/add_service_usage", map[string]any{
			"subscription_identifier":  map[string]any{"id": a.Subscription},
			"usage_detail_records_set": []any{map[string]any{"product_identifier": map[string]any{"code": "Diesel"}, "usage_amount": 1}}})
		wr.subject = a.ID
		return wr
	},
	check: func(s *state, wr *write) error {
		params := accountParam(wr.subject)
		if s.h.last(wr.kind, wr.subject) == wr {
			rows, err := s.rows("usage_detail_records/list", params)
			if err != nil {
				return err
			}
			lo, hi := s.h.bounds(wr.kind, wr.subject, 1)
			if len(rows) < lo || len(rows) > hi {
				return fmt.Errorf("account %s has %d usage records; the history says %d to %d", wr.subject, len(rows), lo, hi)
			}
		}
		recs, _ := created(wr)["usage_detail_records"].([]any)
		for _, r := range recs {
			id := fmt.Sprint(r.(map[string]any)["id"])
			rows, err := s.findIn("usage_detail_records/list", params, "id", id)
			if err != nil || len(rows) != 1 {
				return fmt.Errorf("acknowledged usage record %s: %d rows, %v", id, len(rows), err)
			}
		}
		return nil
	},
}

var netflixCreate = &writeKind{
	name: "netflix/subscriptions/create", weight: 3, convergesWithoutKey: true,
	next: func(w *loadWorker) *write {
		return w.newWrite("netflix/subscriptions/create", map[string]any{"billing_system_customer_identifier": w.uniqueName("cust")})
	},
	check: func(s *state, wr *write) error {
		// There is no list of subscriptions: each is looked up alone, so a
		// write is checked after the restart that follows it and at the end.
		if wr.round != s.round && !s.final {
			return nil
		}
		a := s.c.post(context.Background(), "netflix/subscriptions/show", map[string]any{
			"billing_system_customer_identifier": wr.params["billing_system_customer_identifier"]}, "")
		switch {
		case a.Err != nil:
			return a.Err
		case wr.outcome == outcomeOK && a.Status != 200:
			return fmt.Errorf("acknowledged subscription of %v: %d %s", wr.params["billing_system_customer_identifier"], a.Status, a.Code)
		case wr.outcome == outcomeFailed && a.Status != 404:
			return fmt.Errorf("refused subscription of %v is there: %d", wr.params["billing_system_customer_identifier"], a.Status)
		case a.Status != 200 && a.Status != 404:
			return fmt.Errorf("show: %d %s", a.Status, a.Code)
		}
		return nil
	},
}

// checkBooks is M4 after a crash: every account's balance is the sum of
// its ledger entries, its holds are the sum of its BLOCKED authorisations,
// and it stays within its funding and credit.
func checkBooks(s *state) error {
	rows, err := s.rows("accounts_receivable/books/check", nil)
	if err != nil {
		return err
	}
	for _, r := range rows {
		if r["balanced"] != true || r["within_funding_and_credit"] != true || r["held_amount"] != r["blocked_authorisations_total"] {
			return fmt.Errorf("books of %v do not balance: %v", r["number"], r)
		}
	}
	return nil
}
