package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// testKey is the signing key of test servers.
var testKey = []byte("0123456789abcdef0123456789abcdef")

// env is a real server over a real SQLite store.
type env struct {
	t   testing.TB
	URL string
	// Handler is the server's handler, for requests that need a chosen
	// client address (RemoteAddr) or no network at all.
	Handler http.Handler
	Store   crmapi.Store
	Svc     *service.Services
	Clock   *crmapi.ManualClock
	Org     crmapi.Organisation
	Token   string
	// openapi is the server's document, fetched once.
	openapi map[string]any
	// lastBodyHadFields tells conforms that the request asked for fields_set.
	lastBodyHadFields bool
}

const testPassword = "correct horse battery"

// mustEnv starts a server with organisation ACME, admin "admin" and a token.
func mustEnv(tb testing.TB, limits ...service.LoginLimits) *env {
	tb.Helper()
	return mustEnvOn(tb, testdb.SQLite(tb), limits...)
}

// mustEnvOn is mustEnv on the given store.
func mustEnvOn(tb testing.TB, store crmapi.Store, limits ...service.LoginLimits) *env {
	tb.Helper()
	lim := service.LoginLimits{ClientAttempts: 1000, AccountAttempts: 1000, Window: time.Minute}
	if len(limits) > 0 {
		lim = limits[0]
	}
	clock := crmapi.NewManualClock(time.Date(2026, 4, 4, 10, 0, 0, 0, time.UTC))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := service.New(service.Config{Store: store, Clock: clock, SigningKey: testKey, Logger: log, LoginLimits: lim})
	if err != nil {
		tb.Fatal(err)
	}
	h := httpapi.NewServer(httpapi.Config{Services: svc, Store: store, Logger: log})
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	e := &env{t: tb, URL: srv.URL, Handler: h, Store: store, Svc: svc, Clock: clock}
	res, err := svc.Auth.Bootstrap(context.Background(), service.Bootstrap{Organisation: "ACME", Username: "admin", Password: testPassword})
	if err != nil {
		tb.Fatal(err)
	}
	e.Org = res.Organisation
	e.Token = e.login("admin", testPassword, "ACME")
	return e
}

func (e *env) login(user, password, org string) string {
	e.t.Helper()
	resp := e.post("authentication/token", map[string]any{"username": user, "password": password, "organisation": org})
	resp.wantOK()
	var d struct{ Token string }
	resp.data(&d)
	return d.Token
}

// response is a decoded answer.
type response struct {
	t      testing.TB
	Status int
	Header http.Header
	Body   []byte
	Env    struct {
		Data   json.RawMessage
		Status httpapi.Status
	}
}

func (r *response) wantOK() {
	r.t.Helper()
	if r.Status != 200 || r.Env.Status.Code != "OK" {
		r.t.Fatalf("want OK, got %d %s", r.Status, r.Body)
	}
}

func (r *response) wantError(status int, code crmapi.Code) {
	r.t.Helper()
	if r.Status != status || r.Env.Status.Code != string(code) {
		r.t.Fatalf("want %d %s, got %d %s", status, code, r.Status, r.Body)
	}
	if string(r.Env.Data) != "{}" {
		r.t.Fatalf("error data = %s, want {}", r.Env.Data)
	}
}

// wantErrorNamed is wantError for one of many cases, named in the failure;
// it does not stop the test.
func (r *response) wantErrorNamed(name string, status int, code crmapi.Code) {
	r.t.Helper()
	if r.Status != status || r.Env.Status.Code != string(code) {
		r.t.Errorf("%s: want %d %s, got %d %s", name, status, code, r.Status, r.Body)
	}
}

func (r *response) data(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Env.Data, v); err != nil {
		r.t.Fatalf("decode data %s: %v", r.Env.Data, err)
	}
}

func (e *env) do(req *http.Request) *response {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	r := &response{t: e.t, Status: resp.StatusCode, Header: resp.Header}
	r.Body, _ = io.ReadAll(resp.Body)
	if err := json.Unmarshal(r.Body, &r.Env); err != nil {
		e.t.Fatalf("answer is not the envelope: %d %q", resp.StatusCode, r.Body)
	}
	if err := e.conforms(req, r); err != nil {
		e.t.Fatalf("answer does not conform to /openapi.json: %v\n%s", err, r.Body)
	}
	return r
}

// alwaysPossible are codes any method may answer, beside its documented ones.
var alwaysPossible = map[string]bool{"GENERAL_ERROR": true, "REQUEST_TOO_LARGE": true, "METHOD_NOT_ALLOWED": true,
	"IDEMPOTENCY_KEY_REUSED": true, "IDEMPOTENCY_REQUEST_IN_PROGRESS": true, "SERVICE_UNAVAILABLE": true, "INVALID_PARAMETER": true}

// conforms checks an API answer against the server's own OpenAPI document,
// so that the document and the behaviour cannot drift apart.
func (e *env) conforms(req *http.Request, r *response) error {
	filtered := strings.Contains(req.URL.RawQuery, "fields_set") || e.lastBodyHadFields
	return conformsTo(e.URL, &e.openapi, req, r.Status, r.Body, filtered)
}

// conformsTo checks one answer (status and body) of the server at base
// against its /openapi.json, fetched once into *doc.
func conformsTo(base string, doc *map[string]any, req *http.Request, status int, raw []byte, filtered bool) error {
	path := req.URL.Path
	if !strings.HasPrefix(path, httpapi.Prefix) {
		return nil
	}
	if *doc == nil {
		resp, err := http.Get(base + "/openapi.json")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		if err := dec.Decode(doc); err != nil {
			return err
		}
	}
	item, ok := (*doc)["paths"].(map[string]any)[path].(map[string]any)
	if !ok {
		return nil // an unknown method: answered NOT_FOUND, checked by its test
	}
	op, ok := item[strings.ToLower(req.Method)].(map[string]any)
	if !ok {
		op, _ = item["post"].(map[string]any)
	}
	defs := (*doc)["components"].(map[string]any)["schemas"].(map[string]any)
	var body any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		return err
	}
	responses := op["responses"].(map[string]any)
	if status == 200 {
		schema := responses["200"].(map[string]any)["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
		return validate(schema, body, "answer", defs, !filtered)
	}
	if err := validate(map[string]any{"$ref": "#/components/schemas/ErrorEnvelope"}, body, "answer", defs, true); err != nil {
		return err
	}
	code, _ := body.(map[string]any)["status"].(map[string]any)["code"].(string)
	if alwaysPossible[code] {
		return nil
	}
	for _, c := range op["x-crm-error-codes"].([]any) {
		if c == code {
			return nil
		}
	}
	return fmt.Errorf("%s answered %s, which its documentation does not list", path, code)
}

// post sends a JSON body (a string is sent as is).
func (e *env) post(path string, body any) *response {
	e.t.Helper()
	var b []byte
	if s, ok := body.(string); ok {
		b = []byte(s)
	} else {
		b, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest("POST", e.URL+httpapi.Prefix+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	e.lastBodyHadFields = bytes.Contains(b, []byte(`"fields_set"`))
	return e.do(req)
}

// get sends a raw query string.
func (e *env) get(path, query string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.URL+httpapi.Prefix+path+"?"+query, nil)
	return e.do(req)
}

var volatile = regexp.MustCompile(`"(token|id|request_id)": "[^"]*"|[0-9A-F]{32}`)

// golden compares the answer with testdata/name.json, ids and tokens blanked.
func golden(tb testing.TB, name string, r *response) {
	tb.Helper()
	var pretty bytes.Buffer
	json.Indent(&pretty, r.Body, "", "  ")
	got := volatile.ReplaceAllStringFunc(pretty.String(), func(s string) string {
		if k, _, ok := strings.Cut(s, ":"); ok && strings.HasPrefix(s, `"`) {
			return k + `: "…"`
		}
		return "…"
	})
	got = "HTTP " + http.StatusText(r.Status) + "\n" + got
	path := filepath.Join("testdata", name+".json")
	if *update {
		os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("no golden file %s (run with -update): %v", path, err)
	}
	if string(want) != got {
		tb.Fatalf("%s differs:\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}
