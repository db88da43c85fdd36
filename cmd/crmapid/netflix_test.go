package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// e2e drives the real program over HTTP only.
type e2e struct {
	t     *testing.T
	m     *Main
	token string
}

const e2ePartnerKey = "e2e-partner-key"

// api calls a method with a JSON body and returns its data, failing
// unless the status code is want.
func (e *e2e) api(path string, body map[string]any, want string) map[string]any {
	e.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if e.token != "" {
		body["token"] = e.token
	}
	status, env := call(e.t, e.m.URL(), path, body)
	if got := statusCode(env); got != want {
		e.t.Fatalf("%s: %d %s, want %s: %v", path, status, got, want, env)
	}
	data, _ := env["data"].(map[string]any)
	if data == nil {
		data = map[string]any{"list": env["data"]}
	}
	return data
}

// get calls a GET method with a query string.
func (e *e2e) get(path string, q url.Values) any {
	e.t.Helper()
	q.Set("token", e.token)
	resp, err := http.Get(e.m.URL() + "/crmapi/rest/v2/" + path + "?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		e.t.Fatal(err)
	}
	if statusCode(env) != "OK" {
		e.t.Fatalf("%s: %v", path, env)
	}
	return env["data"]
}

// show returns the customer's newest subscription.
func (e *e2e) show(customer string) map[string]any {
	e.t.Helper()
	list := e.get("netflix/subscriptions/show", url.Values{"billing_system_customer_identifier": {customer}}).([]any)
	return list[len(list)-1].(map[string]any)
}

// eventually polls cond until it holds or the deadline passes.
func (e *e2e) eventually(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// emulatorAdmin calls an admin endpoint of the in-process partner emulator.
func (e *e2e) emulatorAdmin(path, body string) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.m.URL()+emulatorPrefix+"/admin/"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+e2ePartnerKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		e.t.Fatalf("emulator admin %s: %d %s", path, resp.StatusCode, b)
	}
}

// processed returns the customer's processed, unacknowledged charges.
func (e *e2e) processed(customer string) []map[string]any {
	e.t.Helper()
	data := e.get("netflix/charges/list", url.Values{"number_of_results": {"50"}, "charge_status": {"PROCESSED"}, "offset": {"0"}})
	var out []map[string]any
	for _, c := range data.(map[string]any)["charges_set"].([]any) {
		if c := c.(map[string]any); c["billing_system_customer_identifier"] == customer {
			out = append(out, c)
		}
	}
	return out
}

// The whole Netflix flow through HTTP only, as an operator and its
// customer's browser see it.
func TestNetflixEndToEnd(t *testing.T) {
	m, _ := startMain(t, Config{Demo: true, Netflix: NetflixConfig{PartnerKey: e2ePartnerKey,
		ReconcileInterval: 100 * time.Millisecond, ChargesInterval: 100 * time.Millisecond,
		SweepInterval: time.Minute, JobPollInterval: 50 * time.Millisecond}})
	e := &e2e{t: t, m: m}
	e.token = e.api("authentication/token", map[string]any{"username": demoAdmin, "password": demoPassword,
		"organisation": demoOrganisation}, "OK")["token"].(string)

	promos := e.get("netflix/promotions/list", url.Values{}).([]any)
	if len(promos) == 0 || promos[0].(map[string]any)["code"] == "" {
		t.Fatalf("promotions: %v", promos)
	}
	code := promos[0].(map[string]any)["code"].(string)

	const customer = "pci-e2e"
	created := e.api("netflix/subscriptions/create", map[string]any{"billing_system_customer_identifier": customer,
		"promotion_code": code, "channel": "WEB", "validity_duration": 3600, "customer_first_name": "Jane",
		"customer_email": map[string]any{"type": "PERSONAL", "email_address": "jane@example.com", "is_primary": true}}, "OK")
	token, _ := created["netflix_token"].(string)
	link, _ := created["netflix_signup_url"].(string)
	if token == "" || created["netflix_token_expiration_date"] == "" || !strings.Contains(link, token) {
		t.Fatalf("create: %v", created)
	}

	// The customer opens the sign-up page and submits its form.
	page, err := http.Get(link)
	if err != nil || page.StatusCode != 200 {
		t.Fatalf("sign-up page: %v %v", page, err)
	}
	page.Body.Close()
	resp, err := http.PostForm(m.URL()+"/signup", url.Values{"token": {token}, "email": {"jane@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte("Welcome")) {
		t.Fatalf("sign-up form: %d %s", resp.StatusCode, body)
	}
	e.eventually("show EFFECTIVE/EFFECTIVE", func() bool {
		s := e.show(customer)
		return s["life_cycle_state"] == "EFFECTIVE" && s["netflix_sate"] == "EFFECTIVE" && s["netflix_state"] == "EFFECTIVE"
	})
	s := e.show(customer)
	if len(s["promotions_set"].([]any)) != 1 || len(s["prices_set"].([]any)) != 1 {
		t.Fatalf("show after sign-up: %v", s)
	}
	pai := s["netflix_customer_identifier"].(string)

	e.api("netflix/subscriptions/suspend", map[string]any{"billing_system_customer_identifier": customer}, "OK")
	if s := e.show(customer); s["life_cycle_state"] != "NOT_EFFECTIVE" {
		t.Fatalf("suspended: %v", s)
	}
	e.eventually("the partner suspends", func() bool { return e.show(customer)["netflix_sate"] == "NOT_EFFECTIVE" })
	e.api("netflix/subscriptions/suspend", map[string]any{"billing_system_customer_identifier": customer}, "INVALID_LIFE_CYCLE_STATE")
	e.api("netflix/subscriptions/unsuspend", map[string]any{"billing_system_customer_identifier": customer}, "OK")
	e.eventually("the partner reactivates", func() bool { return e.show(customer)["netflix_sate"] == "EFFECTIVE" })

	// A month on the partner's clock: the next period is billed.
	e.emulatorAdmin("clock/advance", `{"duration":"744h"}`)
	e.eventually("charges of the month", func() bool { return len(e.processed(customer)) == 2 })
	charges := e.processed(customer)
	first := charges[0]["number"].(string)
	if charges[0]["charge_status"] != "APPROVED" || charges[0]["set_as_approved_on"] == nil {
		t.Fatalf("charge: %v", charges[0])
	}
	ack := func(ref string) []any {
		data := e.api("netflix/charges/acknowledge", map[string]any{"acknowledged_charges_set": []any{
			map[string]any{"number": first, "billing_system_customer_identifier": customer, "reference_number": ref}}}, "OK")
		return data["failed_charges_set"].([]any)
	}
	if failed := ack("REF-E2E-1"); len(failed) != 0 {
		t.Fatalf("acknowledge: %v", failed)
	}
	for _, c := range e.processed(customer) {
		if c["number"] == first {
			t.Fatalf("listed after acknowledgement: %v", c)
		}
	}
	if failed := ack("REF-E2E-1"); len(failed) != 0 {
		t.Fatalf("same reference again: %v", failed)
	}
	failed := ack("REF-E2E-2")
	if len(failed) != 1 || failed[0].(map[string]any)["error_code"] != "ALREADY_ACKNOWLEDGED" {
		t.Fatalf("another reference: %v", failed)
	}

	// The partner declines the next charge: the subscription is cancelled.
	e.emulatorAdmin("accounts/"+pai+"/script", `{"outcomes":["DECLINED"]}`)
	e.emulatorAdmin("clock/advance", `{"duration":"744h"}`)
	e.eventually("the declined charge cancels the subscription", func() bool {
		s := e.show(customer)
		return s["life_cycle_state"] == "CANCELLED" && s["netflix_sate"] == "NOT_EFFECTIVE"
	})
	// Reconciliation may see the terminated partner account before the
	// charges feed brings the declined charge: wait for the charge too.
	e.eventually("the declined charge is listed", func() bool {
		for _, c := range e.processed(customer) {
			if c["charge_status"] == "DECLINED" && c["set_as_declined_on"] != nil {
				return true
			}
		}
		return false
	})
	e.api("netflix/subscriptions/cancel", map[string]any{"billing_system_customer_identifier": customer}, "INVALID_LIFE_CYCLE_STATE")
}
