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

func TestSearchFindsANetflixCustomerByBillingIDOrPAI(t *testing.T) {
	w := mustWorld(t)
	sub := w.subscribe("pci/42", true)
	if sub.PAI == "" {
		t.Fatal("no PAI after sign-up")
	}
	b := w.browser()
	b.signIn("ops")
	want := "/console/netflix?customer=" + url.QueryEscape("pci/42")
	for _, q := range []string{"?q=pci%2F42", "?q=pci%2F42&by=billing", "?q=" + url.QueryEscape(sub.PAI), "?q=" + url.QueryEscape(sub.PAI) + "&by=pai"} {
		if p := b.get("/console/search" + q); p.Status != http.StatusSeeOther || p.location() != want {
			t.Errorf("search %s: %d %q", q, p.Status, p.location())
		}
	}
	// A kind narrows the search: a billing id is no PAI.
	if p := b.get("/console/search?q=pci%2F42&by=pai"); p.Status != http.StatusNotFound {
		t.Errorf("billing id searched as a PAI: %d %q", p.Status, p.location())
	}
	if p := b.get("/console/search?q=nobody"); p.Status != http.StatusNotFound || !p.has("no account number, Netflix billing id or PAI") {
		t.Errorf("unknown customer: %d\n%s", p.Status, p.Body)
	}
}

func TestNetflixPageShowsSubscriptionsAndCharges(t *testing.T) {
	w := mustWorld(t)
	old := w.subscribe("pci-1", true)
	if err := w.svc.Netflix.Cancel(context.Background(), w.org.ID, "pci-1"); err != nil {
		t.Fatal(err)
	}
	sub := w.subscribe("pci-1", true)
	charges := w.charges("pci-1")
	if len(charges) == 0 {
		t.Fatal("the partner billed nothing at sign-up")
	}
	b := w.browser()
	b.signIn("ops")
	p := b.get("/console/netflix?customer=pci-1")
	if p.Status != 200 {
		t.Fatalf("netflix page: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{"Eleni Constantinou", "eleni@example.com", "pci-1", sub.PAI, sub.Number, old.Number,
		"EFFECTIVE", "CANCELLED", "Suspend", "Cancel subscription", charges[0].Number, string(charges[0].Status),
		"7.99 EUR", "Acknowledge"} {
		if !p.has(want) {
			t.Errorf("netflix page lacks %q", want)
		}
	}
	// The cancelled subscription offers nothing.
	row := p.Body[strings.Index(p.Body, `id="sub-`+old.Number+`"`):]
	if row = row[:strings.Index(row, "</tr>")]; strings.Contains(row, "button") {
		t.Errorf("a CANCELLED subscription offers actions: %s", row)
	}
	if p := b.get("/console/netflix?customer=nobody"); p.Status != http.StatusNotFound || !p.has("NOT_FOUND") {
		t.Errorf("unknown customer: %d", p.Status)
	}
	// No billing id is no customer, not the subscriptions that have no PAI yet.
	w.subscribe("pci-unsigned", false)
	for _, path := range []string{"/console/netflix", "/console/netflix?customer=", "/console/netflix/cancel?customer=+"} {
		if p := b.get(path); p.Status != http.StatusBadRequest || !p.has("MANDATORY_PARAMETER_MISSING") || p.has("pci-unsigned") {
			t.Errorf("%s: %d\n%s", path, p.Status, p.Body)
		}
	}
}

func TestSuspendUnsuspendAndCancelThroughConfirmations(t *testing.T) {
	w := mustWorld(t)
	w.subscribe("pci-1", true)
	b := w.browser()
	b.signIn("ops")
	q := "?customer=pci-1"
	confirm := b.get("/console/netflix/suspend" + q)
	if confirm.Status != 200 || !confirm.has("takes the subscription out of service") {
		t.Fatalf("suspend confirmation: %d\n%s", confirm.Status, confirm.Body)
	}
	if p := b.post("/console/netflix/suspend"+q, url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("suspend without the form token: %d", p.Status)
	}
	if got := w.netflixSub("pci-1").LifeCycleState; got != crmapi.NetflixEffective {
		t.Fatalf("refused suspend changed the state to %s", got)
	}
	token := confirm.csrf(t)
	p := b.post("/console/netflix/suspend"+q, url.Values{"csrf": {token}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("suspend: %d\n%s", p.Status, p.Body)
	}
	page := b.get(p.location())
	if !page.has("Suspended: the subscription is NOT_EFFECTIVE") || !page.has("Unsuspend") {
		t.Fatalf("after suspend:\n%s", page.Body)
	}
	if got := w.netflixSub("pci-1").LifeCycleState; got != crmapi.NetflixNotEffective {
		t.Fatalf("after suspend: %s", got)
	}
	// The service's life-cycle rule answers a second suspend.
	again := b.post("/console/netflix/suspend"+q, url.Values{"csrf": {token}})
	if again.Status != http.StatusUnprocessableEntity || !again.has("INVALID_LIFE_CYCLE_STATE") || !again.has("cannot be suspended now") {
		t.Fatalf("second suspend: %d\n%s", again.Status, again.Body)
	}
	if p := b.post("/console/netflix/unsuspend"+q, url.Values{"csrf": {token}}); p.Status != http.StatusSeeOther {
		t.Fatalf("unsuspend: %d\n%s", p.Status, p.Body)
	}
	if got := w.netflixSub("pci-1").LifeCycleState; got != crmapi.NetflixEffective {
		t.Fatalf("after unsuspend: %s", got)
	}
	if p := b.post("/console/netflix/cancel"+q, url.Values{"csrf": {token}}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", p.Status, p.Body)
	}
	if got := w.netflixSub("pci-1").LifeCycleState; got != crmapi.NetflixCancelled {
		t.Fatalf("after cancel: %s", got)
	}
	if p := b.get("/console/netflix/other" + q); p.Status != http.StatusNotFound {
		t.Fatalf("unknown action: %d", p.Status)
	}
}

func TestOnlyCancelBeforeSignUp(t *testing.T) {
	w := mustWorld(t)
	w.subscribe("pci-new", false)
	b := w.browser()
	b.signIn("ops")
	p := b.get("/console/netflix?customer=pci-new")
	if p.has(">Suspend<") || !p.has("Cancel subscription") || !p.has("No charges yet") {
		t.Fatalf("before sign-up:\n%s", p.Body)
	}
	c := b.get("/console/netflix/suspend?customer=pci-new")
	if !c.has("The customer has not signed up yet") || c.has(`type="submit" class="primary"`) {
		t.Fatalf("suspend confirmation before sign-up:\n%s", c.Body)
	}
}

func TestAcknowledgeAChargeWithAReference(t *testing.T) {
	w := mustWorld(t)
	w.subscribe("pci-1", true)
	charge := w.charges("pci-1")[0]
	b := w.browser()
	b.signIn("ops")
	path := "/console/netflix/charges/" + charge.Number + "/acknowledge?customer=pci-1"
	confirm := b.get(path)
	if confirm.Status != 200 || !confirm.has("Reference number") || !confirm.has(charge.Number) {
		t.Fatalf("confirmation: %d\n%s", confirm.Status, confirm.Body)
	}
	token := confirm.csrf(t)
	if p := b.post(path, url.Values{"csrf": {token}, "reference_number": {" "}}); p.Status != http.StatusBadRequest || !p.has("MANDATORY_PARAMETER_MISSING") {
		t.Fatalf("no reference: %d\n%s", p.Status, p.Body)
	}
	p := b.post(path, url.Values{"csrf": {token}, "reference_number": {"REF-1"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d\n%s", p.Status, p.Body)
	}
	if page := b.get(p.location()); !page.has("Charge "+charge.Number+" acknowledged") || !page.has(`yes <span class="muted">REF-1</span>`) {
		t.Fatalf("after acknowledge:\n%s", page.Body)
	}
	if acked, ref := w.charges("pci-1")[0].Acknowledged(); !acked || ref != "REF-1" {
		t.Fatalf("stored: %v %q", acked, ref)
	}
	// Exactly once: another reference is refused with the API's code.
	again := b.post(path, url.Values{"csrf": {token}, "reference_number": {"REF-2"}})
	if again.Status != http.StatusUnprocessableEntity || !again.has("ALREADY_ACKNOWLEDGED") || !again.has("acknowledged already") {
		t.Fatalf("second reference: %d\n%s", again.Status, again.Body)
	}
	// A reference is unique in the organisation.
	w.subscribe("pci-2", true)
	other := w.charges("pci-2")[0]
	dup := b.post("/console/netflix/charges/"+other.Number+"/acknowledge?customer=pci-2", url.Values{"csrf": {token}, "reference_number": {"REF-1"}})
	if dup.Status != http.StatusUnprocessableEntity || !dup.has("DUPLICATE_REFERENCE_NUMBER") {
		t.Fatalf("reused reference: %d\n%s", dup.Status, dup.Body)
	}
	// A charge is named with its own customer.
	if p := b.get("/console/netflix/charges/" + other.Number + "/acknowledge?customer=pci-1"); p.Status != http.StatusNotFound {
		t.Fatalf("another customer's charge: %d", p.Status)
	}
}

func TestNetflixAcrossOrganisations(t *testing.T) {
	w := mustWorld(t)
	w.subscribe("pci-1", true)
	if _, err := w.svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "GLOBEX", Username: "admin", Password: consolePassword}); err != nil {
		t.Fatal(err)
	}
	b := w.browser()
	if p := b.tryLogin("GLOBEX", "admin", consolePassword, ""); p.Status != http.StatusSeeOther {
		t.Fatalf("sign in: %d", p.Status)
	}
	if p := b.get("/console/netflix?customer=pci-1"); p.Status != http.StatusNotFound {
		t.Fatalf("GLOBEX sees ACME's customer: %d", p.Status)
	}
	token := b.get("/console/").csrf(t)
	if p := b.post("/console/netflix/suspend?customer=pci-1", url.Values{"csrf": {token}}); p.Status != http.StatusNotFound {
		t.Fatalf("GLOBEX suspends ACME's customer: %d", p.Status)
	}
	if got := w.netflixSub("pci-1").LifeCycleState; got != crmapi.NetflixEffective {
		t.Fatalf("ACME's subscription is %s", got)
	}
}

func TestAdminsSeeSubscriptionsNeedingAttention(t *testing.T) {
	w := mustWorld(t)
	sub := w.subscribe("pci-1", true)
	sub.Attention, sub.AttentionReason = true, "partner refused SUSPEND: account closed"
	if err := w.store.Update(context.Background(), func(tx crmapi.Tx) error { return tx.UpdateNetflixSubscription(sub) }); err != nil {
		t.Fatal(err)
	}
	admin := w.browser()
	admin.signIn("admin")
	if p := admin.get("/console/"); !p.has("needing attention") || !p.has("partner refused SUSPEND") {
		t.Fatalf("admin home:\n%s", p.Body)
	}
	if p := admin.get("/console/netflix?customer=pci-1"); !p.has("Needs attention: partner refused SUSPEND") {
		t.Fatalf("netflix page lacks the flag:\n%s", p.Body)
	}
	ops := w.browser()
	ops.signIn("ops")
	if p := ops.get("/console/"); p.has("needing attention") {
		t.Fatal("a non-admin sees the attention list, an admin method in the API")
	}
}
