package client

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/crmapi/crmapi/internal/apitest"
)

const password = apitest.Password

func startServer(t *testing.T) string {
	t.Helper()
	url, _ := apitest.Start(t)
	return url
}

func TestClient(t *testing.T) {
	ctx := context.Background()
	c := New(startServer(t))
	err := c.Login(ctx, Credentials{Username: "admin", Password: "wrong password", Organisation: "ACME"})
	if !IsCode(err, "AUTHENTICATION_FAILED") {
		t.Fatalf("bad login: %v", err)
	}
	if err := c.Login(ctx, Credentials{Username: "admin", Password: password, Organisation: "ACME"}); err != nil {
		t.Fatal(err)
	}
	if until := time.Until(c.TokenExpiry()); until < time.Hour || until > 2*time.Hour+time.Minute {
		t.Fatalf("token expiry in %v", until)
	}
	a, err := c.CreateUnit(ctx, "East", WithIdempotencyKey("k1"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CreateUnit(ctx, "East", WithIdempotencyKey("k1"))
	if err != nil || a.ID != b.ID {
		t.Fatalf("idempotent retry: %v %v %v", a, b, err)
	}
	_, err = c.CreateUnit(ctx, "East")
	var e *Error
	if !IsCode(err, "CONFLICT") || !errors.As(err, &e) || e.HTTPStatus != 409 {
		t.Fatalf("duplicate unit: %v", err)
	}
	units, err := c.Units(ctx)
	if err != nil || len(units) != 2 {
		t.Fatalf("units: %v %v", units, err)
	}
	// A token about to expire is renewed before the call.
	old := c.Token()
	c.renewBefore = 3 * time.Hour
	if _, err := c.Users(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Token() == old {
		t.Fatal("token not renewed")
	}
	key, err := c.CreateAPIKey(ctx, "billing", "")
	if err != nil {
		t.Fatal(err)
	}
	k := New(c.baseURL)
	if err := k.Login(ctx, Credentials{APIKey: key.Key}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.APIKeys(ctx); err != nil {
		t.Fatal(err)
	}
	current := c.Token()
	if err := c.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := New(c.baseURL, WithToken(current)).Units(ctx); !IsCode(err, "INVALID_TOKEN") && !IsCode(err, "EXPIRED_TOKEN") {
		t.Fatalf("call after logout: %v", err)
	}
}
