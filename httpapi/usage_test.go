package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

// seedTime is the authorisation_date of the seed example.
var seedTime = time.Date(2017, 4, 4, 0, 0, 0, 0, time.UTC)

const (
	post = http.MethodPost
	get  = http.MethodGet
)

type idNumber struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

// usageWorld is the seed example's catalogue and account, made over HTTP with
// the admin methods: "Usage Service 3" (Litres, 0.155 a litre) limited to
// 10 per transaction, any service of "Usage Service Type A" (Litres)
// limited to 10 litres per transaction, "Serendipity" (VOD, 4.99) limited
// to one rental a day, and every other service blocked.
type usageWorld struct {
	tn           tenant
	account      idNumber
	subscription idNumber
}

func ident(field, value string) map[string]any { return map[string]any{field: value} }

func mustUsageWorld(tb testing.TB, ts *testServer, tn tenant, funds string) usageWorld {
	tb.Helper()
	a := tn.Admin
	ts.mustOK(tb, a, post, "udr_types/create", map[string]any{"name": "Litres", "alternative_code": "L"}, nil)
	ts.mustOK(tb, a, post, "udr_types/create", map[string]any{"name": "VOD", "alternative_code": "V"}, nil)
	for _, pt := range []map[string]any{
		{"name": "Usage Service Type B", "alternative_code": "USTB", "udr_type_identifier": ident("name", "Litres")},
		{"name": "Usage Service Type A", "alternative_code": "USTA", "udr_type_identifier": ident("alternative_code", "L")},
		{"name": "Usage Services", "alternative_code": "V", "description": "Used for VOD , PPV, TELEPHONE CALLS ETC",
			"udr_type_identifier": ident("name", "VOD"), "used_for_provisioning": true},
	} {
		ts.mustOK(tb, a, post, "product_types/create", pt, nil)
	}
	ts.mustOK(tb, a, post, "product_families/create", map[string]any{"code": "FUEL", "name": "Fuel"}, nil)
	for _, s := range []map[string]any{
		{"code": "Usage Service 3", "alternative_code": "US3", "description": "Usage Service 3",
			"product_type_identifier": ident("alternative_code", "USTB"), "unit_rate": "0.155"},
		{"code": "Usage Service 4", "alternative_code": "US4", "description": "Usage Service 4",
			"product_type_identifier": ident("alternative_code", "USTA"), "product_family_identifier": ident("code", "FUEL"), "unit_rate": 1.5},
		{"code": "Serendipity", "alternative_code": "S_1", "description": "VOD: Serendipity ",
			"product_type_identifier": ident("name", "Usage Services"), "unit_rate": "4.99"},
		{"code": "Unlisted", "alternative_code": "UNL", "product_type_identifier": ident("name", "Usage Services"), "unit_rate": "1"},
	} {
		ts.mustOK(tb, a, post, "usage_services/create", s, nil)
	}
	var contact idNumber
	ts.mustOK(tb, a, post, "contacts/create", map[string]any{"type": "PERSON", "first_name": "AC", "last_name": "Allowance_12"}, &contact)
	w := usageWorld{tn: tn}
	ts.mustOK(tb, a, post, "accounts_receivable/create", map[string]any{"contact_identifier": ident("id", contact.ID), "currency": "EUR"}, &w.account)
	ts.mustOK(tb, a, post, "accounts_receivable/payments/create", map[string]any{"accounts_receivable_identifier": ident("number", w.account.Number),
		"amount": funds, "reference_number": "R1"}, nil)
	ts.mustOK(tb, a, post, "subscriptions/create", map[string]any{"accounts_receivable_identifier": ident("id", w.account.ID)}, &w.subscription)
	ts.mustOK(tb, a, post, "usage_allowances/set", map[string]any{
		"accounts_receivable_identifier":                                 ident("number", w.account.Number),
		"block_services_not_included_in_usage_allowance_limits_settings": true,
		"usage_allowance_limits_set": []any{
			map[string]any{"service_identifier": ident("code", "Usage Service 3"), "maximum_rated_amount_per_transaction": "10"},
			map[string]any{"service_type_identifier": ident("name", "Usage Service Type A"), "maximum_usage_per_transaction": 10},
			map[string]any{"service_identifier": ident("alternative_code", "S_1"), "maximum_usage_per_day": 1},
		}}, nil)
	return w
}

func (w usageWorld) accountID() map[string]any { return ident("number", w.account.Number) }

type authorisation struct {
	ID              string `json:"id"`
	AuthorisationID string `json:"authorisation_id"`
	LifeCycleState  string `json:"life_cycle_state"`
}

func (ts *testServer) mustAuthorise(tb testing.TB, w usageWorld, amount string) authorisation {
	tb.Helper()
	var a authorisation
	ts.mustOK(tb, w.tn.Operator, post, "usage_authorisations/create", map[string]any{"accounts_receivable_identifier": w.accountID(),
		"authorisation_amount": amount}, &a)
	return a
}

func TestUsageAuthorisationShowMatchesSeed(t *testing.T) {
	ts := mustServer(t, seedTime)
	w := mustUsageWorld(t, ts, ts.mustTenant(t, "CRMDEMO"), "100")
	created := ts.mustAuthorise(t, w, "50")
	data := ts.mustOK(t, w.tn.Operator, get, "usage_authorisations/show",
		map[string]any{"usage_authorisation_identifier": ident("id", created.ID)}, nil)
	byNumber := ts.mustOK(t, w.tn.Operator, post, "usage_authorisations/show",
		map[string]any{"usage_authorisation_identifier": ident("authorisation_id", created.AuthorisationID)}, nil)
	if string(data) != string(byNumber) {
		t.Fatalf("show by id and by authorisation_id differ:\n%s\n%s", data, byNumber)
	}
	mustGolden(t, "usage_authorisation_show.golden.json", data)

	raw, err := os.ReadFile(filepath.Join("testdata", "seed_usage_authorisation.json"))
	if err != nil {
		t.Fatal(err)
	}
	var seed struct{ Data any }
	var got any
	if err := json.Unmarshal(raw, &seed); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	// The documented additions to the seed's keys (crmcom-api.md §4.9, decisions.md Q5).
	extras := map[string]bool{"usage_authorisation_identifier": true, "authorisation_id": true, "completed_date": true,
		"cancellation_date": true, "subscription": true, "completed_by_action": true, "cancelled_by_user": true}
	if err := sameShape(seed.Data, got, "data", extras); err != nil {
		t.Fatalf("show does not have the seed example's shape: %v", err)
	}
}

// sameShape checks that got has want's keys, nesting and JSON types, nulls
// where want has nulls; at the top level got may also have the extras.
func sameShape(want, got any, path string, extras map[string]bool) error {
	switch w := want.(type) {
	case nil:
		if got != nil {
			return fmt.Errorf("%s: %v, want null", path, got)
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T, want an object", path, got)
		}
		for k := range g {
			if _, ok := w[k]; !ok && !extras[k] {
				return fmt.Errorf("%s.%s: not in the seed", path, k)
			}
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s: missing", path, k)
			}
			if err := sameShape(w[k], v, path+"."+k, nil); err != nil {
				return err
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: %v, want an array of %d", path, got, len(w))
		}
		for i := range w {
			if err := sameShape(w[i], g[i], fmt.Sprintf("%s[%d]", path, i), nil); err != nil {
				return err
			}
		}
	default:
		if reflect.TypeOf(want) != reflect.TypeOf(got) {
			return fmt.Errorf("%s: %T %v, want %T like %v", path, got, got, want, want)
		}
	}
	return nil
}

func TestUsageAuthorisationLifeCycle(t *testing.T) {
	ts := mustServer(t, seedTime)
	w := mustUsageWorld(t, ts, ts.mustTenant(t, "CRMDEMO"), "100")
	op := w.tn.Operator

	// The maxima of the worked example in docs/usage-authorisations.md.
	var a struct {
		authorisation
		Services []struct {
			MaximumUsage  json.Number `json:"maximum_usage"`
			MaximumAmount string      `json:"maximum_amount"`
		} `json:"usage_authorisation_services"`
	}
	ts.mustOK(t, op, post, "usage_authorisations/create", map[string]any{"subscription_identifier": ident("number", w.subscription.Number),
		"authorisation_amount": 12}, &a)
	want := [][2]string{{"64", "10"}, {"8", "12"}, {"1", "12"}}
	for i, s := range a.Services {
		if s.MaximumUsage.String() != want[i][0] || s.MaximumAmount != want[i][1] {
			t.Errorf("service %d: maximum_usage %s maximum_amount %s, want %s %s", i, s.MaximumUsage, s.MaximumAmount, want[i][0], want[i][1])
		}
	}

	// Completion through add_service_usage debits the usage and releases the rest.
	var posted struct {
		idNumber
		Total              string `json:"total_rated_amount"`
		UsageAuthorisation authorisation
		Records            []struct {
			RatedAmount string `json:"rated_amount"`
		} `json:"usage_detail_records"`
	}
	ts.mustOK(t, op, post, "subscriptions/add_service_usage", map[string]any{"accounts_receivable_identifier": w.accountID(),
		"usage_authorisation_identifier": ident("authorisation_id", a.AuthorisationID),
		"usage_detail_records_set": []any{
			map[string]any{"product_identifier": ident("code", "Usage Service 3"), "usage_amount": 64},
			map[string]any{"product_identifier": ident("alternative_code", "US4"), "usage_amount": "1"},
		}}, &posted)
	if posted.Total != "11.42" || len(posted.Records) != 2 || posted.Records[0].RatedAmount != "9.92" {
		t.Fatalf("posted %+v", posted)
	}
	var shown struct {
		LifeCycleState    string    `json:"life_cycle_state"`
		CompletedDate     *string   `json:"completed_date"`
		CompletedByAction *idNumber `json:"completed_by_action"`
	}
	ts.mustOK(t, op, get, "usage_authorisations/show", map[string]any{"usage_authorisation_identifier": ident("id", a.ID)}, &shown)
	if shown.LifeCycleState != "COMPLETED" || shown.CompletedDate == nil || shown.CompletedByAction == nil ||
		shown.CompletedByAction.Number != posted.Number {
		t.Fatalf("after completion: %+v", shown)
	}
	mustAccount(t, ts, w, "88.58", "0")

	// Cancel releases the hold and records who and when.
	c := ts.mustAuthorise(t, w, "30")
	mustAccount(t, ts, w, "88.58", "30")
	var cancelled struct {
		LifeCycleState   string  `json:"life_cycle_state"`
		CancellationDate *string `json:"cancellation_date"`
		CancelledByUser  *struct {
			Username string `json:"username"`
		} `json:"cancelled_by_user"`
	}
	ts.mustOK(t, op, post, "usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ident("id", c.ID)}, &cancelled)
	if cancelled.LifeCycleState != "CANCELLED" || cancelled.CancellationDate == nil || cancelled.CancelledByUser == nil ||
		cancelled.CancelledByUser.Username != "operator" {
		t.Fatalf("cancelled = %+v", cancelled)
	}
	mustAccount(t, ts, w, "88.58", "0")

	// A BLOCKED authorisation past its expiry shows EXPIRED, its hold released.
	e := ts.mustAuthorise(t, w, "20")
	ts.Clock.Advance(24 * time.Hour)
	w.tn = ts.mustLogin(t, w.tn.Org)
	var expired authorisation
	ts.mustOK(t, w.tn.Operator, get, "usage_authorisations/show", map[string]any{"usage_authorisation_identifier": ident("id", e.ID)}, &expired)
	if expired.LifeCycleState != "EXPIRED" {
		t.Fatalf("after 24 h: %s", expired.LifeCycleState)
	}
	mustAccount(t, ts, w, "88.58", "0")

	// The list, on GET and POST, by number, name and id.
	for _, call := range []struct {
		method string
		ref    map[string]any
	}{{get, ident("number", w.account.Number)}, {post, ident("name", w.account.Number)}, {get, ident("id", w.account.ID)}} {
		var list []authorisation
		ts.mustOK(t, w.tn.Operator, call.method, "usage_authorisations/list", map[string]any{"accounts_receivable_identifier": call.ref,
			"fields_set": "authorisation_id,life_cycle_state"}, &list)
		var states []string
		for _, x := range list {
			states = append(states, x.AuthorisationID+" "+x.LifeCycleState)
		}
		wantStates := []string{"UA0000000001 COMPLETED", "UA0000000002 CANCELLED", "UA0000000003 EXPIRED"}
		if !reflect.DeepEqual(states, wantStates) {
			t.Fatalf("%s list by %v = %v, want %v", call.method, call.ref, states, wantStates)
		}
	}
	mustBooksBalance(t, ts, w.tn)
}

// mustAccount checks an account's balance and held amount.
func mustAccount(tb testing.TB, ts *testServer, w usageWorld, balance, held string) {
	tb.Helper()
	var a struct {
		Balance string `json:"balance"`
		Held    string `json:"held_amount"`
	}
	ts.mustOK(tb, w.tn.Admin, get, "accounts_receivable/show", map[string]any{"accounts_receivable_identifier": w.accountID()}, &a)
	if a.Balance != balance || a.Held != held {
		tb.Fatalf("balance %s held %s, want %s and %s", a.Balance, a.Held, balance, held)
	}
}

// mustBooksBalance checks every account of the tenant (promise M4).
func mustBooksBalance(tb testing.TB, ts *testServer, tn tenant) {
	tb.Helper()
	var books []struct {
		Number   string `json:"number"`
		Balanced bool   `json:"balanced"`
		Within   bool   `json:"within_funding_and_credit"`
	}
	ts.mustOK(tb, tn.Admin, get, "accounts_receivable/books/check", nil, &books)
	for _, b := range books {
		if !b.Balanced || !b.Within {
			tb.Fatalf("books of %s: %+v", b.Number, b)
		}
	}
}

// usageSnapshot is everything an error must leave as it was: each account's
// money, authorisations, ledger and usage records, in both organisations.
func usageSnapshot(tb testing.TB, ts *testServer, tenants ...tenant) string {
	tb.Helper()
	var out []json.RawMessage
	for _, tn := range tenants {
		var accounts []idNumber
		out = append(out, ts.mustOK(tb, tn.Admin, get, "accounts_receivable/list", nil, &accounts))
		for _, a := range accounts {
			ref := map[string]any{"accounts_receivable_identifier": ident("id", a.ID)}
			for _, path := range []string{"usage_authorisations/list", "accounts_receivable/ledger_entries/list", "usage_detail_records/list", "subscriptions/list"} {
				out = append(out, ts.mustOK(tb, tn.Admin, get, path, ref, nil))
			}
		}
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func TestUsageAuthorisationErrors(t *testing.T) {
	ts := mustServer(t, seedTime)
	w := mustUsageWorld(t, ts, ts.mustTenant(t, "CRMDEMO"), "100")
	other := mustUsageWorld(t, ts, ts.mustTenant(t, "GLOBEX"), "100")
	op := w.tn.Operator

	// A second, suspended account of the same organisation.
	var frozen idNumber
	var contact idNumber
	ts.mustOK(t, w.tn.Admin, post, "contacts/create", map[string]any{"type": "COMPANY", "company_name": "Frozen Ltd"}, &contact)
	ts.mustOK(t, w.tn.Admin, post, "accounts_receivable/create", map[string]any{"contact_identifier": ident("id", contact.ID),
		"currency": "EUR", "name": "Frozen", "credit_limit": "50"}, &frozen)
	ts.mustOK(t, w.tn.Admin, post, "subscriptions/create", map[string]any{"accounts_receivable_identifier": ident("id", frozen.ID)}, nil)
	ts.mustOK(t, w.tn.Admin, post, "accounts_receivable/suspend", map[string]any{"accounts_receivable_identifier": ident("name", "Frozen")}, nil)
	// And a third, with little money and no allowance settings: every service, no limits.
	var poor idNumber
	ts.mustOK(t, w.tn.Admin, post, "contacts/create", map[string]any{"type": "PERSON", "last_name": "Poor"}, &contact)
	ts.mustOK(t, w.tn.Admin, post, "accounts_receivable/create", map[string]any{"contact_identifier": ident("id", contact.ID),
		"currency": "EUR", "name": "Poor"}, &poor)
	ts.mustOK(t, w.tn.Admin, post, "accounts_receivable/credits/create", map[string]any{"accounts_receivable_identifier": ident("id", poor.ID), "amount": 5}, nil)
	ts.mustOK(t, w.tn.Admin, post, "subscriptions/create", map[string]any{"accounts_receivable_identifier": ident("id", poor.ID)}, nil)

	open := ts.mustAuthorise(t, w, "12")
	done := ts.mustAuthorise(t, w, "5")
	ts.mustOK(t, op, post, "usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ident("id", done.ID)}, nil)
	completed := ts.mustAuthorise(t, w, "5")
	ts.mustOK(t, op, post, "subscriptions/add_service_usage", map[string]any{"subscription_identifier": ident("id", w.subscription.ID),
		"usage_authorisation_identifier": ident("id", completed.ID),
		"usage_detail_records_set":       []any{map[string]any{"product_identifier": ident("code", "Usage Service 4"), "usage_amount": 1}}}, nil)
	foreign := ts.mustAuthorise(t, other, "10")
	// One that expires: made an hour before the others' clock, with a
	// validity of one minute.
	ts.mustOK(t, w.tn.Admin, post, "usage_allowances/set", map[string]any{"accounts_receivable_identifier": w.accountID(),
		"authorisation_validity_minutes": 1, "block_services_not_included_in_usage_allowance_limits_settings": true,
		"usage_allowance_limits_set": []any{
			map[string]any{"service_identifier": ident("code", "Usage Service 3"), "maximum_rated_amount_per_transaction": "10"},
			map[string]any{"service_type_identifier": ident("name", "Usage Service Type A"), "maximum_usage_per_transaction": 10},
			map[string]any{"service_identifier": ident("alternative_code", "S_1"), "maximum_usage_per_day": 1},
		}}, nil)
	stale := ts.mustAuthorise(t, w, "3")
	ts.Clock.Advance(2 * time.Minute)
	if n, err := ts.Svc.Usage.ExpireDue(t.Context(), 100); n != 1 || err != nil {
		t.Fatalf("ExpireDue = %d, %v; want 1", n, err)
	}

	create := func(params map[string]any) map[string]any { return params }
	usage := func(auth string, lines ...any) map[string]any {
		p := map[string]any{"accounts_receivable_identifier": w.accountID(), "usage_detail_records_set": lines}
		if auth != "" {
			p["usage_authorisation_identifier"] = ident("id", auth)
		}
		return p
	}
	line := func(code string, amount any) map[string]any {
		return map[string]any{"product_identifier": ident("code", code), "usage_amount": amount}
	}
	amount := func(a any) map[string]any {
		return map[string]any{"accounts_receivable_identifier": w.accountID(), "authorisation_amount": a}
	}
	cases := []struct {
		name   string
		method string
		path   string
		params map[string]any
		code   crmapi.Code
		status int
	}{
		{"unknown account", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": ident("number", "ACR0000009999"), "authorisation_amount": 5}), crmapi.NotFound, 404},
		{"unknown subscription", post, "usage_authorisations/create", create(map[string]any{"subscription_identifier": ident("number", "SUB0000009999"), "authorisation_amount": 5}), crmapi.NotFound, 404},
		{"both identifiers", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": w.accountID(), "subscription_identifier": ident("id", w.subscription.ID), "authorisation_amount": 5}), crmapi.OnlyOneSemiOptionalAllowed, 400},
		{"no identifier", post, "usage_authorisations/create", create(map[string]any{"authorisation_amount": 5}), crmapi.MandatoryParameterMissing, 400},
		{"two identifier fields", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": map[string]any{"id": w.account.ID, "number": w.account.Number}, "authorisation_amount": 5}), crmapi.OnlyOneSemiOptionalAllowed, 400},
		{"unknown identifier field", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": ident("iban", "X"), "authorisation_amount": 5}), crmapi.InvalidParameter, 400},
		{"no amount", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": w.accountID()}), crmapi.MandatoryParameterMissing, 400},
		{"zero amount", post, "usage_authorisations/create", amount(0), crmapi.InvalidParameter, 400},
		{"negative amount", post, "usage_authorisations/create", amount("-5"), crmapi.InvalidParameter, 400},
		{"malformed amount", post, "usage_authorisations/create", amount("5 EUR"), crmapi.InvalidParameter, 400},
		{"amount as an object", post, "usage_authorisations/create", amount(map[string]any{"value": 5}), crmapi.InvalidParameter, 400},
		{"amount finer than cents", post, "usage_authorisations/create", amount("1.005"), crmapi.InvalidParameter, 400},
		{"amount out of range", post, "usage_authorisations/create", amount(json.Number("1e400")), crmapi.InvalidParameter, 400},
		{"amount as a boolean", post, "usage_authorisations/create", amount(true), crmapi.InvalidParameter, 400},
		{"suspended account", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": ident("id", frozen.ID), "authorisation_amount": 5}), crmapi.InvalidLifeCycleState, 422},
		// 100 paid, 1.50 used, 12 held: 86.50 is available.
		{"insufficient funds", post, "usage_authorisations/create", amount("86.51"), crmapi.InsufficientFunds, 422},
		{"another organisation's account", post, "usage_authorisations/create", create(map[string]any{"accounts_receivable_identifier": ident("id", other.account.ID), "authorisation_amount": 5}), crmapi.NotFound, 404},
		{"another organisation's subscription", post, "usage_authorisations/create", create(map[string]any{"subscription_identifier": ident("id", other.subscription.ID), "authorisation_amount": 5}), crmapi.NotFound, 404},
		{"another organisation's list", get, "usage_authorisations/list", map[string]any{"accounts_receivable_identifier": ident("id", other.account.ID)}, crmapi.NotFound, 404},
		{"another organisation's authorisation", get, "usage_authorisations/show", map[string]any{"usage_authorisation_identifier": ident("id", foreign.ID)}, crmapi.NotFound, 404},
		{"cancel another organisation's authorisation", post, "usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ident("id", foreign.ID)}, crmapi.NotFound, 404},
		{"cancel a CANCELLED authorisation", post, "usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ident("id", done.ID)}, crmapi.InvalidLifeCycleState, 422},
		{"cancel a COMPLETED authorisation", post, "usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ident("id", completed.ID)}, crmapi.InvalidLifeCycleState, 422},
		{"cancel an EXPIRED authorisation", post, "usage_authorisations/cancel", map[string]any{"usage_authorisation_identifier": ident("id", stale.ID)}, crmapi.InvalidLifeCycleState, 422},
		{"usage over a service's maximum usage", post, "subscriptions/add_service_usage", usage(open.ID, line("Usage Service 3", 65)), crmapi.LimitExceeded, 422},
		{"usage over a type's maximum usage", post, "subscriptions/add_service_usage", usage(open.ID, line("Usage Service 4", 8.5)), crmapi.LimitExceeded, 422},
		{"usage over a daily count", post, "subscriptions/add_service_usage", usage(open.ID, line("Serendipity", 2)), crmapi.LimitExceeded, 422},
		{"usage over the authorised amount", post, "subscriptions/add_service_usage", usage(open.ID, line("Usage Service 3", 64), line("Usage Service 4", 2)), crmapi.LimitExceeded, 422},
		{"usage of a blocked service", post, "subscriptions/add_service_usage", usage(open.ID, line("Unlisted", 1)), crmapi.LimitExceeded, 422},
		{"usage without authorisation over a limit", post, "subscriptions/add_service_usage", usage("", line("Usage Service 3", 100)), crmapi.LimitExceeded, 422},
		{"usage without authorisation beyond the funds", post, "subscriptions/add_service_usage", map[string]any{"accounts_receivable_identifier": ident("id", poor.ID), "usage_detail_records_set": []any{line("Usage Service 4", 4)}}, crmapi.InsufficientFunds, 422},
		{"usage against an EXPIRED authorisation", post, "subscriptions/add_service_usage", usage(stale.ID, line("Usage Service 3", 1)), crmapi.InvalidLifeCycleState, 422},
		{"usage against a COMPLETED authorisation", post, "subscriptions/add_service_usage", usage(completed.ID, line("Usage Service 3", 1)), crmapi.InvalidLifeCycleState, 422},
		{"usage against another organisation's authorisation", post, "subscriptions/add_service_usage", usage(foreign.ID, line("Usage Service 3", 1)), crmapi.NotFound, 404},
		{"usage of zero", post, "subscriptions/add_service_usage", usage(open.ID, line("Usage Service 3", 0)), crmapi.InvalidParameter, 400},
		{"usage of an unknown service", post, "subscriptions/add_service_usage", usage(open.ID, line("Nothing", 1)), crmapi.NotFound, 404},
		{"usage without lines", post, "subscriptions/add_service_usage", usage(open.ID), crmapi.MandatoryParameterMissing, 400},
		{"usage line without amount", post, "subscriptions/add_service_usage", usage(open.ID, map[string]any{"product_identifier": ident("code", "Usage Service 3")}), crmapi.MandatoryParameterMissing, 400},
		{"usage line with an unknown key", post, "subscriptions/add_service_usage", usage(open.ID, map[string]any{"product_identifier": ident("code", "Usage Service 3"), "usage_amount": 1, "price": 0}), crmapi.InvalidParameter, 400},
		{"usage through a suspended account", post, "subscriptions/add_service_usage", map[string]any{"accounts_receivable_identifier": ident("id", frozen.ID), "usage_detail_records_set": []any{line("Usage Service 3", 1)}}, crmapi.InvalidLifeCycleState, 422},
		{"usage with both identifiers", post, "subscriptions/add_service_usage", map[string]any{"accounts_receivable_identifier": w.accountID(), "subscription_identifier": ident("id", w.subscription.ID), "usage_detail_records_set": []any{line("Usage Service 3", 1)}}, crmapi.OnlyOneSemiOptionalAllowed, 400},
		{"usage on another account's authorisation", post, "subscriptions/add_service_usage", map[string]any{"accounts_receivable_identifier": ident("id", poor.ID), "usage_authorisation_identifier": ident("id", open.ID), "usage_detail_records_set": []any{line("Usage Service 3", 1)}}, crmapi.InvalidParameter, 400},
		{"admin method for an operator", post, "accounts_receivable/payments/create", map[string]any{"accounts_receivable_identifier": w.accountID(), "amount": "1000"}, crmapi.PermissionDenied, 403},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := usageSnapshot(t, ts, w.tn, other.tn)
			ts.mustFail(t, op, c.method, c.path, c.params, c.code, c.status)
			if after := usageSnapshot(t, ts, w.tn, other.tn); after != before {
				t.Fatalf("the failed call changed state:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
	// The one that was left open still holds its money, and completes.
	ts.mustOK(t, op, post, "subscriptions/add_service_usage", usage(open.ID, line("Usage Service 3", 64)), nil)
	mustBooksBalance(t, ts, w.tn)
	mustBooksBalance(t, ts, other.tn)
}
