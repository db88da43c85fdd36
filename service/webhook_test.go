package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/client"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/storetest"
)

type authorisation struct {
	ID     string `json:"id"`
	State  string `json:"life_cycle_state"`
	Amount string `json:"authorisation_amount"`
}

// A real receiver on 127.0.0.1 gets the event signed, and the SDK's
// VerifyWebhook accepts it; a changed body or another secret is refused.
func TestWebhookSignedDelivery(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		rcv := mustReceiver(t, http.StatusNoContent)
		ep := e.endpoint(e.ACME, rcv.URL+"/hooks/crm?source=crmapi")
		if !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.Secret) != 6+64 {
			t.Fatalf("secret %q", ep.Secret)
		}
		ev := e.emit(e.ACME, crmapi.EventUsageAuthorisationCreated, authorisation{ID: "A1", State: "BLOCKED", Amount: "50"})
		if ev.Sequence != 1 {
			t.Fatalf("sequence %d", ev.Sequence)
		}
		if n := e.work(); n != 1 {
			t.Fatalf("%d jobs ran, want 1", n)
		}
		got := rcv.requests()
		if len(got) != 1 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		r := got[0]
		sig := r.Header.Get(client.SignatureHeader)
		if err := client.VerifyWebhook(ep.Secret, sig, r.Body, time.Now(), client.DefaultWebhookTolerance); err != nil {
			t.Fatalf("VerifyWebhook(%q): %v", sig, err)
		}
		if r.Header.Get(client.EventIDHeader) != ev.ID || r.Header.Get(client.EventTypeHeader) != string(ev.Type) ||
			r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", r.Header)
		}
		parsed, err := client.ParseWebhook(ep.Secret, sig, r.Body, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var data authorisation
		json.Unmarshal(parsed.Data, &data)
		if parsed.ID != ev.ID || parsed.Type != "usage_authorisation.created" || parsed.Sequence != 1 ||
			parsed.CreatedDate != "2026-04-04T10:00:00" || data != (authorisation{"A1", "BLOCKED", "50"}) {
			t.Errorf("body %s", r.Body)
		}
		if string(r.Body) != string(service.EventJSON(ev, time.UTC)) {
			t.Errorf("body %s differs from the event as the API shows it", r.Body)
		}
		tampered := []byte(strings.Replace(string(r.Body), `"50"`, `"5000"`, 1))
		if err := client.VerifyWebhook(ep.Secret, sig, tampered, time.Now(), client.DefaultWebhookTolerance); !errors.Is(err, client.ErrWebhookSignature) {
			t.Errorf("tampered body: %v", err)
		}
		if err := client.VerifyWebhook("whsec_other", sig, r.Body, time.Now(), client.DefaultWebhookTolerance); !errors.Is(err, client.ErrWebhookSignature) {
			t.Errorf("other secret: %v", err)
		}
		// A genuine delivery replayed later than the tolerance is refused.
		if err := client.VerifyWebhook(ep.Secret, sig, r.Body, time.Now().Add(6*time.Minute), client.DefaultWebhookTolerance); !errors.Is(err, client.ErrWebhookTimestamp) {
			t.Errorf("replay after 6 minutes: %v", err)
		}
		d := e.deliveries(e.ACME, ev.ID)
		if len(d) != 1 || d[0].State != crmapi.DeliveryDelivered || d[0].Attempts != 1 || d[0].LastStatus != 204 ||
			d[0].DeliveredAt == nil || !d[0].DeliveredAt.Equal(start) || r.Header.Get(client.DeliveryIDHeader) != d[0].ID {
			t.Errorf("delivery %+v", d)
		}
		// Nothing is left to do.
		e.Clock.Advance(time.Hour)
		if n := e.sweep(); n != 0 || len(rcv.requests()) != 1 {
			t.Errorf("sweep after delivery ran %d jobs", n)
		}
	})
}

// A receiver failing twice is retried after 1 and 2 minutes by the Clock,
// and the third attempt delivers.
func TestWebhookRetriesWithBackoff(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		rcv := mustReceiver(t, 500, 500, 200)
		ep := e.endpoint(e.ACME, rcv.URL)
		ev := e.emit(e.ACME, crmapi.EventNetflixChargeReceived, map[string]string{"number": "C1"})
		e.work()
		d := e.deliveries(e.ACME, ev.ID)[0]
		if d.State != crmapi.DeliveryPending || d.Attempts != 1 || d.LastStatus != 500 || d.LastError != "HTTP 500 Internal Server Error" ||
			!d.NextAttemptAt.Equal(start.Add(time.Minute)) {
			t.Fatalf("after the first failure: %+v", d)
		}
		e.Clock.Advance(59 * time.Second)
		if n := e.sweep(); n != 0 {
			t.Fatalf("retried %d before its time", n)
		}
		e.Clock.Advance(time.Second)
		if n := e.sweep(); n != 1 {
			t.Fatalf("retry at 1 min: %d jobs", n)
		}
		d = e.delivery(e.ACME, d.ID)
		if d.Attempts != 2 || !d.NextAttemptAt.Equal(start.Add(3*time.Minute)) {
			t.Fatalf("after the second failure: %+v", d)
		}
		e.Clock.Advance(2 * time.Minute)
		e.sweep()
		d = e.delivery(e.ACME, d.ID)
		if d.State != crmapi.DeliveryDelivered || d.Attempts != 3 || d.LastStatus != 200 || d.LastError != "" {
			t.Fatalf("after the third attempt: %+v", d)
		}
		got := rcv.requests()
		if len(got) != 3 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		for _, r := range got {
			if r.Header.Get(client.EventIDHeader) != ev.ID || string(r.Body) != string(got[0].Body) {
				t.Errorf("a retry differs: %v %s", r.Header, r.Body)
			}
			if err := client.VerifyWebhook(ep.Secret, r.Header.Get(client.SignatureHeader), r.Body, time.Now(), time.Minute); err != nil {
				t.Errorf("retry signature: %v", err)
			}
		}
	})
}

func TestWebhookBackoffSchedule(t *testing.T) {
	e := mustHookEnv(t, testdb.SQLite(t))
	want := []time.Duration{time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 32 * time.Minute,
		64 * time.Minute, 128 * time.Minute, 256 * time.Minute, 6 * time.Hour, 6 * time.Hour}
	for i, w := range want {
		if got := e.Svc.Webhooks.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %s, want %s", i+1, got, w)
		}
	}
	if got := e.Svc.Webhooks.Backoff(500); got != 6*time.Hour {
		t.Errorf("Backoff(500) = %s", got)
	}
}

// A receiver that never answers 2xx is retried on the schedule until 72 h
// after the event, the last attempt falling on the 72nd hour, then the
// delivery is FAILED, shown in the lists and counted on its endpoint.
func TestWebhookFailsAfterWindow(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		rcv := mustReceiver(t, http.StatusServiceUnavailable)
		ep := e.endpoint(e.ACME, rcv.URL)
		ev := e.emit(e.ACME, crmapi.EventUsageAuthorisationExpired, map[string]string{"id": "A1"})
		e.work()
		var times []time.Time
		d := e.deliveries(e.ACME, ev.ID)[0]
		times = append(times, *d.LastAttemptAt)
		for d.State == crmapi.DeliveryPending {
			if len(times) > 100 {
				t.Fatal("still PENDING after 100 attempts")
			}
			e.Clock.Advance(d.NextAttemptAt.Sub(e.Clock.Now()))
			if n := e.sweep(); n != 1 {
				t.Fatalf("sweep at %s ran %d jobs", e.Clock.Now(), n)
			}
			d = e.delivery(e.ACME, d.ID)
			times = append(times, *d.LastAttemptAt)
		}
		// 1, 2, 4 … 256 minutes (8 h 31 min in all), then every 6 h: 20
		// attempts by 68 h 31 min, and the 21st at 72 h.
		if d.State != crmapi.DeliveryFailed || d.Attempts != 21 || len(rcv.requests()) != 21 || d.LastStatus != 503 {
			t.Fatalf("final delivery %+v after %d requests", d, len(rcv.requests()))
		}
		if last := times[len(times)-1]; !last.Equal(start.Add(72 * time.Hour)) {
			t.Errorf("last attempt at %s, want 72 h after the event", last.Sub(start))
		}
		if got := times[9].Sub(start); got != 511*time.Minute {
			t.Errorf("10th attempt %s after the event, want 8h31m", got)
		}
		e.Clock.Advance(24 * time.Hour)
		if n := e.sweep(); n != 0 {
			t.Errorf("a FAILED delivery was tried again (%d)", n)
		}
		eps, _ := e.Svc.Webhooks.Endpoints(context.Background(), e.ACME.Org.ID)
		if len(eps) != 1 || eps[0].ID != ep.ID || eps[0].Failed != 1 || eps[0].Pending != 0 {
			t.Errorf("endpoint counts %+v", eps)
		}
		failed, total, _ := e.Svc.Webhooks.Deliveries(context.Background(), e.ACME.Org.ID, service.DeliveryQuery{State: "FAILED"})
		if total != 1 || failed[0].ID != d.ID {
			t.Errorf("FAILED list %+v", failed)
		}
	})
}

// An event emitted in a transaction that rolls back is never delivered,
// even if the caller wrongly dispatches it.
func TestWebhookRolledBackEventNeverDelivered(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		rcv := mustReceiver(t)
		e.endpoint(e.ACME, rcv.URL)
		boom := errors.New("the change failed")
		var ev crmapi.Event
		err := e.Store.Update(context.Background(), func(tx crmapi.Tx) error {
			var err error
			if ev, err = e.Svc.Events.Emit(tx, e.ACME.Org.ID, crmapi.EventUsageAuthorisationCreated, map[string]string{}, e.Clock.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		e.Svc.Events.Dispatch(context.Background(), ev)
		e.work()
		e.Clock.Advance(time.Hour)
		e.sweep()
		if n := len(rcv.requests()); n != 0 {
			t.Fatalf("receiver got %d requests for a rolled-back event", n)
		}
		if _, err := e.Svc.Events.Event(context.Background(), e.ACME.Org.ID, ev.ID); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Fatalf("rolled-back event: %v", err)
		}
		list, _, _ := e.Svc.Events.Events(context.Background(), e.ACME.Org.ID, service.EventQuery{})
		if len(list) != 0 {
			t.Fatalf("events list %+v", list)
		}
	})
}

// Redelivery makes new deliveries of the same event: the receiver sees the
// event id again, with a new delivery id.
func TestWebhookRedeliver(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		rcv := mustReceiver(t)
		ep := e.endpoint(e.ACME, rcv.URL, "usage_authorisation.created")
		other := mustReceiver(t)
		charges := e.endpoint(e.ACME, other.URL, "netflix.charge.received")
		ev := e.emit(e.ACME, crmapi.EventUsageAuthorisationCreated, map[string]string{"id": "A1"})
		e.work()
		ctx := context.Background()
		ds, err := e.Svc.Events.Redeliver(ctx, e.ACME.Org.ID, ev.ID, "")
		if err != nil || len(ds) != 1 || ds[0].EndpointID != ep.ID || ds[0].State != crmapi.DeliveryPending {
			t.Fatalf("Redeliver = %+v, %v", ds, err)
		}
		e.work()
		// To a named endpoint whatever it subscribes to.
		ds, err = e.Svc.Events.Redeliver(ctx, e.ACME.Org.ID, ev.ID, charges.ID)
		if err != nil || len(ds) != 1 || ds[0].EndpointID != charges.ID {
			t.Fatalf("Redeliver to an endpoint = %+v, %v", ds, err)
		}
		e.work()
		got := rcv.requests()
		if len(got) != 2 || got[0].Header.Get(client.EventIDHeader) != ev.ID || got[1].Header.Get(client.EventIDHeader) != ev.ID ||
			got[0].Header.Get(client.DeliveryIDHeader) == got[1].Header.Get(client.DeliveryIDHeader) || string(got[0].Body) != string(got[1].Body) {
			t.Fatalf("receiver got %+v", got)
		}
		if len(other.requests()) != 1 {
			t.Fatalf("named endpoint got %d", len(other.requests()))
		}
		if all := e.deliveries(e.ACME, ev.ID); len(all) != 3 {
			t.Fatalf("deliveries of the event: %d, want 3", len(all))
		}
		off := false
		if _, err := e.Svc.Webhooks.UpdateEndpoint(ctx, e.ACME.Org.ID, ep.ID, service.EndpointChange{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.Events.Redeliver(ctx, e.ACME.Org.ID, ev.ID, ep.ID)
		if crmapi.ErrorCode(err) != crmapi.InvalidLifeCycleState {
			t.Fatalf("redeliver to a disabled endpoint: %v", err)
		}
		if _, err := e.Svc.Events.Redeliver(ctx, e.ACME.Org.ID, crmapi.NewID(), ""); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Fatalf("unknown event: %v", err)
		}
	})
}

// A disabled endpoint's deliveries wait; enabling it delivers them.
func TestWebhookDisabledEndpointWaits(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		rcv := mustReceiver(t, 500, 200)
		ep := e.endpoint(e.ACME, rcv.URL)
		ev := e.emit(e.ACME, crmapi.EventNetflixSubscriptionStateChanged, map[string]string{"state": "EFFECTIVE"})
		e.work()
		ctx := context.Background()
		off, on := false, true
		if _, err := e.Svc.Webhooks.UpdateEndpoint(ctx, e.ACME.Org.ID, ep.ID, service.EndpointChange{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Hour)
		if n := e.sweep(); n != 0 {
			t.Fatalf("sweep queued %d for a disabled endpoint", n)
		}
		// A job already queued for it does nothing either.
		d := e.deliveries(e.ACME, ev.ID)[0]
		if got, _ := e.Svc.Webhooks.Deliver(ctx, service.DeliverWebhookArgs{OrganisationID: e.ACME.Org.ID, DeliveryID: d.ID, Attempt: 1}); got.Attempts != 1 {
			t.Fatalf("attempted while disabled: %+v", got)
		}
		if _, err := e.Svc.Webhooks.UpdateEndpoint(ctx, e.ACME.Org.ID, ep.ID, service.EndpointChange{Enabled: &on}); err != nil {
			t.Fatal(err)
		}
		e.sweep()
		if d = e.delivery(e.ACME, d.ID); d.State != crmapi.DeliveryDelivered || len(rcv.requests()) != 2 {
			t.Fatalf("after enabling: %+v, %d requests", d, len(rcv.requests()))
		}
	})
}

// Endpoints and events of one organisation are never seen, changed or
// delivered through another.
func TestWebhookOrganisationIsolation(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		globex := storetest.MustTenant(t, e.Store, "Globex")
		ra, rb := mustReceiver(t), mustReceiver(t)
		epA := e.endpoint(e.ACME, ra.URL)
		epB := e.endpoint(globex, rb.URL)
		evA := e.emit(e.ACME, crmapi.EventUsageAuthorisationCreated, map[string]string{"org": "ACME"})
		evB := e.emit(globex, crmapi.EventUsageAuthorisationCreated, map[string]string{"org": "Globex"})
		e.work()
		if a, b := ra.requests(), rb.requests(); len(a) != 1 || len(b) != 1 ||
			a[0].Header.Get(client.EventIDHeader) != evA.ID || b[0].Header.Get(client.EventIDHeader) != evB.ID {
			t.Fatalf("ACME's receiver got %d, Globex's %d", len(a), len(b))
		}
		if evB.Sequence != 1 {
			t.Errorf("Globex's first event numbered %d", evB.Sequence)
		}
		ctx := context.Background()
		g := globex.Org.ID
		if _, err := e.Svc.Events.Event(ctx, g, evA.ID); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("Globex sees ACME's event: %v", err)
		}
		if list, _, _ := e.Svc.Events.Events(ctx, g, service.EventQuery{}); len(list) != 1 || list[0].ID != evB.ID {
			t.Errorf("Globex's events %+v", list)
		}
		if _, err := e.Svc.Events.Redeliver(ctx, g, evA.ID, ""); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("Globex redelivers ACME's event: %v", err)
		}
		if _, err := e.Svc.Events.Redeliver(ctx, g, evB.ID, epA.ID); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("Globex sends to ACME's endpoint: %v", err)
		}
		url := "https://evil.example/"
		if _, err := e.Svc.Webhooks.UpdateEndpoint(ctx, g, epA.ID, service.EndpointChange{URL: &url}); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("Globex changes ACME's endpoint: %v", err)
		}
		if err := e.Svc.Webhooks.DeleteEndpoint(ctx, g, epA.ID); crmapi.ErrorCode(err) != crmapi.NotFound {
			t.Errorf("Globex deletes ACME's endpoint: %v", err)
		}
		if eps, _ := e.Svc.Webhooks.Endpoints(ctx, g); len(eps) != 1 || eps[0].ID != epB.ID {
			t.Errorf("Globex's endpoints %+v", eps)
		}
		if ds, n, _ := e.Svc.Webhooks.Deliveries(ctx, g, service.DeliveryQuery{EventID: evA.ID}); n != 0 || len(ds) != 0 {
			t.Errorf("Globex sees ACME's deliveries %+v", ds)
		}
		// A job naming ACME's delivery under Globex does nothing.
		dA := e.deliveries(e.ACME, evA.ID)[0]
		e.Queue.Insert(ctx, service.DeliverWebhookArgs{OrganisationID: g, DeliveryID: dA.ID}, nil)
		e.work()
		if len(ra.requests()) != 1 || len(rb.requests()) != 1 {
			t.Errorf("a cross-organisation job sent something")
		}
	})
}

// A redirect is not followed: the event goes to the configured URL only.
func TestWebhookRedirectNotFollowed(t *testing.T) {
	e := mustHookEnv(t, testdb.SQLite(t))
	elsewhere := mustReceiver(t)
	redirect := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	e.endpoint(e.ACME, redirect.URL)
	ev := e.emit(e.ACME, crmapi.EventNetflixChargeProcessed, map[string]string{})
	e.work()
	d := e.deliveries(e.ACME, ev.ID)[0]
	if len(elsewhere.requests()) != 0 || d.State != crmapi.DeliveryPending || d.LastStatus != 307 ||
		!strings.Contains(d.LastError, "redirects are not followed") {
		t.Fatalf("redirect: %+v, %d requests elsewhere", d, len(elsewhere.requests()))
	}
}

// An endpoint that does not answer within the timeout is a failed attempt.
func TestWebhookTimeout(t *testing.T) {
	e := mustHookEnv(t, testdb.SQLite(t), service.WebhookConfig{Timeout: 200 * time.Millisecond})
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); slow.Close() })
	e.endpoint(e.ACME, slow.URL)
	ev := e.emit(e.ACME, crmapi.EventNetflixChargeProcessed, map[string]string{})
	began := time.Now()
	e.work()
	if took := time.Since(began); took > 5*time.Second {
		t.Fatalf("attempt took %s", took)
	}
	d := e.deliveries(e.ACME, ev.ID)[0]
	if d.State != crmapi.DeliveryPending || d.LastStatus != 0 || d.LastError != "no answer within 200ms" || d.Attempts != 1 {
		t.Fatalf("after a timeout: %+v", d)
	}
}

func TestWebhookEndpointValidation(t *testing.T) {
	e := mustHookEnv(t, testdb.SQLite(t))
	ctx := context.Background()
	org := e.ACME.Org.ID
	for _, u := range []string{"", "ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd", "http://", "/relative/path",
		"http://user:secret@example.com/", "https://example.com/#frag", "https://example.com/" + strings.Repeat("x", 2048)} {
		_, err := e.Svc.Webhooks.CreateEndpoint(ctx, org, service.NewEndpoint{URL: u})
		if c := crmapi.ErrorCode(err); c != crmapi.InvalidParameter && c != crmapi.MandatoryParameterMissing {
			t.Errorf("URL %.40q accepted: %v", u, err)
		}
	}
	for _, types := range [][]string{{}, {"netflix.charge.refunded"}, {"*", "netflix.charge.received"}} {
		_, err := e.Svc.Webhooks.CreateEndpoint(ctx, org, service.NewEndpoint{URL: "https://example.com/", EventTypes: types})
		if crmapi.ErrorCode(err) != crmapi.InvalidParameter {
			t.Errorf("event types %q accepted: %v", types, err)
		}
	}
	ep, err := e.Svc.Webhooks.CreateEndpoint(ctx, org, service.NewEndpoint{URL: "HTTPS://Example.com:8443/h?a=1",
		EventTypes: []string{"netflix.charge.received", "netflix.charge.received", "netflix.charge.processed"}})
	if err != nil || ep.URL != "https://Example.com:8443/h?a=1" || len(ep.EventTypes) != 2 {
		t.Fatalf("endpoint %+v, %v", ep, err)
	}
	all, _ := e.Svc.Webhooks.CreateEndpoint(ctx, org, service.NewEndpoint{URL: "http://127.0.0.1:1/", EventTypes: []string{"*"}})
	if all.EventTypes != nil {
		t.Errorf("[\"*\"] stored as %v", all.EventTypes)
	}
	for i := 2; i < crmapi.MaxWebhookEndpoints; i++ {
		e.endpoint(e.ACME, "https://example.com/")
	}
	if _, err := e.Svc.Webhooks.CreateEndpoint(ctx, org, service.NewEndpoint{URL: "https://example.com/"}); crmapi.ErrorCode(err) != crmapi.LimitExceeded {
		t.Fatalf("endpoint %d: %v", crmapi.MaxWebhookEndpoints+1, err)
	}
	rotated, err := e.Svc.Webhooks.UpdateEndpoint(ctx, org, ep.ID, service.EndpointChange{RotateSecret: true})
	if err != nil || rotated.Secret == ep.Secret || !strings.HasPrefix(rotated.Secret, "whsec_") || rotated.URL != ep.URL {
		t.Fatalf("rotate: %+v %v", rotated, err)
	}
	bad := "gopher://x"
	if _, err := e.Svc.Webhooks.UpdateEndpoint(ctx, org, ep.ID, service.EndpointChange{URL: &bad}); crmapi.ErrorCode(err) != crmapi.InvalidParameter {
		t.Fatalf("update to %s: %v", bad, err)
	}
	if _, err := e.Svc.Webhooks.UpdateEndpoint(ctx, org, crmapi.NewID(), service.EndpointChange{}); crmapi.ErrorCode(err) != crmapi.NotFound {
		t.Fatalf("unknown endpoint: %v", err)
	}
}

func TestEmitRefusesBadInput(t *testing.T) {
	e := mustHookEnv(t, testdb.SQLite(t))
	for _, c := range []struct {
		typ  crmapi.EventType
		data any
	}{
		{"netflix.charge.refunded", map[string]string{}},
		{crmapi.EventNetflixChargeReceived, []int{1}},
		{crmapi.EventNetflixChargeReceived, "text"},
		{crmapi.EventNetflixChargeReceived, func() {}},
	} {
		err := e.Store.Update(context.Background(), func(tx crmapi.Tx) error {
			_, err := e.Svc.Events.Emit(tx, e.ACME.Org.ID, c.typ, c.data, e.Clock.Now())
			return err
		})
		if err == nil || crmapi.ErrorCode(err) != crmapi.GeneralError {
			t.Errorf("Emit(%s, %T) = %v, want an internal error", c.typ, c.data, err)
		}
	}
}

// A test organisation's moved clock brings its retries due, while the
// server's clock and a production organisation's retries stay put; the
// signature still carries the real time, so receivers accept it.
func TestWebhookRetriesFollowTestClock(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustHookEnv(t, open(t))
		ctx := context.Background()
		sandbox := storetest.Tenant{Org: crmapi.Organisation{ID: crmapi.NewID(), Name: "Sandbox", TimeZone: "UTC", Test: true, CreatedAt: start}}
		if err := e.Store.Update(ctx, func(tx crmapi.Tx) error { return tx.CreateOrganisation(sandbox.Org) }); err != nil {
			t.Fatal(err)
		}
		rs, ra := mustReceiver(t, 500, 200), mustReceiver(t, 500, 200)
		ep := e.endpoint(sandbox, rs.URL)
		e.endpoint(e.ACME, ra.URL)
		evS := e.emit(sandbox, crmapi.EventUsageAuthorisationExpired, map[string]string{"id": "S1"})
		evA := e.emit(e.ACME, crmapi.EventUsageAuthorisationExpired, map[string]string{"id": "A1"})
		e.work()
		if _, err := e.Svc.Auth.AdvanceTestClock(ctx, sandbox.Org, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
		if n := e.sweep(); n != 1 {
			t.Fatalf("sweep after moving the test clock ran %d jobs, want 1 (Sandbox's retry only)", n)
		}
		dS, dA := e.deliveries(sandbox, evS.ID)[0], e.deliveries(e.ACME, evA.ID)[0]
		if dS.State != crmapi.DeliveryDelivered || !dS.DeliveredAt.Equal(start.Add(48*time.Hour)) {
			t.Fatalf("Sandbox's delivery %+v, want DELIVERED at its clock's time", dS)
		}
		if dA.State != crmapi.DeliveryPending || dA.Attempts != 1 {
			t.Fatalf("ACME's delivery %+v, want still waiting for the server's clock", dA)
		}
		got := rs.requests()
		if err := client.VerifyWebhook(ep.Secret, got[1].Header.Get(client.SignatureHeader), got[1].Body, time.Now(), client.DefaultWebhookTolerance); err != nil {
			t.Fatalf("a delivery on a moved clock is refused by the receiver: %v", err)
		}
		// The 3-day window closes on the organisation's clock too.
		down := e.endpoint(sandbox, mustReceiver(t, 503).URL, "usage_authorisation.created")
		evS2 := e.emit(sandbox, crmapi.EventUsageAuthorisationCreated, map[string]string{"id": "S2"})
		e.work()
		if _, err := e.Svc.Auth.AdvanceTestClock(ctx, sandbox.Org, 72*time.Hour); err != nil {
			t.Fatal(err)
		}
		e.sweep()
		for _, d := range e.deliveries(sandbox, evS2.ID) {
			if d.EndpointID == down.ID && (d.State != crmapi.DeliveryFailed || d.Attempts != 2) {
				t.Fatalf("after 72 h on Sandbox's clock: %+v, want FAILED after a last attempt", d)
			}
		}
	})
}
