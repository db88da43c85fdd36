//go:build race

package service_test

// raceEnabled tells the load tests that the race detector slows everything
// down several times, so they shrink their load and widen their timeouts.
const raceEnabled = true
