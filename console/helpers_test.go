package console_test

import (
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/console"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
	"github.com/crmapi/crmapi/service"
)

const consolePassword = "correct horse battery"

// world is a console mounted in the API server, as crmapid mounts it,
// over a real SQLite store with organisation ACME: an admin "admin", a
// user "ops" and one funded account with a BLOCKED hold.
type world struct {
	t       testing.TB
	srv     *httptest.Server
	svc     *service.Services
	store   crmapi.Store
	emu     *emulator.Emulator
	clock   *crmapi.ManualClock
	org     crmapi.Organisation
	account service.AccountDetail
	hold    service.AuthorisationDetail
}

type worldOption struct {
	limits service.LoginLimits
	tls    bool
	owner  service.NewContact
}

func mustWorld(tb testing.TB, opts ...func(*worldOption)) *world {
	tb.Helper()
	o := worldOption{limits: service.LoginLimits{ClientAttempts: 1000, AccountAttempts: 1000, Window: time.Minute},
		owner: service.NewContact{Type: crmapi.ContactPerson, FirstName: "Maria", LastName: "Georgiou"}}
	for _, f := range opts {
		f(&o)
	}
	store := testdb.SQLite(tb)
	clock := crmapi.NewManualClock(time.Date(2026, 4, 4, 10, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The partner emulator bills and processes at once, on the test's clock.
	emu := emulator.New(emulator.Options{APIKey: "k", Now: clock.Now, ProcessingDelay: -1})
	psrv := httptest.NewServer(emu)
	tb.Cleanup(psrv.Close)
	cl := partner.NewClient(partner.ClientConfig{BaseURL: psrv.URL, APIKey: "k", Timeout: time.Second, MaxAttempts: 1})
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: []byte("0123456789abcdef0123456789abcdef"),
		Logger: log, LoginLimits: o.limits, Partner: cl})
	if err != nil {
		tb.Fatal(err)
	}
	h := httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log,
		Extra: map[string]http.Handler{console.Path: console.New(console.Config{Services: svc, Logger: log})}})
	w := &world{t: tb, svc: svc, clock: clock, store: store, emu: emu}
	if o.tls {
		w.srv = httptest.NewTLSServer(h)
	} else {
		w.srv = httptest.NewServer(h)
	}
	tb.Cleanup(w.srv.Close)
	ctx := context.Background()
	res, err := svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "ACME", TimeZone: "Europe/Nicosia", Username: "admin", Password: consolePassword})
	if err != nil {
		tb.Fatal(err)
	}
	w.org = res.Organisation
	if _, err := svc.Auth.CreateUser(ctx, w.org.ID, service.NewUser{Username: "ops", Password: consolePassword}); err != nil {
		tb.Fatal(err)
	}
	mustCatalogue(tb, svc, w.org.ID)
	w.account, w.hold = mustFundedHold(tb, svc, w.org.ID, o.owner, "500", "120")
	return w
}

// mustCatalogue gives the organisation one usage service, Diesel at 1.50
// a litre: an authorisation needs something it may be used for.
func mustCatalogue(tb testing.TB, svc *service.Services, orgID string) {
	tb.Helper()
	ctx := context.Background()
	litres, err := svc.Usage.CreateUDRType(ctx, orgID, crmapi.UDRType{Name: "Litres"})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Usage.CreateProductType(ctx, orgID, service.NewProductType{Name: "Fuel", AlternativeCode: "FT", UDRType: crmapi.RefID(litres.ID)}); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Usage.CreateUsageService(ctx, orgID, service.NewUsageService{Code: "Diesel", AlternativeCode: "DSL",
		ProductType: crmapi.Ref{Field: "alternative_code", Value: "FT"}, UnitRate: crmapi.MustAmount("1.5")}); err != nil {
		tb.Fatal(err)
	}
}

// mustFundedHold opens an account for owner, pays in balance and holds hold of it.
func mustFundedHold(tb testing.TB, svc *service.Services, orgID string, owner service.NewContact, balance, hold string) (service.AccountDetail, service.AuthorisationDetail) {
	tb.Helper()
	ctx := context.Background()
	c, err := svc.Accounts.CreateContact(ctx, orgID, owner)
	if err != nil {
		tb.Fatal(err)
	}
	acct, err := svc.Accounts.CreateAccount(ctx, orgID, service.NewAccount{OwnerID: c.ID, Currency: "EUR", CreditLimit: crmapi.MustAmount("100")})
	if err != nil {
		tb.Fatal(err)
	}
	ref := crmapi.RefID(acct.ID)
	if _, _, err := svc.Accounts.Fund(ctx, orgID, service.Funding{Account: ref, Kind: crmapi.EntryPayment,
		Amount: crmapi.MustAmount(balance), Reference: "PAY-1", Description: "Opening payment"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := svc.Accounts.CreateSubscription(ctx, orgID, ref, ""); err != nil {
		tb.Fatal(err)
	}
	a, err := svc.Usage.Authorise(ctx, orgID, service.NewAuthorisation{Account: &ref, Amount: crmapi.MustAmount(hold)})
	if err != nil {
		tb.Fatal(err)
	}
	if acct, err = svc.Accounts.Account(ctx, orgID, ref); err != nil {
		tb.Fatal(err)
	}
	return acct, a
}

// browser is one user agent: its own cookies, redirects not followed so
// that tests see each answer.
type browser struct {
	t      testing.TB
	w      *world
	client *http.Client
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	c := w.srv.Client()
	return &browser{t: w.t, w: w, client: &http.Client{Transport: c.Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer.
type page struct {
	Status int
	Header http.Header
	Body   string
}

func (p page) location() string { return p.Header.Get("Location") }

// has tells whether the page's text (entities decoded) contains s.
func (p page) has(s string) bool { return strings.Contains(html.UnescapeString(p.Body), s) }

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf is the anti-forgery token of the page's first form.
func (p page) csrf(tb testing.TB) string {
	tb.Helper()
	m := csrfRE.FindStringSubmatch(p.Body)
	if m == nil {
		tb.Fatalf("no form token on the page:\n%s", p.Body)
	}
	return html.UnescapeString(m[1])
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.w.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form; header adds request headers (Origin).
func (b *browser) post(path string, form url.Values, header ...string) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.w.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return b.do(req)
}

// signIn signs in through the form and checks that it worked.
func (b *browser) signIn(user string) {
	b.t.Helper()
	p := b.tryLogin("ACME", user, consolePassword, "")
	if p.Status != http.StatusSeeOther || p.location() != "/console/" {
		b.t.Fatalf("sign in as %s: %d %s\n%s", user, p.Status, p.location(), p.Body)
	}
}

func (b *browser) tryLogin(org, user, password, next string) page {
	b.t.Helper()
	form := b.get("/console/login")
	return b.post("/console/login", url.Values{"csrf": {form.csrf(b.t)}, "organisation": {org}, "username": {user},
		"password": {password}, "next": {next}})
}

// cookie returns the named cookie the browser holds for the console.
func (b *browser) cookie(name string) *http.Cookie {
	u, _ := url.Parse(b.w.srv.URL + console.Path)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func (w *world) authorisation(number string) service.AuthorisationDetail {
	w.t.Helper()
	d, err := w.svc.Usage.Authorisation(context.Background(), w.org.ID, crmapi.Ref{Field: "authorisation_id", Value: number})
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}
