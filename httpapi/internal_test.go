package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crmapi/crmapi"
)

type identParams struct {
	Account Identifier    `json:"accounts_receivable_identifier" crm:"mandatory"`
	Amount  crmapi.Amount `json:"authorisation_amount"`
	Count   int           `json:"number_of_results"`
	A       string        `json:"a" crm:"semi=ab"`
	B       string        `json:"b" crm:"semi=ab"`
}

func TestQueryIdentifiers(t *testing.T) {
	for _, q := range []string{
		"accounts_receivable_identifier=number=ACR1&a=x",
		"accounts_receivable_identifier=number%3DACR1&a=x",
	} {
		p, err := queryParams(q)
		if err != nil {
			t.Fatal(err)
		}
		var v identParams
		if err := decodeParams(p, &v); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		f, val, err := v.Account.one("accounts_receivable_identifier", "id", "number", "name")
		if err != nil || f != "number" || val != "ACR1" {
			t.Fatalf("%s: one = %s %s %v", q, f, val, err)
		}
	}
	cases := map[string]crmapi.Code{
		"a=x": crmapi.MandatoryParameterMissing,
		"accounts_receivable_identifier=ACR1&a=x":                                  crmapi.InvalidParameter,
		"accounts_receivable_identifier=number=1&a=x&b=y":                          crmapi.OnlyOneSemiOptionalAllowed,
		"accounts_receivable_identifier=number=1":                                  crmapi.MandatoryParameterMissing,
		"accounts_receivable_identifier=number=1&a=x&number_of_results=ten":        crmapi.InvalidParameter,
		"accounts_receivable_identifier=number=1&a=x&authorisation_amount=1.00001": crmapi.InvalidParameter,
	}
	for q, want := range cases {
		p, err := queryParams(q)
		if err == nil {
			var v identParams
			err = decodeParams(p, &v)
		}
		if got := crmapi.ErrorCode(err); got != want {
			t.Errorf("%s: %s (%v), want %s", q, got, err, want)
		}
	}
}

func TestIdentifierOne(t *testing.T) {
	var id Identifier
	json.Unmarshal([]byte(`{"number":"ACR1","id":"X"}`), &id)
	_, _, err := id.one("ar", "id", "number")
	if crmapi.ErrorCode(err) != crmapi.OnlyOneSemiOptionalAllowed {
		t.Fatalf("two fields: %v", err)
	}
	json.Unmarshal([]byte(`{"colour":"red"}`), &id)
	if _, _, err := id.one("ar", "id", "number"); crmapi.ErrorCode(err) != crmapi.InvalidParameter {
		t.Fatalf("unknown field: %v", err)
	}
	id = Identifier{"number": json.RawMessage(`""`)}
	if _, _, err := id.one("ar", "id", "number"); crmapi.ErrorCode(err) != crmapi.InvalidParameter {
		t.Fatalf("empty value: %v", err)
	}
}

func TestFilterFieldsDotted(t *testing.T) {
	v := map[string]any{"id": "1", "amount": "5", "accounts_receivable": map[string]any{"number": "ACR1", "name": "n", "owner": map[string]any{"x": 1}}}
	b, err := filterFields(v, FieldsSet{"id", "accounts_receivable.number"})
	if err != nil || string(b) != `{"accounts_receivable":{"number":"ACR1"},"id":"1"}` {
		t.Fatalf("filter = %s %v", b, err)
	}
	b, _ = filterFields([]any{v, v}, FieldsSet{"amount"})
	if string(b) != `[{"amount":"5"},{"amount":"5"}]` {
		t.Fatalf("filter array = %s", b)
	}
	var fs FieldsSet
	json.Unmarshal([]byte(`" a , b,,c "`), &fs)
	if strings.Join(fs, "|") != "a|b|c" {
		t.Fatalf("fields_set string = %q", fs)
	}
}

func TestPanicBecomesGeneralError(t *testing.T) {
	s := NewServer(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	s.add("GET", "test/panic", public, func(*request) (any, error) { panic("secret internal detail") })
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", Prefix+"test/panic", nil))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret") ||
		!strings.Contains(rec.Body.String(), `"GENERAL_ERROR"`) {
		t.Fatalf("panic answer: %d %s", rec.Code, rec.Body)
	}
}

func TestEveryCodeHasAStatus(t *testing.T) {
	for _, c := range crmapi.Codes {
		if _, ok := statusByCode[c]; !ok {
			t.Errorf("code %s has no HTTP status", c)
		}
	}
}
