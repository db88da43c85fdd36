package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func sign(secret string, t time.Time, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.%s", t.Unix(), body)
	return fmt.Sprintf("t=%d,v1=%s", t.Unix(), hex.EncodeToString(mac.Sum(nil)))
}

func TestReceiver(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(1_800_000_000, 0)
	r := newReceiver("whsec_test", &out)
	r.now = func() time.Time { return now }
	srv := httptest.NewServer(r)
	defer srv.Close()
	post := func(body, signature string) int {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Crmapi-Signature", signature)
		req.Header.Set("Crmapi-Delivery-Id", "D1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	body := `{"id":"E1","type":"usage_authorisation.created","sequence":3,"created_date":"2026-11-23T19:00:39","data":{"usage_authorisation_identifier":"UA0000000001"}}`
	if code := post(body, sign("whsec_test", now, body)); code != 204 {
		t.Fatalf("signed delivery: %d\n%s", code, out.String())
	}
	if code := post(body, sign("whsec_test", now, body)); code != 204 {
		t.Fatalf("repeated delivery: %d", code)
	}
	if code := post(body, sign("whsec_other", now, body)); code != 400 {
		t.Fatalf("wrong secret: %d", code)
	}
	if code := post(body, sign("whsec_test", now.Add(-10*time.Minute), body)); code != 400 {
		t.Fatalf("old signature: %d", code)
	}
	if code := post(strings.Replace(body, "UA0000000001", "UA0000000002", 1), sign("whsec_test", now, body)); code != 400 {
		t.Fatalf("altered body: %d", code)
	}
	got := out.String()
	for _, want := range []string{"verified usage_authorisation.created E1 sequence 3", `"usage_authorisation_identifier": "UA0000000001"`,
		"(duplicate, already printed)", "REFUSED delivery D1: crmapi webhook: signature does not match",
		"signature time outside the tolerance"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}

func TestSecretRequired(t *testing.T) {
	t.Setenv("CRMAPI_WEBHOOK_SECRET", "")
	if err := run(t.Context(), nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "--secret") {
		t.Fatalf("without a secret: %v", err)
	}
}
