package service_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/storetest"
)

// hookEnv is the services over a real store, a manual clock and a queue
// that only records jobs, so that a test decides when each one runs.
type hookEnv struct {
	t     testing.TB
	Store crmapi.Store
	Svc   *service.Services
	Clock *crmapi.ManualClock
	Queue *recordingQueue
	ACME  storetest.Tenant
}

// start is the manual clock's starting time.
var start = time.Date(2026, 4, 4, 10, 0, 0, 0, time.UTC)

func mustHookEnv(tb testing.TB, store crmapi.Store, cfg ...service.WebhookConfig) *hookEnv {
	tb.Helper()
	e := &hookEnv{t: tb, Store: store, Clock: crmapi.NewManualClock(start), Queue: &recordingQueue{}}
	var wc service.WebhookConfig
	if len(cfg) > 0 {
		wc = cfg[0]
	}
	svc, err := service.New(service.Config{Store: store, Clock: e.Clock, SigningKey: []byte("0123456789abcdef0123456789abcdef"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Webhooks: wc})
	if err != nil {
		tb.Fatal(err)
	}
	svc.UseQueue(e.Queue)
	e.Svc = svc
	e.ACME = storetest.MustTenant(tb, store, "ACME")
	return e
}

// emit records an event in a transaction of its own, as a service would
// beside its change, and dispatches it after the commit.
func (e *hookEnv) emit(org storetest.Tenant, typ crmapi.EventType, data any) crmapi.Event {
	e.t.Helper()
	ev := e.emitOnly(org, typ, data)
	e.Svc.Events.Dispatch(context.Background(), ev)
	return ev
}

// emitOnly is emit whose job insert is lost (no Dispatch).
func (e *hookEnv) emitOnly(org storetest.Tenant, typ crmapi.EventType, data any) crmapi.Event {
	e.t.Helper()
	var ev crmapi.Event
	err := e.Store.Update(context.Background(), func(tx crmapi.Tx) error {
		// As services do: the change, and its event, on the organisation's clock.
		o, err := tx.OrganisationByID(org.Org.ID)
		if err != nil {
			return err
		}
		ev, err = e.Svc.Events.Emit(tx, o.ID, typ, data, o.Now(e.Clock))
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// endpoint creates an endpoint of org posting to url.
func (e *hookEnv) endpoint(org storetest.Tenant, url string, types ...string) crmapi.WebhookEndpoint {
	e.t.Helper()
	ep, err := e.Svc.Webhooks.CreateEndpoint(context.Background(), org.Org.ID, service.NewEndpoint{URL: url, EventTypes: types})
	if err != nil {
		e.t.Fatal(err)
	}
	return ep
}

// work runs every queued delivery job, including those the runs queue.
func (e *hookEnv) work() int {
	e.t.Helper()
	n := 0
	for _, j := range e.Queue.take() {
		if _, err := e.Svc.Webhooks.Deliver(context.Background(), j); err != nil {
			e.t.Fatalf("deliver %+v: %v", j, err)
		}
		n++
	}
	return n
}

// sweep runs the periodic sweep, then the jobs it queued.
func (e *hookEnv) sweep() int {
	e.t.Helper()
	if _, err := e.Svc.Webhooks.Sweep(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return e.work()
}

func (e *hookEnv) delivery(org storetest.Tenant, id string) crmapi.WebhookDelivery {
	e.t.Helper()
	var d crmapi.WebhookDelivery
	err := e.Store.View(context.Background(), func(tx crmapi.Tx) error {
		var err error
		d, err = tx.WebhookDeliveryByID(org.Org.ID, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// deliveries lists org's deliveries of an event.
func (e *hookEnv) deliveries(org storetest.Tenant, eventID string) []crmapi.WebhookDelivery {
	e.t.Helper()
	ds, _, err := e.Svc.Webhooks.Deliveries(context.Background(), org.Org.ID, service.DeliveryQuery{EventID: eventID, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return ds
}

// recordingQueue is a job queue that keeps delivery jobs until taken.
type recordingQueue struct {
	mu   sync.Mutex
	jobs []service.DeliverWebhookArgs
}

func (q *recordingQueue) Insert(_ context.Context, args river.JobArgs, _ *river.InsertOpts) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if a, ok := args.(service.DeliverWebhookArgs); ok {
		q.jobs = append(q.jobs, a)
	}
	return nil
}

func (q *recordingQueue) take() []service.DeliverWebhookArgs {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.jobs
	q.jobs = nil
	return out
}

// receiver is a webhook receiver on 127.0.0.1 that answers with scripted
// statuses (the last one repeats) and keeps what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      []received
}

type received struct {
	Header http.Header
	Body   []byte
	At     time.Time
}

func mustReceiver(tb testing.TB, statuses ...int) *receiver {
	tb.Helper()
	if len(statuses) == 0 {
		statuses = []int{http.StatusOK}
	}
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Header: req.Header.Clone(), Body: body, At: time.Now()})
		status := r.statuses[min(len(r.got), len(r.statuses))-1]
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	tb.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}
