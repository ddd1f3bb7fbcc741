//go:build race

package inventory

// raceEnabled: the race detector slows work several times over, so
// timing bounds are not checked under it.
const raceEnabled = true
