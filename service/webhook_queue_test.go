package service_test

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/client"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
)

// waitFor polls cond (job workers run on their own goroutines) until it
// holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// On the real job queue: an event whose job insert was lost (committed,
// never dispatched) is delivered once the sweep runs; sweeping twice does
// not send it twice; a retry is queued by the sweep once it is due.
func TestWebhookSweepRecoversLostInsert(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		store := open(t)
		e := mustHookEnv(t, store)
		ctx := context.Background()
		workers := river.NewWorkers()
		e.Svc.Jobs(workers)
		q, err := jobs.Open(ctx, store, jobs.Config{Workers: workers, PollInterval: 50 * time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		e.Svc.UseQueue(q)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })

		rcv := mustReceiver(t, 500, 200)
		ep := e.endpoint(e.ACME, rcv.URL)
		ev := e.emitOnly(e.ACME, crmapi.EventNetflixChargeReceived, map[string]string{"number": "C1"})
		if d := e.deliveries(e.ACME, ev.ID); len(d) != 1 || d[0].Attempts != 0 {
			t.Fatalf("before the sweep: %+v", d)
		}
		if n, err := e.Svc.Webhooks.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("Sweep = %d, %v", n, err)
		}
		// A second sweep queues the attempt again unless its job has run
		// already; either way the attempt is made once.
		if n, err := e.Svc.Webhooks.Sweep(ctx); err != nil || n > 1 {
			t.Fatalf("second Sweep = %d, %v", n, err)
		}
		waitFor(t, "the first attempt", func() bool { return e.deliveries(e.ACME, ev.ID)[0].Attempts == 1 && len(rcv.requests()) == 1 })
		d := e.deliveries(e.ACME, ev.ID)[0]
		waitFor(t, "the attempt's outcome", func() bool { d = e.delivery(e.ACME, d.ID); return d.LastStatus == 500 })
		e.Clock.Advance(time.Minute)
		if n, err := e.Svc.Webhooks.Sweep(ctx); err != nil || n != 1 {
			t.Fatalf("retry sweep = %d, %v", n, err)
		}
		waitFor(t, "delivery", func() bool { return e.delivery(e.ACME, d.ID).State == crmapi.DeliveryDelivered })
		d = e.delivery(e.ACME, d.ID)
		got := rcv.requests()
		if d.Attempts != 2 || len(got) != 2 {
			t.Fatalf("delivered after %d attempts and %d requests, want 2", d.Attempts, len(got))
		}
		if err := client.VerifyWebhook(ep.Secret, got[1].Header.Get(client.SignatureHeader), got[1].Body, time.Now(), client.DefaultWebhookTolerance); err != nil {
			t.Fatal(err)
		}
		// Dispatch after commit queues the first attempt with no sweep.
		ev2 := e.emit(e.ACME, crmapi.EventNetflixChargeProcessed, map[string]string{"number": "C1"})
		waitFor(t, "a dispatched event", func() bool { return e.deliveries(e.ACME, ev2.ID)[0].State == crmapi.DeliveryDelivered })
	})
}

var seedFlag = flag.Uint64("seed", 0, "seed of the randomised webhook test (0: from the time)")

// randomReceiver answers each request with a random status from the test's seed.
type randomReceiver struct {
	*httptest.Server
	mu  sync.Mutex
	rng *rand.Rand
	got []answered
}

type answered struct {
	received
	Status int
}

func newRandomReceiver(t *testing.T, rng *rand.Rand) *randomReceiver {
	r := &randomReceiver{rng: rng}
	statuses := []int{200, 201, 204, 500, 502, 503, 404, 410, 429}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status := statuses[r.rng.IntN(len(statuses))]
		r.got = append(r.got, answered{received{Header: req.Header.Clone(), Body: body, At: time.Now()}, status})
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

// Random answers and random jumps of the clock: every delivery ends
// DELIVERED or FAILED, each attempt is one signed request, nothing is sent
// after a 2xx, FAILED comes only after the window, and only subscribed
// endpoints get an event.
func TestWebhookRandomOutcomes(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("reproduce with: go test ./service -run TestWebhookRandomOutcomes -seed %d", seed)
		}
	})
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	e := mustHookEnv(t, testdb.SQLite(t))
	type target struct {
		ep  crmapi.WebhookEndpoint
		rcv *randomReceiver
	}
	var targets []target
	for range 3 {
		rcv := newRandomReceiver(t, rand.New(rand.NewPCG(rng.Uint64(), rng.Uint64())))
		var types []string
		for _, ty := range crmapi.EventTypes {
			if rng.IntN(2) == 0 {
				types = append(types, string(ty))
			}
		}
		if len(types) == 0 {
			types = nil // every type
		}
		targets = append(targets, target{e.endpoint(e.ACME, rcv.URL, types...), rcv})
	}
	var events []crmapi.Event
	for i := range 12 {
		ty := crmapi.EventTypes[rng.IntN(len(crmapi.EventTypes))]
		events = append(events, e.emit(e.ACME, ty, map[string]int{"n": i}))
		e.Clock.Advance(time.Duration(rng.IntN(600)) * time.Second)
	}
	e.work()
	for e.Clock.Now().Before(start.Add(80 * time.Hour)) {
		e.Clock.Advance(time.Duration(rng.IntN(3*3600)) * time.Second)
		e.sweep()
	}
	e.Clock.Advance(time.Hour)
	e.sweep()

	for _, ev := range events {
		ds := e.deliveries(e.ACME, ev.ID)
		for _, tg := range targets {
			var mine []crmapi.WebhookDelivery
			for _, d := range ds {
				if d.EndpointID == tg.ep.ID {
					mine = append(mine, d)
				}
			}
			if want := tg.ep.Subscribes(ev.Type); want != (len(mine) == 1) || len(mine) > 1 {
				t.Fatalf("event %s (%s) has %d deliveries to an endpoint subscribed to %v", ev.ID, ev.Type, len(mine), tg.ep.EventTypes)
			}
			if len(mine) == 0 {
				continue
			}
			d := mine[0]
			var reqs []answered
			for _, r := range tg.rcv.got {
				if r.Header.Get(client.DeliveryIDHeader) == d.ID {
					reqs = append(reqs, r)
				}
			}
			if len(reqs) != d.Attempts || d.Attempts == 0 {
				t.Fatalf("delivery %+v: %d attempts, %d requests", d, d.Attempts, len(reqs))
			}
			for _, r := range reqs {
				if err := client.VerifyWebhook(tg.ep.Secret, r.Header.Get(client.SignatureHeader), r.Body, r.At, time.Minute); err != nil ||
					r.Header.Get(client.EventIDHeader) != ev.ID {
					t.Fatalf("request for %s: %v", ev.ID, err)
				}
			}
			ok := func(r answered) bool { return r.Status >= 200 && r.Status < 300 }
			last := reqs[len(reqs)-1]
			switch d.State {
			case crmapi.DeliveryDelivered:
				if !ok(last) || slices.ContainsFunc(reqs[:len(reqs)-1], ok) || d.LastStatus != last.Status {
					t.Fatalf("DELIVERED %+v but answers were %v", d, statuses(reqs))
				}
			case crmapi.DeliveryFailed:
				if slices.ContainsFunc(reqs, ok) || d.LastAttemptAt.Before(d.CreatedAt.Add(72*time.Hour)) {
					t.Fatalf("FAILED %+v, answers %v", d, statuses(reqs))
				}
			default:
				t.Fatalf("delivery still %s after 81 h: %+v", d.State, d)
			}
		}
	}
}

func statuses(rs []answered) []int {
	out := make([]int, len(rs))
	for i, r := range rs {
		out[i] = r.Status
	}
	return out
}
