package httpapi_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/crmapi/crmapi"
)

func init() { addTenantCases(netflixTenantCases) }

// netflixTenantCases aim organisation A at B's Netflix customers,
// subscriptions and charges.
var netflixTenantCases = map[string]tenantCase{
	"netflix/promotions/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(jsonCall("netflix/promotions/list", map[string]any{})).wantOK()
	},
	"netflix/subscriptions/show": func(t *testing.T, w *world, as func(apiCall) *response) {
		refused(t, as(jsonCall("netflix/subscriptions/show", map[string]any{"billing_system_customer_identifier": w.Bd.Customers[0]})))
		refused(t, as(jsonCall("netflix/subscriptions/show", map[string]any{"netflix_customer_identifier": w.Bd.PAIs[0]})))
	},
	"netflix/subscriptions/create": func(t *testing.T, w *world, as func(apiCall) *response) {
		// Customer identifiers belong to an organisation: B's customer
		// identifier names a new customer of A's, and B's stays as it is.
		as(jsonCall("netflix/subscriptions/create", map[string]any{"billing_system_customer_identifier": w.Bd.Customers[1]})).wantOK()
	},
	"netflix/subscriptions/suspend":   customerCase("netflix/subscriptions/suspend"),
	"netflix/subscriptions/unsuspend": customerCase("netflix/subscriptions/unsuspend"),
	"netflix/subscriptions/cancel":    customerCase("netflix/subscriptions/cancel"),
	"netflix/charges/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		r := as(jsonCall("netflix/charges/list", map[string]any{"number_of_results": 50, "charge_status": "NOT_PROCESSED", "offset": 0}))
		r.wantOK()
		var d struct {
			Charges []struct {
				Customer string `json:"billing_system_customer_identifier"`
			} `json:"charges_set"`
		}
		r.data(&d)
		for _, c := range d.Charges {
			for _, b := range w.Bd.Customers {
				if c.Customer == b {
					t.Errorf("A's charges list B's customer %s", b)
				}
			}
		}
	},
	"netflix/charges/acknowledge": chargesCase("netflix/charges/acknowledge", "acknowledged_charges_set"),
	"netflix/charges/accept":      chargesCase("netflix/charges/accept", "accepted_charges_set"),
	"netflix/charges/decline":     chargesCase("netflix/charges/decline", "declined_charges_set"),
	"admin/netflix/attention/list": func(t *testing.T, w *world, as func(apiCall) *response) {
		as(jsonCall("admin/netflix/attention/list", map[string]any{})).wantOK()
	},
	"admin/netflix/attention/retry": func(t *testing.T, w *world, as func(apiCall) *response) {
		// B has two subscriptions, A one: B's second number is not A's.
		refused(t, as(jsonCall("admin/netflix/attention/retry", map[string]any{"subscription_number": "NS0000000002"})))
	},
	"netflix/charges/check": func(t *testing.T, w *world, as func(apiCall) *response) {
		// For the length of the case B has a problem: a reference number
		// recorded for one of its charges and never applied. B's check
		// shows it; A's shows none of it.
		const ref = "B-ONLY-UNAPPLIED"
		fix := breakCharge(t, w.env, w.B.ID, w.Bd.Charges[0], ref)
		defer fix()
		b := w.send(t, apiCall{Path: "netflix/charges/check", Body: `{}`, Token: w.BAdmin})
		b.wantOK()
		if !strings.Contains(string(b.Env.Data), ref) {
			t.Fatalf("B's check does not show B's problem: %s", b.Body)
		}
		r := as(jsonCall("netflix/charges/check", map[string]any{}))
		r.wantOK()
		if string(r.Env.Data) != "[]" || strings.Contains(string(r.Body), ref) {
			t.Errorf("A's check, A's charges being consistent: want [], got %s", r.Body)
		}
	},
}

// customerCase changes B's customers' subscriptions.
func customerCase(path string) tenantCase {
	return func(t *testing.T, w *world, as func(apiCall) *response) {
		// Customers[0] only: the create case makes Customers[1] one of A's.
		refused(t, as(jsonCall(path, map[string]any{"billing_system_customer_identifier": w.Bd.Customers[0]})))
	}
}

// chargesCase acts on B's charges: each item fails as unknown.
func chargesCase(path, set string) tenantCase {
	return func(t *testing.T, w *world, as func(apiCall) *response) {
		var items []any
		for i, n := range w.Bd.Charges {
			items = append(items, map[string]any{"number": n, "billing_system_customer_identifier": w.Bd.Customers[i], "reference_number": "X"})
		}
		r := as(jsonCall(path, map[string]any{set: items}))
		r.wantOK()
		var d struct {
			Failed []struct {
				Number    string `json:"number"`
				ErrorCode string `json:"error_code"`
			} `json:"failed_charges_set"`
		}
		if err := json.Unmarshal(r.Env.Data, &d); err != nil || len(d.Failed) != len(items) {
			t.Errorf("every item aimed at B's charges must fail: %s", r.Body)
		}
	}
}

// breakCharge records ref as an acknowledgement reference of the
// organisation's charge without acknowledging it, straight in the store:
// a half-done acknowledgement for the charges check to find. The returned
// function deletes the reference again.
func breakCharge(t *testing.T, e *env, orgID, number, ref string) func() {
	t.Helper()
	ctx := context.Background()
	err := e.Store.Update(ctx, func(tx crmapi.Tx) error {
		c, err := tx.NetflixChargeByNumber(orgID, number)
		if err != nil {
			return err
		}
		return tx.ClaimNetflixReference(crmapi.NetflixReference{OrganisationID: orgID, Reference: ref, ChargeID: c.ID,
			Use: "ACKNOWLEDGE", CreatedAt: e.Clock.Now()})
	})
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := e.Store.Update(ctx, func(tx crmapi.Tx) error { return tx.DeleteNetflixReference(orgID, ref) }); err != nil {
			t.Fatal(err)
		}
	}
}
