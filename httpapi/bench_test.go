package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/sqlite"
)

// The hot path's pieces, each alone (go test -bench . -benchmem ./httpapi).

func BenchmarkDecodeParamsJSON(b *testing.B) {
	body := []byte(`{"token":"x","accounts_receivable_identifier":{"number":"ACR0000000001"},"authorisation_amount":"50.25","a":"x","fields_set":"id,life_cycle_state"}`)
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", Prefix+"usage_authorisations/create", bytes.NewReader(body))
		p, err := readParams(r)
		if err != nil {
			b.Fatal(err)
		}
		delete(p, "token")
		delete(p, "fields_set")
		var v identParams
		if err := decodeParams(p, &v); err != nil {
			b.Fatal(err)
		}
		if _, _, err := v.Account.one("accounts_receivable_identifier", "id", "number", "name"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeParamsQuery(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		p, err := queryParams("accounts_receivable_identifier=number%3DACR0000000001&a=x&number_of_results=50")
		if err != nil {
			b.Fatal(err)
		}
		var v identParams
		if err := decodeParams(p, &v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFieldsSetFilter(b *testing.B) {
	v := map[string]any{"id": "79890340CF9B4896A366C95B6042C970", "life_cycle_state": "BLOCKED", "authorisation_amount": "50",
		"accounts_receivable": map[string]any{"id": "A99AC83A", "number": "ACR0000008125", "name": "AC Allowance_12",
			"account_owner": map[string]any{"first_name": "AC", "last_name": "Allowance_12"}}}
	fs := FieldsSet{"id", "life_cycle_state", "accounts_receivable.number"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := filterFields(v, fs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticatedRequest is a whole request through the handler:
// routing, decoding, token verification against its session, one read,
// the envelope. It shows what each request costs besides its own work.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	store, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "crmapi.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, SigningKey: []byte("0123456789abcdef0123456789abcdef"), Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: "ACME", Password: "correct horse battery"}); err != nil {
		b.Fatal(err)
	}
	token, err := svc.Auth.Login(ctx, service.Login{Username: "admin", Password: "correct horse battery", Organisation: "ACME"})
	if err != nil {
		b.Fatal(err)
	}
	h := NewServer(Config{Services: svc, Store: store, Logger: log})
	body, _ := json.Marshal(map[string]string{"token": token})
	b.Run("units-list", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", Prefix+"admin/units/list", bytes.NewReader(body)))
			if rec.Code != http.StatusOK {
				b.Fatal(rec.Body.String())
			}
		}
	})
	b.Run("token-verify-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := svc.Auth.VerifyToken(token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("token-with-session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := svc.Auth.Authenticate(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
