package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi/internal/testdb"
)

// families are every metric family /metrics must expose; docs/metrics.md
// documents each of them.
var families = []string{
	"crmapi_http_requests_total", "crmapi_http_request_duration_seconds", "crmapi_http_requests_in_flight",
	"crmapi_database_up", "crmapi_database_ping_seconds", "crmapi_database_connections",
	"crmapi_database_acquire_waits_total", "crmapi_database_acquire_wait_seconds_total",
	"crmapi_jobs",
	"crmapi_partner_requests_total", "crmapi_partner_request_duration_seconds", "crmapi_partner_circuit_state",
	"crmapi_usage_holds_blocked", "crmapi_usage_holds_expired_total",
	"crmapi_netflix_charges_unacknowledged", "crmapi_netflix_charge_oldest_unacknowledged_age_seconds",
	"crmapi_netflix_subscriptions_needing_attention", "crmapi_webhook_deliveries",
	"crmapi_events_total", "crmapi_metrics_collect_errors_total",
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics: %d\n%s", resp.StatusCode, b)
	}
	return string(b)
}

// sample returns the value of the line starting with series, or "".
func sample(text, series string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

// The real program on both engines: /metrics exposes every family, and a
// hold created over the API shows at the next scrape.
func TestMetricsEndpoint(t *testing.T) {
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			cfg := Config{Demo: true, Metrics: MetricsConfig{CacheFor: time.Nanosecond}}
			if engine == "postgres" {
				cfg.Database = testdb.FreshPostgresURL(t)
			}
			m, _ := startMain(t, cfg)
			_, env := call(t, m.URL(), "authentication/token", map[string]any{"username": demoAdmin, "password": demoPassword, "organisation": demoOrganisation})
			token := env["data"].(map[string]any)["token"].(string)
			// The periodic jobs are queued once the queue has elected its leader.
			text := scrape(t, m.URL())
			for deadline := time.Now().Add(10 * time.Second); !strings.Contains(text, "\ncrmapi_jobs{") && time.Now().Before(deadline); {
				time.Sleep(50 * time.Millisecond)
				text = scrape(t, m.URL())
			}
			for _, f := range families {
				if !strings.Contains(text, "\n# TYPE "+f+" ") {
					t.Errorf("/metrics has no %s", f)
				}
			}
			if t.Failed() {
				t.Fatalf("/metrics:\n%s", text)
			}
			if v := sample(text, `crmapi_database_up{engine="`+engine+`"}`); v != "1" {
				t.Errorf("database up = %q", v)
			}
			held := `crmapi_usage_holds_blocked{organisation="DEMO"}`
			if v := sample(text, held); v != "0" {
				t.Fatalf("held before any hold: %s", v)
			}
			status, env := call(t, m.URL(), "usage_authorisations/create", map[string]any{"token": token,
				"accounts_receivable_identifier": map[string]any{"number": "ACR0000000001"}, "authorisation_amount": "50"})
			if status != 200 {
				t.Fatalf("create: %d %v", status, env)
			}
			text = scrape(t, m.URL())
			if v := sample(text, held); v != "1" {
				t.Fatalf("%s = %q after a hold", held, v)
			}
			if v := sample(text, `crmapi_usage_holds_blocked_amount{currency="EUR",organisation="DEMO"}`); v != "50" {
				t.Fatalf("held amount = %q", v)
			}
			if v := sample(text, `crmapi_events_total{type="usage_authorisation.created"}`); v != "1" {
				t.Fatalf("created events = %q", v)
			}
		})
	}
}

// docs/metrics.md documents every family, and the Grafana dashboard uses
// only families that exist (and every one but the process's own).
func TestMetricsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	known := map[string]bool{}
	for _, f := range append(families, "crmapi_database_write_queue_depth", "crmapi_usage_holds_blocked_amount") {
		known[f] = true
		if !strings.Contains(string(doc), "`"+f+"`") {
			t.Errorf("docs/metrics.md does not document %s", f)
		}
	}
	used := map[string]bool{}
	name := regexp.MustCompile(`crmapi_[a-z_]+`)
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, n := range name.FindAllString(tg.Expr, -1) {
				n = strings.TrimSuffix(n, "_bucket")
				if !known[n] {
					t.Errorf("the dashboard uses %s, which does not exist", n)
				}
				used[n] = true
			}
		}
	}
	for f := range known {
		if !used[f] && f != "crmapi_metrics_collect_errors_total" && f != "crmapi_http_requests_in_flight" {
			t.Errorf("the dashboard does not show %s", f)
		}
	}
}
