package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

func TestSearchFindsAnAccountByNumber(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	for _, q := range []string{w.account.Number, strings.ToLower(w.account.Number), " " + w.account.Number + " "} {
		p := b.get("/console/search?q=" + url.QueryEscape(q))
		if p.Status != http.StatusSeeOther || p.location() != "/console/accounts/"+w.account.Number {
			t.Errorf("search %q: %d %q", q, p.Status, p.location())
		}
	}
	p := b.get("/console/search?q=ACR9999999999")
	if p.Status != http.StatusNotFound || !p.has("NOT_FOUND") || !p.has(`value="ACR9999999999"`) {
		t.Fatalf("unknown account: %d\n%s", p.Status, p.Body)
	}
	if p := b.get("/console/search?q="); p.Status != http.StatusBadRequest || !p.has("MANDATORY_PARAMETER_MISSING") {
		t.Fatalf("empty search: %d\n%s", p.Status, p.Body)
	}
	if p := b.get("/console/search?q=x&by=nonsense"); p.Status != http.StatusBadRequest || !p.has("INVALID_PARAMETER") {
		t.Fatalf("bad kind: %d\n%s", p.Status, p.Body)
	}
}

func TestAccountPageShowsMoneyHoldsUsageAndLedger(t *testing.T) {
	w := mustWorld(t)
	ctx := context.Background()
	// Post usage against a second hold, so that a COMPLETED one, a usage
	// record and a usage debit are there too.
	ref := crmapi.RefID(w.account.ID)
	second, err := w.svc.Usage.Authorise(ctx, w.org.ID, service.NewAuthorisation{Account: &ref, Amount: crmapi.MustAmount("30")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Usage.AddServiceUsage(ctx, w.org.ID, "", service.UsagePosting{Account: &ref, Authorisation: &crmapi.Ref{Field: "id", Value: second.ID},
		Lines: []service.UsageLine{{Service: crmapi.Ref{Field: "code", Value: "Diesel"}, Usage: crmapi.MustQuantity("10")}}}); err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	b.signIn("admin")
	p := b.get("/console/accounts/" + w.account.Number)
	if p.Status != 200 {
		t.Fatalf("account page: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"Maria Georgiou", w.account.Number, "ACTIVE",
		"485.00 EUR",                            // balance: 500 paid, 15 used
		"100.00 EUR",                            // credit limit
		"120.00 EUR",                            // held by the first hold
		"465.00 EUR",                            // available: 485 + 100 − 120
		w.hold.Number, "BLOCKED", "Cancel hold", // the open hold and its action
		second.Number, "COMPLETED", "used 15.00 EUR", // the completed one
		"Diesel", "1.50 EUR", "15.00 EUR", // the usage record
		"PAYMENT", "PAY-1", "Opening payment", "USAGE", "-15.00 EUR", // the ledger
		"2026-04-04 13:00", // 10:00 UTC in Nicosia
		"Times are in Europe/Nicosia"} {
		if !p.has(want) {
			t.Errorf("account page lacks %q", want)
		}
	}
	// The completed hold offers no cancellation.
	row := p.Body[strings.Index(p.Body, `id="hold-`+second.Number+`"`):]
	row = row[:strings.Index(row, "</tr>")]
	if strings.Contains(row, "Cancel hold") {
		t.Error("a COMPLETED authorisation offers Cancel hold")
	}
}

func TestAccountPageFollowsTheAPIsAccessRules(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	p := b.get("/console/accounts/" + w.account.Number)
	if p.Status != 200 || !p.has(w.hold.Number) || !p.has("Cancel hold") {
		t.Fatalf("a user sees the account's authorisations, as usage_authorisations/list shows them: %d\n%s", p.Status, p.Body)
	}
	if p.has("Opening payment") || p.has("Available") || !p.has("PERMISSION_DENIED") {
		t.Fatal("a non-admin user sees the ledger or balances, which the API shows admins only")
	}
}

func TestOtherOrganisationsSeeNothing(t *testing.T) {
	w := mustWorld(t)
	ctx := context.Background()
	other, err := w.svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "GLOBEX", Username: "admin", Password: consolePassword})
	if err != nil {
		t.Fatal(err)
	}
	_ = other
	b := w.browser()
	p := b.tryLogin("GLOBEX", "admin", consolePassword, "")
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign in to GLOBEX: %d", p.Status)
	}
	if p := b.get("/console/accounts/" + w.account.Number); p.Status != http.StatusNotFound || !p.has("NOT_FOUND") || p.has("Maria") {
		t.Fatalf("GLOBEX sees ACME's account: %d\n%s", p.Status, p.Body)
	}
	if p := b.get("/console/authorisations/" + w.hold.Number + "/cancel"); p.Status != http.StatusNotFound {
		t.Fatalf("GLOBEX sees ACME's hold: %d", p.Status)
	}
	home := b.get("/console/")
	p = b.post("/console/authorisations/"+w.hold.Number+"/cancel", url.Values{"csrf": {home.csrf(t)}})
	if p.Status != http.StatusNotFound {
		t.Fatalf("GLOBEX cancels ACME's hold: %d", p.Status)
	}
	if got := w.authorisation(w.hold.Number).LifeCycleState; got != crmapi.AuthorisationBlocked {
		t.Fatalf("ACME's hold is %s", got)
	}
}

func TestUserDataIsEscaped(t *testing.T) {
	evil := `<script>alert("x")</script>`
	w := mustWorld(t, func(o *worldOption) {
		o.owner = service.NewContact{Type: crmapi.ContactCompany, CompanyName: evil}
	})
	b := w.browser()
	b.signIn("admin")
	p := b.get("/console/accounts/" + w.account.Number)
	if strings.Contains(p.Body, evil) || !strings.Contains(p.Body, "&lt;script&gt;") {
		t.Fatalf("owner name not escaped:\n%s", p.Body)
	}
	if p := b.get("/console/search?q=" + url.QueryEscape(`"><script>x</script>`)); strings.Contains(p.Body, "<script>x") {
		t.Fatalf("search term not escaped:\n%s", p.Body)
	}
}

func TestUnknownPagesAnswerNotFound(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	if p := b.get("/console/nothing/here"); p.Status != http.StatusNotFound || !p.has("NOT_FOUND") {
		t.Fatalf("unknown page: %d", p.Status)
	}
}
