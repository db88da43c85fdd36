package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startMain runs the real program on 127.0.0.1:0 with a temporary data
// directory, as a newcomer's first command would.
func startMain(tb testing.TB, cfg Config) (*Main, *bytes.Buffer) {
	tb.Helper()
	out := &bytes.Buffer{}
	if cfg.DataDir == "" {
		cfg.DataDir = tb.TempDir()
	}
	cfg.Listen = "127.0.0.1:0"
	if cfg.TokenLifetime == 0 {
		cfg.TokenLifetime = 2 * time.Hour
	}
	cfg.LogFormat, cfg.LogLevel, cfg.ShutdownGrace = "text", "warn", 5*time.Second
	m := &Main{Config: cfg, Out: out}
	if err := m.Run(context.Background()); err != nil {
		tb.Fatalf("run: %v\n%s", err, out)
	}
	tb.Cleanup(func() { m.Close() })
	return m, out
}

// call posts a JSON body to an API method and returns the envelope.
func call(tb testing.TB, base, path string, body map[string]any) (int, map[string]any) {
	tb.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(base+"/crmapi/rest/v2/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env map[string]any
	if err := json.Unmarshal(raw, &env); err != nil {
		tb.Fatalf("%s: not JSON: %s", path, raw)
	}
	return resp.StatusCode, env
}

func statusCode(env map[string]any) string {
	return env["status"].(map[string]any)["code"].(string)
}

func TestServeDemoEndToEnd(t *testing.T) {
	m, out := startMain(t, Config{Demo: true})
	if !strings.Contains(out.String(), `"organisation":"DEMO"`) {
		t.Fatalf("start-up does not say how to log in:\n%s", out)
	}
	status, env := call(t, m.URL(), "authentication/token", map[string]any{"username": demoAdmin, "password": demoPassword, "organisation": demoOrganisation})
	if status != 200 || statusCode(env) != "OK" {
		t.Fatalf("login: %d %v", status, env)
	}
	token := env["data"].(map[string]any)["token"].(string)
	status, env = call(t, m.URL(), "admin/users/list", map[string]any{"token": token})
	if status != 200 || len(env["data"].([]any)) != 2 {
		t.Fatalf("users: %d %v", status, env)
	}
	resp, err := http.Get(m.URL() + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(metrics), `crmapi_http_requests_total{code="OK",method="admin/users/list",status="200"} 1`) {
		t.Fatalf("/metrics does not count the request:\n%s", metrics)
	}
}

func TestFirstServeBootstrapsOnce(t *testing.T) {
	dir := t.TempDir()
	m, out := startMain(t, Config{DataDir: dir})
	re := regexp.MustCompile(`shown only this once:\s+(\S+)`)
	match := re.FindStringSubmatch(out.String())
	if match == nil {
		t.Fatalf("no generated password printed:\n%s", out)
	}
	status, env := call(t, m.URL(), "authentication/token", map[string]any{"username": "admin", "password": match[1], "organisation": "MAIN"})
	if status != 200 {
		t.Fatalf("login with printed password: %d %v", status, env)
	}
	m.Close()
	key1, _ := os.ReadFile(filepath.Join(dir, "signing.key"))
	_, out2 := startMain(t, Config{DataDir: dir})
	if strings.Contains(out2.String(), "shown only this once") {
		t.Fatal("second start bootstrapped again")
	}
	key2, _ := os.ReadFile(filepath.Join(dir, "signing.key"))
	if len(key1) != 65 || !bytes.Equal(key1, key2) {
		t.Fatalf("signing key not kept: %q vs %q", key1, key2)
	}
}

func TestConfigRefusedBeforeOpening(t *testing.T) {
	dir := t.TempDir()
	for name, cfg := range map[string]Config{
		"short key":     {SigningKey: "too-short", DataDir: dir},
		"long lifetime": {TokenLifetime: 3 * time.Hour, DataDir: dir},
		"bad log level": {LogLevel: "loud", DataDir: dir},
	} {
		cfg.Listen = "127.0.0.1:0"
		if cfg.TokenLifetime == 0 {
			cfg.TokenLifetime = time.Hour
		}
		if cfg.LogFormat == "" {
			cfg.LogFormat = "text"
		}
		if cfg.LogLevel == "" {
			cfg.LogLevel = "info"
		}
		m := &Main{Config: cfg}
		if err := m.Run(context.Background()); err == nil {
			m.Close()
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "crmapi.db")); err == nil {
		t.Fatal("a refused config still opened the database")
	}
}

func TestManagementCommands(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	runOK := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(ctx, append(args, "--data-dir", dir), &out, &errOut); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut.String())
		}
		return out.String()
	}
	if out := runOK("migrate"); !strings.Contains(out, "sqlite schema at version") {
		t.Fatalf("migrate: %s", out)
	}
	if out := runOK("bootstrap", "--organisation", "ACME"); !strings.Contains(out, "password (shown once)") {
		t.Fatalf("bootstrap: %s", out)
	}
	runOK("units", "add", "--organisation", "ACME", "East")
	if out := runOK("units", "list", "--organisation", "ACME"); !strings.Contains(out, "East") {
		t.Fatalf("units list: %s", out)
	}
	t.Setenv("CRMAPI_PASSWORD", "a long enough password")
	runOK("users", "add", "--organisation", "ACME", "--unit", "East", "ops")
	runOK("users", "disable", "--organisation", "ACME", "ops")
	if out := runOK("users", "list", "--organisation", "ACME"); !regexp.MustCompile(`ops\s+false\s+true`).MatchString(out) {
		t.Fatalf("users list: %s", out)
	}
	if out := runOK("keys", "create", "--organisation", "ACME", "billing"); !strings.Contains(out, "crk_") {
		t.Fatalf("keys create: %s", out)
	}
	if out := runOK("version"); !strings.HasPrefix(out, "crmapid ") {
		t.Fatalf("version: %s", out)
	}
	var errOut bytes.Buffer
	if err := run(ctx, []string{"users", "add", "--organisation", "NOPE", "x", "--data-dir", dir}, io.Discard, &errOut); err == nil {
		t.Fatal("unknown organisation accepted")
	}
}
