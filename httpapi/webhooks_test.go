package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
)

// Both engines answer with the same golden files.
func TestWebhookEndpointsWire(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		testWebhookEndpointsWire(t, mustEnvOn(t, open(t)))
	})
}

func testWebhookEndpointsWire(t *testing.T, e *env) {
	r := e.post("webhooks/endpoints/create", map[string]any{"token": e.Token, "url": "https://hooks.example.com/crm",
		"event_types": []string{"usage_authorisation.created", "netflix.charge.received"}})
	r.wantOK()
	if !strings.Contains(string(r.Body), `"secret":"whsec_`) {
		t.Fatalf("create shows no secret: %s", r.Body)
	}
	goldenHook(t, "webhooks_endpoint_create", r)
	var ep struct{ ID string }
	r.data(&ep)
	// Endpoints list oldest first; a tie would be ordered by the random ids.
	e.Clock.Advance(time.Second)
	e.post("webhooks/endpoints/create", map[string]any{"token": e.Token, "url": "http://127.0.0.1:9/all"}).wantOK()

	r = e.get("webhooks/endpoints/list", "token="+e.Token)
	r.wantOK()
	if strings.Contains(string(r.Body), "whsec_") {
		t.Fatalf("list shows a secret: %s", r.Body)
	}
	goldenHook(t, "webhooks_endpoint_list", r)

	e.Clock.Advance(90 * time.Second)
	r = e.post("webhooks/endpoints/update", map[string]any{"token": e.Token, "id": ep.ID, "enabled": false,
		"event_types": []string{"*"}})
	goldenHook(t, "webhooks_endpoint_update", r)
	r = e.post("webhooks/endpoints/update", map[string]any{"token": e.Token, "id": ep.ID, "rotate_secret": true})
	r.wantOK()
	if !secretPattern.Match(r.Body) {
		t.Fatalf("rotate shows no new secret: %s", r.Body)
	}

	r = e.post("webhooks/endpoints/create", map[string]any{"token": e.Token, "url": "ftp://hooks.example.com/crm"})
	r.wantError(400, crmapi.InvalidParameter)
	goldenHook(t, "webhooks_endpoint_bad_url", r)
	e.post("webhooks/endpoints/create", map[string]any{"token": e.Token, "url": "https://x.example/", "event_types": []string{}}).
		wantError(400, crmapi.InvalidParameter)
	e.post("webhooks/endpoints/create", map[string]any{"token": e.Token}).wantError(400, crmapi.MandatoryParameterMissing)
	e.post("webhooks/endpoints/create", map[string]any{"token": e.Token, "url": "https://x.example/", "secret": "mine"}).
		wantError(400, crmapi.InvalidParameter)

	r = e.post("webhooks/endpoints/delete", map[string]any{"token": e.Token, "id": ep.ID})
	goldenHook(t, "webhooks_endpoint_delete", r)
	e.post("webhooks/endpoints/delete", map[string]any{"token": e.Token, "id": ep.ID}).wantError(404, crmapi.NotFound)

	// Admins only: an operator may not see or change where events go.
	op := e.mustUserToken("operator", false)
	e.get("webhooks/endpoints/list", "token="+op).wantError(403, crmapi.PermissionDenied)
	e.post("webhooks/endpoints/create", map[string]any{"token": op, "url": "https://x.example/"}).wantError(403, crmapi.PermissionDenied)
	e.get("events/list", "token="+op).wantError(403, crmapi.PermissionDenied)
	e.get("webhooks/deliveries/list", "token="+op).wantError(403, crmapi.PermissionDenied)
}

func TestEventsWire(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) { testEventsWire(t, mustEnvOn(t, open(t))) })
}

func testEventsWire(t *testing.T, e *env) {
	hook, _ := e.createEndpoint("https://hooks.example.com/crm", "usage_authorisation.created")
	first := e.emitEvent(crmapi.EventUsageAuthorisationCreated, map[string]any{"id": "A1", "life_cycle_state": "BLOCKED",
		"authorisation_amount": "50"})
	e.Clock.Advance(61 * time.Second)
	e.emitEvent(crmapi.EventNetflixChargeReceived, map[string]any{"number": "C0000000001"})
	third := e.emitEvent(crmapi.EventUsageAuthorisationCreated, map[string]any{"id": "A2"})

	r := e.get("events/list", "token="+e.Token+"&number_of_results=2")
	goldenHook(t, "webhooks_events_list", r)
	var page struct {
		Events     []struct{ ID string } `json:"events_set"`
		NextCursor string                `json:"next_cursor"`
		HasMore    bool                  `json:"has_more"`
	}
	r.data(&page)
	if len(page.Events) != 2 || !page.HasMore || page.Events[0].ID != first.ID {
		t.Fatalf("first page %s", r.Body)
	}
	r = e.get("events/list", "token="+e.Token+"&cursor="+url.QueryEscape(page.NextCursor))
	r.data(&page)
	if len(page.Events) != 1 || page.HasMore || page.Events[0].ID != third.ID {
		t.Fatalf("second page %s", r.Body)
	}
	// An empty page keeps the position, so polling continues from it.
	last := page.NextCursor
	r = e.post("events/list", map[string]any{"token": e.Token, "cursor": last})
	r.data(&page)
	if len(page.Events) != 0 || page.NextCursor != last {
		t.Fatalf("empty page %s", r.Body)
	}
	r = e.get("events/list", "token="+e.Token+"&after_sequence=1&type=usage_authorisation.created")
	r.data(&page)
	if len(page.Events) != 1 || page.Events[0].ID != third.ID {
		t.Fatalf("by type after 1: %s", r.Body)
	}
	e.get("events/list", "token="+e.Token+"&after_sequence=1&cursor="+last).wantError(400, crmapi.OnlyOneSemiOptionalAllowed)
	e.get("events/list", "token="+e.Token+"&cursor=bm9wZQ").wantError(400, crmapi.InvalidParameter)
	e.get("events/list", "token="+e.Token+"&type=netflix.charge.refunded").wantError(400, crmapi.InvalidParameter)
	r = e.get("events/list", "token="+e.Token+"&number_of_results=101")
	r.wantError(422, crmapi.LimitExceeded)
	goldenHook(t, "webhooks_events_list_limit", r)

	r = e.get("events/show", "token="+e.Token+"&id="+first.ID)
	goldenHook(t, "webhooks_event_show", r)
	e.get("events/show", "token="+e.Token+"&id="+crmapi.NewID()).wantError(404, crmapi.NotFound)
	e.get("events/show", "token="+e.Token).wantError(400, crmapi.MandatoryParameterMissing)

	e.Clock.Advance(time.Hour)
	r = e.post("events/redeliver", map[string]any{"token": e.Token, "id": first.ID})
	goldenHook(t, "webhooks_event_redeliver", r)
	e.post("events/redeliver", map[string]any{"token": e.Token, "id": first.ID, "endpoint_id": crmapi.NewID()}).
		wantError(404, crmapi.NotFound)

	r = e.get("webhooks/deliveries/list", "token="+e.Token+"&event_id="+first.ID)
	goldenHook(t, "webhooks_deliveries_list", r)
	var ds struct {
		Deliveries []struct {
			EndpointID string `json:"endpoint_id"`
		} `json:"deliveries_set"`
		Total int
	}
	r.data(&ds)
	if ds.Total != 2 || ds.Deliveries[0].EndpointID != hook {
		t.Fatalf("deliveries %s", r.Body)
	}
	r = e.get("webhooks/deliveries/list", "token="+e.Token+"&state=PENDING&number_of_results=1&offset=1")
	r.data(&ds)
	if ds.Total != 3 || len(ds.Deliveries) != 1 {
		t.Fatalf("PENDING page 2: %s", r.Body)
	}
	e.get("webhooks/deliveries/list", "token="+e.Token+"&state=LOST").wantError(400, crmapi.InvalidParameter)
}

// Another organisation's admin never sees, replays or redelivers ACME's events.
func TestEventsWireIsolation(t *testing.T) {
	e := mustEnv(t)
	hook, _ := e.createEndpoint("https://hooks.example.com/crm")
	ev := e.emitEvent(crmapi.EventUsageAuthorisationCompleted, map[string]any{"id": "A1"})
	_, other := e.mustOtherOrg("Globex")
	e.get("events/show", "token="+other+"&id="+ev.ID).wantError(404, crmapi.NotFound)
	e.post("events/redeliver", map[string]any{"token": other, "id": ev.ID}).wantError(404, crmapi.NotFound)
	e.post("webhooks/endpoints/update", map[string]any{"token": other, "id": hook, "url": "https://evil.example/"}).wantError(404, crmapi.NotFound)
	e.post("webhooks/endpoints/delete", map[string]any{"token": other, "id": hook}).wantError(404, crmapi.NotFound)
	for _, path := range []string{"events/list", "webhooks/endpoints/list", "webhooks/deliveries/list"} {
		r := e.get(path, "token="+other)
		r.wantOK()
		if strings.Contains(string(r.Body), ev.ID) || strings.Contains(string(r.Body), hook) {
			t.Fatalf("%s shows ACME's data to Globex: %s", path, r.Body)
		}
	}
}
