package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// ok runs the CLI, wants exit code 0 and every want in the output.
func ok(t *testing.T, want []string, args ...string) string {
	t.Helper()
	out, code := cli(t, "", args...)
	if code != 0 {
		t.Fatalf("crmapi %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("crmapi %s: no %q in\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

// fails runs the CLI and wants exit code code and want in the output.
func fails(t *testing.T, code int, want string, args ...string) {
	t.Helper()
	out, got := cli(t, "", args...)
	if got != code || !strings.Contains(out, want) {
		t.Fatalf("crmapi %s: exit %d, want %d with %q\n%s", strings.Join(args, " "), got, code, want, out)
	}
}

// jsonOf runs the CLI with --json and decodes the answer.
func jsonOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	out := ok(t, nil, append(args, "--json")...)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("crmapi %s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return m
}

func loginCLI(t *testing.T) {
	t.Helper()
	url := startServer(t)
	t.Setenv("CRMAPI_CONFIG_DIR", t.TempDir())
	t.Setenv("CRMAPI_SERVER", "")
	if out, code := cli(t, password+"\n", "login", "--server", url, "--organisation", "ACME", "--username", "admin"); code != 0 {
		t.Fatalf("login: %d %s", code, out)
	}
}

func TestUsageCommands(t *testing.T) {
	loginCLI(t)
	ok(t, []string{"Litres"}, "catalogue", "udr-types", "create", "Litres", "--alternative-code", "L")
	ok(t, []string{"Diesel fuels", "Litres"}, "catalogue", "product-types", "create", "Diesel fuels", "--udr-type", "alternative_code=L",
		"--alternative-code", "USTB")
	ok(t, []string{"FUEL"}, "catalogue", "families", "create", "FUEL", "--name", "Fuel")
	ok(t, []string{"Diesel", "1.5", "FUEL"}, "catalogue", "services", "create", "Diesel", "--product-type", "Diesel fuels",
		"--family", "FUEL", "--unit-rate", "1.5", "--alternative-code", "DSL")
	ok(t, []string{"CODE", "UNIT_RATE", "DSL", "Diesel fuels"}, "catalogue", "services", "list")
	ok(t, []string{"NAME", "UDR_TYPE", "Litres"}, "catalogue", "product-types", "list")
	ok(t, []string{"FUEL"}, "catalogue", "families", "list")
	ok(t, []string{"L"}, "catalogue", "udr-types", "list")

	contact := jsonOf(t, "contacts", "create", "PERSON", "--first-name", "Maria", "--last-name", "Georgiou")
	ok(t, []string{"Georgiou", "FIRST_NAME"}, "contacts", "list")
	ok(t, []string{"Georgiou"}, "contacts", "show", contact["id"].(string))
	fails(t, exitInvalid, "INVALID_PARAMETER", "contacts", "create", "ROBOT")
	acct := jsonOf(t, "accounts", "create", "--contact", contact["id"].(string), "--currency", "EUR", "--name", "Maria")
	number := acct["number"].(string)
	ok(t, []string{"available_amount", "20.5", "PAY-1"}, "accounts", "pay", number, "--amount", "20.50", "--reference", "PAY-1")
	ok(t, []string{"CREDIT", "100.5"}, "accounts", "credit", "Maria", "--amount", "80")
	fails(t, exitUsage, "not a decimal", "accounts", "pay", number, "--amount", "1,5")
	ok(t, []string{"TYPE", "PAYMENT", "CREDIT"}, "accounts", "ledger", number)
	ok(t, []string{"USAGE", "EFFECTIVE"}, "subscriptions", "create", number)
	ok(t, []string{"NUMBER", "SUB"}, "subscriptions", "list", number)
	ok(t, []string{"USAGE/DAY", "Diesel", "30", "block_unlisted"}, "allowances", "set", number, "--over-limit-percentage", "10",
		"--limits", `[{"service_identifier":{"code":"Diesel"},"maximum_usage_per_day":"30"}]`)
	ok(t, []string{"authorisation_validity_minutes", "1440", "Diesel"}, "allowances", "show", number)

	// usage create, with an Idempotency-Key retried: one hold.
	out := ok(t, []string{"BLOCKED", "authorisation_id", "UA0000000001", number, "MAXIMUM_AMOUNT", "Diesel"},
		"usage", "create", "--account", number, "--amount", "50", "--idempotency-key", "k-1")
	if again := ok(t, nil, "usage", "create", "--account", number, "--amount", "50", "--idempotency-key", "k-1"); again != out {
		t.Fatalf("retried create answered differently:\n%s\n%s", out, again)
	}
	ok(t, []string{"held_amount", "50", "available_amount"}, "accounts", "show", number)
	fails(t, exitRefused, "INSUFFICIENT_FUNDS", "usage", "create", "--account", number, "--amount", "60")
	fails(t, exitUsage, "--amount is required", "usage", "create", "--account", number)
	fails(t, exitInvalid, "MANDATORY_PARAMETER_MISSING", "usage", "create", "--amount", "5")
	ok(t, []string{"UA0000000001", "BLOCKED"}, "usage", "show", "UA0000000001")
	fails(t, exitNotFound, "NOT_FOUND", "usage", "show", "UA0000000099")
	ok(t, []string{"UA0000000002", "BLOCKED"}, "usage", "create", "--subscription", "SUB0000000001", "--amount", "10")
	ok(t, []string{"CANCELLED", "cancelled_by", "admin"}, "usage", "cancel", "UA0000000002")
	fails(t, exitRefused, "INVALID_LIFE_CYCLE_STATE", "usage", "cancel", "UA0000000002")

	// usage post against the first hold completes it.
	ok(t, []string{"ADD_SERVICE_USAGE", "COMPLETED", "total_rated_amount", "30", "RATED_AMOUNT", "UDR0000000001"},
		"usage", "post", "--account", number, "--authorisation", "UA0000000001", "--service", "alternative_code=DSL", "--usage", "20")
	fails(t, exitRefused, "LIMIT_EXCEEDED", "usage", "post", "--account", number, "--service", "Diesel", "--usage", "20")
	ok(t, []string{"4.5"}, "usage", "post", "--subscription", "SUB0000000001",
		"--lines", `[{"product_identifier":{"code":"Diesel"},"usage_amount":"3"}]`)
	ok(t, []string{"USAGE_AMOUNT", "UDR0000000002", "4.5"}, "usage", "records", number)
	out = ok(t, []string{"AUTHORISATION_ID", "COMPLETED", "CANCELLED", "SA0000000001"}, "usage", "list", number)
	if strings.Contains(out, "account_owner") {
		t.Fatalf("usage list shows nested objects:\n%s", out)
	}
	ok(t, []string{"UA0000000002"}, "usage", "list", "--account", number, "--limit", "1", "--offset", "1")

	ok(t, []string{"SUSPENDED"}, "accounts", "suspend", number)
	fails(t, exitRefused, "INVALID_LIFE_CYCLE_STATE", "usage", "create", "--account", number, "--amount", "1")
	ok(t, []string{"ACTIVE"}, "accounts", "activate", number)
	ok(t, []string{"TERMINATED"}, "accounts", "terminate", number)
	ok(t, []string{"BALANCED", "true"}, "accounts", "check")
	ok(t, []string{"AVAILABLE_AMOUNT", number, "TERMINATED", "66"}, "accounts", "list")
	ok(t, []string{"usage\\ post|usage\\ post\\ *)", "--authorisation", "catalogue\\ services)"}, "completion", "bash")
}

func TestIdentifiers(t *testing.T) {
	for _, c := range []struct {
		e    *entity
		in   string
		want string
	}{
		{accountEntity, "ACR0000000001", `{"number":"ACR0000000001"}`},
		{accountEntity, "0123456789abcdef0123456789abcdef", `{"id":"0123456789ABCDEF0123456789ABCDEF"}`},
		{accountEntity, "Initech Ltd", `{"name":"Initech Ltd"}`},
		{accountEntity, "number=X1", `{"number":"X1"}`},
		{accountEntity, "colour=red", `{"name":"colour=red"}`},
		{authorisationEntity, "UA0000000007", `{"authorisation_id":"UA0000000007"}`},
		{serviceEntity, "Unleaded 95", `{"code":"Unleaded 95"}`},
		{serviceEntity, "alternative_code=U95", `{"alternative_code":"U95"}`},
	} {
		b, _ := json.Marshal(c.e.identify(c.in))
		if string(b) != c.want {
			t.Errorf("%q → %s, want %s", c.in, b, c.want)
		}
	}
	params := map[string]any{}
	setPath(params, "usage_detail_records_set[0].product_identifier", map[string]any{"code": "Diesel"})
	setPath(params, "usage_detail_records_set[0].usage_amount", "20")
	setPath(params, "a.b", 1)
	if b, _ := json.Marshal(params); string(b) != `{"a":{"b":1},"usage_detail_records_set":[{"product_identifier":{"code":"Diesel"},"usage_amount":"20"}]}` {
		t.Fatalf("setPath: %s", b)
	}
}
