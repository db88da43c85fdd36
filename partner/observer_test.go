package partner_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

// recorder keeps what an Observer was told.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) ObserveAttempt(op string, took time.Duration, code string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seen = append(r.seen, fmt.Sprintf("%s %s %v", op, code, took > 0))
}

// The observer hears of every attempt, retries and breaker refusals included.
func TestObserver(t *testing.T) {
	f := newFixture(t, emulator.FaultConfig{ErrorRate: 1})
	rec := &recorder{}
	cl := f.client(partner.ClientConfig{MaxAttempts: 2, Observer: rec, Breaker: partner.BreakerConfig{FailureThreshold: 2, OpenFor: time.Hour}})
	ctx := context.Background()
	cl.ListPrices(ctx, "op1", "", "")
	cl.ListPrices(ctx, "op1", "", "")
	f.em.SetFaults(emulator.FaultConfig{})
	fresh := f.client(partner.ClientConfig{Observer: rec})
	if _, err := fresh.CreateSignup(ctx, "op1", "op-1", signupReq()); err != nil {
		t.Fatal(err)
	}
	fresh.GetAccount(ctx, "op1", "nope")
	want := "[list_prices UNAVAILABLE true list_prices UNAVAILABLE true list_prices CIRCUIT_OPEN false " +
		"create_signup OK true get_account NOT_FOUND true]"
	if got := fmt.Sprint(rec.seen); got != want {
		t.Fatalf("observed %s\nwant     %s", got, want)
	}
}
