package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/crmapi/crmapi/client"
	"github.com/crmapi/crmapi/internal/apitest"
)

func TestNetflixCommands(t *testing.T) {
	srv := apitest.StartServer(t)
	t.Setenv("CRMAPI_CONFIG_DIR", t.TempDir())
	t.Setenv("CRMAPI_SERVER", "")
	if out, code := cli(t, password+"\n", "login", "--server", srv.URL, "--organisation", "ACME", "--username", "admin"); code != 0 {
		t.Fatalf("login: %d %s", code, out)
	}
	ok(t, []string{"CODE", "EFFECTIVE_FROM"}, "netflix", "promotions", "list")
	signup := jsonOf(t, "netflix", "subscriptions", "create", "cust-7", "--first-name", "Jane", "--last-name", "Doe",
		"--email", "jane@example.com", "--phone", "99123456", "--channel", "WEB", "--idempotency-key", "c-7")
	if signup["netflix_token"] == "" || !strings.Contains(signup["netflix_signup_url"].(string), "http") {
		t.Fatalf("create: %v", signup)
	}
	fails(t, exitRefused, "INVALID_LIFE_CYCLE_STATE", "netflix", "subscriptions", "create", "cust-7")
	fails(t, exitInvalid, "INVALID_PARAMETER", "netflix", "subscriptions", "create", "cust-8", "--email", "not-an-address")
	fails(t, exitUsage, "--customer is required", "netflix", "subscriptions", "suspend")
	srv.SignUp(t, signup["netflix_token"].(string))
	ok(t, []string{"SUBSCRIPTION_NUMBER", "EFFECTIVE", "cust-7", "PRICE"}, "netflix", "subscriptions", "show", "cust-7")
	fails(t, exitNotFound, "NOT_FOUND", "netflix", "subscriptions", "show", "nobody")

	page := jsonOf(t, "netflix", "charges", "list")
	charges := page["charges_set"].([]any)
	if len(charges) != 1 {
		t.Fatalf("charges: %v", page)
	}
	number := charges[0].(map[string]any)["number"].(string)
	ok(t, []string{"CHARGE_STATUS", number, "APPROVED", "next_cursor:"}, "netflix", "charges", "list", "--status", "PROCESSED", "--limit", "10")
	ok(t, []string{"every charge acknowledged"}, "netflix", "charges", "acknowledge", number, "--customer", "cust-7", "--reference", "ACK-1")
	ok(t, []string{"ALREADY_ACKNOWLEDGED"}, "netflix", "charges", "acknowledge", "--charges",
		`[{"number":"`+number+`","billing_system_customer_identifier":"cust-7","reference_number":"ACK-2"}]`)
	ok(t, []string{"(none)"}, "netflix", "charges", "list")
	ok(t, []string{"every charge agrees with its reference numbers"}, "netflix", "charges", "check")
	ok(t, []string{"NOT_FOUND"}, "netflix", "charges", "decline", "NC0000000099", "--customer", "cust-7")
	fails(t, exitRefused, "LIMIT_EXCEEDED", "netflix", "charges", "list", "--limit", "51")

	ok(t, []string{"ok"}, "netflix", "subscriptions", "suspend", "cust-7")
	ok(t, []string{"NOT_EFFECTIVE"}, "netflix", "subscriptions", "show", "cust-7")
	fails(t, exitRefused, "INVALID_LIFE_CYCLE_STATE", "netflix", "subscriptions", "suspend", "cust-7")
	ok(t, []string{"ok"}, "netflix", "subscriptions", "unsuspend", "cust-7")
	ok(t, []string{"ok"}, "netflix", "subscriptions", "cancel", "cust-7")
	ok(t, []string{"(none)"}, "netflix", "attention", "list")
	fails(t, exitNotFound, "NOT_FOUND", "netflix", "attention", "retry", "NFX0000000099")
	ok(t, []string{"netflix\\ charges)", "acknowledge", "netflix\\ subscriptions\\ create|"}, "completion", "bash")
}

// Every method of the server's OpenAPI document has a command, but the
// login methods, which login and logout use.
func TestEveryMethodHasACommand(t *testing.T) {
	resp, err := http.Get(startServer(t) + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]json.RawMessage `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || len(doc.Paths) < 50 {
		t.Fatalf("openapi.json: %d paths, %v", len(doc.Paths), err)
	}
	have := map[string]bool{}
	for _, c := range commands {
		have[c.Method] = true
	}
	for path := range doc.Paths {
		method := strings.TrimPrefix(strings.TrimPrefix(path, client.Prefix), "/")
		if !have[method] && !strings.HasPrefix(method, "authentication/") {
			t.Errorf("no command calls %s", method)
		}
	}
}
