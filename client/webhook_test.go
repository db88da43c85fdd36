package client

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/jobs"
	"github.com/crmapi/crmapi/service"
)

// The vector was computed with openssl, as docs/webhooks.md shows:
//
//	printf '%s' '1775296800.{"id":"E1","type":"netflix.charge.received"}' | openssl dgst -sha256 -hmac whsec_test
const (
	vectorSecret = "whsec_test"
	vectorBody   = `{"id":"E1","type":"netflix.charge.received"}`
	vectorSig    = "bb654eef843cfbd4f2d7dc96caaf4827aa3889f5fa847dd02aeb4e37f74176c3"
)

var vectorTime = time.Unix(1775296800, 0)

func TestVerifyWebhook(t *testing.T) {
	header := "t=1775296800,v1=" + vectorSig
	if got := service.SignWebhook(vectorSecret, vectorTime, []byte(vectorBody)); got != header {
		t.Fatalf("server signs %q, openssl says %q", got, header)
	}
	body := []byte(vectorBody)
	for _, c := range []struct {
		name   string
		header string
		body   string
		now    time.Time
		tol    time.Duration
		want   error
	}{
		{"genuine", header, vectorBody, vectorTime.Add(4 * time.Minute), DefaultWebhookTolerance, nil},
		{"spaces and a second signature", "t=1775296800, v1=00ff, v1=" + vectorSig, vectorBody, vectorTime, time.Minute, nil},
		{"no time check", header, vectorBody, vectorTime.Add(48 * time.Hour), 0, nil},
		{"replayed late", header, vectorBody, vectorTime.Add(6 * time.Minute), DefaultWebhookTolerance, ErrWebhookTimestamp},
		{"from the future", header, vectorBody, vectorTime.Add(-6 * time.Minute), DefaultWebhookTolerance, ErrWebhookTimestamp},
		{"body changed", header, vectorBody + " ", vectorTime, time.Minute, ErrWebhookSignature},
		{"time changed", "t=1775296801,v1=" + vectorSig, vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
		{"no time", "v1=" + vectorSig, vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
		{"no signature", "t=1775296800", vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
		{"time twice", "t=1,t=1775296800,v1=" + vectorSig, vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
		{"not hex", "t=1775296800,v1=zz", vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
		{"empty", "", vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
		{"garbage", "sha256=" + vectorSig, vectorBody, vectorTime, time.Minute, ErrWebhookSignature},
	} {
		err := VerifyWebhook(vectorSecret, c.header, []byte(c.body), c.now, c.tol)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if err := VerifyWebhook("whsec_other", header, body, vectorTime, time.Minute); !errors.Is(err, ErrWebhookSignature) {
		t.Errorf("other secret: %v", err)
	}
	ev, err := ParseWebhook(vectorSecret, header, body, vectorTime)
	if err != nil || ev.ID != "E1" || ev.Type != "netflix.charge.received" {
		t.Errorf("ParseWebhook = %+v, %v", ev, err)
	}
}

// hookServer is a real server with a real job queue on SQLite.
type hookServer struct {
	URL   string
	Store crmapi.Store
	Svc   *service.Services
	Org   crmapi.Organisation
}

func startHookServer(t *testing.T) hookServer {
	t.Helper()
	store := testdb.SQLite(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, SigningKey: []byte("0123456789abcdef0123456789abcdef"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "ACME", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	workers := river.NewWorkers()
	svc.Jobs(workers)
	q, err := jobs.Open(context.Background(), store, jobs.Config{Workers: workers, PollInterval: 50 * time.Millisecond, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc.UseQueue(q)
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
	srv := httptest.NewServer(httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log}))
	t.Cleanup(srv.Close)
	return hookServer{URL: srv.URL, Store: store, Svc: svc, Org: res.Organisation}
}

// emit records an event as a service does: in its transaction, then Dispatch.
func (h hookServer) emit(t *testing.T, typ crmapi.EventType, data any) crmapi.Event {
	t.Helper()
	var ev crmapi.Event
	err := h.Store.Update(context.Background(), func(tx crmapi.Tx) error {
		var err error
		ev, err = h.Svc.Events.Emit(tx, h.Org.ID, typ, data, crmapi.SystemClock{}.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	h.Svc.Events.Dispatch(context.Background(), ev)
	return ev
}

// The SDK sets up an endpoint; a local receiver gets a signed event and
// verifies it with VerifyWebhook; the SDK lists, shows, redelivers and
// manages what happened.
func TestWebhooksThroughTheSDK(t *testing.T) {
	h := startHookServer(t)
	ctx := context.Background()
	c := New(h.URL)
	if err := c.Login(ctx, Credentials{Username: "admin", Password: password, Organisation: "ACME"}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got []WebhookEvent
	var secret string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		ev, err := ParseWebhook(secret, r.Header.Get(SignatureHeader), body, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		got = append(got, ev)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(receiver.Close)
	ep, err := c.CreateWebhookEndpoint(ctx, receiver.URL+"/crmapi", []string{"usage_authorisation.created"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = ep.Secret
	mu.Unlock()

	ev := h.emit(t, crmapi.EventUsageAuthorisationCreated, map[string]string{"id": "A1", "life_cycle_state": "BLOCKED"})
	h.emit(t, crmapi.EventNetflixChargeReceived, map[string]string{"number": "C1"}) // not subscribed
	received := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
	waitUntil(t, func() bool { return received() == 1 })
	mu.Lock()
	if got[0].ID != ev.ID || got[0].Type != "usage_authorisation.created" || got[0].Sequence != 1 {
		t.Errorf("received %+v", got[0])
	}
	mu.Unlock()

	page, err := c.Events(ctx, EventQuery{NumberOfResults: 1})
	if err != nil || len(page.Events) != 1 || !page.HasMore || page.Events[0].ID != ev.ID {
		t.Fatalf("Events = %+v, %v", page, err)
	}
	page, err = c.Events(ctx, EventQuery{Cursor: page.NextCursor})
	if err != nil || len(page.Events) != 1 || page.HasMore || page.Events[0].Type != "netflix.charge.received" {
		t.Fatalf("Events from the cursor = %+v, %v", page, err)
	}
	one, err := c.Event(ctx, ev.ID)
	if err != nil || one.Sequence != 1 || string(one.Data) != `{"id":"A1","life_cycle_state":"BLOCKED"}` {
		t.Fatalf("Event = %+v (%s), %v", one, one.Data, err)
	}
	ds, err := c.RedeliverEvent(ctx, ev.ID, "")
	if err != nil || len(ds) != 1 || ds[0].EndpointID != ep.ID {
		t.Fatalf("RedeliverEvent = %+v, %v", ds, err)
	}
	waitUntil(t, func() bool { return received() == 2 })
	deliveries, err := c.WebhookDeliveries(ctx, DeliveryQuery{EventID: ev.ID})
	if err != nil || deliveries.Total != 2 {
		t.Fatalf("WebhookDeliveries = %+v, %v", deliveries, err)
	}
	waitUntil(t, func() bool {
		d, _ := c.WebhookDeliveries(ctx, DeliveryQuery{State: "DELIVERED"})
		return d.Total == 2
	})

	off := false
	changed, err := c.UpdateWebhookEndpoint(ctx, WebhookEndpointChange{ID: ep.ID, Enabled: &off, RotateSecret: true})
	if err != nil || changed.Enabled || changed.Secret == "" || changed.Secret == ep.Secret {
		t.Fatalf("UpdateWebhookEndpoint = %+v, %v", changed, err)
	}
	if _, err := c.RedeliverEvent(ctx, ev.ID, ep.ID); !IsCode(err, "INVALID_LIFE_CYCLE_STATE") {
		t.Fatalf("redeliver to a disabled endpoint: %v", err)
	}
	eps, err := c.WebhookEndpoints(ctx)
	if err != nil || len(eps) != 1 || eps[0].Secret != "" || eps[0].Enabled {
		t.Fatalf("WebhookEndpoints = %+v, %v", eps, err)
	}
	if err := c.DeleteWebhookEndpoint(ctx, ep.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteWebhookEndpoint(ctx, ep.ID); !IsCode(err, "NOT_FOUND") {
		t.Fatalf("second delete: %v", err)
	}
}

func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
