package httpapi_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
)

// wireCase is one call and the answer it must get.
type wireCase struct {
	name   string
	path   string
	get    url.Values     // a GET with this query (the token is added)
	body   map[string]any // else a POST with this body (the token is added)
	status int
	code   crmapi.Code
}

func (n *netflixEnv) run(t *testing.T, cases ...wireCase) {
	t.Helper()
	for _, c := range cases {
		var r *response
		if c.get != nil {
			q := url.Values{}
			for k, v := range c.get {
				q[k] = v
			}
			if q.Get("token") == "" {
				q.Set("token", n.Token)
			}
			r = n.get(c.path, q.Encode())
		} else {
			body := map[string]any{"token": n.Token}
			for k, v := range c.body {
				body[k] = v
			}
			r = n.post(c.path, body)
		}
		if c.code == crmapi.OK {
			r.wantOK()
		} else {
			r.wantError(c.status, c.code)
		}
		netflixGolden(t, c.name, r)
	}
}

func customer(id string) map[string]any {
	return map[string]any{"billing_system_customer_identifier": id}
}

func item(number, customer, ref string) map[string]any {
	it := map[string]any{"number": number, "billing_system_customer_identifier": customer}
	if ref != "" {
		it["reference_number"] = ref
	}
	return it
}

func items(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = item("NC0000000001", "pci-2", "")
	}
	return out
}

// Every Netflix method, its success and each of its error cases, against
// golden answers; the answers are also checked against /openapi.json.
func TestNetflixWire(t *testing.T) {
	n := mustNetflixEnv(t, testdb.SQLite(t), time.Hour)
	ok := crmapi.OK

	// The catalog is read from the partner the first time.
	n.emu.SetFaults(emulator.FaultConfig{ErrorRate: 1})
	n.run(t, wireCase{"promotions_list_partner_unavailable", "netflix/promotions/list", url.Values{}, nil, 503, crmapi.PartnerUnavailable})
	n.emu.SetFaults(emulator.FaultConfig{})
	n.run(t,
		wireCase{"promotions_list_ok", "netflix/promotions/list", url.Values{}, nil, 200, ok},
		wireCase{"promotions_list_invalid_token", "netflix/promotions/list", url.Values{"token": {"nope"}}, nil, 401, crmapi.InvalidToken},
	)

	full := map[string]any{"billing_system_customer_identifier": "pci-1", "promotion_code": "FREE1M", "channel": "WEB",
		"validity_duration": 3600, "customer_first_name": "Jane", "customer_last_name": "Doe",
		"customer_email":   map[string]any{"type": "PERSONAL", "email_address": "jane@example.com", "is_primary": true},
		"customer_phone":   map[string]any{"type": "MOBILE", "number": "99123456", "is_primary": true},
		"customer_address": map[string]any{"type": "HOME", "street_name": "Main St", "street_number": "1", "town_city": "Nicosia", "postal_code": "1000", "is_primary": true, "country_identifier": map[string]any{"two_character_code": "CY"}},
	}
	with := func(k string, v any) map[string]any {
		out := map[string]any{"billing_system_customer_identifier": "pci-x"}
		out[k] = v
		return out
	}
	n.run(t,
		wireCase{"create_ok", "netflix/subscriptions/create", nil, full, 200, ok},
		wireCase{"create_existing_subscription", "netflix/subscriptions/create", nil, full, 422, crmapi.InvalidLifeCycleState},
		wireCase{"create_missing_customer", "netflix/subscriptions/create", nil, map[string]any{"channel": "WEB"}, 400, crmapi.MandatoryParameterMissing},
		wireCase{"create_bad_channel", "netflix/subscriptions/create", nil, with("channel", "FAX"), 400, crmapi.InvalidParameter},
		wireCase{"create_bad_validity", "netflix/subscriptions/create", nil, with("validity_duration", 86401), 400, crmapi.InvalidParameter},
		wireCase{"create_fractional_validity", "netflix/subscriptions/create", nil, with("validity_duration", 1.5), 400, crmapi.InvalidParameter},
		wireCase{"create_unknown_promotion", "netflix/subscriptions/create", nil, with("promotion_code", "NOPE"), 400, crmapi.InvalidParameter},
		wireCase{"create_bad_email", "netflix/subscriptions/create", nil, with("customer_email", map[string]any{"type": "PERSONAL", "email_address": "jane"}), 400, crmapi.InvalidParameter},
		wireCase{"create_missing_email_type", "netflix/subscriptions/create", nil, with("customer_email", map[string]any{"email_address": "jane@example.com"}), 400, crmapi.MandatoryParameterMissing},
		wireCase{"create_bad_phone", "netflix/subscriptions/create", nil, with("customer_phone", map[string]any{"type": "MOBILE", "number": "call me"}), 400, crmapi.InvalidParameter},
		wireCase{"create_missing_street", "netflix/subscriptions/create", nil, with("customer_address", map[string]any{"type": "HOME"}), 400, crmapi.MandatoryParameterMissing},
		wireCase{"create_two_country_fields", "netflix/subscriptions/create", nil, with("customer_address", map[string]any{"type": "HOME", "street_name": "Main", "country_identifier": map[string]any{"two_character_code": "CY", "name": "Cyprus"}}), 400, crmapi.OnlyOneSemiOptionalAllowed},
		wireCase{"create_unknown_address_key", "netflix/subscriptions/create", nil, with("customer_address", map[string]any{"type": "HOME", "street_name": "Main", "colour": "red"}), 400, crmapi.InvalidParameter},
	)
	n.emu.SetFaults(emulator.FaultConfig{ErrorRate: 1})
	n.run(t, wireCase{"create_partner_unavailable", "netflix/subscriptions/create", nil, customer("pci-pending"), 503, crmapi.PartnerUnavailable})
	n.emu.SetFaults(emulator.FaultConfig{})

	// The customer signs up; crmapi learns it by reconciliation.
	var sub crmapi.NetflixSubscription
	n.Store.View(context.Background(), func(tx crmapi.Tx) error {
		var err error
		sub, err = tx.LiveNetflixSubscription(n.Org.ID, "pci-1")
		return err
	})
	if _, err := n.emu.RedeemToken(sub.SignupToken, ""); err != nil {
		t.Fatal(err)
	}
	n.reconcile()
	n.run(t,
		wireCase{"show_ok", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"pci-1"}}, nil, 200, ok},
		wireCase{"show_pending", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"pci-pending"}}, nil, 200, ok},
		wireCase{"show_by_netflix_identifier", "netflix/subscriptions/show", url.Values{"netflix_customer_identifier": {sub.PAI},
			"fields_set": {"subscription_number,life_cycle_state"}}, nil, 200, ok},
		wireCase{"show_not_found", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"nobody"}}, nil, 404, crmapi.NotFound},
		wireCase{"show_both_identifiers", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"pci-1"}, "netflix_customer_identifier": {sub.PAI}}, nil, 400, crmapi.OnlyOneSemiOptionalAllowed},
		wireCase{"show_no_identifier", "netflix/subscriptions/show", url.Values{}, nil, 400, crmapi.MandatoryParameterMissing},

		wireCase{"suspend_ok", "netflix/subscriptions/suspend", nil, customer("pci-1"), 200, ok},
		wireCase{"suspend_not_effective", "netflix/subscriptions/suspend", nil, customer("pci-1"), 422, crmapi.InvalidLifeCycleState},
		wireCase{"suspend_not_signed_up", "netflix/subscriptions/suspend", nil, customer("pci-pending"), 422, crmapi.InvalidLifeCycleState},
		wireCase{"suspend_not_found", "netflix/subscriptions/suspend", nil, customer("nobody"), 404, crmapi.NotFound},
		wireCase{"suspend_missing_customer", "netflix/subscriptions/suspend", nil, map[string]any{}, 400, crmapi.MandatoryParameterMissing},
		wireCase{"show_suspended", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"pci-1"}}, nil, 200, ok},
		wireCase{"unsuspend_ok", "netflix/subscriptions/unsuspend", nil, customer("pci-1"), 200, ok},
		wireCase{"unsuspend_effective", "netflix/subscriptions/unsuspend", nil, customer("pci-1"), 422, crmapi.InvalidLifeCycleState},
		wireCase{"unsuspend_not_found", "netflix/subscriptions/unsuspend", nil, customer("nobody"), 404, crmapi.NotFound},
		wireCase{"cancel_ok", "netflix/subscriptions/cancel", nil, customer("pci-1"), 200, ok},
		wireCase{"cancel_cancelled", "netflix/subscriptions/cancel", nil, customer("pci-1"), 422, crmapi.InvalidLifeCycleState},
		wireCase{"cancel_not_found", "netflix/subscriptions/cancel", nil, customer("nobody"), 404, crmapi.NotFound},
	)
	n.applyAll("pci-1")
	n.reconcile()
	n.run(t, wireCase{"show_cancelled", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"pci-1"}}, nil, 200, ok})

	// Three customers billed: their charges stay PENDING for an hour.
	for _, c := range []string{"pci-2", "pci-3", "pci-4"} {
		n.subscribe(c)
	}
	list := func(status string) url.Values {
		return url.Values{"number_of_results": {"50"}, "charge_status": {status}, "offset": {"0"}}
	}
	n.run(t,
		wireCase{"charges_list_not_processed_ok", "netflix/charges/list", list("NOT_PROCESSED"), nil, 200, ok},
		wireCase{"accept_ok", "netflix/charges/accept", nil, map[string]any{"accepted_charges_set": []any{item("NC0000000002", "pci-2", "ACC-1")}}, 200, ok},
		wireCase{"accept_failures", "netflix/charges/accept", nil, map[string]any{"accepted_charges_set": []any{
			item("NC0000000002", "pci-2", "ACC-2"), item("NC0000000099", "pci-2", ""), item("NC0000000003", "pci-2", ""),
			item("NC0000000004", "pci-4", "ACC-1")}}, 200, ok},
		wireCase{"accept_limit_exceeded", "netflix/charges/accept", nil, map[string]any{"accepted_charges_set": items(51)}, 422, crmapi.LimitExceeded},
		wireCase{"accept_missing_customer", "netflix/charges/accept", nil, map[string]any{"accepted_charges_set": []any{map[string]any{"number": "NC0000000002"}}}, 400, crmapi.MandatoryParameterMissing},
		wireCase{"decline_ok", "netflix/charges/decline", nil, map[string]any{"declined_charges_set": []any{item("NC0000000003", "pci-3", "DEC-1")}}, 200, ok},
		wireCase{"decline_failures", "netflix/charges/decline", nil, map[string]any{"declined_charges_set": []any{
			item("NC0000000002", "pci-2", ""), item("NC0000000003", "pci-3", "DEC-1")}}, 200, ok},
		wireCase{"decline_missing_set", "netflix/charges/decline", nil, map[string]any{}, 400, crmapi.MandatoryParameterMissing},
		wireCase{"decline_empty_set", "netflix/charges/decline", nil, map[string]any{"declined_charges_set": []any{}}, 400, crmapi.InvalidParameter},
	)
	n.applyAll("pci-2")
	n.applyAll("pci-3")
	n.emu.AdvanceClock(2 * time.Hour)
	n.reconcile()
	next := list("PROCESSED")
	next.Set("cursor", "YzEuUC4z") // after the third charge: c1.P.3
	bad := list("PROCESSED")
	bad.Set("cursor", "YzEuTi4z") // a NOT_PROCESSED cursor
	n.run(t,
		wireCase{"charges_list_processed_ok", "netflix/charges/list", list("PROCESSED"), nil, 200, ok},
		wireCase{"charges_list_fields_set", "netflix/charges/list", func() url.Values {
			q := list("PROCESSED")
			q.Set("fields_set", "number,charge_status")
			return q
		}(), nil, 200, ok},
		wireCase{"charges_list_after_cursor", "netflix/charges/list", next, nil, 200, ok},
		wireCase{"charges_list_offset", "netflix/charges/list", url.Values{"number_of_results": {"1"}, "charge_status": {"PROCESSED"}, "offset": {"1"}}, nil, 200, ok},
		wireCase{"charges_list_limit_exceeded", "netflix/charges/list", url.Values{"number_of_results": {"51"}, "charge_status": {"PROCESSED"}, "offset": {"0"}}, nil, 422, crmapi.LimitExceeded},
		wireCase{"charges_list_missing_status", "netflix/charges/list", url.Values{"number_of_results": {"50"}, "offset": {"0"}}, nil, 400, crmapi.MandatoryParameterMissing},
		wireCase{"charges_list_missing_offset", "netflix/charges/list", url.Values{"number_of_results": {"50"}, "charge_status": {"PROCESSED"}}, nil, 400, crmapi.MandatoryParameterMissing},
		wireCase{"charges_list_bad_status", "netflix/charges/list", list("APPROVED"), nil, 400, crmapi.InvalidParameter},
		wireCase{"charges_list_bad_cursor", "netflix/charges/list", bad, nil, 400, crmapi.InvalidParameter},

		wireCase{"acknowledge_ok", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": []any{
			item("NC0000000002", "pci-2", "REF-1")}}, 200, ok},
		wireCase{"acknowledge_repeated", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": []any{
			item("NC0000000002", "pci-2", "REF-1")}}, 200, ok},
		wireCase{"acknowledge_failures", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": []any{
			item("NC0000000002", "pci-2", "REF-2"), item("NC0000000099", "pci-2", ""), item("NC0000000003", "pci-2", ""),
			item("NC0000000003", "pci-3", "REF-1")}}, 200, ok},
		wireCase{"acknowledge_limit_exceeded", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": items(51)}, 422, crmapi.LimitExceeded},
		wireCase{"acknowledge_missing_number", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": []any{map[string]any{"billing_system_customer_identifier": "pci-2"}}}, 400, crmapi.MandatoryParameterMissing},
		wireCase{"acknowledge_unknown_key", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": []any{map[string]any{"number": "NC0000000002", "billing_system_customer_identifier": "pci-2", "amount": 1}}}, 400, crmapi.InvalidParameter},
		wireCase{"acknowledge_missing_set", "netflix/charges/acknowledge", nil, map[string]any{}, 400, crmapi.MandatoryParameterMissing},
		wireCase{"charges_list_after_acknowledge", "netflix/charges/list", list("PROCESSED"), nil, 200, ok},
		wireCase{"show_declined", "netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {"pci-3"}}, nil, 200, ok},
		wireCase{"attention_list_ok", "admin/netflix/attention/list", url.Values{}, nil, 200, ok},
		wireCase{"attention_retry_not_found", "admin/netflix/attention/retry", nil, map[string]any{"subscription_number": "NS0000009999"}, 404, crmapi.NotFound},
		wireCase{"attention_retry_ok", "admin/netflix/attention/retry", nil, map[string]any{"subscription_number": "NS0000000001"}, 200, ok},
		wireCase{"charges_check_ok", "netflix/charges/check", url.Values{}, nil, 200, ok},
	)
	// A reference number recorded for a charge that was never acknowledged with it.
	fix := breakCharge(t, n.env, n.Org.ID, "NC0000000004", "HALF-1")
	n.run(t, wireCase{"charges_check_problem", "netflix/charges/check", url.Values{}, nil, 200, ok})
	fix()
	if _, err := n.Svc.Auth.CreateUser(context.Background(), n.Org.ID, service.NewUser{Username: "ops", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	admin := n.Token
	n.Token = n.login("ops", testPassword, "ACME")
	n.run(t, wireCase{"attention_list_not_admin", "admin/netflix/attention/list", url.Values{}, nil, 403, crmapi.PermissionDenied})
	n.run(t, wireCase{"charges_check_not_admin", "netflix/charges/check", url.Values{}, nil, 403, crmapi.PermissionDenied})
	n.Token = admin
}

// Bad input changes nothing: after every refused create and batch the
// store holds what it held before.
func TestNetflixBadInputChangesNothing(t *testing.T) {
	n := mustNetflixEnv(t, testdb.SQLite(t), time.Hour)
	n.subscribe("pci-2")
	before := n.snapshot()
	for _, body := range []string{
		`{"token":"` + n.Token + `","billing_system_customer_identifier":"pci-9","channel":"FAX"}`,
		`{"token":"` + n.Token + `","billing_system_customer_identifier":"pci-9","customer_email":{"type":"PERSONAL","email_address":"x"}}`,
		`{"token":"` + n.Token + `","billing_system_customer_identifier":"pci-9","validity_duration":0}`,
	} {
		r := n.post("netflix/subscriptions/create", body)
		if r.Status != 400 {
			t.Fatalf("%s: %d %s", body, r.Status, r.Body)
		}
	}
	r := n.post("netflix/charges/acknowledge", map[string]any{"token": n.Token, "acknowledged_charges_set": append(
		[]any{item("NC0000000001", "pci-2", "R")}, map[string]any{"number": ""})})
	r.wantError(400, crmapi.MandatoryParameterMissing)
	if after := n.snapshot(); after != before {
		t.Fatalf("bad input changed the store:\n%s\n%s", before, after)
	}
}

// snapshot summarises the organisation's Netflix rows.
func (n *netflixEnv) snapshot() string {
	var b strings.Builder
	n.Store.View(context.Background(), func(tx crmapi.Tx) error {
		for _, c := range []string{"pci-2", "pci-9"} {
			subs, _ := tx.NetflixSubscriptionsOf(n.Org.ID, c, "")
			for _, s := range subs {
				b.WriteString(s.Number + string(s.LifeCycleState) + ";")
			}
		}
		charges, _ := tx.ListNetflixCharges(n.Org.ID, crmapi.NetflixChargeFilter{Limit: 50})
		for _, c := range charges {
			b.WriteString(c.Number + c.PendingAckRef + ";")
		}
		_, err := tx.NetflixReferenceByValue(n.Org.ID, "R")
		b.WriteString(string(crmapi.ErrorCode(err)))
		return nil
	})
	return b.String()
}

// A create answered PARTNER_UNAVAILABLE may be retried with the same
// Idempotency-Key: only handing out the token is the key's effect.
func TestNetflixCreateIdempotencyKey(t *testing.T) {
	n := mustNetflixEnv(t, testdb.SQLite(t), time.Hour)
	send := func() *response {
		t.Helper()
		body := `{"token":"` + n.Token + `","billing_system_customer_identifier":"pci-k","validity_duration":600}`
		req, _ := http.NewRequest("POST", n.URL+httpapi.Prefix+"netflix/subscriptions/create", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "create-pci-k")
		return n.do(req)
	}
	n.emu.SetFaults(emulator.FaultConfig{ErrorRate: 1})
	send().wantError(503, crmapi.PartnerUnavailable)
	n.emu.SetFaults(emulator.FaultConfig{})
	first := send()
	first.wantOK()
	again := send()
	again.wantOK()
	if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("not replayed: %s / %s", first.Body, again.Body)
	}
	if st := n.emu.OperatorStats(n.Org.ID); st.Signups != 1 {
		t.Fatalf("partner sign-ups = %d", st.Signups)
	}
}
