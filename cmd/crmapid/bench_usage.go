package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/crmapi/crmapi/client"
)

// benchAccounts is how many accounts usage-create spreads its load over:
// enough that two of 64 workers rarely meet on one account.
const benchAccounts = 1000

// benchAccount is an account prepared through the admin API.
type benchAccount struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

// createFundedAccounts creates n accounts, each with a contact, an opening
// payment of funds, and one usage subscription, through the admin API
// exactly as an operator would, 16 at a time.
func createFundedAccounts(ctx context.Context, env *benchEnv, n int, funds string) ([]benchAccount, error) {
	out := make([]benchAccount, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				a, err := createFundedAccount(ctx, env.client, i, funds)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				out[i] = a
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return out, ctx.Err()
}

func createFundedAccount(ctx context.Context, c *client.Client, i int, funds string) (benchAccount, error) {
	var contact struct {
		ID string `json:"id"`
	}
	if err := c.Call(ctx, "contacts/create", map[string]any{"type": "PERSON", "first_name": "Bench",
		"last_name": "Customer " + strconv.Itoa(i)}, &contact); err != nil {
		return benchAccount{}, fmt.Errorf("contacts/create: %w", err)
	}
	var acct benchAccount
	if err := c.Call(ctx, "accounts_receivable/create", map[string]any{"contact_identifier": map[string]string{"id": contact.ID},
		"currency": "EUR", "credit_limit": "100"}, &acct); err != nil {
		return acct, fmt.Errorf("accounts_receivable/create: %w", err)
	}
	ref := map[string]string{"number": acct.Number}
	if err := c.Call(ctx, "accounts_receivable/payments/create", map[string]any{"accounts_receivable_identifier": ref,
		"amount": funds, "reference_number": "BENCH"}, nil); err != nil {
		return acct, fmt.Errorf("payments/create: %w", err)
	}
	if err := c.Call(ctx, "subscriptions/create", map[string]any{"accounts_receivable_identifier": ref}, nil); err != nil {
		return acct, fmt.Errorf("subscriptions/create: %w", err)
	}
	return acct, nil
}

// createBody is a usage_authorisations/create body for an account.
func createBody(token, number, amount string) []byte {
	b, _ := json.Marshal(map[string]any{"token": token, "accounts_receivable_identifier": map[string]string{"number": number},
		"authorisation_amount": amount})
	return b
}

// prepareUsageCreate spreads creates of 1.00 EUR over benchAccounts
// accounts, each funded far beyond what a run can hold.
func prepareUsageCreate(ctx context.Context, env *benchEnv, conns int) (request, error) {
	accts, err := createFundedAccounts(ctx, env, benchAccounts, "1000000")
	if err != nil {
		return nil, err
	}
	bodies := make([][]byte, len(accts))
	for i, a := range accts {
		bodies[i] = createBody(env.token, a.Number, "1.00")
	}
	return func(ctx context.Context, w int, seq int64) string {
		return postJSON(ctx, env.http, env.method(w, "usage_authorisations/create"), bodies[seq%int64(len(bodies))])
	}, nil
}

// prepareUsageCreateHot sends every create to one account: the worst case
// for the conditional hold, which every request takes on the same row. The
// account's funds outlast any run on this machine, so errors other than
// transport ones would be a fault.
func prepareUsageCreateHot(ctx context.Context, env *benchEnv, conns int) (request, error) {
	accts, err := createFundedAccounts(ctx, env, 1, "100000000")
	if err != nil {
		return nil, err
	}
	body := createBody(env.token, accts[0].Number, "0.50")
	return func(ctx context.Context, w int, seq int64) string {
		return postJSON(ctx, env.http, env.method(w, "usage_authorisations/create"), body)
	}, nil
}

// benchShowCount is how many authorisations usage-show cycles through.
const benchShowCount = 2000

// prepareUsageShow creates benchShowCount authorisations over 200
// accounts and then shows them in turn, by business number, with GET and
// the token in the query string, as the seed example does.
func prepareUsageShow(ctx context.Context, env *benchEnv, conns int) (request, error) {
	accts, err := createFundedAccounts(ctx, env, 200, "100000")
	if err != nil {
		return nil, err
	}
	numbers := make([]string, benchShowCount)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= benchShowCount || ctx.Err() != nil {
					return
				}
				var a struct {
					Number string `json:"authorisation_id"`
				}
				err := env.client.Call(ctx, "usage_authorisations/create", map[string]any{
					"accounts_receivable_identifier": map[string]string{"number": accts[i%len(accts)].Number},
					"authorisation_amount":           "2.50"}, &a)
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				numbers[i] = a.Number
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return nil, fmt.Errorf("usage_authorisations/create: %w", err)
	}
	queries := make([]string, len(numbers))
	for i, n := range numbers {
		queries[i] = "?" + url.Values{"token": {env.token}, "usage_authorisation_identifier": {"authorisation_id=" + n}}.Encode()
	}
	return func(ctx context.Context, w int, seq int64) string {
		return getJSON(ctx, env.http, env.method(w, "usage_authorisations/show")+queries[seq%int64(len(queries))])
	}, nil
}

// getJSON sends one GET and returns the envelope's status code.
func getJSON(ctx context.Context, c *http.Client, url string) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "CANCELLED"
		}
		return "TRANSPORT_ERROR"
	}
	defer resp.Body.Close()
	return envelopeCode(resp)
}

// envelopeCode reads an answer and returns its status code.
func envelopeCode(resp *http.Response) string {
	raw, _ := io.ReadAll(resp.Body)
	// The common answer is recognised without decoding it, to keep the
	// load client's share of the two cores small.
	if resp.StatusCode == 200 && bytes.Contains(raw, []byte(`"code":"OK"`)) {
		return "OK"
	}
	var env struct {
		Status struct{ Code string } `json:"status"`
	}
	if json.Unmarshal(raw, &env) == nil && env.Status.Code != "" {
		return env.Status.Code
	}
	return "HTTP_" + strconv.Itoa(resp.StatusCode)
}
