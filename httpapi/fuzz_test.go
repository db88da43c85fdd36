package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/httpapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/service"
	"github.com/crmapi/crmapi/sqlite"
)

// S6: the fuzz targets drive every route of the route table (a new route
// is fuzzed without a new target: the first input byte picks the route)
// through the real handler over a real SQLite store. Whatever the input,
// the answer is the CRM.COM envelope with a 4xx or 2xx status: a panic
// (turned into a 500 by the recovery middleware) or any 5xx fails.
//
//	go test ./httpapi -run '^$' -fuzz '^FuzzBody$' -fuzztime 1m
//	go test ./httpapi -run '^$' -fuzz '^FuzzQuery$' -fuzztime 1m
//
// Failing inputs are kept under testdata/fuzz/<target>/ and replayed by
// every plain go test run from then on.

// fuzzWorld is one world per fuzzing process, kept usable between inputs:
// an input may demote or disable A's admin, release its token or revoke
// its key, which would make every later input fail at authentication.
type fuzzWorld struct {
	*world
	routes []httpapi.RouteInfo
	token  string
	dirty  bool
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	// Limits that a fuzzer never reaches, so that logins stay evaluated.
	lim := service.LoginLimits{ClientAttempts: 1 << 30, AccountAttempts: 1 << 30, Window: time.Minute}
	w := mustWorld(f, fuzzStore(f), lim)
	fw := &fuzzWorld{world: w, routes: w.Handler.(*httpapi.Server).Routes()}
	fw.token = w.freshA()
	return fw
}

// fuzzStore is a real SQLite store, in memory-backed /dev/shm when the
// machine has it: fuzzing is about decoding, and fsyncs would only slow
// the executions down.
func fuzzStore(f *testing.F) crmapi.Store {
	dir := "/dev/shm"
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return testdb.SQLite(f)
	}
	dir, err := os.MkdirTemp(dir, "crmapi-fuzz-")
	if err != nil {
		return testdb.SQLite(f)
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "crmapi.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	return db
}

// restore makes A's admin an enabled admin with a live token again.
func (fw *fuzzWorld) restore(t *testing.T) {
	if !fw.dirty {
		return
	}
	ctx := context.Background()
	yes, no := true, false
	if _, err := fw.Svc.Auth.UpdateUser(ctx, fw.Org.ID, "admin", service.UserChange{Admin: &yes, Disabled: &no}); err != nil {
		t.Fatal(err)
	}
	tok, err := fw.Svc.Auth.LoginWithAPIKey(ctx, fw.AKeySecret, "", "fuzz")
	if err != nil { // the key was revoked: make another
		k, secret, err := fw.Svc.Auth.CreateAPIKey(ctx, fw.Org.ID, service.NewAPIKey{Name: "fuzz", Username: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		fw.AKey, fw.AKeySecret = k, secret
		if tok, err = fw.Svc.Auth.LoginWithAPIKey(ctx, secret, "", "fuzz"); err != nil {
			t.Fatal(err)
		}
	}
	fw.token, fw.dirty = tok, false
}

// call sends one fuzz input to route and checks the answer.
func (fw *fuzzWorld) call(t *testing.T, rt httpapi.RouteInfo, c apiCall) {
	fw.restore(t)
	switch {
	case rt.Path == "authentication/web_api_key/token":
		c.BasicUser = fw.AKeySecret
	case !rt.Public:
		c.Token = fw.token
	}
	c.Path = rt.Path
	rec := fw.serve(c)
	var env struct {
		Data   json.RawMessage
		Status httpapi.Status
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Status.Code == "" || env.Data == nil {
		t.Fatalf("%s %s %q: answer is not the envelope: %d %q", c.Method, rt.Path, c.Body, rec.Code, rec.Body.Bytes())
	}
	if rec.Code >= 500 {
		t.Fatalf("%s %s %q: %d %s", c.Method, rt.Path, c.Body, rec.Code, rec.Body.Bytes())
	}
	switch crmapi.Code(env.Status.Code) {
	case crmapi.InvalidToken, crmapi.PermissionDenied, crmapi.AuthenticationFailed:
		fw.dirty = true
	}
	switch rt.Path {
	case "admin/users/update", "authentication/token/release", "admin/web_api_keys/revoke":
		fw.dirty = true
	}
}

// route picks the route an input's first byte names.
func (fw *fuzzWorld) route(b uint8) httpapi.RouteInfo { return fw.routes[int(b)%len(fw.routes)] }

// hostileBodies seed every route beside its example.
var hostileBodies = []string{
	``, `{}`, `[]`, `null`, `"x"`, `0`, `{"a":1}{`, `{"name":"x","name":"y"}`, `{"Name":"x"}`,
	`{"fields_set":"id,name"}`, `{"fields_set":["id"]}`, `{"fields_set":{"a":1}}`, `{"token":7}`,
	`{"unit":{"id":"x"}}`, `{"admin":"yes"}`, `{"disabled":1e400}`, `{"name":"\ud800"}`,
	`{"name":"` + strings.Repeat("x", 5000) + `"}`, strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	`{"password":-1,"username":{},"organisation":[]}`, "{\"name\":\"a\u0000b\"}", `{"id":"` + strings.Repeat("Z", 300) + `"}`,
}

func FuzzBody(f *testing.F) {
	fw := newFuzzWorld(f)
	for i, rt := range fw.routes {
		body := fw.example(f, rt.Path, rt.Public).Body
		f.Add(uint8(i), []byte(body), "")
		f.Add(uint8(i), []byte(body), "key-"+rt.Path)
		for _, h := range hostileBodies {
			f.Add(uint8(i), []byte(h), "")
		}
	}
	f.Add(uint8(0), []byte(`{}`), "bad key with spaces")
	f.Add(uint8(0), []byte(`{}`), strings.Repeat("k", 300))
	f.Fuzz(func(t *testing.T, route uint8, body []byte, key string) {
		fw.call(t, fw.route(route), apiCall{Method: http.MethodPost, Body: string(body), IdempotencyKey: key})
	})
}

func FuzzQuery(f *testing.F) {
	fw := newFuzzWorld(f)
	var gets []httpapi.RouteInfo
	for _, rt := range fw.routes {
		if rt.Method == http.MethodGet {
			gets = append(gets, rt)
		}
	}
	if len(gets) == 0 {
		f.Skip("no GET routes")
	}
	for i, rt := range gets {
		f.Add(uint8(i), asQuery(fw.example(f, rt.Path, rt.Public).Body))
		for _, q := range []string{"", "fields_set=id,name", "fields_set=id&fields_set=id", "x=1", "a=%zz", "token=",
			"fields_set=%5B%22id%22%5D", "fields_set=" + strings.Repeat("a,", 3000), ";;&&==", "FIELDS_SET=id", "\x00=\xff"} {
			f.Add(uint8(i), q)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, query string) {
		fw.call(t, gets[int(route)%len(gets)], apiCall{Method: http.MethodGet, Body: query})
	})
}
