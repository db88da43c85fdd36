package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/crmapi/crmapi"
)

// outcome is what the client knows of a write.
type outcome int

const (
	// outcomeOK: answered 2xx (or, after a restart, replayed or reported
	// applied under its Idempotency-Key): the write must be there.
	outcomeOK outcome = iota + 1
	// outcomeFailed: refused, or never sent: the write must not be there.
	outcomeFailed
	// outcomeUnknown: sent, but no answer came (the process died): the
	// write may be there or not, but wholly or not at all.
	outcomeUnknown
)

// write is one request of the workload and what became of it.
type write struct {
	kind    *writeKind
	path    string
	params  map[string]any
	key     string // Idempotency-Key, or ""
	worker  int
	round   int
	subject string // what an update or revoke acts on
	seq     int

	outcome outcome
	status  int
	code    string
	answer  json.RawMessage // the data of a 2xx answer
	// resolved is set when an unknown outcome was learned after the
	// restart, by sending the write again with its Idempotency-Key.
	resolved bool
}

// history is the client-side record of every write of a run.
type history struct {
	mu      sync.Mutex
	writes  []*write
	owned   map[int]map[string][]string // worker → "key"/"user" → ids or names
	updates map[string][]*write         // username → its updates, in order
	revokes map[string][]*write         // key id → its revokes, in order
	created map[string]*write           // username → its creation
	about   map[string][]*write         // kind and subject → the writes, in order
	refused []string                    // unexpected refusals, for the report
}

func newHistory() *history {
	return &history{owned: map[int]map[string][]string{}, updates: map[string][]*write{},
		revokes: map[string][]*write{}, created: map[string]*write{}, about: map[string][]*write{}}
}

// record files a write with its answer and returns its outcome.
func (h *history) record(wr *write, a answer) outcome {
	h.mu.Lock()
	defer h.mu.Unlock()
	wr.seq = len(h.writes)
	wr.status, wr.code = a.Status, a.Code
	switch {
	case a.Err != nil && !a.Sent:
		wr.outcome = outcomeFailed
	case a.Err != nil, a.Status >= 500, a.Code == string(crmapi.IdempotencyRequestInFlight):
		wr.outcome = outcomeUnknown
	case a.Status >= 200 && a.Status < 300:
		wr.outcome, wr.answer = outcomeOK, a.Data
	default:
		wr.outcome = outcomeFailed
		if len(h.refused) < 10 {
			h.refused = append(h.refused, fmt.Sprintf("%s %v: %d %s %s", wr.path, wr.params, a.Status, a.Code, a.Message))
		}
	}
	h.writes = append(h.writes, wr)
	switch wr.kind {
	case userUpdate:
		h.updates[wr.subject] = append(h.updates[wr.subject], wr)
	case apiKeyRevoke:
		h.revokes[wr.subject] = append(h.revokes[wr.subject], wr)
	case userCreate:
		h.created[wr.params["username"].(string)] = wr
	}
	if wr.subject != "" {
		k := wr.kind.name + "\x00" + wr.subject
		h.about[k] = append(h.about[k], wr)
	}
	if wr.outcome == outcomeOK {
		h.own(wr)
	}
	return wr.outcome
}

// own gives the worker of an acknowledged creation its object, for its
// later updates and revokes.
func (h *history) own(wr *write) {
	var what, id string
	switch wr.kind {
	case apiKeyCreate:
		what, id = "key", fmt.Sprint(created(wr)["id"])
	case userCreate:
		what, id = "user", wr.params["username"].(string)
	case holdCreate:
		what, id = "auth", fmt.Sprint(created(wr)["id"])
	default:
		return
	}
	if id == "" || id == "<nil>" {
		return // applied, but the answer (and so the id) was lost
	}
	if h.owned[wr.worker] == nil {
		h.owned[wr.worker] = map[string][]string{}
	}
	h.owned[wr.worker][what] = append(h.owned[wr.worker][what], id)
}

func (h *history) takeOwned(worker int, what string, rng *rand.Rand) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.owned[worker][what]
	if len(list) == 0 {
		return ""
	}
	i := rng.IntN(len(list))
	id := list[i]
	list[i] = list[len(list)-1]
	h.owned[worker][what] = list[:len(list)-1]
	return id
}

func (h *history) peekOwned(worker int, what string, rng *rand.Rand) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	list := h.owned[worker][what]
	if len(list) == 0 {
		return ""
	}
	return list[rng.IntN(len(list))]
}

// resolved learns the outcome of an unknown write from its retry.
func (h *history) resolve(wr *write, o outcome, data json.RawMessage) {
	h.mu.Lock()
	defer h.mu.Unlock()
	wr.outcome, wr.answer, wr.resolved = o, data, true
	if o == outcomeOK {
		h.own(wr)
	}
}

// last is the latest write of kind about subject.
func (h *history) last(kind *writeKind, subject string) *write {
	ws := h.about[kind.name+"\x00"+subject]
	if len(ws) == 0 {
		return nil
	}
	return ws[len(ws)-1]
}

// bounds is how many objects the writes of kind about subject may have
// made, each making per: at least the acknowledged ones, at most those and
// the unknown ones.
func (h *history) bounds(kind *writeKind, subject string, per int) (lo, hi int) {
	for _, wr := range h.about[kind.name+"\x00"+subject] {
		switch wr.outcome {
		case outcomeOK:
			lo += per
			hi += per
		case outcomeUnknown:
			hi += per
		}
	}
	return lo, hi
}

// outcomeOf sums up the writes of kind about subject: OK when one was
// applied, unknown when one may have been, failed when none was.
func (h *history) outcomeOf(kind *writeKind, subject string) outcome {
	res := outcomeFailed
	for _, r := range h.about[kind.name+"\x00"+subject] {
		switch r.outcome {
		case outcomeOK:
			return outcomeOK
		case outcomeUnknown:
			res = outcomeUnknown
		}
	}
	return res
}

// revokeOutcome sums up the revokes of a key: OK when one was applied,
// unknown when one may have been, failed when none was.
func (h *history) revokeOutcome(keyID string) outcome {
	res := outcomeFailed
	for _, r := range h.revokes[keyID] {
		switch r.outcome {
		case outcomeOK:
			return outcomeOK
		case outcomeUnknown:
			res = outcomeUnknown
		}
	}
	return res
}

// lastUpdate is the latest update of a user that may have been applied.
func (h *history) lastUpdate(username string) *write {
	ups := h.updates[username]
	for i := len(ups) - 1; i >= 0; i-- {
		if ups[i].outcome != outcomeFailed {
			return ups[i]
		}
	}
	return nil
}

// allowedUserStates are the (admin, disabled) pairs a user may have: the
// one its last acknowledged update (or its creation) set, and any set by
// a later update whose outcome is unknown.
func (h *history) allowedUserStates(username string) [][2]bool {
	base := [2]bool{false, false}
	if c := h.created[username]; c != nil {
		base[0] = c.params["admin"] == true
	}
	var unknown [][2]bool
	for _, u := range h.updates[username] {
		st := [2]bool{u.params["admin"] == true, u.params["disabled"] == true}
		switch u.outcome {
		case outcomeOK:
			base, unknown = st, nil
		case outcomeUnknown:
			unknown = append(unknown, st)
		}
	}
	return append([][2]bool{base}, unknown...)
}

// counts tallies the history for the report.
type counts struct {
	invoked, acked, failed, unknown, keyedUnknown, resolvedApplied, resolvedAbsent int
}

func (h *history) counts() counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	var c counts
	for _, wr := range h.writes {
		c.invoked++
		switch {
		case wr.resolved && wr.outcome == outcomeOK:
			c.resolvedApplied++
		case wr.resolved:
			c.resolvedAbsent++
		case wr.outcome == outcomeOK:
			c.acked++
		case wr.outcome == outcomeFailed:
			c.failed++
		case wr.outcome == outcomeUnknown:
			c.unknown++
		}
		if wr.resolved || (wr.outcome == outcomeUnknown && wr.key != "") {
			c.keyedUnknown++
		}
	}
	return c
}
