package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/client"
	"github.com/crmapi/crmapi/internal/testdb"
)

// The real program on each engine: an admin sets up an endpoint with the
// SDK, a service records an event, the program's own job queue delivers
// it signed to a receiver on 127.0.0.1, which verifies it with the SDK.
func TestWebhookEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testWebhookEndToEnd(t, Config{Demo: true}) })
	t.Run("postgres", func(t *testing.T) {
		testWebhookEndToEnd(t, Config{Demo: true, Database: testdb.FreshPostgresURL(t)})
	})
}

func testWebhookEndToEnd(t *testing.T, cfg Config) {
	m, _ := startMain(t, cfg)
	ctx := context.Background()
	c := client.New(m.URL())
	if err := c.Login(ctx, client.Credentials{Username: demoAdmin, Password: demoPassword, Organisation: demoOrganisation}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var secret string
	var got []client.WebhookEvent
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		ev, err := client.ParseWebhook(secret, r.Header.Get(client.SignatureHeader), body, time.Now())
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		got = append(got, ev)
	}))
	t.Cleanup(receiver.Close)
	ep, err := c.CreateWebhookEndpoint(ctx, receiver.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = ep.Secret
	mu.Unlock()

	org, err := m.Services.Auth.Organisation(ctx, demoOrganisation)
	if err != nil {
		t.Fatal(err)
	}
	var ev crmapi.Event
	err = m.Store.Update(ctx, func(tx crmapi.Tx) error {
		var err error
		ev, err = m.Services.Events.Emit(tx, org.ID, crmapi.EventNetflixSubscriptionStateChanged,
			map[string]string{"subscription_number": "NS0000000001", "life_cycle_state": "EFFECTIVE"}, m.Clock.Now())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Services.Events.Dispatch(ctx, ev)
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery within 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	mu.Lock()
	if got[0].ID != ev.ID || got[0].Type != string(crmapi.EventNetflixSubscriptionStateChanged) {
		t.Errorf("received %+v", got[0])
	}
	mu.Unlock()
	page, err := c.Events(ctx, client.EventQuery{})
	if err != nil || len(page.Events) != 1 || page.Events[0].ID != ev.ID {
		t.Fatalf("events list %+v, %v", page, err)
	}
}
