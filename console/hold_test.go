package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/crmapi/crmapi"
)

func TestCancelAHoldThroughTheConfirmation(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	confirm := b.get("/console/authorisations/" + w.hold.Number + "/cancel")
	if confirm.Status != 200 || !confirm.has("releases 120.00 EUR") || !confirm.has("Cancel the hold") || !confirm.has(w.account.Number) {
		t.Fatalf("confirmation: %d\n%s", confirm.Status, confirm.Body)
	}
	path := "/console/authorisations/" + w.hold.Number + "/cancel"
	// Refused: no form token, another session's token, another site's Origin.
	other := w.browser()
	other.signIn("ops")
	otherToken := other.get("/console/").csrf(t)
	for name, p := range map[string]page{
		"no token":      b.post(path, url.Values{}),
		"other session": b.post(path, url.Values{"csrf": {otherToken}}),
		"cross origin":  b.post(path, url.Values{"csrf": {confirm.csrf(t)}}, "Origin", "https://evil.example"),
	} {
		if p.Status != http.StatusForbidden || !p.has("PERMISSION_DENIED") {
			t.Errorf("%s: %d\n%s", name, p.Status, p.Body)
		}
	}
	if got := w.authorisation(w.hold.Number).LifeCycleState; got != crmapi.AuthorisationBlocked {
		t.Fatalf("hold is %s after refused posts", got)
	}
	p := b.post(path, url.Values{"csrf": {confirm.csrf(t)}}, "Origin", w.srv.URL)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", p.Status, p.Body)
	}
	d := w.authorisation(w.hold.Number)
	if d.LifeCycleState != crmapi.AuthorisationCancelled || d.CancelledBy == nil || d.CancelledBy.Username != "ops" {
		t.Fatalf("after cancel: %s by %v", d.LifeCycleState, d.CancelledBy)
	}
	acct := b.get(p.location())
	if !acct.has("is cancelled and its hold released") || !acct.has("CANCELLED") || !acct.has("by ops") {
		t.Fatalf("account after cancel:\n%s", acct.Body)
	}
	// Twice: the service's rule answers, with its code, on the confirmation page.
	again := b.post(path, url.Values{"csrf": {confirm.csrf(t)}})
	if again.Status != http.StatusUnprocessableEntity || !again.has("INVALID_LIFE_CYCLE_STATE") || again.has("Cancel the hold") {
		t.Fatalf("second cancel: %d\n%s", again.Status, again.Body)
	}
	if p := b.get(path); !p.has("is CANCELLED") || p.has("Cancel the hold") {
		t.Fatalf("confirmation of a cancelled hold offers the button:\n%s", p.Body)
	}
}

func TestCancelUnknownHold(t *testing.T) {
	w := mustWorld(t)
	b := w.browser()
	b.signIn("ops")
	if p := b.get("/console/authorisations/UA9999999999/cancel"); p.Status != http.StatusNotFound || !p.has("NOT_FOUND") {
		t.Fatalf("unknown hold: %d\n%s", p.Status, p.Body)
	}
}
