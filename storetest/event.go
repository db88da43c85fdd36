package storetest

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
)

func init() {
	addCase("EventsAppendAndList", testEventsAppendAndList)
	addCase("EventsRollback", testEventsRollback)
	addCase("WebhookEndpoints", testWebhookEndpoints)
	addCase("WebhookDeliveries", testWebhookDeliveries)
	addCase("WebhookIsolation", testWebhookIsolation)
	addCase("EventsPurge", testEventsPurge)
	addCase("EventsConcurrent", testEventsConcurrent)
}

// MustEndpoint stores an enabled endpoint of the tenant subscribed to types (none: every type).
func MustEndpoint(tb testing.TB, s crmapi.Store, tn Tenant, url string, types ...crmapi.EventType) crmapi.WebhookEndpoint {
	tb.Helper()
	e := crmapi.WebhookEndpoint{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, URL: url, Secret: "whsec_" + crmapi.RandomToken(8),
		EventTypes: types, Enabled: true, CreatedAt: T0, UpdatedAt: T0}
	mustUpdate(tb, s, func(tx crmapi.Tx) error { return tx.CreateWebhookEndpoint(e) })
	return e
}

// mustAppend appends an event of the tenant at T0+offset.
func mustAppend(tb testing.TB, s crmapi.Store, tn Tenant, typ crmapi.EventType, data string, offset time.Duration) (crmapi.Event, []crmapi.WebhookDelivery) {
	tb.Helper()
	var ev crmapi.Event
	var ds []crmapi.WebhookDelivery
	mustUpdate(tb, s, func(tx crmapi.Tx) error {
		var err error
		ev, ds, err = tx.AppendEvent(crmapi.Event{ID: crmapi.NewID(), OrganisationID: tn.Org.ID, Type: typ,
			Data: []byte(data), CreatedAt: T0.Add(offset)})
		return err
	})
	return ev, ds
}

func testEventsAppendAndList(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	all := MustEndpoint(t, s, a, "https://all.example/hook")
	usage := MustEndpoint(t, s, a, "https://usage.example/hook", crmapi.EventUsageAuthorisationCreated, crmapi.EventUsageAuthorisationExpired)
	off := MustEndpoint(t, s, a, "https://off.example/hook")
	off.Enabled = false
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateWebhookEndpoint(off) })
	MustEndpoint(t, s, b, "https://globex.example/hook")

	// Bytes are kept as given: key order and spacing are part of what is signed.
	data := `{"z": 1, "a": {"n": "50"}}`
	e1, ds := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, data, 0)
	if e1.Sequence != 1 || len(ds) != 2 {
		t.Fatalf("first event: sequence %d, %d deliveries; want 1 and 2 (all, usage)", e1.Sequence, len(ds))
	}
	for _, d := range ds {
		if d.State != crmapi.DeliveryPending || d.EventID != e1.ID || d.Attempts != 0 || !d.NextAttemptAt.Equal(T0) ||
			(d.EndpointID != all.ID && d.EndpointID != usage.ID) {
			t.Errorf("delivery %+v", d)
		}
	}
	e2, ds := mustAppend(t, s, a, crmapi.EventNetflixChargeReceived, `{}`, time.Second)
	if e2.Sequence != 2 || len(ds) != 1 || ds[0].EndpointID != all.ID {
		t.Fatalf("second event: sequence %d, deliveries %+v", e2.Sequence, ds)
	}
	eb, _ := mustAppend(t, s, b, crmapi.EventNetflixChargeReceived, `{}`, 0)
	if eb.Sequence != 1 {
		t.Fatalf("Globex's first event has sequence %d, want 1", eb.Sequence)
	}
	e3, _ := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{"n":3}`, 2*time.Second)

	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.EventByID(a.Org.ID, e1.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, e1) || string(got.Data) != data {
			t.Errorf("EventByID = %+v (%s), want %+v", got, got.Data, e1)
		}
		list, err := tx.ListEvents(a.Org.ID, crmapi.EventFilter{Limit: 10})
		if err != nil {
			return err
		}
		if len(list) != 3 || list[0].ID != e1.ID || list[1].ID != e2.ID || list[2].ID != e3.ID {
			t.Errorf("ListEvents = %+v", list)
		}
		list, _ = tx.ListEvents(a.Org.ID, crmapi.EventFilter{AfterSequence: 1, Limit: 1})
		if len(list) != 1 || list[0].ID != e2.ID {
			t.Errorf("after 1, limit 1 = %+v", list)
		}
		list, _ = tx.ListEvents(a.Org.ID, crmapi.EventFilter{Type: crmapi.EventUsageAuthorisationCreated, Limit: 10})
		if len(list) != 2 || list[0].ID != e1.ID || list[1].ID != e3.ID {
			t.Errorf("by type = %+v", list)
		}
		list, _ = tx.ListEvents(a.Org.ID, crmapi.EventFilter{AfterSequence: 3, Limit: 10})
		if len(list) != 0 {
			t.Errorf("after the last = %+v", list)
		}
		return nil
	})
}

// An event appended in a transaction that rolls back leaves nothing: no
// event, no delivery, and its sequence number is handed out again.
func testEventsRollback(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	MustEndpoint(t, s, a, "https://all.example/hook")
	boom := errors.New("boom")
	var lost crmapi.Event
	err := s.Update(context.Background(), func(tx crmapi.Tx) error {
		var err error
		if lost, _, err = tx.AppendEvent(crmapi.Event{ID: crmapi.NewID(), OrganisationID: a.Org.ID,
			Type: crmapi.EventUsageAuthorisationCreated, Data: []byte(`{}`), CreatedAt: T0}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.EventByID(a.Org.ID, lost.ID)
		wantCode(t, err, crmapi.NotFound)
		_, n, err := tx.ListWebhookDeliveries(a.Org.ID, crmapi.DeliveryFilter{Limit: 10})
		if n != 0 {
			t.Errorf("%d deliveries after rollback", n)
		}
		due, _ := tx.DueWebhookDeliveries("", T0.Add(time.Hour), 10)
		if len(due) != 0 {
			t.Errorf("due after rollback: %+v", due)
		}
		return err
	})
	e, _ := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	if e.Sequence != 1 {
		t.Fatalf("sequence after rollback = %d, want 1", e.Sequence)
	}
}

func testWebhookEndpoints(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	e := MustEndpoint(t, s, a, "https://a.example/hook", crmapi.EventNetflixChargeReceived, crmapi.EventNetflixChargeProcessed)
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.WebhookEndpointByID(a.Org.ID, e.ID)
		if err != nil {
			return err
		}
		// Types come back sorted.
		want := e
		want.EventTypes = []crmapi.EventType{crmapi.EventNetflixChargeProcessed, crmapi.EventNetflixChargeReceived}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("WebhookEndpointByID = %+v, want %+v", got, want)
		}
		return nil
	})
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.CreateWebhookEndpoint(e) })
	wantCode(t, err, crmapi.Conflict)

	e.URL, e.Secret, e.EventTypes, e.Enabled, e.UpdatedAt = "http://b.example:8080/x", "whsec_new", nil, false, T0.Add(time.Hour)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateWebhookEndpoint(e) })
	second := MustEndpoint(t, s, a, "https://c.example/hook")
	mustView(t, s, func(tx crmapi.Tx) error {
		list, err := tx.ListWebhookEndpoints(a.Org.ID)
		if err != nil {
			return err
		}
		if len(list) != 2 || !reflect.DeepEqual(list[0], e) && !reflect.DeepEqual(list[1], e) {
			t.Errorf("ListWebhookEndpoints = %+v, want %+v among them", list, e)
		}
		return nil
	})
	ev, ds := mustAppend(t, s, a, crmapi.EventNetflixChargeReceived, `{}`, 0)
	if len(ds) != 1 || ds[0].EndpointID != second.ID {
		t.Fatalf("deliveries = %+v, want one to the enabled endpoint", ds)
	}
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.DeleteWebhookEndpoint(a.Org.ID, second.ID) })
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.WebhookEndpointByID(a.Org.ID, second.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.WebhookDeliveryByID(a.Org.ID, ds[0].ID)
		wantCode(t, err, crmapi.NotFound)
		if _, err := tx.EventByID(a.Org.ID, ev.ID); err != nil {
			t.Errorf("event gone with its endpoint: %v", err)
		}
		return nil
	})
	err = s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.DeleteWebhookEndpoint(a.Org.ID, second.ID) })
	wantCode(t, err, crmapi.NotFound)
}

func testWebhookDeliveries(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	ea := MustEndpoint(t, s, a, "https://a.example/hook")
	eb := MustEndpoint(t, s, b, "https://b.example/hook")
	ev1, d1 := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	_, d2 := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCompleted, `{}`, time.Minute)
	_, db := mustAppend(t, s, b, crmapi.EventUsageAuthorisationCreated, `{}`, 30*time.Second)

	mustView(t, s, func(tx crmapi.Tx) error {
		due, err := tx.DueWebhookDeliveries("", T0.Add(time.Minute), 10)
		if err != nil {
			return err
		}
		want := []crmapi.DueDelivery{{OrganisationID: a.Org.ID, ID: d1[0].ID}, {OrganisationID: b.Org.ID, ID: db[0].ID},
			{OrganisationID: a.Org.ID, ID: d2[0].ID}}
		if !reflect.DeepEqual(due, want) {
			t.Errorf("due = %+v, want %+v (every organisation, earliest first)", due, want)
		}
		if due, _ := tx.DueWebhookDeliveries("", T0.Add(time.Minute), 1); len(due) != 1 {
			t.Errorf("limit 1 gave %d", len(due))
		}
		due, _ = tx.DueWebhookDeliveries(b.Org.ID, T0.Add(time.Minute), 10)
		if len(due) != 1 || due[0].ID != db[0].ID {
			t.Errorf("Globex's due = %+v", due)
		}
		return nil
	})

	// Claiming attempt 1 succeeds once; a second claim of the same attempt is refused.
	at := T0.Add(time.Minute)
	claim := d1[0]
	claim.Attempts, claim.LastAttemptAt, claim.NextAttemptAt = 1, &at, at.Add(time.Minute)
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		ok, err := tx.UpdateWebhookDelivery(claim, 0)
		if !ok {
			t.Error("first claim refused")
		}
		if again, _ := tx.UpdateWebhookDelivery(claim, 0); again {
			t.Error("second claim of attempt 1 accepted")
		}
		foreign := claim
		foreign.OrganisationID = b.Org.ID
		if ok, _ := tx.UpdateWebhookDelivery(foreign, 1); ok {
			t.Error("claim through another organisation accepted")
		}
		return err
	})
	done := claim
	done.State, done.LastStatus, done.DeliveredAt = crmapi.DeliveryDelivered, 204, &at
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		ok, err := tx.UpdateWebhookDelivery(done, 1)
		if !ok {
			t.Error("finishing attempt 1 refused")
		}
		if again, _ := tx.UpdateWebhookDelivery(done, 1); again {
			t.Error("a DELIVERED delivery was updated")
		}
		return err
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.WebhookDeliveryByID(a.Org.ID, d1[0].ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(got, done) {
			t.Errorf("after delivery = %+v, want %+v", got, done)
		}
		return nil
	})

	// A disabled endpoint's deliveries wait; waking makes them due now.
	off := eb
	off.Enabled = false
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.UpdateWebhookEndpoint(off) })
	later := d2[0]
	later.NextAttemptAt = T0.Add(time.Hour)
	mustUpdate(t, s, func(tx crmapi.Tx) error { _, err := tx.UpdateWebhookDelivery(later, 0); return err })
	mustView(t, s, func(tx crmapi.Tx) error {
		due, _ := tx.DueWebhookDeliveries("", T0.Add(2*time.Minute), 10)
		if len(due) != 0 {
			t.Errorf("due = %+v, want none (delivered, disabled, later)", due)
		}
		return nil
	})
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.WakeWebhookDeliveries(a.Org.ID, ea.ID, T0.Add(2*time.Minute)) })
	mustView(t, s, func(tx crmapi.Tx) error {
		due, _ := tx.DueWebhookDeliveries("", T0.Add(2*time.Minute), 10)
		if len(due) != 1 || due[0].ID != d2[0].ID {
			t.Errorf("due after wake = %+v", due)
		}
		counts, err := tx.WebhookDeliveryCounts(a.Org.ID)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(counts, map[string]crmapi.DeliveryCounts{ea.ID: {Pending: 1}}) {
			t.Errorf("counts = %+v", counts)
		}
		return nil
	})

	// Redelivery: new rows of the same event.
	re := crmapi.WebhookDelivery{ID: crmapi.NewID(), OrganisationID: a.Org.ID, EventID: ev1.ID, EndpointID: ea.ID,
		State: crmapi.DeliveryPending, NextAttemptAt: T0.Add(time.Hour), CreatedAt: T0.Add(time.Hour)}
	failed := re
	failed.ID, failed.State, failed.Attempts, failed.LastError, failed.LastStatus = crmapi.NewID(), crmapi.DeliveryFailed, 20, "HTTP 500", 500
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.CreateWebhookDeliveries([]crmapi.WebhookDelivery{re, failed}) })
	mustView(t, s, func(tx crmapi.Tx) error {
		page, total, err := tx.ListWebhookDeliveries(a.Org.ID, crmapi.DeliveryFilter{EventID: ev1.ID, Limit: 10})
		if err != nil {
			return err
		}
		if total != 3 || len(page) != 3 {
			t.Errorf("deliveries of ev1: %d of %d, want 3", len(page), total)
		}
		page, total, _ = tx.ListWebhookDeliveries(a.Org.ID, crmapi.DeliveryFilter{State: crmapi.DeliveryFailed, Limit: 10})
		if total != 1 || len(page) != 1 || !reflect.DeepEqual(page[0], failed) {
			t.Errorf("FAILED deliveries = %+v (%d)", page, total)
		}
		page, total, _ = tx.ListWebhookDeliveries(a.Org.ID, crmapi.DeliveryFilter{EndpointID: ea.ID, Offset: 1, Limit: 2})
		if total != 4 || len(page) != 2 {
			t.Errorf("endpoint page: %d of %d, want 2 of 4", len(page), total)
		}
		counts, _ := tx.WebhookDeliveryCounts(a.Org.ID)
		if counts[ea.ID] != (crmapi.DeliveryCounts{Pending: 2, Failed: 1}) {
			t.Errorf("counts = %+v", counts)
		}
		return nil
	})
}

// Another organisation's endpoints, events and deliveries are never found,
// listed, changed or delivered to.
func testWebhookIsolation(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	b := MustTenant(t, s, "Globex")
	ea := MustEndpoint(t, s, a, "https://a.example/hook")
	ev, ds := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	evb, dsb := mustAppend(t, s, b, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	if len(dsb) != 0 {
		t.Fatalf("Globex's event delivered to %+v", dsb)
	}
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.EventByID(b.Org.ID, ev.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.WebhookEndpointByID(b.Org.ID, ea.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.WebhookDeliveryByID(b.Org.ID, ds[0].ID)
		wantCode(t, err, crmapi.NotFound)
		list, _ := tx.ListEvents(b.Org.ID, crmapi.EventFilter{Limit: 10})
		if len(list) != 1 || list[0].ID != evb.ID {
			t.Errorf("Globex's events = %+v", list)
		}
		eps, _ := tx.ListWebhookEndpoints(b.Org.ID)
		if len(eps) != 0 {
			t.Errorf("Globex's endpoints = %+v", eps)
		}
		page, n, _ := tx.ListWebhookDeliveries(b.Org.ID, crmapi.DeliveryFilter{EventID: ev.ID, Limit: 10})
		if n != 0 || len(page) != 0 {
			t.Errorf("Globex sees ACME's deliveries: %+v", page)
		}
		counts, _ := tx.WebhookDeliveryCounts(b.Org.ID)
		if len(counts) != 0 {
			t.Errorf("Globex's counts = %+v", counts)
		}
		return nil
	})
	foreign := ea
	foreign.OrganisationID, foreign.URL = b.Org.ID, "https://evil.example/"
	err := s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.UpdateWebhookEndpoint(foreign) })
	wantCode(t, err, crmapi.NotFound)
	err = s.Update(context.Background(), func(tx crmapi.Tx) error { return tx.DeleteWebhookEndpoint(b.Org.ID, ea.ID) })
	wantCode(t, err, crmapi.NotFound)
	mustUpdate(t, s, func(tx crmapi.Tx) error { return tx.WakeWebhookDeliveries(b.Org.ID, ea.ID, T0) })
	mustView(t, s, func(tx crmapi.Tx) error {
		got, err := tx.WebhookEndpointByID(a.Org.ID, ea.ID)
		if err != nil || got.URL != ea.URL {
			t.Errorf("ACME's endpoint after Globex's attempts = %+v, %v", got, err)
		}
		return nil
	})
}

func testEventsPurge(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	MustEndpoint(t, s, a, "https://a.example/hook")
	old, ds := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 0)
	young, _ := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 48*time.Hour)
	mustUpdate(t, s, func(tx crmapi.Tx) error {
		n, err := tx.DeleteEventsBefore(T0.Add(24 * time.Hour))
		if n != 1 {
			t.Errorf("purged %d events, want 1", n)
		}
		return err
	})
	mustView(t, s, func(tx crmapi.Tx) error {
		_, err := tx.EventByID(a.Org.ID, old.ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.WebhookDeliveryByID(a.Org.ID, ds[0].ID)
		wantCode(t, err, crmapi.NotFound)
		_, err = tx.EventByID(a.Org.ID, young.ID)
		return err
	})
	// Numbers keep increasing after a purge: a replaying reader never sees one reused.
	e, _ := mustAppend(t, s, a, crmapi.EventUsageAuthorisationCreated, `{}`, 49*time.Hour)
	if e.Sequence != 3 {
		t.Fatalf("sequence after purge = %d, want 3", e.Sequence)
	}
}

// Concurrent appends of one organisation get distinct numbers 1..n without
// gaps: a reader paging by sequence can rely on them.
func testEventsConcurrent(t *testing.T, s crmapi.Store) {
	a := MustTenant(t, s, "ACME")
	const workers, each = 8, 5
	var mu sync.Mutex
	var seqs []int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				var e crmapi.Event
				err := s.Update(context.Background(), func(tx crmapi.Tx) error {
					var err error
					e, _, err = tx.AppendEvent(crmapi.Event{ID: crmapi.NewID(), OrganisationID: a.Org.ID,
						Type: crmapi.EventNetflixChargeReceived, Data: []byte(`{}`), CreatedAt: T0})
					return err
				})
				if err != nil {
					t.Error(err)
					continue
				}
				mu.Lock()
				seqs = append(seqs, e.Sequence)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(seqs)
	for i, n := range seqs {
		if n != int64(i+1) {
			t.Fatalf("sequences = %v, want 1..%d", seqs, workers*each)
		}
	}
}
