package httpapi

import (
	"encoding/json"
	"net/http"
)

// CeilingHandler is the benchmark's ceiling: the least any POST method
// must do (decode a JSON body, verify an HS256 token, encode a JSON
// answer) and nothing else. Benchmarks state every workload's ratio to it.
// It is mounted only when crmapid serve runs with --bench-ceiling.
func CeilingHandler(verify func(token string) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]json.RawMessage
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes)).Decode(&body); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		var token string
		json.Unmarshal(body["token"], &token)
		if err := verify(token); err != nil {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		json.NewEncoder(w).Encode(Envelope{Data: emptyObject, Status: Status{Code: "OK"}})
	})
}
