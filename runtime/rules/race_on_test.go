//go:build race

package rules

// raceEnabled: the race detector slows the loader about tenfold, so the
// time bounds of the hostile-input tests are not checked under it.
const raceEnabled = true
