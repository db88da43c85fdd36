package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
)

// world is two organisations with data: A (ACME, the env's own, whose
// admin token is e.Token) and B (Globex). The security tests act as A and
// aim at B's identifiers, or send A's hostile bodies and check that
// neither organisation's data moved. Both hold one of everything the API
// can make (see orgData); B holds more numbered objects than A, so that
// B's last business numbers (ACR…, NS…, NC…) do not exist in A.
type world struct {
	*env
	emu *emulator.Emulator
	// AUser is a user only A has; AKey a web API key of A's admin.
	AUser      crmapi.User
	AKey       crmapi.WebAPIKey
	AKeySecret string

	B      crmapi.Organisation
	BToken string
	BUnit  crmapi.Unit
	// BOnlyUnit's name is never used in A, so resolving it by name in A
	// must fail.
	BOnlyUnit  crmapi.Unit
	BUser      crmapi.User
	BKey       crmapi.WebAPIKey
	BKeySecret string
	// BAdmin is a token of B's admin.
	BAdmin string

	// Ad and Bd are the organisations' usage, Netflix and webhook data.
	Ad, Bd orgData
}

// orgData is what one organisation holds beyond users and keys.
type orgData struct {
	Contact       string  // contact id
	Accounts      []idNum // accounts receivable (EUR, funded)
	Subscription  idNum   // of Accounts[0]
	Authorisation idNum   // a BLOCKED usage authorisation on Accounts[0] (Number = authorisation_id)
	UDRType       string  // ids of the catalogue
	ProductType   string
	Family        string
	Service       string
	ServiceCode   string
	Endpoint      string   // webhook endpoint id
	Event         string   // an event id
	Customers     []string // Netflix customers, signed up
	PAIs          []string // their Netflix customer identifiers
	Charges       []string // their charges' numbers
	Suffix        string   // makes the organisation's names its own
}

// idNum is an object's id and business number.
type idNum struct{ ID, Number string }

// mustWorld builds the two organisations on store, with a Netflix partner
// emulator whose charges stay pending for an hour.
func mustWorld(tb testing.TB, store crmapi.Store, limits ...service.LoginLimits) *world {
	tb.Helper()
	lim := service.LoginLimits{ClientAttempts: 1000, AccountAttempts: 1000, Window: time.Minute}
	if len(limits) > 0 {
		lim = limits[0]
	}
	emu := emulator.New(emulator.Options{APIKey: "k", Now: func() time.Time { return partnerT0 }, ProcessingDelay: time.Hour})
	psrv := httptest.NewServer(emu)
	tb.Cleanup(psrv.Close)
	cl := partner.NewClient(partner.ClientConfig{BaseURL: psrv.URL, APIKey: "k", Timeout: time.Second, MaxAttempts: 1})
	clock := crmapi.NewManualClock(partnerT0)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: testKey, Logger: log, LoginLimits: lim,
		Partner: cl, Netflix: service.NetflixConfig{RetryBase: time.Millisecond, RetryMax: time.Millisecond}})
	if err != nil {
		tb.Fatal(err)
	}
	h := httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log})
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	e := &env{t: tb, URL: srv.URL, Handler: h, Store: store, Svc: svc, Clock: clock}
	ctx := context.Background()
	auth := svc.Auth
	check := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
	}
	res, err := auth.Bootstrap(ctx, service.Bootstrap{Organisation: "ACME", Username: "admin", Password: testPassword, Test: true})
	check(err)
	e.Org = res.Organisation
	e.Token = e.login("admin", testPassword, "ACME")
	w := &world{env: e, emu: emu}
	w.AUser, err = auth.CreateUser(ctx, w.Org.ID, service.NewUser{Username: "a-only", Password: testPassword})
	check(err)
	w.AKey, w.AKeySecret, err = auth.CreateAPIKey(ctx, w.Org.ID, service.NewAPIKey{Name: "a-billing", Username: "admin"})
	check(err)
	res, err = auth.Bootstrap(ctx, service.Bootstrap{Organisation: "Globex", Username: "admin", Password: testPassword, Test: true})
	check(err)
	w.B = res.Organisation
	w.BUnit, err = auth.CreateUnit(ctx, w.B.ID, "Globex East")
	check(err)
	w.BOnlyUnit, err = auth.CreateUnit(ctx, w.B.ID, "Globex Only")
	check(err)
	w.BUser, err = auth.CreateUser(ctx, w.B.ID, service.NewUser{Username: "b-only", Password: testPassword, Unit: w.BUnit.ID})
	check(err)
	w.BKey, w.BKeySecret, err = auth.CreateAPIKey(ctx, w.B.ID, service.NewAPIKey{Name: "b-billing", Username: "b-only"})
	check(err)
	w.BToken = w.keyToken(w.BKeySecret)
	_, bAdminSecret, err := auth.CreateAPIKey(ctx, w.B.ID, service.NewAPIKey{Name: "b-admin", Username: "admin"})
	check(err)
	w.BAdmin = w.keyToken(bAdminSecret)
	w.Ad = w.mustOrgData(tb, w.Token, "A", 1)
	w.Bd = w.mustOrgData(tb, w.BAdmin, "B", 2)
	return w
}

// ok calls a method as token and returns its data; it fails the test
// unless the answer is OK.
func (w *world) ok(tb testing.TB, token, path string, params map[string]any) map[string]any {
	tb.Helper()
	r := w.send(tb, apiCall{Path: path, Body: jsonBody(params), Token: token})
	if r.Status != 200 {
		tb.Fatalf("%s %v: %d %s", path, params, r.Status, r.Body)
	}
	var m map[string]any
	_ = json.Unmarshal(r.Env.Data, &m)
	return m
}

func ref(field, value string) map[string]any { return map[string]any{field: value} }

// mustOrgData gives an organisation one of everything, through the API:
// a catalogue, n funded accounts with a subscription, an allowance and an
// authorisation on the first, a webhook endpoint (and so events), and n
// Netflix customers signed up and billed.
func (w *world) mustOrgData(tb testing.TB, token, suffix string, n int) orgData {
	tb.Helper()
	d := orgData{Suffix: suffix}
	d.UDRType = str(w.ok(tb, token, "udr_types/create", map[string]any{"name": "Litres " + suffix, "alternative_code": "L" + suffix})["id"])
	d.ProductType = str(w.ok(tb, token, "product_types/create", map[string]any{"name": "Type " + suffix,
		"alternative_code": "T" + suffix, "udr_type_identifier": ref("id", d.UDRType)})["id"])
	d.Family = str(w.ok(tb, token, "product_families/create", map[string]any{"code": "FAM" + suffix, "name": "Family " + suffix})["id"])
	d.ServiceCode = "SVC" + suffix
	d.Service = str(w.ok(tb, token, "usage_services/create", map[string]any{"code": d.ServiceCode, "alternative_code": "S" + suffix,
		"product_type_identifier": ref("id", d.ProductType), "product_family_identifier": ref("id", d.Family), "unit_rate": "0.5"})["id"])
	d.Endpoint = str(w.ok(tb, token, "webhooks/endpoints/create", map[string]any{"url": "https://hooks.example.com/" + suffix})["id"])
	d.Contact = str(w.ok(tb, token, "contacts/create", map[string]any{"type": "PERSON", "first_name": "Pat", "last_name": "Owner " + suffix})["id"])
	for i := range n {
		a := w.ok(tb, token, "accounts_receivable/create", map[string]any{"contact_identifier": ref("id", d.Contact),
			"name": fmt.Sprintf("Account %s%d", suffix, i+1), "currency": "EUR"})
		acc := idNum{ID: str(a["id"]), Number: str(a["number"])}
		d.Accounts = append(d.Accounts, acc)
		w.ok(tb, token, "accounts_receivable/payments/create", map[string]any{"accounts_receivable_identifier": ref("id", acc.ID),
			"amount": "100", "reference_number": "P" + suffix})
	}
	s := w.ok(tb, token, "subscriptions/create", map[string]any{"accounts_receivable_identifier": ref("id", d.Accounts[0].ID)})
	d.Subscription = idNum{ID: str(s["id"]), Number: str(s["number"])}
	w.ok(tb, token, "usage_allowances/set", map[string]any{"accounts_receivable_identifier": ref("id", d.Accounts[0].ID),
		"usage_allowance_limits_set": []any{map[string]any{"service_identifier": ref("id", d.Service), "maximum_usage_per_transaction": 100}}})
	ua := w.ok(tb, token, "usage_authorisations/create", map[string]any{"accounts_receivable_identifier": ref("id", d.Accounts[0].ID),
		"authorisation_amount": "10"})
	d.Authorisation = idNum{ID: str(ua["id"]), Number: str(ua["authorisation_id"])}
	r := w.send(tb, apiCall{Path: "events/list", Body: `{}`, Token: token})
	var events struct {
		Events []struct{ ID string } `json:"events_set"`
	}
	if err := json.Unmarshal(r.Env.Data, &events); err != nil || len(events.Events) == 0 {
		tb.Fatalf("no event after an authorisation: %s", r.Body)
	}
	d.Event = events.Events[0].ID
	for i := range n {
		c := fmt.Sprintf("cust-%s%d", suffix, i+1)
		d.Customers = append(d.Customers, c)
		w.mustSignUp(tb, token, c)
		show := w.ok(tb, token, "netflix/subscriptions/show", map[string]any{"billing_system_customer_identifier": c})
		d.PAIs = append(d.PAIs, str(show["netflix_customer_identifier"]))
		d.Charges = append(d.Charges, w.chargeOf(tb, token, c, "NOT_PROCESSED"))
	}
	return d
}

// mustSignUp subscribes a Netflix customer and redeems the sign-up as the
// customer would; crmapi then learns of it and of its first charge.
func (w *world) mustSignUp(tb testing.TB, token, customer string) {
	tb.Helper()
	tok := str(w.ok(tb, token, "netflix/subscriptions/create", map[string]any{"billing_system_customer_identifier": customer})["netflix_token"])
	if _, err := w.emu.RedeemToken(tok, ""); err != nil {
		tb.Fatal(err)
	}
	w.reconcile(tb)
}

// reconcile runs the Netflix background work once.
func (w *world) reconcile(tb testing.TB) {
	tb.Helper()
	ctx := context.Background()
	if _, err := w.Svc.Netflix.Reconcile(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Svc.Netflix.PollCharges(ctx); err != nil {
		tb.Fatal(err)
	}
}

// chargeOf returns the number of customer's charge in status.
func (w *world) chargeOf(tb testing.TB, token, customer, status string) string {
	tb.Helper()
	r := w.send(tb, apiCall{Path: "netflix/charges/list", Token: token,
		Body: jsonBody(map[string]any{"number_of_results": 50, "charge_status": status, "offset": 0})})
	var d struct {
		Charges []struct {
			Number   string `json:"number"`
			Customer string `json:"billing_system_customer_identifier"`
		} `json:"charges_set"`
	}
	if err := json.Unmarshal(r.Env.Data, &d); err != nil {
		tb.Fatalf("charges: %s", r.Body)
	}
	for _, c := range d.Charges {
		if c.Customer == customer {
			return c.Number
		}
	}
	tb.Fatalf("no %s charge of %s", status, customer)
	return ""
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// keyToken logs in with a web API key: a fresh token without Argon2id work.
func (w *world) keyToken(secret string) string {
	w.t.Helper()
	tok, err := w.Svc.Auth.LoginWithAPIKey(context.Background(), secret, "", "test")
	if err != nil {
		w.t.Fatalf("login with key: %v", err)
	}
	return tok
}

// freshA is a new token of A's admin.
func (w *world) freshA() string { return w.keyToken(w.AKeySecret) }

// snapshot is everything an organisation holds that the API shows, as
// its admin lists it: users, keys, the catalogue, contacts, accounts with
// their books, ledgers, subscriptions, allowances, authorisations and
// usage, Netflix subscriptions and charges, webhooks, events and the test
// clock. Read-only methods only.
func (w *world) snapshot(orgID string) string {
	w.t.Helper()
	token, d := w.freshA(), w.Ad
	if orgID == w.B.ID {
		token, d = w.BAdmin, w.Bd
	}
	type call struct {
		path   string
		params map[string]any
	}
	calls := []call{{"admin/units/list", nil}, {"admin/users/list", nil}, {"admin/web_api_keys/list", nil},
		{"contacts/list", nil}, {"accounts_receivable/list", nil}, {"accounts_receivable/books/check", nil},
		{"udr_types/list", nil}, {"product_types/list", nil}, {"product_families/list", nil}, {"usage_services/list", nil},
		{"webhooks/endpoints/list", nil}, {"webhooks/deliveries/list", nil}, {"events/list", nil}, {"test_clock/show", nil},
		{"admin/netflix/attention/list", nil}, {"netflix/charges/check", nil},
		{"netflix/charges/list", map[string]any{"number_of_results": 50, "charge_status": "NOT_PROCESSED", "offset": 0}},
		{"netflix/charges/list", map[string]any{"number_of_results": 50, "charge_status": "PROCESSED", "offset": 0}}}
	for _, a := range d.Accounts {
		acc := map[string]any{"accounts_receivable_identifier": ref("id", a.ID)}
		for _, p := range []string{"accounts_receivable/show", "accounts_receivable/ledger_entries/list", "subscriptions/list",
			"usage_authorisations/list", "usage_allowances/show", "usage_detail_records/list"} {
			calls = append(calls, call{p, acc})
		}
	}
	for _, c := range d.Customers {
		calls = append(calls, call{"netflix/subscriptions/show", map[string]any{"billing_system_customer_identifier": c}})
	}
	var b strings.Builder
	for _, c := range calls {
		if c.params == nil {
			c.params = map[string]any{}
		}
		r := w.send(w.t, apiCall{Path: c.path, Body: jsonBody(c.params), Token: token})
		fmt.Fprintf(&b, "%s %s: %d %s\n", c.path, jsonBody(c.params), r.Status, r.Env.Data)
	}
	return b.String()
}

// unchanged fails the test when an organisation's data differs from before.
func (w *world) unchanged(t *testing.T, what, before, orgID string) {
	t.Helper()
	after := w.snapshot(orgID)
	if before == after {
		return
	}
	bl, al := strings.Split(before, "\n"), strings.Split(after, "\n")
	for i := range min(len(bl), len(al)) {
		if bl[i] != al[i] {
			t.Errorf("%s changed:\nbefore %s\nafter  %s", what, bl[i], al[i])
			return
		}
	}
	t.Errorf("%s changed", what)
}

// apiCall is one request to an API method.
type apiCall struct {
	Method string // GET or POST; POST when empty
	Path   string
	// Body is the raw JSON body of a POST, or the raw query string of a GET.
	Body string
	// Token goes in an Authorization: Bearer header when set.
	Token string
	// BasicUser goes in an HTTP Basic header (web API key logins).
	BasicUser string
	// RemoteAddr is the client address the server sees.
	RemoteAddr string
	// IdempotencyKey goes in an Idempotency-Key header when set.
	IdempotencyKey string
}

// send runs c through the real handler without a network and decodes
// the envelope.
func (w *world) send(t testing.TB, c apiCall) *response {
	t.Helper()
	rec := w.serve(c)
	r := &response{t: t, Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if err := json.Unmarshal(r.Body, &r.Env); err != nil {
		t.Fatalf("%s %s: answer is not the envelope: %d %q", c.Method, c.Path, rec.Code, r.Body)
	}
	return r
}

// serve runs c through the real handler and returns the raw answer. The
// body of a GET is put in the query string as it is, unvalidated.
func (w *world) serve(c apiCall) *httptest.ResponseRecorder {
	method := c.Method
	if method == "" {
		method = http.MethodPost
	}
	var req *http.Request
	if method == http.MethodGet {
		req = httptest.NewRequest(method, httpapi.Prefix+c.Path, nil)
		req.URL.RawQuery = c.Body
	} else {
		req = httptest.NewRequest(method, httpapi.Prefix+c.Path, bytes.NewReader([]byte(c.Body)))
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.BasicUser != "" {
		req.SetBasicAuth(c.BasicUser, "")
	}
	if c.IdempotencyKey != "" {
		req.Header.Set("Idempotency-Key", c.IdempotencyKey)
	}
	if c.RemoteAddr != "" {
		req.RemoteAddr = c.RemoteAddr
	}
	rec := httptest.NewRecorder()
	w.Handler.ServeHTTP(rec, req)
	return rec
}

// jsonBody marshals parameters for apiCall.Body.
func jsonBody(p map[string]any) string {
	b, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}
