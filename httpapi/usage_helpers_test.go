package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/sqlite"
)

// The -update flag rewrites the golden files under testdata/ instead of
// comparing. It is registered here unless another file of the package
// registers it first (package variables are set before init runs).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files under testdata/")
	}
}

func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// testServer is the real HTTP server over a real SQLite store in a
// temporary directory, with a clock the test moves.
type testServer struct {
	*httptest.Server
	Store crmapi.Store
	Svc   *service.Services
	Clock *crmapi.ManualClock
	// openapi is the server's document, for the conformance check of every answer.
	openapi map[string]any
}

// mustServer starts a server whose clock stands at start.
func mustServer(tb testing.TB, start time.Time) *testServer {
	tb.Helper()
	store, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "crmapi.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { store.Close() })
	clock := crmapi.NewManualClock(start)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: bytes.Repeat([]byte("k"), 32), Logger: logger,
		LoginLimits: service.LoginLimits{ClientAttempts: 1000, AccountAttempts: 1000, Window: time.Minute}})
	if err != nil {
		tb.Fatal(err)
	}
	ts := &testServer{Server: httptest.NewServer(httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: logger})),
		Store: store, Svc: svc, Clock: clock}
	tb.Cleanup(ts.Close)
	return ts
}

// tenant is an organisation with an admin and a non-admin operator, logged in.
type tenant struct {
	Org      crmapi.Organisation
	Admin    string // token
	Operator string // token
}

const usagePassword = "correct horse battery"

// mustTenant creates an organisation with users admin and operator and
// logs both in.
func (ts *testServer) mustTenant(tb testing.TB, name string) tenant {
	tb.Helper()
	ctx := context.Background()
	res, err := ts.Svc.Auth.Bootstrap(ctx, service.Bootstrap{Organisation: name, Username: "admin", Password: usagePassword, Test: true})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := ts.Svc.Auth.CreateUser(ctx, res.Organisation.ID, service.NewUser{Username: "operator", Password: usagePassword}); err != nil {
		tb.Fatal(err)
	}
	return ts.mustLogin(tb, res.Organisation)
}

// mustLogin logs the tenant's users in again (after the clock has moved
// past their tokens' lifetime).
func (ts *testServer) mustLogin(tb testing.TB, org crmapi.Organisation) tenant {
	tb.Helper()
	tn := tenant{Org: org}
	for _, u := range []struct {
		name  string
		token *string
	}{{"admin", &tn.Admin}, {"operator", &tn.Operator}} {
		var tok struct {
			Token string `json:"token"`
		}
		ts.mustOK(tb, "", http.MethodPost, "authentication/token", map[string]any{"username": u.name, "password": usagePassword,
			"organisation": org.Name}, &tok)
		*u.token = tok.Token
	}
	return tn
}

// call makes one API call with params (and token, when not empty): a
// JSON body for POST, a query string for GET, where an identifier object
// {"number": "ACR…"} becomes number=ACR….
func (ts *testServer) call(tb testing.TB, token, method, path string, params map[string]any) (int, httpapi.Envelope) {
	tb.Helper()
	p := map[string]any{}
	for k, v := range params {
		p[k] = v
	}
	if token != "" {
		p["token"] = token
	}
	var req *http.Request
	var err error
	if method == http.MethodGet {
		q := url.Values{}
		for k, v := range p {
			switch x := v.(type) {
			case map[string]any:
				for field, value := range x {
					q.Set(k, field+"="+value.(string))
				}
			case string:
				q.Set(k, x)
			default:
				b, _ := json.Marshal(x)
				q.Set(k, string(b))
			}
		}
		req, err = http.NewRequest(method, ts.URL+httpapi.Prefix+path+"?"+q.Encode(), nil)
	} else {
		body, _ := json.Marshal(p)
		req, err = http.NewRequest(method, ts.URL+httpapi.Prefix+path, bytes.NewReader(body))
	}
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env httpapi.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		tb.Fatalf("%s %s: answer is not the envelope: %v", method, path, err)
	}
	if err := conformsTo(ts.URL, &ts.openapi, req, resp.StatusCode, raw, p["fields_set"] != nil); err != nil {
		tb.Fatalf("%s %s: answer does not conform to /openapi.json: %v\n%s", method, path, err, raw)
	}
	return resp.StatusCode, env
}

// mustOK makes a call that must succeed and decodes its data into out (when not nil).
func (ts *testServer) mustOK(tb testing.TB, token, method, path string, params map[string]any, out any) json.RawMessage {
	tb.Helper()
	status, env := ts.call(tb, token, method, path, params)
	if status != http.StatusOK || env.Status.Code != string(crmapi.OK) {
		tb.Fatalf("%s %s: HTTP %d %s: %s (%s)", method, path, status, env.Status.Code, env.Status.Message, env.Status.Description)
	}
	if out != nil {
		if err := json.Unmarshal(env.Data, out); err != nil {
			tb.Fatalf("%s %s: data: %v", method, path, err)
		}
	}
	return env.Data
}

// mustFail makes a call that must fail with code and HTTP status, and
// returns the error's description.
func (ts *testServer) mustFail(tb testing.TB, token, method, path string, params map[string]any, code crmapi.Code, status int) string {
	tb.Helper()
	got, env := ts.call(tb, token, method, path, params)
	if env.Status.Code != string(code) || got != status {
		tb.Fatalf("%s %s: HTTP %d %s (%s), want HTTP %d %s", method, path, got, env.Status.Code, env.Status.Description, status, code)
	}
	if string(env.Data) != "{}" {
		tb.Fatalf("%s %s: error data = %s, want {}", method, path, env.Data)
	}
	return env.Status.Description
}

// idPattern matches the generated 32-hex ids.
var idPattern = regexp.MustCompile(`"[0-9A-F]{32}"`)

// normaliseIDs replaces generated ids by ID-1, ID-2, … in order of first
// appearance, so that a golden file is stable yet shows which ids are equal.
func normaliseIDs(b []byte) []byte {
	seen := map[string]string{}
	return idPattern.ReplaceAllFunc(b, func(id []byte) []byte {
		name, ok := seen[string(id)]
		if !ok {
			name = `"ID-` + strconv.Itoa(len(seen)+1) + `"`
			seen[string(id)] = name
		}
		return []byte(name)
	})
}

// mustGolden compares data, indented and with ids normalised, with
// testdata/name, or rewrites the file under -update.
func mustGolden(tb testing.TB, name string, data json.RawMessage) {
	tb.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, data, "", "  "); err != nil {
		tb.Fatal(err)
	}
	got := append(normaliseIDs(buf.Bytes()), '\n')
	path := filepath.Join("testdata", name)
	if updateGolden() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		tb.Fatalf("%s differs from the answer (run go test -update to accept it):\n%s", path, got)
	}
}
