package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// consoleData is what the browser test acts on, made through the services
// before the browser starts.
type consoleData struct {
	account string
	// hold is the BLOCKED authorisation the test cancels.
	hold         string
	customer     string
	subscription string
}

// prepareConsoleData gives the demo's first account a hold to cancel, a
// completed one with usage and a further open one, and a Netflix customer
// who has signed up and been billed twice.
func prepareConsoleData(t *testing.T, m *Main) consoleData {
	t.Helper()
	ctx := context.Background()
	org, err := m.Services.Auth.Organisation(ctx, demoOrganisation)
	if err != nil {
		t.Fatal(err)
	}
	d := consoleData{account: "ACR0000000001", customer: "pci-console-1"}
	acct := &crmapi.Ref{Field: "number", Value: d.account}
	hold := func(amount string) service.AuthorisationDetail {
		a, err := m.Services.Usage.Authorise(ctx, org.ID, service.NewAuthorisation{Account: acct, Amount: crmapi.MustAmount(amount)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	d.hold = hold("50").Number
	used := hold("40")
	if _, err := m.Services.Usage.AddServiceUsage(ctx, org.ID, "", service.UsagePosting{Account: acct,
		Authorisation: &crmapi.Ref{Field: "id", Value: used.ID},
		Lines:         []service.UsageLine{{Service: crmapi.Ref{Field: "alternative_code", Value: "DSL"}, Usage: crmapi.MustQuantity("12.5")}}}); err != nil {
		t.Fatal(err)
	}
	hold("25")

	res, err := m.Services.Netflix.Create(ctx, org.ID, service.NetflixCreate{CustomerID: d.customer, Channel: "WEB",
		Customer: crmapi.NetflixCustomer{FirstName: "Eleni", LastName: "Constantinou",
			Email: &crmapi.Email{Type: "PERSONAL", EmailAddress: "eleni@example.com"}}})
	if err != nil {
		t.Fatal(err)
	}
	d.subscription = res.Number
	// The customer redeems the sign-up on the partner's page.
	resp, err := http.PostForm(m.URL()+"/signup", url.Values{"token": {res.Token}, "email": {"eleni@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign-up: %d", resp.StatusCode)
	}
	charges := func() []crmapi.NetflixCharge {
		cs, err := m.Services.Netflix.CustomerCharges(ctx, org.ID, d.customer, 0)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	waitFor(t, "the sign-up and its first charge", func() bool {
		shown, err := m.Services.Netflix.Show(ctx, org.ID, d.customer, "")
		return err == nil && shown[0].Subscription.NetflixState() == "EFFECTIVE" && len(charges()) == 1
	})
	// A month on at the partner: the next period is billed.
	m.Emulator.AdvanceClock(31 * 24 * time.Hour)
	waitFor(t, "the second month's charge", func() bool { return len(charges()) == 2 })
	return d
}

// waitFor polls cond until it holds, for at most 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// The operator console in headless Chromium against the real program:
// sign in, find an account and cancel a hold through the confirmation,
// find a Netflix customer, acknowledge a charge and suspend the
// subscription, sign out.
func TestConsoleInBrowser(t *testing.T) {
	ctx := newBrowser(t, 60*time.Second)
	m, _ := startMain(t, Config{Demo: true, Netflix: NetflixConfig{PartnerKey: "console-partner-key",
		ReconcileInterval: 100 * time.Millisecond, ChargesInterval: 100 * time.Millisecond,
		SweepInterval: 200 * time.Millisecond, JobPollInterval: 50 * time.Millisecond}})
	d := prepareConsoleData(t, m)

	// Signing in: any console page leads to the sign-in form first.
	do(t, ctx, "open the console", chromedp.Navigate(m.URL()+"/console/accounts/"+d.account),
		chromedp.WaitVisible(chromedp.CSS(`.login input[name="organisation"]`)))
	screenshot(t, ctx, "login")
	do(t, ctx, "sign in",
		chromedp.SendKeys(chromedp.CSS(`input[name="organisation"]`), demoOrganisation),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), demoAdmin),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), demoPassword),
		chromedp.Click(chromedp.CSS(`.login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#holds`)))
	if got := text(t, ctx, "h1"); !strings.Contains(got, "Maria Georgiou") {
		t.Fatalf("after sign in, the account asked for: %q", got)
	}

	// Finding the account from the search page.
	do(t, ctx, "home", chromedp.Navigate(m.URL()+"/console/"), chromedp.WaitVisible(chromedp.CSS(`.home .find`)))
	screenshot(t, ctx, "search")
	do(t, ctx, "search the account",
		chromedp.SendKeys(chromedp.CSS(`.home .find input[name="q"]`), d.account),
		chromedp.Click(chromedp.CSS(`.home .find button`)),
		chromedp.WaitVisible(chromedp.CSS(`#hold-`+d.hold)))
	if got := text(t, ctx, `#hold-`+d.hold+` .state`); got != "BLOCKED" {
		t.Fatalf("hold before cancel: %q", got)
	}
	if got := text(t, ctx, `.figures`); !strings.Contains(got, "Held") || !strings.Contains(got, "75.00 EUR") {
		t.Fatalf("money: %q", got)
	}
	screenshot(t, ctx, "account")

	// Cancelling the hold through its confirmation.
	do(t, ctx, "ask to cancel", chromedp.Click(chromedp.CSS(`#hold-`+d.hold+` a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`.confirm button.danger`)))
	if got := text(t, ctx, `.question`); !strings.Contains(got, "releases 50.00 EUR") {
		t.Fatalf("confirmation: %q", got)
	}
	screenshot(t, ctx, "cancel-hold")
	do(t, ctx, "confirm the cancellation", chromedp.Click(chromedp.CSS(`.confirm button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := text(t, ctx, `#hold-`+d.hold+` .state`); got != "CANCELLED" {
		t.Fatalf("hold after cancel: %q", got)
	}
	if got := text(t, ctx, `.figures`); !strings.Contains(got, "25.00 EUR") {
		t.Fatalf("held after cancel: %q", got)
	}

	// The Netflix customer, by billing id from the search box in the bar.
	do(t, ctx, "search the billing id",
		chromedp.SetValue(chromedp.CSS(`.bar .search input[name="q"]`), d.customer),
		chromedp.Click(chromedp.CSS(`.bar .search button`)),
		chromedp.WaitVisible(chromedp.CSS(`#sub-`+d.subscription)))
	row := `#sub-` + d.subscription
	if got := text(t, ctx, row+` [data-field="life_cycle_state"]`); got != "EFFECTIVE" {
		t.Fatalf("subscription before suspend: %q", got)
	}
	charges, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(`#charges tbody tr`)))
	if err != nil || len(charges) != 2 {
		t.Fatalf("charges: %d %v", len(charges), err)
	}

	// Acknowledging the oldest charge with a reference number.
	do(t, ctx, "ask to acknowledge", chromedp.Click(chromedp.CSS(`#charges tbody tr:last-child a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`.confirm input[name="reference_number"]`)))
	do(t, ctx, "acknowledge", chromedp.SendKeys(chromedp.CSS(`.confirm input[name="reference_number"]`), "BILL-2026-0001"))
	screenshot(t, ctx, "acknowledge")
	do(t, ctx, "confirm the acknowledgement", chromedp.Click(chromedp.CSS(`.confirm button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := text(t, ctx, `#charges tbody tr:last-child`); !strings.Contains(got, "BILL-2026-0001") {
		t.Fatalf("charge after acknowledgement: %q", got)
	}
	screenshot(t, ctx, "netflix")

	// Suspending through the confirmation: NOT_EFFECTIVE at once.
	do(t, ctx, "ask to suspend", chromedp.Click(chromedp.CSS(row+` td.actions a.button:not(.danger)`)),
		chromedp.WaitVisible(chromedp.CSS(`.confirm button[type="submit"]`)))
	if got := text(t, ctx, "h1"); !strings.Contains(got, "Suspend") {
		t.Fatalf("confirmation: %q", got)
	}
	screenshot(t, ctx, "suspend")
	do(t, ctx, "confirm the suspension", chromedp.Click(chromedp.CSS(`.confirm button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := text(t, ctx, row+` [data-field="life_cycle_state"]`); got != "NOT_EFFECTIVE" {
		t.Fatalf("subscription after suspend: %q", got)
	}
	screenshot(t, ctx, "suspended")

	// Signing out releases the token: the console asks to sign in again.
	do(t, ctx, "sign out", chromedp.Click(chromedp.CSS(`.who button`)), chromedp.WaitVisible(chromedp.CSS(`.login`)))
	if got := text(t, ctx, `.login .flash`); !strings.Contains(got, "signed out") {
		t.Fatalf("after sign out: %q", got)
	}
	do(t, ctx, "back to the account", chromedp.Navigate(m.URL()+"/console/accounts/"+d.account),
		chromedp.WaitVisible(chromedp.CSS(`.login input[name="organisation"]`)))
}
