package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWebhookCommands(t *testing.T) {
	url := startServer(t)
	t.Setenv("CRMAPI_CONFIG_DIR", t.TempDir())
	t.Setenv("CRMAPI_SERVER", "")
	if out, code := cli(t, password+"\n", "login", "--server", url, "--organisation", "ACME", "--username", "admin"); code != 0 {
		t.Fatalf("login: %d %s", code, out)
	}
	out, code := cli(t, "", "webhooks", "create", "https://hooks.example.com/crm", "--event-types",
		"netflix.charge.received, usage_authorisation.created", "--json")
	if code != 0 {
		t.Fatalf("webhooks create: %d %s", code, out)
	}
	var ep struct {
		ID         string   `json:"id"`
		Secret     string   `json:"secret"`
		EventTypes []string `json:"event_types"`
	}
	if err := json.Unmarshal([]byte(out), &ep); err != nil || !strings.HasPrefix(ep.Secret, "whsec_") || len(ep.EventTypes) != 2 {
		t.Fatalf("webhooks create: %s", out)
	}
	out, code = cli(t, "", "webhooks", "list")
	if code != 0 || !strings.Contains(out, "PENDING_DELIVERIES") || !strings.Contains(out, "https://hooks.example.com/crm") ||
		strings.Contains(out, "whsec_") {
		t.Fatalf("webhooks list: %d %s", code, out)
	}
	out, code = cli(t, "", "webhooks", "update", ep.ID, "--enabled=false", "--event-types", "*")
	if code != 0 || !strings.Contains(out, "enabled") || !strings.Contains(out, `["*"]`) || strings.Contains(out, "whsec_") {
		t.Fatalf("webhooks update: %d %s", code, out)
	}
	if out, code = cli(t, "", "webhooks", "update", ep.ID, "--rotate-secret"); code != 0 || !strings.Contains(out, "whsec_") {
		t.Fatalf("webhooks update --rotate-secret: %d %s", code, out)
	}
	if out, code = cli(t, "", "webhooks", "create", "ftp://x.example/"); code != exitInvalid {
		t.Fatalf("ftp endpoint: %d %s", code, out)
	}
	out, code = cli(t, "", "events", "list", "--limit", "5")
	if code != 0 || !strings.Contains(out, "(none)") || !strings.Contains(out, "next_cursor:") || !strings.Contains(out, "has_more:") {
		t.Fatalf("events list: %d %s", code, out)
	}
	if out, code = cli(t, "", "events", "list", "--limit", "500"); code != exitRefused {
		t.Fatalf("events list --limit 500: %d %s", code, out)
	}
	if out, code = cli(t, "", "webhooks", "deliveries", "--state", "FAILED"); code != 0 || !strings.Contains(out, "total:") {
		t.Fatalf("webhooks deliveries: %d %s", code, out)
	}
	if out, code = cli(t, "", "events", "show", "0123456789ABCDEF0123456789ABCDEF"); code != exitNotFound {
		t.Fatalf("events show unknown: %d %s", code, out)
	}
	if out, code = cli(t, "", "events", "redeliver", "0123456789ABCDEF0123456789ABCDEF"); code != exitNotFound {
		t.Fatalf("events redeliver unknown: %d %s", code, out)
	}
	if out, code = cli(t, "", "webhooks", "delete", ep.ID); code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("webhooks delete: %d %s", code, out)
	}
	if out, code = cli(t, "", "completion", "bash"); !strings.Contains(out, "webhooks)") || !strings.Contains(out, "events)") {
		t.Fatalf("completion: %s", out)
	}
}
