package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/storetest"
)

// seedCharges stores count APPROVED charges spread over subs customers of
// org, straight through the store, and returns their numbers.
func seedCharges(tb testing.TB, store crmapi.Store, org crmapi.Organisation, prefix string, subs, count int) map[string]string {
	tb.Helper()
	ctx := context.Background()
	tenant := storetest.Tenant{Org: org}
	var all []crmapi.NetflixSubscription
	for i := range subs {
		all = append(all, storetest.MustNetflixSubscription(tb, store, tenant, fmt.Sprintf("%s-%03d", prefix, i),
			fmt.Sprintf("%s-pai-%03d", prefix, i)))
	}
	numbers := map[string]string{}
	for done := 0; done < count; {
		err := store.Update(ctx, func(tx crmapi.Tx) error {
			for i := 0; i < 500 && done+i < count; i++ {
				n, err := tx.NextNumber(org.ID, "NC")
				if err != nil {
					return err
				}
				c := storetest.NewNetflixCharge(all[(done+i)%len(all)], n, crmapi.ChargeApproved)
				if err := tx.CreateNetflixCharge(c); err != nil {
					return err
				}
				numbers[c.Number] = c.CustomerID
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		done = len(numbers)
	}
	return numbers
}

// wire is a minimal client for concurrent use: no test failures from goroutines.
type wire struct {
	base, token string
	hc          *http.Client
}

type listAnswer struct {
	Charges []struct {
		Number   string `json:"number"`
		Customer string `json:"billing_system_customer_identifier"`
	} `json:"charges_set"`
	NextCursor string `json:"next_cursor"`
}

type ackAnswer struct {
	Failed []struct {
		Number string `json:"number"`
		Ref    string `json:"reference_number"`
		Code   string `json:"error_code"`
	} `json:"failed_charges_set"`
}

func (w *wire) call(method, path string, query url.Values, body map[string]any, out any) error {
	var req *http.Request
	if method == "GET" {
		query.Set("token", w.token)
		req, _ = http.NewRequest("GET", w.base+httpapi.Prefix+path+"?"+query.Encode(), nil)
	} else {
		body["token"] = w.token
		b, _ := json.Marshal(body)
		req, _ = http.NewRequest("POST", w.base+httpapi.Prefix+path, bytes.NewReader(b))
	}
	resp, err := w.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var env struct {
		Data   json.RawMessage
		Status httpapi.Status
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return err
	}
	if env.Status.Code != "OK" {
		return fmt.Errorf("%s: %s %s", path, env.Status.Code, env.Status.Description)
	}
	return json.Unmarshal(env.Data, out)
}

func (w *wire) list(cursor string) (listAnswer, error) {
	q := url.Values{"number_of_results": {"50"}, "charge_status": {"PROCESSED"}, "offset": {"0"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var a listAnswer
	return a, w.call("GET", "netflix/charges/list", q, nil, &a)
}

func (w *wire) acknowledge(items []any) (ackAnswer, error) {
	var a ackAnswer
	return a, w.call("POST", "netflix/charges/acknowledge", nil, map[string]any{"acknowledged_charges_set": items}, &a)
}

// ackLedger is what the clients saw: when each list started and what it
// returned, and each acknowledgement that was answered as applied.
type ackLedger struct {
	mu      sync.Mutex
	lists   []listSeen
	done    map[string]time.Time       // first acknowledgement answered
	refs    map[string]map[string]bool // references answered as applied, per charge
	retries int
	crashes int
	lost    int // acknowledgements refused with another code than expected
	codes   map[string]int
}

type listSeen struct {
	start   time.Time
	numbers []string
}

// M3 and S1 of docs/reliability: 8 operator clients list and acknowledge
// 10,000 charges concurrently, with repeated requests and clients that
// "crash" between listing and acknowledging: no charge is lost, none is
// acknowledged twice, none is listed after its acknowledgement was
// answered; another organisation sees none of them and can acknowledge none.
func TestNetflixChargesAcknowledgedExactlyOnce(t *testing.T) {
	total := 10000
	if testing.Short() || raceEnabled {
		total = 1000 // the full load runs without -race
	}
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		seed := uint64(time.Now().UnixNano())
		if s := os.Getenv("CRMAPI_TEST_SEED"); s != "" {
			seed, _ = strconv.ParseUint(s, 10, 64)
		}
		t.Logf("seed %d (replay with CRMAPI_TEST_SEED=%d)", seed, seed)
		e := mustEnvOn(t, open(t))
		charges := seedCharges(t, e.Store, e.Org, "acme", 100, total)
		res, err := e.Svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "Globex", Username: "admin", Password: testPassword})
		if err != nil {
			t.Fatal(err)
		}
		globexCharges := seedCharges(t, e.Store, res.Organisation, "globex", 2, 20)
		globex := &wire{base: e.URL, token: e.login("admin", testPassword, "Globex"), hc: &http.Client{}}

		start := time.Now()
		led := &ackLedger{done: map[string]time.Time{}, refs: map[string]map[string]bool{}, codes: map[string]int{}}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			w := &wire{base: e.URL, token: e.Token, hc: &http.Client{}}
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			wg.Go(func() {
				if err := ackClient(i, w, rng, led); err != nil {
					errs <- fmt.Errorf("client %d: %w", i, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		elapsed := time.Since(start)

		// Judge: the clients' view, then the store's.
		var doubled, listedAfter, foreign int
		for number, refs := range led.refs {
			if len(refs) > 1 {
				doubled++
			}
			if _, ok := charges[number]; !ok {
				foreign++
			}
		}
		for _, l := range led.lists {
			for _, number := range l.numbers {
				if at, ok := led.done[number]; ok && at.Before(l.start) {
					listedAfter++
				}
				if _, ok := charges[number]; !ok {
					foreign++
				}
			}
		}
		lost := 0
		e.Store.View(context.Background(), func(tx crmapi.Tx) error {
			for number := range charges {
				c, err := tx.NetflixChargeByNumber(e.Org.ID, number)
				if err != nil || c.ProcessedAckAt == nil || !led.refs[number][c.ProcessedAckRef] {
					lost++
				}
			}
			return nil
		})
		t.Logf("%s: %d charges acknowledged by 8 clients in %s (%d lists, %d retried batches, %d crashes before acknowledging; "+
			"answers %v): %d lost, %d acknowledged twice, %d listed after acknowledgement, %d foreign",
			e.Store.Engine(), len(charges), elapsed.Round(time.Millisecond), len(led.lists), led.retries, led.crashes, led.codes,
			lost, doubled, listedAfter, foreign)
		if lost != 0 || doubled != 0 || listedAfter != 0 || foreign != 0 || len(led.done) != len(charges) {
			t.Fatalf("exactly-once broken: %d lost, %d doubled, %d listed after acknowledgement, %d foreign, %d of %d acknowledged",
				lost, doubled, listedAfter, foreign, len(led.done), len(charges))
		}
		if led.lost != 0 {
			t.Fatalf("%d acknowledgements refused with an unexpected code: %v", led.lost, led.codes)
		}

		// The other organisation sees only its own, and reaches none of ACME's.
		page, err := globex.list("")
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Charges) != len(globexCharges) {
			t.Fatalf("Globex lists %d charges, has %d", len(page.Charges), len(globexCharges))
		}
		for _, c := range page.Charges {
			if globexCharges[c.Number] != c.Customer {
				t.Fatalf("Globex sees a charge not its own: %+v", c)
			}
		}
		var probe []any
		for number, cust := range charges {
			if len(probe) < 50 {
				if _, shared := globexCharges[number]; !shared {
					probe = append(probe, item(number, cust, ""))
				}
			}
		}
		ack, err := globex.acknowledge(probe)
		if err != nil {
			t.Fatal(err)
		}
		if len(ack.Failed) != len(probe) {
			t.Fatalf("Globex acknowledged ACME's charges: %d of %d failed", len(ack.Failed), len(probe))
		}
		for _, f := range ack.Failed {
			if f.Code != string(crmapi.NotFound) {
				t.Fatalf("Globex acknowledging ACME's charge: %+v", f)
			}
		}
	})
}

// ackClient lists and acknowledges until nothing is left. Odd clients page
// with the cursor, even ones always read from offset 0; some batches are
// sent twice (a retry after a lost answer) and some listed pages are never
// acknowledged (a crash).
func ackClient(i int, w *wire, rng *rand.Rand, led *ackLedger) error {
	cursor := ""
	useCursor := i%2 == 1
	for round := 0; round < 5000; round++ {
		start := time.Now()
		page, err := w.list(cursor)
		if err != nil {
			return err
		}
		seen := listSeen{start: start}
		for _, c := range page.Charges {
			seen.numbers = append(seen.numbers, c.Number)
		}
		led.mu.Lock()
		led.lists = append(led.lists, seen)
		led.mu.Unlock()
		if len(page.Charges) == 0 {
			if useCursor && cursor != "" {
				cursor = ""
				continue
			}
			return nil
		}
		if useCursor {
			cursor = page.NextCursor
		}
		if rng.IntN(10) == 0 {
			led.mu.Lock()
			led.crashes++
			led.mu.Unlock()
			continue
		}
		var items []any
		for _, c := range page.Charges {
			items = append(items, item(c.Number, c.Customer, fmt.Sprintf("c%d-%s", i, c.Number)))
		}
		sends := 1
		if rng.IntN(5) == 0 {
			sends = 2
		}
		for s := 0; s < sends; s++ {
			ack, err := w.acknowledge(items)
			if err != nil {
				return err
			}
			answered := time.Now()
			failed := map[string]string{}
			for _, f := range ack.Failed {
				failed[f.Number] = f.Code
			}
			led.mu.Lock()
			if s > 0 {
				led.retries++
			}
			for _, it := range items {
				number := it.(map[string]any)["number"].(string)
				ref := it.(map[string]any)["reference_number"].(string)
				if code, bad := failed[number]; bad {
					led.codes[code]++
					if code != string(crmapi.AlreadyAcknowledged) || led.refs[number][ref] {
						led.lost++ // a retry of an applied acknowledgement must be a no-op
					}
					continue
				}
				led.codes["OK"]++
				if led.refs[number] == nil {
					led.refs[number] = map[string]bool{}
				}
				led.refs[number][ref] = true
				if _, ok := led.done[number]; !ok {
					led.done[number] = answered
				}
			}
			led.mu.Unlock()
		}
	}
	return fmt.Errorf("still listing charges after 5000 rounds")
}
