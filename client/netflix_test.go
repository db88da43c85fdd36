package client

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crmapi/crmapi/internal/apitest"
)

func TestNetflix(t *testing.T) {
	ctx := context.Background()
	srv := apitest.StartServer(t)
	c := login(t, srv.URL, "ACME")

	promos := must(c.NetflixPromotions(ctx))
	if len(promos) == 0 || promos[0].Code == "" {
		t.Fatalf("promotions: %+v", promos)
	}
	primary := true
	n := NewNetflixSubscription{CustomerID: "cust-1", PromotionCode: promos[0].Code, Channel: "WEB", FirstName: "Jane", LastName: "Doe",
		Email:   &Email{Type: "PERSONAL", EmailAddress: "jane@example.com", IsPrimary: &primary},
		Phone:   &Phone{Type: "MOBILE", Number: "99123456"},
		Address: &Address{Type: "HOME", StreetName: "Main St", StreetNumber: "1", TownCity: "Nicosia", CountryIdentifier: map[string]string{"two_character_code": "CY"}}}
	signup := must(c.CreateNetflixSubscription(ctx, n, WithIdempotencyKey("nfx-1")))
	if signup.SubscriptionNumber == "" || signup.NetflixToken == "" || signup.NetflixTokenExpirationDate == "" {
		t.Fatalf("create: %+v", signup)
	}
	if again := must(c.CreateNetflixSubscription(ctx, n, WithIdempotencyKey("nfx-1"))); again != signup {
		t.Fatalf("retried create: %+v, first %+v", again, signup)
	}
	_, err := c.CreateNetflixSubscription(ctx, n)
	wantCode(t, err, "INVALID_LIFE_CYCLE_STATE", 422)
	_, err = c.CreateNetflixSubscription(ctx, NewNetflixSubscription{CustomerID: "cust-x", Channel: "FAX"})
	wantCode(t, err, "INVALID_PARAMETER", 400)

	pending := must(c.NetflixSubscriptions(ctx, NetflixCustomer{CustomerID: "cust-1"}))
	if len(pending) != 1 || pending[0].LifeCycleState == "EFFECTIVE" {
		t.Fatalf("before sign-up: %+v", pending)
	}
	srv.SignUp(t, signup.NetflixToken)
	subs := must(c.NetflixSubscriptions(ctx, NetflixCustomer{CustomerID: "cust-1"}))
	if len(subs) != 1 || subs[0].LifeCycleState != "EFFECTIVE" || subs[0].PAI == nil || len(subs[0].Prices) == 0 || subs[0].Prices[0].Amount == "" {
		t.Fatalf("after sign-up: %+v", subs)
	}
	if byPAI := must(c.NetflixSubscriptions(ctx, NetflixCustomer{PAI: *subs[0].PAI})); len(byPAI) != 1 || byPAI[0].CustomerID != "cust-1" {
		t.Fatalf("by PAI: %+v", byPAI)
	}
	_, err = c.NetflixSubscriptions(ctx, NetflixCustomer{CustomerID: "nobody"})
	wantCode(t, err, "NOT_FOUND", 404)

	// Charges: listed, acknowledged exactly once.
	page := must(c.NetflixCharges(ctx, NetflixChargeQuery{ChargeStatus: "PROCESSED", NumberOfResults: 50}))
	if len(page.Charges) != 1 || page.Charges[0].CustomerID != "cust-1" || page.Charges[0].Amount == "" || page.NextCursor == "" {
		t.Fatalf("charges: %+v", page)
	}
	ch := page.Charges[0]
	if next := must(c.NetflixCharges(ctx, NetflixChargeQuery{ChargeStatus: "PROCESSED", NumberOfResults: 50, Cursor: page.NextCursor})); len(next.Charges) != 0 {
		t.Fatalf("after the cursor: %+v", next)
	}
	_, err = c.NetflixCharges(ctx, NetflixChargeQuery{ChargeStatus: "PROCESSED", NumberOfResults: 51})
	wantCode(t, err, "LIMIT_EXCEEDED", 422)
	item := []NetflixChargeItem{{Number: ch.Number, CustomerID: "cust-1", ReferenceNumber: "ACK-1"}}
	if failed := must(c.AcknowledgeNetflixCharges(ctx, item, WithIdempotencyKey("ack-1"))); len(failed) != 0 {
		t.Fatalf("acknowledge: %+v", failed)
	}
	if failed := must(c.AcknowledgeNetflixCharges(ctx, item, WithIdempotencyKey("ack-1"))); len(failed) != 0 {
		t.Fatalf("retried acknowledge (same key): %+v", failed)
	}
	if failed := must(c.AcknowledgeNetflixCharges(ctx, item)); len(failed) != 0 {
		t.Fatalf("repeated acknowledgement (same reference): %+v", failed)
	}
	other := []NetflixChargeItem{{Number: ch.Number, CustomerID: "cust-1", ReferenceNumber: "ACK-2"}}
	failed := must(c.AcknowledgeNetflixCharges(ctx, other))
	if len(failed) != 1 || failed[0].ErrorCode != "ALREADY_ACKNOWLEDGED" {
		t.Fatalf("acknowledged twice: %+v", failed)
	}
	if failed := must(c.AcceptNetflixCharges(ctx, item)); len(failed) != 1 {
		t.Fatalf("accept of a processed charge: %+v", failed)
	}
	if failed := must(c.DeclineNetflixCharges(ctx, []NetflixChargeItem{{Number: "NC0000000099", CustomerID: "cust-1"}})); len(failed) != 1 {
		t.Fatalf("decline of an unknown charge: %+v", failed)
	}
	_, err = c.DeclineNetflixCharges(ctx, nil)
	wantCode(t, err, "INVALID_PARAMETER", 400)

	// Suspend, unsuspend, cancel.
	must(0, c.SuspendNetflixSubscription(ctx, "cust-1"))
	wantCode(t, c.SuspendNetflixSubscription(ctx, "cust-1"), "INVALID_LIFE_CYCLE_STATE", 422)
	if s := must(c.NetflixSubscriptions(ctx, NetflixCustomer{CustomerID: "cust-1"})); s[0].LifeCycleState != "NOT_EFFECTIVE" {
		t.Fatalf("suspended: %+v", s)
	}
	must(0, c.UnsuspendNetflixSubscription(ctx, "cust-1"))
	must(0, c.CancelNetflixSubscription(ctx, "cust-1", WithIdempotencyKey("cancel-1")))
	must(0, c.CancelNetflixSubscription(ctx, "cust-1", WithIdempotencyKey("cancel-1")))
	wantCode(t, c.CancelNetflixSubscription(ctx, "cust-1"), "INVALID_LIFE_CYCLE_STATE", 422)
	wantCode(t, c.UnsuspendNetflixSubscription(ctx, "nobody"), "NOT_FOUND", 404)

	if list := must(c.NetflixAttention(ctx)); len(list) != 0 {
		t.Fatalf("attention: %+v", list)
	}
	wantCode(t, c.RetryNetflixSubscription(ctx, "NFX0000000099"), "NOT_FOUND", 404)
	// What acknowledge wrote agrees with its reference numbers.
	if problems := must(c.CheckNetflixCharges(ctx)); problems == nil || len(problems) != 0 {
		t.Fatalf("charges check: %#v", problems)
	}
}

func TestAddressUDF(t *testing.T) {
	b, err := json.Marshal(Address{Type: "HOME", StreetName: "Main", UDF: UDF{"udf_string_1": "x", "udf_float_1": "1.50"}})
	if err != nil || !strings.Contains(string(b), `"udf_float_1":1.50`) || !strings.Contains(string(b), `"udf_string_1":"x"`) ||
		strings.Contains(string(b), "UDF") {
		t.Fatalf("%s %v", b, err)
	}
	if _, err := json.Marshal(Phone{Type: "MOBILE", Number: "1", UDF: UDF{"udf_float_1": "1,5"}}); err == nil {
		t.Fatal("a malformed udf_float was encoded")
	}
	if _, err := json.Marshal(Email{Type: "PERSONAL", EmailAddress: "a@b.c", UDF: UDF{"colour": "red"}}); err == nil {
		t.Fatal("a field that is not user-defined was encoded")
	}
	var d Decimal
	if err := json.Unmarshal([]byte(`64.5`), &d); err != nil || d != "64.5" {
		t.Fatalf("decimal from a number: %q %v", d, err)
	}
}
