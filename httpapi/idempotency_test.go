package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
)

func (e *env) postKey(path, key string, body map[string]any) *response {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", e.URL+httpapi.Prefix+path, bytes.NewReader(b))
	req.Header.Set("Idempotency-Key", key)
	return e.do(req)
}

// M2: parallel identical POSTs with one key make one object; a reused key
// with another body is refused; the key outlives the token that used it.
func TestIdempotencyKey(t *testing.T) {
	testdb.Engines(t, func(t *testing.T, open func(testing.TB) crmapi.Store) {
		e := mustEnvOn(t, open(t))
		const n = 50
		answers := make([]*response, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				answers[i] = e.postKey("admin/units/create", "key-1", map[string]any{"token": e.Token, "name": "East"})
			})
		}
		wg.Wait()
		var first []byte
		ok, busy := 0, 0
		for _, r := range answers {
			switch {
			case r.Status == 200:
				ok++
				if first == nil {
					first = r.Body
				} else if !bytes.Equal(first, r.Body) {
					t.Fatalf("answers differ:\n%s\n%s", first, r.Body)
				}
			case r.Status == 409 && r.Env.Status.Code == string(crmapi.IdempotencyRequestInFlight):
				busy++
			default:
				t.Fatalf("unexpected answer %d %s", r.Status, r.Body)
			}
		}
		units, _ := e.Svc.Auth.Units(t.Context(), e.Org.ID)
		if len(units) != 2 || ok == 0 {
			t.Fatalf("%d units after %d identical requests (%d ok, %d in progress), want 2", len(units), n, ok, busy)
		}
		// Later replays (with a fresh token) get the same answer, marked.
		tok := e.login("admin", testPassword, "ACME")
		r := e.postKey("admin/units/create", "key-1", map[string]any{"token": tok, "name": "East"})
		if r.Status != 200 || !bytes.Equal(r.Body, first) || r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay: %d %s %v", r.Status, r.Body, r.Header)
		}
		e.postKey("admin/units/create", "key-1", map[string]any{"token": tok, "name": "West"}).
			wantError(422, crmapi.IdempotencyKeyReused)
		// Errors are answers too: the same bad request replays its error.
		e.postKey("admin/units/create", "key-2", map[string]any{"token": tok, "name": "East"}).wantError(409, crmapi.Conflict)
		e.postKey("admin/units/create", "key-2", map[string]any{"token": tok, "name": "East"}).wantError(409, crmapi.Conflict)
		// Keys belong to one organisation: another may use the same key.
		if _, err := e.Svc.Auth.Bootstrap(t.Context(), service.Bootstrap{Organisation: "Globex", Password: testPassword}); err != nil {
			t.Fatal(err)
		}
		other := e.login("admin", testPassword, "Globex")
		e.postKey("admin/units/create", "key-1", map[string]any{"token": other, "name": "West"}).wantOK()
		e.postKey("admin/units/create", "key-3", map[string]any{"token": tok, "name": "North"}).wantOK()
		e.postKey("admin/units/create", "", map[string]any{"token": tok, "name": "South"}).wantOK()
		e.postKey("admin/units/create", "bad key with spaces", map[string]any{"token": tok, "name": "Up"}).
			wantError(400, crmapi.InvalidParameter)
		units, _ = e.Svc.Auth.Units(t.Context(), e.Org.ID)
		if len(units) != 4 {
			t.Fatalf("%d units, want 4", len(units))
		}
	})
}
