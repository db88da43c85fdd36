package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crmapi/crmapi/internal/apitest"
)

const password = apitest.Password

func startServer(t *testing.T) string {
	t.Helper()
	url, _ := apitest.Start(t)
	return url
}

// cli runs the CLI and returns its output and exit code.
func cli(t *testing.T, stdin string, args ...string) (string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), exitCode(err)
}

func TestCLI(t *testing.T) {
	url := startServer(t)
	dir := t.TempDir()
	t.Setenv("CRMAPI_CONFIG_DIR", dir)
	t.Setenv("CRMAPI_SERVER", "")
	if out, code := cli(t, "", "units", "list"); code != exitAuth {
		t.Fatalf("before login: %d %s", code, out)
	}
	if out, code := cli(t, "wrong password\n", "login", "--server", url, "--organisation", "ACME", "--username", "admin"); code != exitAuth {
		t.Fatalf("bad login: %d %s", code, out)
	}
	if out, code := cli(t, password+"\n", "login", "--server", url, "--organisation", "ACME", "--username", "admin"); code != 0 {
		t.Fatalf("login: %d %s", code, out)
	}
	info, err := os.Stat(filepath.Join(dir, "session.json"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("session file: %v %v", info, err)
	}
	if out, code := cli(t, "", "units", "create", "East"); code != 0 || !strings.Contains(out, "East") {
		t.Fatalf("units create: %d %s", code, out)
	}
	out, code := cli(t, "", "units", "list")
	if code != 0 || !strings.Contains(out, "NAME") || !strings.Contains(out, "East") || !strings.Contains(out, "Head Office") {
		t.Fatalf("units list: %d %s", code, out)
	}
	if out, code := cli(t, "", "units", "list", "--json"); code != 0 || !strings.HasPrefix(strings.TrimSpace(out), "[") {
		t.Fatalf("units list --json: %d %s", code, out)
	}
	if out, code := cli(t, "", "units", "create", "East"); code != exitRefused || !strings.Contains(out, "CONFLICT") {
		t.Fatalf("duplicate unit: %d %s", code, out)
	}
	if out, code := cli(t, "", "users", "create", "bob", "--password", "short"); code != exitInvalid {
		t.Fatalf("short password: %d %s", code, out)
	}
	if out, code := cli(t, "", "call", "admin/users/update", "username=nobody", "disabled=true"); code != exitNotFound {
		t.Fatalf("unknown user: %d %s", code, out)
	}
	if out, code := cli(t, "", "call", "admin/users/list", "--json"); code != 0 || !strings.Contains(out, `"username": "admin"`) {
		t.Fatalf("call: %d %s", code, out)
	}
	if out, code := cli(t, "", "nonsense"); code != exitUsage {
		t.Fatalf("unknown command: %d %s", code, out)
	}
	if out, code := cli(t, "", "completion", "bash"); code != 0 || !strings.Contains(out, "complete -F _crmapi crmapi") {
		t.Fatalf("completion: %d %s", code, out)
	}
	if out, code := cli(t, "", "logout"); code != 0 {
		t.Fatalf("logout: %d %s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "session.json")); !os.IsNotExist(err) {
		t.Fatal("session kept after logout")
	}
}
