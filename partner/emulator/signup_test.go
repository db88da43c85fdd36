package emulator_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

func TestSignupRedeemedThroughTheHTMLForm(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	req := signupReq()
	req.PromotionCode = "FREE1M"
	s := e.signup("op1", req)
	if len(s.PAI) < 16 || s.SignupToken == "" {
		t.Fatalf("signup = %+v", s)
	}
	if want := e.srv.URL + "/signup?token="; !strings.HasPrefix(s.SignupURL, want) {
		t.Fatalf("signup_url = %q, want prefix %q", s.SignupURL, want)
	}
	if !s.TokenExpiresAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("token_expires_at = %v", s.TokenExpiresAt)
	}
	if a := e.account("op1", s.PAI); a.State != partner.StatePendingSignup || a.SignedUpAt != nil || a.PromotionCode != "FREE1M" {
		t.Fatalf("account before redemption = %+v", a)
	}

	page := strings.TrimPrefix(s.SignupURL, e.srv.URL)
	status, body := e.do(http.MethodGet, page, "", nil)
	if status != http.StatusOK || !strings.Contains(body, "STANDARD") || !strings.Contains(body, "€7.99") ||
		!strings.Contains(body, "First month free") || !strings.Contains(body, `<form method="post" action="/signup">`) {
		t.Fatalf("sign-up page: %d\n%s", status, body)
	}

	status, body = e.postForm("/signup", url.Values{"token": {s.SignupToken}, "email": {"jane@example.com"}})
	if status != http.StatusOK || !strings.Contains(body, `id="done"`) {
		t.Fatalf("redeem: %d\n%s", status, body)
	}
	a := e.account("op1", s.PAI)
	if a.State != partner.StateEffective || a.SignedUpAt == nil || !a.SignedUpAt.Equal(t0) {
		t.Fatalf("account after redemption = %+v", a)
	}
	if len(a.RedeemedPromotions) != 1 || a.RedeemedPromotions[0].Code != "FREE1M" || !a.RedeemedPromotions[0].RedeemedAt.Equal(t0) {
		t.Fatalf("redeemed promotions = %+v", a.RedeemedPromotions)
	}
	if len(a.Prices) != 1 || a.Prices[0].FormattedPrice != "€7.99" || a.Prices[0].Amount != "7.99" ||
		a.Prices[0].Currency != "EUR" || a.Prices[0].Plan != "STANDARD" {
		t.Fatalf("prices = %+v", a.Prices)
	}
	if info, _ := e.em.Account("op1", s.PAI); info.Email != "jane@example.com" {
		t.Fatalf("email = %q", info.Email)
	}

	// A used token is refused, on the page and on the form.
	if status, body = e.postForm("/signup", url.Values{"token": {s.SignupToken}}); status != http.StatusConflict ||
		!strings.Contains(body, "already been used") {
		t.Fatalf("second redemption: %d\n%s", status, body)
	}
	if status, _ = e.do(http.MethodGet, page, "", nil); status != http.StatusConflict {
		t.Fatalf("page of a used token: %d", status)
	}
	if status, _ = e.do(http.MethodGet, "/signup?token=nope", "", nil); status != http.StatusNotFound {
		t.Fatalf("page of an unknown token: %d", status)
	}
}

func TestExpiredTokenRefused(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	req := signupReq()
	req.ValiditySeconds = 60
	s := e.signup("op1", req)
	e.em.AdvanceClock(60 * time.Second)

	page := strings.TrimPrefix(s.SignupURL, e.srv.URL)
	if status, body := e.do(http.MethodGet, page, "", nil); status != http.StatusGone || !strings.Contains(body, "expired") {
		t.Fatalf("page: %d\n%s", status, body)
	}
	if status, body := e.postForm("/signup", url.Values{"token": {s.SignupToken}}); status != http.StatusGone ||
		!strings.Contains(body, "expired") || strings.Contains(body, "<form") {
		t.Fatalf("form: %d\n%s", status, body)
	}
	status, body := e.do(http.MethodPost, "/signup/redeem", `{"token":"`+s.SignupToken+`"}`, nil)
	if status != http.StatusGone || !strings.Contains(body, partner.CodeTokenExpired) {
		t.Fatalf("JSON redeem: %d %s", status, body)
	}
	if a := e.account("op1", s.PAI); a.State != partner.StatePendingSignup {
		t.Fatalf("state = %s", a.State)
	}
}

func TestRedeemJSON(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	s := e.signup("op1", signupReq())
	status, body := e.do(http.MethodPost, "/signup/redeem", `{"token":"`+s.SignupToken+`","email":"a@b.c"}`, nil)
	if status != http.StatusOK || !strings.Contains(body, `"state":"EFFECTIVE"`) {
		t.Fatalf("redeem: %d %s", status, body)
	}
	if status, body = e.do(http.MethodPost, "/signup/redeem", `{"token":"`+s.SignupToken+`"}`, nil); status != http.StatusConflict ||
		!strings.Contains(body, partner.CodeTokenUsed) {
		t.Fatalf("second redeem: %d %s", status, body)
	}
	// A sign-up terminated before redemption cannot be redeemed.
	s2 := e.signup("op1", signupReq())
	if _, err := e.cl.Terminate(e.ctx, "op1", s2.PAI, e.opID(), 1); err != nil {
		t.Fatal(err)
	}
	_, err := e.em.RedeemToken(s2.SignupToken, "")
	wantCode(t, err, partner.CodeInvalidState)
}

func TestSignupValidation(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	for name, tc := range map[string]struct {
		mutate func(*partner.SignupRequest)
		code   string
	}{
		"no offer":         {func(r *partner.SignupRequest) { r.Offer = "" }, partner.CodeInvalidRequest},
		"bad country":      {func(r *partner.SignupRequest) { r.Country = "Greece" }, partner.CodeInvalidRequest},
		"bad channel":      {func(r *partner.SignupRequest) { r.Channel = "FAX" }, partner.CodeInvalidRequest},
		"zero validity":    {func(r *partner.SignupRequest) { r.ValiditySeconds = 0 }, partner.CodeInvalidRequest},
		"too long":         {func(r *partner.SignupRequest) { r.ValiditySeconds = 86401 }, partner.CodeInvalidRequest},
		"unknown promo":    {func(r *partner.SignupRequest) { r.PromotionCode = "NOPE" }, partner.CodePromotionUnavailable},
		"lower-case is ok": {func(r *partner.SignupRequest) { r.Country, r.Channel = "gr", "mobile" }, ""},
	} {
		t.Run(name, func(t *testing.T) {
			req := signupReq()
			tc.mutate(&req)
			_, err := e.cl.CreateSignup(e.ctx, "op1", e.opID(), req)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			pe := wantCode(t, err, tc.code)
			if pe.Status != http.StatusBadRequest || pe.Retryable || pe.Attempts != 1 {
				t.Fatalf("error = %+v", pe)
			}
		})
	}
}

func TestPromotionsAndPrices(t *testing.T) {
	e := newEnv(t, emulator.Options{PriceAmount: "9.99", Currency: "USD"})
	promos, err := e.cl.ListPromotions(e.ctx, "op1", "STANDARD", "GR")
	if err != nil || len(promos) != 2 || promos[0].Code != "FREE1M" || promos[1].Code != "HALF3M" {
		t.Fatalf("promotions = %+v, %v", promos, err)
	}
	prices, err := e.cl.ListPrices(e.ctx, "op1", "PREMIUM", "US")
	if err != nil || len(prices) != 1 || prices[0].FormattedPrice != "$9.99" || prices[0].Plan != "PREMIUM" {
		t.Fatalf("prices = %+v, %v", prices, err)
	}

	expired := t0.Add(-time.Hour)
	if err := e.em.SetPromotions("STANDARD", "GR", []partner.Promotion{
		{Code: "SUMMER", Name: "Summer", EffectiveFrom: t0.Add(24 * time.Hour), DiscountPercent: 20, DiscountPeriods: 2},
		{Code: "OLD", Name: "Old", EffectiveFrom: t0.AddDate(-1, 0, 0), ExpiresOn: &expired},
	}); err != nil {
		t.Fatal(err)
	}
	promos, _ = e.cl.ListPromotions(e.ctx, "op1", "STANDARD", "GR")
	if len(promos) != 1 || promos[0].Code != "SUMMER" {
		t.Fatalf("GR promotions = %+v", promos)
	}
	if promos, _ = e.cl.ListPromotions(e.ctx, "op1", "STANDARD", "DE"); len(promos) != 2 {
		t.Fatalf("DE promotions = %+v", promos)
	}
	// Listed but not yet in effect: a sign-up cannot carry it until then.
	req := signupReq()
	req.PromotionCode = "SUMMER"
	_, err = e.cl.CreateSignup(e.ctx, "op1", e.opID(), req)
	wantCode(t, err, partner.CodePromotionUnavailable)
	e.em.AdvanceClock(24 * time.Hour)
	if _, err := e.cl.CreateSignup(e.ctx, "op1", e.opID(), req); err != nil {
		t.Fatal(err)
	}

	if err := e.em.SetPrices("STANDARD", "CH", []partner.Price{{Amount: "12.50", Currency: "CHF", Plan: "STANDARD"}}); err != nil {
		t.Fatal(err)
	}
	prices, _ = e.cl.ListPrices(e.ctx, "op1", "STANDARD", "CH")
	if len(prices) != 1 || prices[0].FormattedPrice != "12.50 CHF" {
		t.Fatalf("CH prices = %+v", prices)
	}
	if err := e.em.SetPrices("", "", []partner.Price{{Amount: "7,99", Currency: "EUR"}}); err == nil {
		t.Fatal("a malformed amount was accepted")
	}
}
