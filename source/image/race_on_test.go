//go:build race

package image

// raceEnabled: the race detector slows walks several times over, so
// timing bounds are not checked under it.
const raceEnabled = true
