//go:build race

package storetest

// raceEnabled tells whether the race detector is on; see m1RunsFor.
const raceEnabled = true
