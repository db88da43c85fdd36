package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/crmapi/crmapi"
	"github.com/crmapi/crmapi/internal/testdb"
	"github.com/crmapi/crmapi/sqlite"
)

// D1: kill -9 the real binary at a random moment under a load of
// concurrent writes, restart it on the same data, and check the
// client-side history against what the restarted server lists.
//
// 20 rounds per engine by default, 200 with CRMAPI_LONG=1, any number with
// -crash.rounds or CRMAPI_CRASH_ROUNDS; a replay with -crash.seed or
// CRMAPI_CRASH_SEED:
//
//	CRMAPI_CRASH_ROUNDS=500 go test ./cmd/crmapid -run TestCrashSafety -v -timeout 2h

var (
	crashRoundsFlag = flag.Int("crash.rounds", 0, "crash-test rounds per engine (default $CRMAPI_CRASH_ROUNDS or 20)")
	crashSeedFlag   = flag.Uint64("crash.seed", 0, "crash-test seed (default $CRMAPI_CRASH_SEED or random)")
)

const (
	crashWorkers = 8
	// crashMaxWrites bounds one worker's writes in a round, so a late kill
	// still makes a bounded round.
	crashMaxWrites = 2000
)

func crashSettings(t *testing.T) (rounds int, seed uint64) {
	rounds, seed = 20, uint64(time.Now().UnixNano())
	if os.Getenv("CRMAPI_LONG") != "" {
		rounds = 200
	}
	if v := os.Getenv("CRMAPI_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("CRMAPI_CRASH_ROUNDS=%q", v)
		}
		rounds = n
	}
	if v := os.Getenv("CRMAPI_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("CRMAPI_CRASH_SEED=%q", v)
		}
		seed = n
	}
	if *crashRoundsFlag > 0 {
		rounds = *crashRoundsFlag
	}
	if *crashSeedFlag != 0 {
		seed = *crashSeedFlag
	}
	return rounds, seed
}

func TestCrashSafety(t *testing.T) {
	rounds, seed := crashSettings(t)
	t.Logf("seed %d (replay with CRMAPI_CRASH_SEED=%d), %d rounds per engine", seed, seed, rounds)
	crmapidBinary(t)
	t.Run("sqlite", func(t *testing.T) { crashRounds(t, seed, rounds, "") })
	t.Run("postgres", func(t *testing.T) { crashRounds(t, seed, rounds, testdb.FreshPostgresURL(t)) })
}

// crashRounds runs the rounds on one engine: SQLite in the data directory
// when dsn is empty, else the PostgreSQL database dsn (whose server is
// never touched: only crmapid dies).
func crashRounds(t *testing.T, seed uint64, rounds int, dsn string) {
	dataDir := t.TempDir()
	args := []string{"--data-dir", dataDir, "--demo", "--shutdown-grace", "10s"}
	if dsn != "" {
		args = append(args, "--database", dsn)
	}
	rng := rand.New(rand.NewPCG(seed, uint64(len(dsn))))
	h := newHistory()
	p := startProc(t, args...)
	// One client per process: it logs in once after each start, and both
	// the check of a round and the load of the next use its token.
	c := newAPIClient(p.URL, crashWorkers)
	c.login(t, demoAdmin, demoPassword, demoOrganisation)
	fx := setupFixture(t, c)
	started := time.Now()
	logins := 0
	for round := 1; round <= rounds; round++ {
		// Kill somewhere between almost at once and over half a
		// second into the load.
		killAfter := time.Duration(20+rng.IntN(600)) * time.Millisecond
		var wg sync.WaitGroup
		for id := range crashWorkers {
			w := &loadWorker{id: id, round: round, h: h, fx: fx, rng: rand.New(rand.NewPCG(seed, uint64(round*1000+id)))}
			wg.Go(func() { w.run(c) })
		}
		time.Sleep(killAfter)
		p.kill()
		wg.Wait()
		if dsn == "" {
			integrity(t, filepath.Join(dataDir, "crmapi.db"))
		}
		p = startProc(t, args...)
		c = newAPIClient(p.URL, crashWorkers)
		c.login(t, demoAdmin, demoPassword, demoOrganisation)
		resolveUnknown(t, c, h)
		checkHistory(t, c, h, round, round == rounds)
		if (round%5 == 0 || round == rounds) && checkUserLogsIn(t, p.URL, h) {
			logins++
		}
		if t.Failed() {
			t.Fatalf("round %d of seed %d failed; the server's output ends:\n%s", round, seed, p.out)
		}
	}
	if err := p.terminate(t, 60*time.Second); err != nil {
		t.Fatalf("crmapid exited with %v after SIGTERM:\n%s", err, p.out)
	}
	if dsn == "" {
		integrity(t, filepath.Join(dataDir, "crmapi.db"))
	}
	n := h.counts()
	if len(h.refused) > 0 {
		t.Errorf("valid writes refused during the load: %v", h.refused)
	}
	t.Logf("%d rounds in %s: %d writes invoked, %d acknowledged, %d refused or not sent, %d unknown at the kill "+
		"(%d of them with an Idempotency-Key: %d applied, %d not applied on retry); lost 0, half-done 0, integrity ok; "+
		"%d created users logged in", rounds, time.Since(started).Round(time.Second), n.invoked, n.acked, n.failed,
		n.unknown+n.resolvedApplied+n.resolvedAbsent, n.keyedUnknown, n.resolvedApplied, n.resolvedAbsent, logins)
}

// run sends writes until the worker's bound or until the server stops
// answering; an unknown outcome ends it too, so that a worker's writes
// stay ordered (the next write never overtakes one that may still apply).
func (w *loadWorker) run(c *apiClient) {
	total := 0
	for _, k := range writeKinds {
		total += k.weight
	}
	for range crashMaxWrites {
		pick := w.rng.IntN(total)
		var kind *writeKind
		for _, k := range writeKinds {
			if pick < k.weight {
				kind = k
				break
			}
			pick -= k.weight
		}
		wr := kind.next(w)
		if wr == nil {
			continue
		}
		wr.kind = kind
		a := c.post(context.Background(), wr.path, wr.params, wr.key)
		if o := w.h.record(wr, a); o != outcomeOK {
			if o == outcomeUnknown || !a.Sent {
				return
			}
		}
	}
}

// integrity runs PRAGMA integrity_check on the SQLite file of a stopped
// server; opening it also recovers its write-ahead log.
func integrity(t *testing.T, path string) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatalf("open after crash: %v", err)
	}
	defer db.Close()
	res, err := db.IntegrityCheck(context.Background())
	if err != nil || res != "ok" {
		t.Fatalf("integrity_check after crash: %q, %v", res, err)
	}
}

// resolveUnknown sends every write of unknown outcome that carries an
// Idempotency-Key again, as a client would after an outage: it must
// converge to exactly one effect or none.
func resolveUnknown(t *testing.T, c *apiClient, h *history) {
	t.Helper()
	for _, wr := range h.writes {
		if wr.outcome != outcomeUnknown || wr.key == "" {
			continue
		}
		a := c.post(context.Background(), wr.path, wr.params, wr.key)
		switch {
		case a.Err != nil || a.Status >= 500:
			t.Fatalf("retry of %s (key %s): %d %v", wr.path, wr.key, a.Status, a.Err)
		case a.Status >= 200 && a.Status < 300:
			h.resolve(wr, outcomeOK, a.Data)
		case a.Code == string(crmapi.IdempotencyRequestInFlight) && a.Message == "Request already applied":
			// Committed, answer lost: the effect must be there.
			h.resolve(wr, outcomeOK, nil)
		case a.Code == string(crmapi.IdempotencyRequestInFlight) && wr.kind.convergesWithoutKey:
			// Its first step may be stored, pending: the same request
			// without the key must finish it, once.
			b := c.post(context.Background(), wr.path, wr.params, "")
			if b.Err != nil || b.Status != 200 {
				t.Errorf("%s %v after a crash: the retry does not converge: %d %s %s %v", wr.path, wr.params, b.Status, b.Code, b.Message, b.Err)
			}
			h.resolve(wr, outcomeOK, b.Data)
		case a.Code == string(crmapi.IdempotencyRequestInFlight):
			// Claimed but never applied: no process runs it any more, and
			// the effect must not be there.
			h.resolve(wr, outcomeFailed, nil)
		default:
			t.Errorf("retry of %s %v (key %s): %d %s %s", wr.path, wr.params, wr.key, a.Status, a.Code, a.Message)
			h.resolve(wr, outcomeFailed, nil)
		}
	}
}

// checkHistory checks every write of the history against the restarted server.
func checkHistory(t *testing.T, c *apiClient, h *history, round int, final bool) {
	t.Helper()
	s := &state{c: c, h: h, round: round, final: final, lists: map[string][]map[string]any{}, index: map[string]map[string][]map[string]any{}}
	if err := checkBooks(s); err != nil {
		t.Error(err)
	}
	bad := 0
	for _, wr := range h.writes {
		if err := wr.kind.check(s, wr); err != nil {
			if bad++; bad <= 20 {
				t.Errorf("%s (round %d, worker %d, key %q, outcome %d): %v", wr.path, wr.round, wr.worker, wr.key, wr.outcome, err)
			}
		}
	}
	if bad > 20 {
		t.Errorf("… and %d more", bad-20)
	}
}

// checkUserLogsIn logs in as the newest acknowledged user that no write
// may have disabled: a user is wholly created only if its password hash
// and unit work, not just if its row is listed. (One login per check: the
// rate limits allow ten a minute.)
func checkUserLogsIn(t *testing.T, base string, h *history) bool {
	t.Helper()
	for i := len(h.writes) - 1; i >= 0; i-- {
		wr := h.writes[i]
		if wr.kind != userCreate || wr.outcome != outcomeOK {
			continue
		}
		name := wr.params["username"].(string)
		enabled := true
		for _, st := range h.allowedUserStates(name) {
			enabled = enabled && !st[1]
		}
		if !enabled {
			continue
		}
		a := newAPIClient(base, 1).post(context.Background(), "authentication/token",
			map[string]any{"username": name, "password": crashPassword, "organisation": demoOrganisation}, "")
		if a.Err != nil || a.Status != 200 {
			t.Errorf("acknowledged user %s cannot log in: %d %s %v", name, a.Status, a.Code, a.Err)
		}
		return true
	}
	return false
}

// state is the restarted server's data, listed once per check.
type state struct {
	c     *apiClient
	h     *history
	round int                                    // the round just crashed
	final bool                                   // the last check of the run
	lists map[string][]map[string]any            // list path and parameters → rows
	index map[string]map[string][]map[string]any // … + field → value → rows
}

// rows lists a method's rows for params, once per check. Methods that page
// (number_of_results and offset) are read to the end.
func (s *state) rows(path string, params map[string]any) ([]map[string]any, error) {
	k := path + " " + jsonText(params)
	if rows, ok := s.lists[k]; ok {
		return rows, nil
	}
	var all []map[string]any
	for offset := 0; ; offset += pageSize {
		p := map[string]any{}
		for kk, v := range params {
			p[kk] = v
		}
		if paged[path] {
			p["number_of_results"], p["offset"] = pageSize, offset
		}
		rows, err := s.c.listWith(path, p)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if !paged[path] || len(rows) < pageSize {
			break
		}
	}
	s.lists[k] = all
	return all, nil
}

// paged are the list methods that return a page at a time.
var paged = map[string]bool{"usage_authorisations/list": true}

const pageSize = 1000

// find returns the rows of a list method whose field has value.
func (s *state) find(path, field, value string) ([]map[string]any, error) {
	return s.findIn(path, nil, field, value)
}

// findIn is find on a list method that takes parameters.
func (s *state) findIn(path string, params map[string]any, field, value string) ([]map[string]any, error) {
	k := path + " " + jsonText(params) + "\x00" + field
	idx, ok := s.index[k]
	if !ok {
		rows, err := s.rows(path, params)
		if err != nil {
			return nil, err
		}
		idx = map[string][]map[string]any{}
		for _, r := range rows {
			v := fmt.Sprint(r[field])
			idx[v] = append(idx[v], r)
		}
		s.index[k] = idx
	}
	return idx[value], nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// checkCreated checks a creating write: acknowledged ones are there once,
// with the id they were answered with; refused ones are not there;
// unknown ones are there at most once. extra checks a row found.
func (s *state) checkCreated(wr *write, listPath, field, value string, extra func(map[string]any) error) error {
	return s.checkCreatedIn(wr, listPath, nil, field, value, extra)
}

// checkCreatedIn is checkCreated on a list method that takes parameters.
func (s *state) checkCreatedIn(wr *write, listPath string, params map[string]any, field, value string, extra func(map[string]any) error) error {
	rows, err := s.findIn(listPath, params, field, value)
	if err != nil {
		return err
	}
	switch wr.outcome {
	case outcomeOK:
		if len(rows) != 1 {
			return fmt.Errorf("acknowledged, but %d rows with %s %q: lost or duplicated", len(rows), field, value)
		}
		if id, ok := created(wr)["id"]; ok && rows[0]["id"] != id {
			return fmt.Errorf("answered with id %v, stored as %v", id, rows[0]["id"])
		}
	case outcomeFailed:
		if len(rows) != 0 {
			return fmt.Errorf("refused or never applied, yet stored: %v", rows)
		}
	case outcomeUnknown:
		if len(rows) > 1 {
			return fmt.Errorf("applied %d times", len(rows))
		}
	}
	if len(rows) == 1 && extra != nil {
		return extra(rows[0])
	}
	return nil
}
