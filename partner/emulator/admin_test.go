package emulator_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi/partner"
	"github.com/crmapi/crmapi/partner/emulator"
)

func TestAdminEndpoints(t *testing.T) {
	e := newEnv(t, emulator.Options{})
	decode := func(body string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Fatalf("%v in %s", err, body)
		}
	}

	var clock struct {
		Now           time.Time `json:"now"`
		OffsetSeconds int64     `json:"offset_seconds"`
	}
	for _, body := range []string{`{"seconds": 60}`, `{"duration": "1h"}`, `{"seconds": "2h"}`} {
		if status, out := e.admin(http.MethodPost, "/admin/clock/advance", body); status != http.StatusOK {
			t.Fatalf("advance %s: %d %s", body, status, out)
		}
	}
	_, out := e.admin(http.MethodGet, "/admin/clock", "")
	decode(out, &clock)
	if want := 60 + 3600 + 7200; clock.OffsetSeconds != int64(want) || !clock.Now.Equal(t0.Add(time.Duration(want)*time.Second)) {
		t.Fatalf("clock = %+v", clock)
	}
	for _, body := range []string{`{"seconds": -5}`, `{}`, `nope`} {
		if status, _ := e.admin(http.MethodPost, "/admin/clock/advance", body); status != http.StatusBadRequest {
			t.Fatalf("advance %s accepted", body)
		}
	}

	status, out := e.admin(http.MethodPut, "/admin/faults", `{"error_rate":0.25,"slow_rate":0.5,"slow_delay":"10ms","lost_answer_rate":0.1,"seed":7}`)
	if status != http.StatusOK {
		t.Fatalf("faults: %d %s", status, out)
	}
	if f := e.em.Faults(); f.ErrorRate != 0.25 || f.SlowDelay != 10*time.Millisecond || f.LostAnswerRate != 0.1 || f.Seed != 7 {
		t.Fatalf("faults = %+v", f)
	}
	if _, out = e.admin(http.MethodGet, "/admin/faults", ""); !strings.Contains(out, `"slow_delay":"10ms"`) {
		t.Fatalf("GET faults = %s", out)
	}
	if status, _ = e.admin(http.MethodPut, "/admin/faults", `{"error_rate":2}`); status != http.StatusBadRequest {
		t.Fatal("error rate 2 accepted")
	}
	if err := e.em.SetFaults(emulator.FaultConfig{}); err != nil {
		t.Fatal(err)
	}

	pai := e.effective("op1", signupReq())
	status, out = e.admin(http.MethodPost, "/admin/accounts/"+pai+"/script", `{"outcomes":["BAD_REQUEST"]}`)
	if status != http.StatusOK || !strings.Contains(out, `"scripted_outcomes":["BAD_REQUEST"]`) {
		t.Fatalf("script: %d %s", status, out)
	}
	if status, _ = e.admin(http.MethodPost, "/admin/accounts/"+pai+"/script", `{"outcomes":["MAYBE"]}`); status != http.StatusBadRequest {
		t.Fatal("bad outcome accepted")
	}
	if status, _ = e.admin(http.MethodPost, "/admin/accounts/nope/script", `{"outcomes":["DECLINED"]}`); status != http.StatusNotFound {
		t.Fatal("script for an unknown account accepted")
	}
	e.admin(http.MethodPost, "/admin/clock/advance", `{"seconds":60}`)
	var info emulator.AccountInfo
	_, out = e.admin(http.MethodGet, "/admin/accounts/"+pai, "")
	decode(out, &info)
	if info.State != partner.StateTerminated || info.Operator != "op1" {
		t.Fatalf("account = %+v", info)
	}

	if status, out = e.admin(http.MethodPut, "/admin/outcomes", `{"declined":1}`); status != http.StatusOK {
		t.Fatalf("outcomes: %d %s", status, out)
	}
	pai2 := e.effective("op1", signupReq())
	e.em.AdvanceClock(time.Minute)
	if got := statuses(feedOf(e.feed("op1"), pai2)); got != "PENDING,DECLINED" {
		t.Fatalf("feed = %s", got)
	}

	status, out = e.admin(http.MethodPut, "/admin/promotions",
		`{"offer":"STANDARD","country":"GR","promotions":[{"code":"X1","name":"X","effective_from":"2020-01-01T00:00:00Z","discount_percent":10,"discount_periods":1}]}`)
	if status != http.StatusOK || !strings.Contains(out, `"code":"X1"`) {
		t.Fatalf("promotions: %d %s", status, out)
	}
	if promos, _ := e.cl.ListPromotions(e.ctx, "op1", "STANDARD", "GR"); len(promos) != 1 || promos[0].Code != "X1" {
		t.Fatalf("promotions = %+v", promos)
	}
	status, out = e.admin(http.MethodPut, "/admin/prices", `{"offer":"STANDARD","country":"GB","prices":[{"amount":"5.99","currency":"GBP"}]}`)
	if status != http.StatusOK || !strings.Contains(out, `"formatted_price":"£5.99"`) {
		t.Fatalf("prices: %d %s", status, out)
	}

	var st emulator.Stats
	_, out = e.admin(http.MethodGet, "/admin/stats", "")
	decode(out, &st)
	if st.Signups != 2 || st.Redemptions != 2 || st.Accounts[partner.StateTerminated] != 2 || st.DuplicateSignups != 0 ||
		st.Charges[partner.ChargeBadRequest] != 1 || st.Charges[partner.ChargeDeclined] != 1 {
		t.Fatalf("stats = %s", out)
	}
	if _, out = e.admin(http.MethodGet, "/admin/stats?operator=other", ""); !strings.Contains(out, `"signups":0`) {
		t.Fatalf("stats of another operator = %s", out)
	}
	if status, _ = e.admin(http.MethodGet, "/admin/nothing", ""); status != http.StatusNotFound {
		t.Fatalf("unknown admin endpoint: %d", status)
	}
}
