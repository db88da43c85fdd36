package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
)

// The crash workload is a table of write kinds. Each kind builds requests
// for a load worker and, after every restart, checks each of its writes
// against what the restarted server lists. New write methods (usage
// authorisations, Netflix subscriptions, …) join the load by adding a
// writeKind to writeKinds: the crash test needs no other change.

// writeKind is one kind of write the crash workload sends.
type writeKind struct {
	name string
	// weight is the kind's share of the load; Argon2id-bound writes (user
	// creation) get a small one so that a round stays short.
	weight int
	// next builds the worker's next write of this kind, or returns nil
	// when the worker has nothing to act on yet (no key to revoke, …).
	next func(w *loadWorker) *write
	// convergesWithoutKey marks writes whose first step may be stored
	// before their Idempotency-Key is marked applied (a Netflix sign-up
	// kept pending until its token is handed out): when the key reports
	// "in progress" after a crash, the client's retry without the key must
	// converge on the one object.
	convergesWithoutKey bool
	// check verifies one write against the state of the restarted server.
	// It runs for every write of the history after every restart, so a
	// write acknowledged in round 1 is checked again after round 20.
	check func(s *state, wr *write) error
}

// writeKinds is the crash workload.
var writeKinds = []*writeKind{unitCreate, apiKeyCreate, apiKeyRevoke, userCreate, userUpdate,
	paymentCreate, holdCreate, holdRelease, usagePost, netflixCreate}

// crashPassword is the password of the users the workload creates.
const crashPassword = "crash-test-password"

var unitCreate = &writeKind{
	name: "admin/units/create", weight: 30,
	next: func(w *loadWorker) *write {
		return w.newWrite("admin/units/create", map[string]any{"name": w.uniqueName("unit")})
	},
	check: func(s *state, wr *write) error {
		return s.checkCreated(wr, "admin/units/list", "name", wr.params["name"].(string), nil)
	},
}

var apiKeyCreate = &writeKind{
	name: "admin/web_api_keys/create", weight: 25,
	next: func(w *loadWorker) *write {
		return w.newWrite("admin/web_api_keys/create", map[string]any{"name": w.uniqueName("key")})
	},
	check: func(s *state, wr *write) error {
		return s.checkCreated(wr, "admin/web_api_keys/list", "name", wr.params["name"].(string), func(row map[string]any) error {
			// Revoked exactly when a revoke of it was acknowledged; either
			// way when one had an unknown outcome.
			revoked := row["revoked_date"] != nil
			switch s.h.revokeOutcome(fmt.Sprint(row["id"])) {
			case outcomeOK:
				if !revoked {
					return fmt.Errorf("acknowledged revoke of key %v lost", row["id"])
				}
			case outcomeFailed:
				if revoked {
					return fmt.Errorf("key %v revoked, but no revoke of it succeeded", row["id"])
				}
			}
			return nil
		})
	},
}

var apiKeyRevoke = &writeKind{
	name: "admin/web_api_keys/revoke", weight: 10,
	next: func(w *loadWorker) *write {
		id := w.takeOwned("key")
		if id == "" {
			return nil
		}
		wr := w.newWrite("admin/web_api_keys/revoke", map[string]any{"id": id})
		wr.subject = id
		return wr
	},
	// The key's own check tells whether its revoke took; a revoke's
	// answer carries nothing else to verify.
	check: func(s *state, wr *write) error { return nil },
}

var userCreate = &writeKind{
	name: "admin/users/create", weight: 1,
	next: func(w *loadWorker) *write {
		return w.newWrite("admin/users/create", map[string]any{"username": w.uniqueName("user"), "password": crashPassword,
			"admin": w.rng.IntN(2) == 0})
	},
	check: func(s *state, wr *write) error {
		return s.checkCreated(wr, "admin/users/list", "username", wr.params["username"].(string), func(row map[string]any) error {
			if row["unit_id"] == nil || row["unit_id"] == "" {
				return fmt.Errorf("user %v has no unit: half created", row["username"])
			}
			return nil
		})
	},
}

var userUpdate = &writeKind{
	name: "admin/users/update", weight: 15,
	next: func(w *loadWorker) *write {
		name := w.peekOwned("user")
		if name == "" {
			return nil
		}
		wr := w.newWrite("admin/users/update", map[string]any{"username": name, "admin": w.rng.IntN(2) == 0,
			"disabled": w.rng.IntN(2) == 0})
		wr.subject = name
		return wr
	},
	check: func(s *state, wr *write) error {
		// Only the last update of a user decides its final state: the one
		// acknowledged last, or any later one whose outcome is unknown.
		if s.h.lastUpdate(wr.subject) != wr {
			return nil
		}
		rows, err := s.find("admin/users/list", "username", wr.subject)
		if err != nil || len(rows) != 1 {
			return fmt.Errorf("updated user %s: %d rows, %v", wr.subject, len(rows), err)
		}
		got := [2]bool{rows[0]["admin"] == true, rows[0]["disabled"] == true}
		allowed := s.h.allowedUserStates(wr.subject)
		for _, a := range allowed {
			if a == got {
				return nil
			}
		}
		return fmt.Errorf("user %s has admin,disabled = %v; the history allows only %v", wr.subject, got, allowed)
	},
}

// loadWorker sends one stream of writes, one at a time: the writes of a
// worker are ordered, so the updates of a subject it owns are too.
type loadWorker struct {
	id    int
	round int
	rng   *rand.Rand
	h     *history
	fx    *fixture // the accounts of the money writes; nil leaves them out
	n     int      // objects named
	sent  int      // writes built, for unique Idempotency-Keys
}

// newWrite starts a write; about half carry an Idempotency-Key.
func (w *loadWorker) newWrite(path string, params map[string]any) *write {
	wr := &write{path: path, params: params, worker: w.id, round: w.round}
	w.sent++
	if w.rng.IntN(2) == 0 {
		wr.key = fmt.Sprintf("crash-%d-%d-%d", w.round, w.id, w.sent)
	}
	return wr
}

// uniqueName names a new object; names never repeat within a run.
func (w *loadWorker) uniqueName(prefix string) string {
	w.n++
	return fmt.Sprintf("%s-%d-%d-%d", prefix, w.round, w.id, w.n)
}

// takeOwned removes and returns an acknowledged object of this worker
// ("key" ids), or "" when it owns none.
func (w *loadWorker) takeOwned(what string) string { return w.h.takeOwned(w.id, what, w.rng) }

// peekOwned returns an acknowledged object of this worker ("user" names)
// without removing it.
func (w *loadWorker) peekOwned(what string) string { return w.h.peekOwned(w.id, what, w.rng) }

// created returns what an acknowledged write created, from its answer.
func created(wr *write) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(wr.answer, &m)
	return m
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
