package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// benchNetflixCustomers is how many live subscriptions netflix-show and
// netflix-mix prepare through the API and the partner's sign-up.
const benchNetflixCustomers = 256

// netflixCustomers creates n subscriptions for customers prefix-0…, has
// each customer redeem its sign-up token at the partner (the emulator in
// the server), and waits until crmapi shows them EFFECTIVE, which it
// learns by polling the partner (--netflix-reconcile-interval, 1 s in the
// servers bench starts).
func netflixCustomers(ctx context.Context, env *benchEnv, prefix string, n int) ([]string, error) {
	var promos []struct {
		Code string `json:"code"`
	}
	if err := env.client.Call(ctx, "netflix/promotions/list", map[string]any{}, &promos); err != nil {
		return nil, fmt.Errorf("netflix/promotions/list: %w", err)
	}
	promo := ""
	if len(promos) > 0 {
		promo = promos[0].Code
	}
	ids := make([]string, n)
	var next atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				id := prefix + "-" + strconv.Itoa(i)
				if err := netflixSignUp(ctx, env, id, promo); err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				ids[i] = id
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(2 * time.Minute)
	for _, id := range ids {
		for {
			var shown []struct {
				State string `json:"life_cycle_state"`
			}
			err := env.client.Call(ctx, "netflix/subscriptions/show", map[string]any{"billing_system_customer_identifier": id}, &shown)
			if err == nil && len(shown) > 0 && shown[len(shown)-1].State == "EFFECTIVE" {
				break
			}
			if time.Now().After(deadline) || ctx.Err() != nil {
				return nil, fmt.Errorf("netflix: %s not EFFECTIVE after two minutes (%v)", id, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return ids, nil
}

// netflixSignUp creates one subscription and redeems its token as the
// customer's browser would.
func netflixSignUp(ctx context.Context, env *benchEnv, customer, promo string) error {
	var created struct {
		Token string `json:"netflix_token"`
	}
	params := map[string]any{"billing_system_customer_identifier": customer, "channel": "WEB", "validity_duration": 86400,
		"customer_first_name": "Bench", "customer_last_name": customer}
	if promo != "" {
		params["promotion_code"] = promo
	}
	if err := env.client.Call(ctx, "netflix/subscriptions/create", params, &created); err != nil {
		return fmt.Errorf("netflix/subscriptions/create: %w", err)
	}
	body, _ := json.Marshal(map[string]string{"token": created.Token, "email": customer + "@example.com"})
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, env.partner+"/signup/redeem", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := env.http.Do(req)
	if err != nil {
		return fmt.Errorf("sign-up: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("sign-up of %s: HTTP %d", customer, resp.StatusCode)
	}
	return nil
}

// prepareNetflixShow shows live subscriptions (with their redeemed
// promotion and price) by billing_system_customer_identifier, with GET.
func prepareNetflixShow(ctx context.Context, env *benchEnv, conns int) (request, error) {
	ids, err := netflixCustomers(ctx, env, "bench-show", benchNetflixCustomers)
	if err != nil {
		return nil, err
	}
	queries := make([]string, len(ids))
	for i, id := range ids {
		queries[i] = "?" + url.Values{"token": {env.token}, "billing_system_customer_identifier": {id}}.Encode()
	}
	return func(ctx context.Context, w int, seq int64) string {
		return getJSON(ctx, env.http, env.method(w, "netflix/subscriptions/show")+queries[seq%int64(len(queries))])
	}, nil
}

// prepareNetflixMix gives each worker its own live subscriptions and has
// it suspend and unsuspend them in turn; every third request creates a
// subscription for a new customer instead (its sign-up is left unredeemed).
// Each request therefore commits a change and queues partner work, which
// the job queue sends to the partner in order.
func prepareNetflixMix(ctx context.Context, env *benchEnv, conns int) (request, error) {
	const perWorker = 2
	ids, err := netflixCustomers(ctx, env, "bench-mix", conns*perWorker)
	if err != nil {
		return nil, err
	}
	type owned struct {
		n         int
		suspended []bool
	}
	workers := make([]owned, conns)
	for w := range workers {
		workers[w].suspended = make([]bool, perWorker)
	}
	run := time.Now().UnixNano()
	var fresh atomic.Int64
	return func(ctx context.Context, w int, seq int64) string {
		o := &workers[w%conns]
		o.n++
		if o.n%3 == 0 {
			body, _ := json.Marshal(map[string]any{"token": env.token, "channel": "WEB", "validity_duration": 3600,
				"billing_system_customer_identifier": fmt.Sprintf("bench-new-%d-%d", run, fresh.Add(1))})
			return postJSON(ctx, env.http, env.method(w, "netflix/subscriptions/create"), body)
		}
		k := o.n % perWorker
		id := ids[(w%conns)*perWorker+k]
		method := "netflix/subscriptions/suspend"
		if o.suspended[k] {
			method = "netflix/subscriptions/unsuspend"
		}
		body, _ := json.Marshal(map[string]any{"token": env.token, "billing_system_customer_identifier": id})
		code := postJSON(ctx, env.http, env.method(w, method), body)
		// INVALID_LIFE_CYCLE_STATE means a change this worker gave up on
		// (the warm-up's end cancels requests in flight) did commit: the
		// subscription is already in the other state. It is counted, and
		// the worker follows.
		if code == "OK" || code == "INVALID_LIFE_CYCLE_STATE" {
			o.suspended[k] = !o.suspended[k]
		}
		return code
	}, nil
}

// prepareChargesListAck is an operator's charge collection: list a page of
// 50 unacknowledged PROCESSED charges and acknowledge them, one request
// pair per page (so req/s is pages/s). The charges are seeded into the
// database before the servers start (see benchSeedCharges), because
// billing enough of them through the partner emulator would take longer
// than the run. The workers are parallel collectors, each over its own
// range of charges: worker w starts with a cursor at the start of its
// range (cursors continue after a charge's ordinal, the numeric part of
// its number; the bench builds the first one itself, knowing their form)
// and follows next_cursor. A collector whose range is done reports
// NO_CHARGES_LEFT. Each charge's reference is derived from its number, so
// a repeated acknowledgement would be a no-op rather than a failure.
func prepareChargesListAck(ctx context.Context, env *benchEnv, conns int) (request, error) {
	var first struct {
		Charges []struct {
			Number string `json:"number"`
		} `json:"charges_set"`
	}
	if err := env.client.Call(ctx, "netflix/charges/list", map[string]any{"number_of_results": 1, "charge_status": "PROCESSED",
		"offset": 0}, &first); err != nil {
		return nil, fmt.Errorf("netflix/charges/list: %w", err)
	}
	if len(first.Charges) == 0 {
		return nil, errors.New("no unacknowledged charges (seeded with --charges)")
	}
	base, err := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(first.Charges[0].Number, "NC"), "0"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("charge number %q: %w", first.Charges[0].Number, err)
	}
	span := int64(env.charges/conns + 1)
	cursors := make([]string, conns)
	ends := make([]int64, conns)
	for w := range conns {
		after := base - 1 + int64(w)*span
		cursors[w] = base64.RawURLEncoding.EncodeToString([]byte("c1.P." + strconv.FormatInt(after, 10)))
		ends[w] = after + span
	}
	return func(ctx context.Context, w int, seq int64) string {
		w %= conns
		q := url.Values{"token": {env.token}, "number_of_results": {"50"}, "charge_status": {"PROCESSED"},
			"offset": {"0"}, "cursor": {cursors[w]}, "fields_set": {"number,billing_system_customer_identifier"}}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.method(w, "netflix/charges/list")+"?"+q.Encode(), nil)
		resp, err := env.http.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return "CANCELLED"
			}
			return "TRANSPORT_ERROR"
		}
		var page struct {
			Status struct{ Code string } `json:"status"`
			Data   struct {
				Charges []struct {
					Number   string `json:"number"`
					Customer string `json:"billing_system_customer_identifier"`
				} `json:"charges_set"`
				NextCursor string `json:"next_cursor"`
			} `json:"data"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || page.Status.Code != "OK" {
			if ctx.Err() != nil {
				return "CANCELLED" // the run ended while the page was read
			}
			if page.Status.Code == "" {
				return "LIST_UNREADABLE"
			}
			return "LIST_" + page.Status.Code
		}
		var items []map[string]string
		for _, c := range page.Data.Charges {
			n, _ := strconv.ParseInt(strings.TrimLeft(strings.TrimPrefix(c.Number, "NC"), "0"), 10, 64)
			if n > ends[w] {
				break
			}
			items = append(items, map[string]string{"number": c.Number, "billing_system_customer_identifier": c.Customer,
				"reference_number": "BENCH-" + c.Number})
		}
		if len(items) == 0 {
			return "NO_CHARGES_LEFT"
		}
		body, _ := json.Marshal(map[string]any{"token": env.token, "acknowledged_charges_set": items})
		code := postAck(ctx, env.http, env.method(w, "netflix/charges/acknowledge"), body)
		if code == "OK" {
			cursors[w] = page.Data.NextCursor
		}
		return code
	}, nil
}

// postAck sends an acknowledgement and reports a page with any failed
// charge as ACK_FAILED_ITEMS.
func postAck(ctx context.Context, c *http.Client, url string, body []byte) string {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "CANCELLED"
		}
		return "TRANSPORT_ERROR"
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && bytes.Contains(raw, []byte(`"code":"OK"`)) {
		if !bytes.Contains(raw, []byte(`"failed_charges_set":[]`)) {
			return "ACK_FAILED_ITEMS"
		}
		return "OK"
	}
	return "ACK_HTTP_" + strconv.Itoa(resp.StatusCode)
}

// benchSeedCharges writes n unacknowledged charges (and their cancelled
// subscriptions) into the database the servers will open, through the same
// bulk path as crmapid seed, before they start.
func benchSeedCharges(ctx context.Context, bc *benchConfig, dir string, n int) error {
	if n <= 0 {
		return errors.New("bench: no charges to seed")
	}
	c := Config{DataDir: dir, Database: bc.Database, TokenLifetime: time.Hour, LogFormat: "text", LogLevel: "error"}
	mg, err := openManaged(ctx, c)
	if err != nil {
		return err
	}
	defer mg.close()
	return seedDatabase(ctx, mg, seedPlan{Accounts: 0, Netflix: max(n/10, 1), Charges: n, Unacknowledged: n}, bc.progress)
}
