package console_test

import (
	"context"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
)

// subscribe creates customer's Netflix subscription; signUp says whether
// the customer redeems it, after which crmapi has learnt of the sign-up
// and read the first charge.
func (w *world) subscribe(customer string, signUp bool) crmapi.NetflixSubscription {
	w.t.Helper()
	ctx := context.Background()
	res, err := w.svc.Netflix.Create(ctx, w.org.ID, service.NetflixCreate{CustomerID: customer, Channel: "WEB",
		Customer: crmapi.NetflixCustomer{FirstName: "Eleni", LastName: "Constantinou",
			Email: &crmapi.Email{Type: "PERSONAL", EmailAddress: "eleni@example.com"}}})
	if err != nil {
		w.t.Fatal(err)
	}
	if signUp {
		if _, err := w.emu.RedeemToken(res.Token, ""); err != nil {
			w.t.Fatal(err)
		}
		w.reconcile()
	}
	return w.netflixSub(customer)
}

// reconcile runs the background work once: partner accounts and the charges feed.
func (w *world) reconcile() {
	w.t.Helper()
	ctx := context.Background()
	if _, err := w.svc.Netflix.Reconcile(ctx); err != nil {
		w.t.Fatal(err)
	}
	if _, err := w.svc.Netflix.PollCharges(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// netflixSub is the customer's newest subscription as stored.
func (w *world) netflixSub(customer string) crmapi.NetflixSubscription {
	w.t.Helper()
	shown, err := w.svc.Netflix.Show(context.Background(), w.org.ID, customer, "")
	if err != nil {
		w.t.Fatal(err)
	}
	return shown[len(shown)-1].Subscription
}

func (w *world) charges(customer string) []crmapi.NetflixCharge {
	w.t.Helper()
	cs, err := w.svc.Netflix.CustomerCharges(context.Background(), w.org.ID, customer, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	return cs
}
