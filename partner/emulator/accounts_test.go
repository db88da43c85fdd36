package emulator_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

func TestAccountLifeCycle(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	s := e.signup("op1", signupReq())
	seq := int64(0)
	next := func() int64 { seq++; return seq }

	// Nothing but terminate applies before the customer has signed up.
	_, err := e.cl.Suspend(e.ctx, "op1", s.PAI, e.opID(), next())
	if pe := wantCode(t, err, partner.CodeInvalidState); pe.Status != http.StatusConflict || pe.Retryable || pe.Attempts != 1 {
		t.Fatalf("error = %+v", pe)
	}
	_, err = e.cl.Reactivate(e.ctx, "op1", s.PAI, e.opID(), next())
	wantCode(t, err, partner.CodeInvalidState)

	if _, err := e.em.RedeemToken(s.SignupToken, ""); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		call func(string, int64) (partner.Account, error)
		want partner.AccountState
	}{
		{func(k string, n int64) (partner.Account, error) { return e.cl.Suspend(e.ctx, "op1", s.PAI, k, n) }, partner.StateSuspended},
		{func(k string, n int64) (partner.Account, error) { return e.cl.Suspend(e.ctx, "op1", s.PAI, k, n) }, partner.StateSuspended},
		{func(k string, n int64) (partner.Account, error) { return e.cl.Reactivate(e.ctx, "op1", s.PAI, k, n) }, partner.StateEffective},
		{func(k string, n int64) (partner.Account, error) { return e.cl.Reactivate(e.ctx, "op1", s.PAI, k, n) }, partner.StateEffective},
		{func(k string, n int64) (partner.Account, error) { return e.cl.Terminate(e.ctx, "op1", s.PAI, k, n) }, partner.StateTerminated},
		{func(k string, n int64) (partner.Account, error) { return e.cl.Terminate(e.ctx, "op1", s.PAI, k, n) }, partner.StateTerminated},
	}
	for i, st := range steps {
		n := next()
		a, err := st.call(e.opID(), n)
		if err != nil || a.State != st.want || a.LastOperationSequence != n {
			t.Fatalf("step %d: %+v, %v; want %s at sequence %d", i, a, err, st.want, n)
		}
	}
	_, err = e.cl.Suspend(e.ctx, "op1", s.PAI, e.opID(), next())
	wantCode(t, err, partner.CodeInvalidState)
	_, err = e.cl.Reactivate(e.ctx, "op1", s.PAI, e.opID(), next())
	wantCode(t, err, partner.CodeInvalidState)

	// Refused calls leave no sequence behind.
	info, _ := e.em.Account("op1", s.PAI)
	if !slices.Equal(info.AppliedSequences, []int64{3, 4, 5, 6, 7, 8}) {
		t.Fatalf("applied sequences = %v", info.AppliedSequences)
	}
	_, err = e.cl.GetAccount(e.ctx, "op1", "no-such-pai")
	wantCode(t, err, partner.CodeNotFound)
}

func TestIdempotentReplay(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	req := signupReq()
	first, err := e.cl.CreateSignup(e.ctx, "op1", "signup-1", req)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.cl.CreateSignup(e.ctx, "op1", "signup-1", req)
	if err != nil || again != first {
		t.Fatalf("replay = %+v, %v; want %+v", again, err, first)
	}
	if st := e.em.Stats(); st.Signups != 1 || st.Accounts[partner.StatePendingSignup] != 1 || st.IdempotentReplays != 1 || st.DuplicateSignups != 0 {
		t.Fatalf("stats = %+v", st)
	}

	// The same key with another request is refused, and never retried.
	req.Country = "DE"
	_, err = e.cl.CreateSignup(e.ctx, "op1", "signup-1", req)
	pe := wantCode(t, err, partner.CodeIdempotencyKeyReused)
	if pe.Status != http.StatusUnprocessableEntity || pe.Retryable || pe.Attempts != 1 || partner.IsUnknownOutcome(err) {
		t.Fatalf("error = %+v", pe)
	}
	_, err = e.cl.Terminate(e.ctx, "op1", first.PAI, "signup-1", 1)
	wantCode(t, err, partner.CodeIdempotencyKeyReused)

	// A stored refusal is replayed too, even once the call would succeed.
	_, err = e.cl.Suspend(e.ctx, "op1", first.PAI, "suspend-1", 1)
	wantCode(t, err, partner.CodeInvalidState)
	if _, err := e.em.RedeemToken(first.SignupToken, ""); err != nil {
		t.Fatal(err)
	}
	_, err = e.cl.Suspend(e.ctx, "op1", first.PAI, "suspend-1", 1)
	wantCode(t, err, partner.CodeInvalidState)
	if a, err := e.cl.Suspend(e.ctx, "op1", first.PAI, "suspend-2", 2); err != nil || a.State != partner.StateSuspended {
		t.Fatalf("suspend = %+v, %v", a, err)
	}

	// Replayed answers say so.
	hdr := map[string]string{"Authorization": "Bearer " + apiKey, partner.HeaderOperator: "op1",
		partner.HeaderIdempotencyKey: "suspend-2", partner.HeaderOperationSequence: "2"}
	req2, _ := http.NewRequest(http.MethodPost, e.srv.URL+partner.PathPrefix+"/accounts/"+first.PAI+"/suspend", nil)
	for k, v := range hdr {
		req2.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get(partner.HeaderReplayed) != "true" {
		t.Fatalf("replay: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestOutOfOrderRefused(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	pai := e.effective("op1", signupReq())

	if _, err := e.cl.Suspend(e.ctx, "op1", pai, "a", 5); err != nil {
		t.Fatal(err)
	}
	_, err := e.cl.Reactivate(e.ctx, "op1", pai, "b", 3)
	if pe := wantCode(t, err, partner.CodeOutOfOrder); pe.Status != http.StatusConflict || pe.Retryable || pe.Attempts != 1 {
		t.Fatalf("error = %+v", pe)
	}
	_, err = e.cl.Reactivate(e.ctx, "op1", pai, "c", 5)
	wantCode(t, err, partner.CodeOutOfOrder)
	// The same key and sequence is a replay, not a reordering.
	if a, err := e.cl.Suspend(e.ctx, "op1", pai, "a", 5); err != nil || a.State != partner.StateSuspended {
		t.Fatalf("replay = %+v, %v", a, err)
	}
	a, err := e.cl.Reactivate(e.ctx, "op1", pai, "d", 6)
	if err != nil || a.State != partner.StateEffective || a.LastOperationSequence != 6 {
		t.Fatalf("reactivate = %+v, %v", a, err)
	}
	info, _ := e.em.Account("op1", pai)
	if !slices.Equal(info.AppliedSequences, []int64{5, 6}) {
		t.Fatalf("applied = %v", info.AppliedSequences)
	}
	if st := e.em.Stats(); st.OutOfOrderRefused != 2 || st.OutOfOrderApplied != 0 || st.OperationsApplied != 2 {
		t.Fatalf("stats = %+v", st)
	}

	// The sequence header is required on account actions.
	status, body := e.do(http.MethodPost, partner.PathPrefix+"/accounts/"+pai+"/suspend", "", map[string]string{
		"Authorization": "Bearer " + apiKey, partner.HeaderOperator: "op1", partner.HeaderIdempotencyKey: "e"})
	if status != http.StatusBadRequest {
		t.Fatalf("no sequence: %d %s", status, body)
	}
}

func TestOperatorIsolation(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	// The same idempotency key means different things for two operators.
	sa, err := e.cl.CreateSignup(e.ctx, "opA", "k1", signupReq())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.em.RedeemToken(sa.SignupToken, ""); err != nil {
		t.Fatal(err)
	}
	sb, err := e.cl.CreateSignup(e.ctx, "opB", "k1", signupReq())
	if err != nil || sb.PAI == sa.PAI {
		t.Fatalf("opB signup = %+v, %v", sb, err)
	}

	_, err = e.cl.GetAccount(e.ctx, "opB", sa.PAI)
	wantCode(t, err, partner.CodeNotFound)
	_, err = e.cl.Suspend(e.ctx, "opB", sa.PAI, "k2", 1)
	wantCode(t, err, partner.CodeNotFound)
	if _, ok := e.em.Account("opB", sa.PAI); ok {
		t.Fatal("Account found opA's account under opB")
	}
	if feed := e.feed("opB"); len(feed) != 0 {
		t.Fatalf("opB sees charges: %+v", feed)
	}
	if feed := e.feed("opA"); len(feed) != 1 || feed[0].PAI != sa.PAI {
		t.Fatalf("opA feed = %+v", feed)
	}
	charge := e.feed("opA")[0].ChargeID
	_, err = e.cl.DeclineCharge(e.ctx, "opB", charge, "k3")
	wantCode(t, err, partner.CodeNotFound)
	if a := e.account("opA", sa.PAI); a.State != partner.StateEffective {
		t.Fatalf("opA account = %+v", a)
	}
	if st := e.em.OperatorStats("opB"); st.Signups != 1 || st.Accounts[partner.StatePendingSignup] != 1 || st.FeedEntries != 0 {
		t.Fatalf("opB stats = %+v", st)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	bad := partner.NewClient(partner.ClientConfig{BaseURL: e.srv.URL, APIKey: "wrong"})
	_, err := bad.ListPrices(e.ctx, "op1", "", "")
	if pe := wantCode(t, err, partner.CodeUnauthorized); pe.Status != http.StatusUnauthorized || pe.Retryable || pe.Attempts != 1 {
		t.Fatalf("error = %+v", pe)
	}
	if status, _ := e.do(http.MethodGet, partner.PathPrefix+"/prices", "", map[string]string{"Authorization": "Bearer " + apiKey}); status != http.StatusBadRequest {
		t.Fatalf("no operator header: %d", status)
	}
	if status, _ := e.do(http.MethodGet, "/admin/stats", "", nil); status != http.StatusUnauthorized {
		t.Fatalf("admin without key: %d", status)
	}
	// An emulator without a configured key makes one up rather than
	// accepting anything.
	if k := emulator.New(emulator.Options{}).APIKey(); len(k) < 32 {
		t.Fatalf("generated key %q", k)
	}
}
